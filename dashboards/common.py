"""Shared page helpers: the database connection and catalog, and small layout pieces."""

from __future__ import annotations

import os
import re

import streamlit as st

from stegvis.database import open_db

# Streamlit draws captions at 60 % opacity: grey on white then fails AA contrast (4.5:1). Every

from surveys.store import load_catalog
# page, staff pages included (axe-core found it on the board page), gets solid grey instead.
READABLE_CSS = ('<style>[data-testid="stCaptionContainer"] '
                '{opacity: 1 !important; color: #4a4a4a !important;}</style>')


def db():
    """This browser session's connection, opened once and reused across reruns: reopening
    per rerun costs far more under load than it seems (WAL checkpoints on close). SQLite is
    in serialized mode here, so a rerun overlapping the previous one's end is safe."""
    path = os.environ.get("STEGVIS_DB")
    cached = st.session_state.get("_stegvis_db")
    if cached is None or cached[0] != path:
        st.session_state["_stegvis_db"] = cached = (path, open_db(path))
    return cached[1]


@st.cache_resource
def catalog():
    return load_catalog(db())


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text) -> str:
    """Data (a code, a text pack's wording, an answer) made inert for Streamlit's Markdown, which
    renders every label, caption, heading and message: each ASCII punctuation character gets a
    backslash (CommonMark lets any be escaped), so no image, link, HTML, emphasis, colour or
    LaTeX comes of it and the reader sees the characters as typed. Never Markdown from data:
    `![x](http://…)` in an imported code made the coach's browser fetch that address."""
    return _PUNCTUATION.sub(r"\\\1", "" if text is None else str(text))
