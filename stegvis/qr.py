"""The QR code that opens a survey visit on the respondent's own phone."""

from __future__ import annotations

import io
import os

import qrcode

PUBLIC_URL_ENV = "STEGVIS_PUBLIC_URL"
FALLBACK = "http://localhost:8501"


def public_address(seen: str | None = None) -> str:
    """The app's address for participants (the front page where codes are typed): the configured
    public address (STEGVIS_PUBLIC_URL, or `stegvis serve --public-url`) if there is one, else the
    address the coach's browser used (`seen`, scheme://host:port), else localhost:8501. Behind a
    reverse proxy configure it: the browser's view of the address is only as good as the proxy's
    Host header."""
    configured = os.environ.get(PUBLIC_URL_ENV, "").strip()
    return (configured or seen or FALLBACK).rstrip("/")


def survey_url(code: str, seen: str | None = None) -> str:
    """The public address with the code, which the front page picks up."""
    return f"{public_address(seen)}/?kod={code}"


def qr_png(code: str, seen: str | None = None) -> bytes:
    image = qrcode.make(survey_url(code, seen), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
