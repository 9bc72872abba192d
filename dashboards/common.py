"""Shared page helpers: the database connection and catalog, and small layout pieces."""

from __future__ import annotations

import os

import streamlit as st

from surveys.store import load_catalog, open_db

# Streamlit draws captions at 60 % opacity: grey on white then fails AA contrast (4.5:1). Every
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
