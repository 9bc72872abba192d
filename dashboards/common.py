"""Shared page helpers: the database and catalog for this run, and small layout pieces."""

from __future__ import annotations

import os

import streamlit as st

from surveys.store import load_catalog, open_db


def db():
    """A connection for this script run (SQLite connections are cheap; sharing one across
    Streamlit's threads is not safe)."""
    return open_db(os.environ.get("STEGVIS_DB"))


@st.cache_resource
def catalog():
    return load_catalog(db())
