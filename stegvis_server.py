"""What `stegvis serve` runs: the Streamlit pages of streamlit_app.py as an ASGI app behind
stegvis.web.Guard, which adds security headers and refuses uploads outside the admin's import
page, plus the health check (`/healthz`, stegvis/health.py) that the reverse proxy and
monitoring call and the staff session's cookie routes (stegvis/staff_web.py). At start, the
board's figures are computed in the background (stegvis.entrance.prepare_in_background).
`streamlit run` finds `app` here and serves it as usual."""

import os

import streamlit as st
from starlette.middleware import Middleware

from stegvis import staff_web
from stegvis.entrance import prepare_in_background
from stegvis.health import routes
from stegvis.web import Guard

prepare_in_background(os.environ.get("STEGVIS_DB"))  # the board's first view then finds its figures ready
app = st.App("streamlit_app.py", routes=routes + staff_web.routes, middleware=[Middleware(Guard)])
