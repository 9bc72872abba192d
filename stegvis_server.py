"""What `stegvis serve` runs: the Streamlit app (streamlit_app.py) as an ASGI app behind
stegvis.web.Guard, which adds security headers and refuses uploads outside the admin's import
page. `streamlit run` finds `app` here and serves it as usual."""

import streamlit as st
from starlette.middleware import Middleware

from stegvis.web import Guard

app = st.App("streamlit_app.py", middleware=[Middleware(Guard)])
