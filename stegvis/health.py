"""The health check for the reverse proxy and monitoring: `GET /healthz` answers without a
login, and says nothing but "ok" and the version (or "unavailable" with 503 when the database
cannot be read)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from stegvis import __version__
from foundation.db import resolve_path

HEALTH_PATH = "/healthz"
_HEADERS = {"Cache-Control": "no-store"}


def database_readable(db_path=None) -> bool:
    """The database opens read-only and answers a query."""
    path = resolve_path(db_path or os.environ.get("STEGVIS_DB"))
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.Error:
        return False


async def health(request: Request) -> PlainTextResponse:
    if await asyncio.to_thread(database_readable):
        return PlainTextResponse(f"ok {__version__}\n", headers=_HEADERS)
    return PlainTextResponse("unavailable\n", status_code=503, headers=_HEADERS)


routes = [Route(HEALTH_PATH, health, methods=["GET", "HEAD"])]
