"""Slips for handing out a survey round's codes at a meeting: one per code, eight to an A4
page with cut lines, each with the code in large print, a QR code that opens the front page
with the code filled in, the address to type instead, and the closing date. Words from the
catalogue (foundation/locale), in Swedish unless asked otherwise; the date in the locale's form."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from foundation.texts import DEFAULT, t
from stegvis.qr import public_address, qr_png

COLUMNS, ROWS = 2, 4


def slips_pdf(codes: list[str], closes_on: str, title: str, lang: str = DEFAULT) -> bytes:
    """The PDF: `codes` in order, `title` names the round in words (the group and programme)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(t("slips.document", lang, title=title))
    page.setAuthor("Stegvis")
    width, height = A4
    cell_w, cell_h = width / COLUMNS, height / ROWS
    closes = date.fromisoformat(closes_on)
    for n, code in enumerate(codes):
        slot = n % (COLUMNS * ROWS)
        if n and slot == 0:
            page.showPage()
        if slot == 0:
            _cut_lines(page, width, height, cell_w, cell_h)
        x, y = (slot % COLUMNS) * cell_w, height - (slot // COLUMNS + 1) * cell_h
        _slip(page, x, y, cell_w, cell_h, code, closes, title, lang)
    if not codes:
        page.drawString(20 * mm, height - 30 * mm, t("slips.none_left", lang))
    page.save()
    return buffer.getvalue()


def _cut_lines(page, width, height, cell_w, cell_h) -> None:
    page.saveState()
    page.setDash(2, 3)
    page.setStrokeGray(0.6)
    for column in range(1, COLUMNS):
        page.line(column * cell_w, 0, column * cell_w, height)
    for row in range(1, ROWS):
        page.line(0, row * cell_h, width, row * cell_h)
    page.restoreState()


def _slip(page, x, y, w, h, code: str, closes: date, title: str, lang: str) -> None:
    from babel.dates import format_date

    from stegvis.reports import LOCALES

    pad = 7 * mm
    top = y + h - pad
    page.setFont("Helvetica-Bold", 11)
    page.drawString(x + pad, top - 4 * mm, t("slips.heading", lang))
    page.setFont("Helvetica", 9)
    page.drawString(x + pad, top - 9 * mm, title[:60])
    page.setFont("Helvetica", 9)
    page.drawString(x + pad, top - 17 * mm, t("slips.your_code", lang))
    page.setFont("Courier-Bold", 24)
    page.drawString(x + pad, top - 27 * mm, code)
    qr_size = 30 * mm
    page.drawImage(ImageReader(io.BytesIO(qr_png(code))), x + w - pad - qr_size, top - qr_size - 12 * mm,
                   qr_size, qr_size)
    page.setFont("Helvetica", 8.5)
    lines = [t("slips.scan", lang, address=public_address()), t("slips.type_code", lang),
             t("slips.closes", lang, date=format_date(closes, "d MMMM y", locale=LOCALES[lang])),
             t("slips.anonymous", lang)]
    for n, line in enumerate(lines):
        page.drawString(x + pad, y + pad + (len(lines) - 1 - n) * 4 * mm, line)

