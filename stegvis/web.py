"""The web server around the Streamlit app (`stegvis serve` runs stegvis_server.py, which
wraps streamlit_app.py in the middleware here): security headers
on every HTTP response, and file uploads accepted only from a browser session whose
administrator has the import page open. Streamlit's own upload route takes a file from any
open session, a participant's included; its size limit is server.maxUploadSize in
.streamlit/config.toml. What a reverse proxy must add is in docs/reliability.md."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

# Sent with every HTTP response. The page may not be framed (clickjacking: a participant or a
# coach tricked into clicking inside an invisible frame), images come only from this server
# (a second line behind showing data as text: no stored text can make a browser fetch
# elsewhere), nothing is sniffed, and no Referer is sent (a survey link carries its code).
_CSP = "img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; form-action 'self'"
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": f"frame-ancestors 'none'; {_CSP}",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Streamlit draws custom components in frames of its own page: those may be framed by it alone.
COMPONENT_HEADERS = {**SECURITY_HEADERS, "X-Frame-Options": "SAMEORIGIN",
                     "Content-Security-Policy": f"frame-ancestors 'self'; {_CSP}"}
_UPLOAD = re.compile(r"/_stcore/upload_file/([^/]+)/")
# How long an import page, once drawn, lets its session upload: the staff inactivity timeout.
UPLOAD_WINDOW = 30 * 60

_allowed: dict[str, float] = {}
_allowed_lock = threading.Lock()


def allow_uploads(session_id: str, seconds: float = UPLOAD_WINDOW) -> None:
    """Let this browser session upload for a while (the admin import page calls it as it draws)."""
    with _allowed_lock:
        now = time.monotonic()
        for expired in [s for s, until in _allowed.items() if until <= now]:
            del _allowed[expired]
        _allowed[session_id] = now + seconds


def forbid_uploads(session_id: str) -> None:
    with _allowed_lock:
        _allowed.pop(session_id, None)


def may_upload(session_id: str) -> bool:
    with _allowed_lock:
        return _allowed.get(session_id, 0.0) > time.monotonic()


class Guard:
    """ASGI middleware: adds SECURITY_HEADERS, refuses uploads from sessions not allowed."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = _UPLOAD.search(scope.get("path", ""))
        if upload and scope.get("method") in ("PUT", "POST") and not may_upload(upload.group(1)):
            await _refuse(send)
            return

        extra = _encoded(COMPONENT_HEADERS if "/component/" in scope.get("path", "") else SECURITY_HEADERS)
        names = {name for name, _ in extra}

        async def with_headers(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _refuse(send) -> None:
    body = "Uppladdning tas bara emot från administratörens importsida.".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers + _encoded(SECURITY_HEADERS)})
    await send({"type": "http.response.body", "body": body})


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
