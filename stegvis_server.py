"""What `stegvis serve` runs: the Streamlit pages of streamlit_app.py as an ASGI app behind
stegvis.web.Guard, which adds security headers and refuses uploads outside the admin's import
page, plus the health check (`/healthz`, stegvis/health.py) that the reverse proxy and
monitoring call and the staff session's cookie routes (stegvis/staff_web.py). `streamlit run`
finds `app` here and serves it as usual."""

import streamlit as st
from starlette.middleware import Middleware

from stegvis import staff_web
from stegvis.health import routes
from stegvis.web import Guard

app = st.App("streamlit_app.py", routes=routes + staff_web.routes, middleware=[Middleware(Guard)])
