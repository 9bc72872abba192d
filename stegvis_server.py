"""What `stegvis serve` runs: the Streamlit pages of streamlit_app.py, plus the health check
(`/healthz`, stegvis/health.py) that the reverse proxy and monitoring call."""

import streamlit as st

from stegvis.health import routes

app = st.App("streamlit_app.py", routes=routes)
