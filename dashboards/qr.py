"""The QR code that opens a survey visit on the participant's own phone."""

from __future__ import annotations

import io
import os

import qrcode


def survey_url(code: str) -> str:
    """The app's public address (STEGVIS_PUBLIC_URL) with the code, which the front page picks up."""
    base = os.environ.get("STEGVIS_PUBLIC_URL", "http://localhost:8501").rstrip("/")
    return f"{base}/?kod={code}"


def qr_png(code: str) -> bytes:
    image = qrcode.make(survey_url(code), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
