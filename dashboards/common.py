"""Shared page helpers: this browser session's entrance to the data, and small layout pieces."""

from __future__ import annotations

import os
import re

import streamlit as st

from stegvis.entrance import Entrance

# Streamlit draws captions at 60 % opacity: grey on white then fails AA contrast (4.5:1). Every
# page, staff pages included (axe-core found it on the board page), gets solid grey instead.
# The container auth.browser_steps keeps on every page takes no room (and no gap above a title).
# Streamlit words a field's hint in English only ("Press Enter to submit form", "Press Enter to
# apply"): under a participant's code and a staff member's password it is hidden, and a length
# counter after it ("3/12") is kept without its leading dot. The hint is always the first of the
# field's instructions while Enter may submit, which no form here turns off.
READABLE_CSS = ('<style>[data-testid="stCaptionContainer"] '
                '{opacity: 1 !important; color: #4a4a4a !important;} '
                '[data-testid="stLayoutWrapper"]:has(> .st-key-browser-steps) {display: none;} '
                '[data-testid="InputInstructions"] > span:first-child {display: none;} '
                '[data-testid="InputInstructions"] > span::before {content: none !important;}</style>')


# Staff pages on a tablet: Streamlit keeps its sidebar 300 px wide down to 768 px, so at 810 the
# caseload had 480 px and lost columns. Below 1100 px the sidebar (a short list of pages) takes
# 200 px; below 768 Streamlit collapses it as usual. The page starts just under the header (60 px
# high, holding the coach's pages): Streamlit's 6–8 rem left a tenth of a tablet's height empty
# above every title.
STAFF_CSS = ('<style>@media (min-width: 768px) and (max-width: 1100px) {'
             'section[data-testid="stSidebar"] {width: 200px !important; min-width: 200px !important;}'
             'section[data-testid="stSidebar"] > div {width: 200px !important;}}'
             '[data-testid="stMainBlockContainer"] {padding-top: 4.5rem;}</style>')


def entrance() -> Entrance:
    """This browser session's way to the data, opened once and reused across reruns."""
    path = os.environ.get("STEGVIS_DB")
    cached = st.session_state.get("_stegvis_entrance")
    if cached is None or cached.path != path:
        st.session_state["_stegvis_entrance"] = cached = Entrance(path)
    return cached


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text) -> str:
    """Data (a code, a text pack's wording, an answer) made inert for Streamlit's Markdown, which
    renders every label, caption, heading and message: each ASCII punctuation character gets a
    backslash (CommonMark lets any be escaped), so no image, link, HTML, emphasis, colour or
    LaTeX comes of it and the reader sees the characters as typed. Never Markdown from data:
    `![x](http://…)` in an imported code made the coach's browser fetch that address."""
    return _PUNCTUATION.sub(r"\\\1", "" if text is None else str(text))
