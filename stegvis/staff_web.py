"""The two web routes that hold a staff session in the browser: `/staff/session` exchanges the
one-time handoff a login gave the page for the session token, in an HttpOnly cookie the page's
scripts cannot read, and `/staff/logout` ends the session and removes the cookie. Streamlit
cannot set a cookie from a page (it talks to the browser over a websocket), so these answer
plain HTTP requests beside it. The page posts the handoff in the background (a `fetch` whose
answer sets the cookie) and goes on drawing: a login is one page load, not two. The threat
model is in docs/security.md."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from stegvis.accounts import end_session, exchange_handoff, session_for_token
from stegvis.database import open_db

COOKIE = "stegvis_staff"
SESSION_PATH = "/staff/session"
LOGOUT_PATH = "/staff/logout"
# Streamlit's own cookies from st.login (OpenID Connect): spent once the login has become a
# Stegvis session, so the identity provider's answer cannot outlive Stegvis's inactivity timeout.
STREAMLIT_AUTH_COOKIES = ("_streamlit_user", "_streamlit_user_tokens")
_HEADERS = {"Cache-Control": "no-store"}
_MAX_BODY = 1024  # bytes of a handoff's JSON
NOTICES = ("expired", "sso_unmapped")  # what the login page may say after a logout


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    public = os.environ.get("STEGVIS_PUBLIC_URL", "")
    return request.url.scheme == "https" or forwarded == "https" or public.startswith("https://")


def _exchange(handoff: str) -> str | None:
    with contextlib.closing(open_db(os.environ.get("STEGVIS_DB"))) as db:
        return exchange_handoff(db, handoff)


def _end(token: str) -> None:
    with contextlib.closing(open_db(os.environ.get("STEGVIS_DB"))) as db:
        session_id = session_for_token(db, token)
        if session_id is not None:
            end_session(db, session_id)


def _forget_streamlit_login(request: Request, response) -> None:
    for name in request.cookies:
        if name.startswith(STREAMLIT_AUTH_COOKIES):
            response.delete_cookie(name, path="/")


async def session(request: Request) -> Response:
    """POST {"handoff": …} as JSON: 204 with the cookie, or 403. JSON only, so no other site's
    form can post here (a cross-site JSON post needs a CORS permission this server never gives),
    and the handoff is never in an address, a log line or the history."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return Response(status_code=415, headers=_HEADERS)
    received = b""
    async for chunk in request.stream():  # a handoff is 43 characters: nobody need send megabytes
        received += chunk
        if len(received) > _MAX_BODY:
            return Response(status_code=413, headers=_HEADERS)
    try:
        body = json.loads(received)
    except ValueError:
        body = None
    handoff = body.get("handoff") if isinstance(body, dict) else None
    token = await asyncio.to_thread(_exchange, handoff) if isinstance(handoff, str) else None
    if token is None:
        return Response(status_code=403, headers=_HEADERS)
    response = Response(status_code=204, headers=_HEADERS)
    # No Max-Age: the cookie goes with the browser; the server ends the session after inactivity.
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    _forget_streamlit_login(request, response)
    return response


async def logout(request: Request) -> RedirectResponse:
    token = request.cookies.get(COOKIE)
    if token:
        await asyncio.to_thread(_end, token)
    then = request.query_params.get("then")
    target = f"/login?then={then}" if then in NOTICES else "/login"
    response = RedirectResponse(target, status_code=303, headers=_HEADERS)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    _forget_streamlit_login(request, response)
    return response


routes = [Route(SESSION_PATH, session, methods=["POST"]), Route(LOGOUT_PATH, logout, methods=["GET"])]
