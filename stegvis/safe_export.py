"""Exports that are safe to open in Excel: a cell a spreadsheet would run as a formula
(leading =, +, -, @, tab or carriage return) is written with a leading apostrophe;
numbers stay numbers. Files are written atomically."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from stegvis.files import write_atomic

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame) -> str:
    return safe_frame(frame).to_csv(index=False)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_atomic(path, csv_text(frame))


def sheet_name(title: str) -> str:
    """A table title as an Excel sheet name: at most 31 characters, none of []:*?/\\ (Excel
    refuses them; "Stödlinjen: Mer ork" would otherwise fail the whole workbook)."""
    return re.sub(r"[\[\]:*?/\\]", "-", title).strip("' ")[:31] or "Tabell"


def sheet_names(titles) -> dict[str, str]:
    """Each title's sheet name, unique in the workbook: two long titles that begin alike ("… per
    tillfälle: medelvärden", "… per tillfälle: under gränsvärdena") end in " (2)", " (3)" … where
    cut to 31 characters they would be the same (Excel refuses two sheets of one name)."""
    names, used = {}, set()
    for title in titles:
        name, n = sheet_name(title), 1
        while name.lower() in used:
            n += 1
            name = sheet_name(title)[:31 - len(f" ({n})")].rstrip() + f" ({n})"
        used.add(name.lower())
        names[title] = name
    return names


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table; text cells are stored as text, never as formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    names = sheet_names(sheets)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=names[name])
        safe = safe_frame(frame)
        sheet.append(list(safe.columns))
        for row in safe.itertuples(index=False):
            sheet.append([None if (not isinstance(v, str) and pd.isna(v)) else v for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    write_atomic(path, xlsx_bytes(sheets))
