"""The QR code that opens a survey visit on the respondent's own phone."""

from __future__ import annotations

import io
import os

import qrcode


def public_address() -> str:
    """The app's public address (STEGVIS_PUBLIC_URL; the front page where codes are typed)."""
    return os.environ.get("STEGVIS_PUBLIC_URL", "http://localhost:8501").rstrip("/")


def survey_url(code: str) -> str:
    """The public address with the code, which the front page picks up."""
    return f"{public_address()}/?kod={code}"


def qr_png(code: str) -> bytes:
    image = qrcode.make(survey_url(code), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
