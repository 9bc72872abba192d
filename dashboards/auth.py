"""Staff login: by password or through the förbund's identity provider (OpenID Connect, Streamlit's
st.login). A login is a server-side session (stegvis.accounts) that the browser keeps in an
HttpOnly cookie, so a reload or a new tab stays logged in until the inactivity timeout, and
logging out ends it in every tab. The threat model is in docs/security.md."""

from __future__ import annotations

import json
import time

import streamlit as st

from dashboards.common import STAFF_CSS, entrance
from foundation.errors import StegvisError
from foundation.texts import t
from stegvis.access import Access
from stegvis.staff_web import COOKIE, LOGOUT_PATH, SESSION_PATH


def _cookie() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # no browser behind this run (AppTest): nothing to resume
        return None


def _sso_claims() -> dict | None:
    """The identity provider's claims while Streamlit holds a fresh OpenID Connect login."""
    try:
        if sso_configured() and st.user.is_logged_in:
            return st.user.to_dict()
    except Exception:  # Streamlit without Authlib, or no browser behind this run
        return None
    return None


def sso_configured() -> bool:
    """Single sign-on is offered when [auth] in Streamlit's secrets names a provider."""
    try:
        return "auth" in st.secrets and bool(st.secrets["auth"].get("client_id") or
                                              any(isinstance(v, dict) for v in st.secrets["auth"].values()))
    except Exception:  # no secrets file at all
        return False


def current_user():
    """The logged-in user, or None: no session, or it ended (logout in any tab, inactivity,
    account disabled or given another role)."""
    state = st.session_state
    session_id = state.get("staff_session")
    if session_id is None and "user" not in state:
        session_id = entrance().session_of_cookie(_cookie())
        if session_id is None:
            return _from_sso()
        state["staff_session"] = session_id
    if session_id is not None:
        user, why = entrance().session_user(session_id)
        if user is None:
            logout(expired=why == "expired", ended=True)
            return None
        state["user"], state["last_seen"] = user, time.monotonic()
        return user
    # a user put into this browser session without a server-side one (tests of single pages)
    user = state.get("user")
    idle = time.monotonic() - state.get("last_seen", 0)
    if not entrance().still_valid(user, idle):
        logout(expired=idle > entrance().session_timeout_seconds(), ended=True)
        return None
    state["last_seen"] = time.monotonic()
    return user


def _from_sso():
    """A fresh login at the identity provider becomes a Stegvis session when the administrator has
    mapped the person to a user; otherwise a calm refusal, and Streamlit's login is forgotten."""
    state = st.session_state
    claims = _sso_claims()
    if claims is None or state.get("sso_tried"):
        return None
    state["sso_tried"] = True
    user = entrance().sso_user(claims)
    if user is None:
        state["go_to"] = f"{LOGOUT_PATH}?then=sso_unmapped"
        return None
    _begin(user, "sso")
    return user


def _begin(user, method: str) -> None:
    session_id, handoff = entrance().start_session(user, method)
    st.session_state.update(user=user, staff_session=session_id, last_seen=time.monotonic(), handoff=handoff)


def browser_steps(lang: str) -> None:
    """What the page asks of the browser. On every run: the page's language `lang`, which
    Streamlit's own page gives as English (a screen reader would read Swedish with an English
    voice), and its "Skip to main content" link in that language. After a login: post the
    one-time handoff to the route that sets the session cookie, in the background, while this
    page goes on drawing (a failed exchange leaves this tab logged in until it is reloaded).
    After a logout: go to the route that removes the cookie and then to the login page. Nothing
    happens without a browser (AppTest)."""
    # in every run, so the page's own elements keep their places (and a tab stays open); never
    # drawn (common.READABLE_CSS hides it), so it takes no room
    slot = st.container(key="browser-steps")
    skip_text = t("app.skip_to_content", lang)
    slot.html(f"<script>(() => {{document.documentElement.lang = {json.dumps(lang)}; "
              "const skip = document.querySelector('[data-testid=\"stSkipToContent\"]'); "
              f"if (skip) skip.textContent = {json.dumps(skip_text)};}})();</script>", unsafe_allow_javascript=True)
    handoff = st.session_state.pop("handoff", None)
    if handoff:
        slot.html(f"<script>fetch({json.dumps(SESSION_PATH)}, {{method: 'POST', credentials: 'same-origin', "
                  f"headers: {{'Content-Type': 'application/json'}}, "
                  f"body: JSON.stringify({{handoff: {json.dumps(handoff)}}})}});</script>", unsafe_allow_javascript=True)
    target = st.session_state.pop("go_to", None)
    if target:
        slot.html(f"<script>window.location.replace({json.dumps(target)});</script>", unsafe_allow_javascript=True)


def access() -> Access:
    """The data-access layer for the current user: pages get data only through it."""
    return entrance().access(current_user())


def logout(expired: bool = False, ended: bool = False) -> None:
    """End this browser session's login. `ended`: the server-side session had already ended (in
    another tab, or by inactivity); otherwise it is ended here, for every tab."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from stegvis.web import forbid_uploads

    context = get_script_run_ctx()
    if context is not None:
        forbid_uploads(context.session_id)  # an administrator's import page stops taking files
    user = st.session_state.pop("user", None)
    session_id = st.session_state.get("staff_session")
    for key in [k for k in st.session_state if not str(k).startswith("_stegvis_entrance")]:
        del st.session_state[key]
    st.session_state["sso_tried"] = True  # a provider's login is taken once, never again after logout
    if expired:
        st.session_state["expired_notice"] = True
    elif user is not None and not ended:
        entrance().logged_out(user, session_id)
    st.session_state["go_to"] = LOGOUT_PATH + ("?then=expired" if expired else "")


def login_page() -> None:
    st.html(STAFF_CSS)  # laid out as the staff pages it leads to
    st.title(t("login.title"))
    st.caption(t("login.who"))
    then = st.query_params.get("then")
    if st.session_state.pop("expired_notice", False) or then == "expired":
        st.info(t("login.expired"))
    if then == "sso_unmapped":
        st.warning(t("login.sso_unmapped"))
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
            _begin(user, "password")
            st.rerun()
    if sso_configured():
        if st.button(t("login.sso"), key="login_sso"):
            st.login()
    st.markdown("[" + t("login.to_start") + "](/)")


def logout_page() -> None:
    logout()
    st.rerun()
