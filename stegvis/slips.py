"""Slips for handing out a survey round's codes at a meeting: one per code, eight to an A4
page with cut lines, each with the code in large print, a QR code that opens the front page
with the code filled in, the address to type instead, and the closing date."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from stegvis.qr import public_address, qr_png

COLUMNS, ROWS = 2, 4


def slips_pdf(codes: list[str], closes_on: str, title: str) -> bytes:
    """The PDF: `codes` in order, `title` names the round in words (the group and programme)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(f"Svarskoder: {title}")
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
        _slip(page, x, y, cell_w, cell_h, code, closes, title)
    if not codes:
        page.drawString(20 * mm, height - 30 * mm, "Omgången har inga oanvända koder.")
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


def _slip(page, x, y, w, h, code: str, closes: date, title: str) -> None:
    pad = 7 * mm
    top = y + h - pad
    page.setFont("Helvetica-Bold", 11)
    page.drawString(x + pad, top - 4 * mm, "Enkät från samordningsförbundet")
    page.setFont("Helvetica", 9)
    page.drawString(x + pad, top - 9 * mm, title[:60])
    page.setFont("Helvetica", 9)
    page.drawString(x + pad, top - 17 * mm, "Din kod:")
    page.setFont("Courier-Bold", 24)
    page.drawString(x + pad, top - 27 * mm, code)
    qr_size = 30 * mm
    page.drawImage(ImageReader(io.BytesIO(qr_png(code))), x + w - pad - qr_size, top - qr_size - 12 * mm,
                   qr_size, qr_size)
    page.setFont("Helvetica", 8.5)
    lines = [f"Skanna QR-koden, eller gå till {public_address()}",
             "och skriv koden. Koden fungerar en gång.",
             f"Svara senast {closes.day} {_MONTHS[closes.month - 1]} {closes.year}.",
             "Anonymt: ingen kan se vem som svarat vad."]
    for n, line in enumerate(lines):
        page.drawString(x + pad, y + pad + (len(lines) - 1 - n) * 4 * mm, line)


_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"]
