"""Staff login: the user lives in this browser session and expires after inactivity."""

from __future__ import annotations

import time

import streamlit as st

from dashboards.common import entrance
from foundation.errors import StegvisError
from foundation.texts import t
from stegvis.access import Access


def current_user():
    """The logged-in user, or None once the session has been idle too long."""
    state = st.session_state
    user = state.get("user")
    if user is None:
        return None
    idle = time.monotonic() - state.get("last_seen", 0)
    # An account disabled or given another role while logged in stops working at once.
    if not entrance().still_valid(user, idle):
        logout(expired=idle > entrance().session_timeout_seconds())
        return None
    state["last_seen"] = time.monotonic()
    return user


def access() -> Access:
    """The data-access layer for the current user: pages get data only through it."""
    return entrance().access(current_user())


def logout(expired: bool = False) -> None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from stegvis.web import forbid_uploads

    context = get_script_run_ctx()
    if context is not None:
        forbid_uploads(context.session_id)  # an administrator's import page stops taking files
    user = st.session_state.pop("user", None)
    for key in [k for k in st.session_state if not str(k).startswith("_stegvis_entrance")]:
        del st.session_state[key]
    if expired:
        st.session_state["expired_notice"] = True
    elif user is not None:
        entrance().logged_out(user)


def login_page() -> None:
    st.title(t("login.title"))
    st.caption(t("login.who"))
    if st.session_state.pop("expired_notice", False):
        st.info(t("login.expired"))
    with st.form("login", border=True):
        username = st.text_input(t("login.username"), key="login_username")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit"), type="primary")
    if submitted:
        try:
            user = entrance().log_in(username, password)
        except StegvisError as exc:
            st.error(exc.say())
        else:
            st.session_state["user"] = user
            st.session_state["last_seen"] = time.monotonic()
            st.rerun()
    st.markdown("[" + t("login.to_start") + "](/)")


def logout_page() -> None:
    logout()
    st.rerun()
