"""Exports that are safe to open in Excel: a cell a spreadsheet would run as a formula
(leading =, +, -, @, tab or carriage return) is written with a leading apostrophe;
numbers stay numbers, with a number format where given. Files are written atomically."""

from __future__ import annotations

import io
import math
import numbers
import re
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Number:
    """A figure for a workbook cell: the value as a number and how Excel shows it (an Excel
    number format: "#,##0", "0 %", "0.0"; Excel applies the reader's decimal comma)."""

    value: float
    format: str = "General"


@dataclass
class Sheet:
    """One sheet: a header row and rows of cells (text, a plain number, a `Number`, or None for
    an empty cell). `frozen` is the first cell that scrolls (Excel's freeze panes): "B2" keeps
    the header row and the label column in view. `wrap` columns (0-based) hold long text."""

    header: list[str]
    rows: list[list] = field(default_factory=list)
    frozen: str = "A2"
    wrap: tuple[int, ...] = ()


WIDEST = 45  # characters: a longer header wraps instead of widening its column
WRAPPED = 100  # the width of a column of long text (the method sheet's notes)


def _shown_length(value) -> int:
    """About how many characters a cell shows, for its column's width."""
    if isinstance(value, Number):
        value = value.value
        return len(f"{value:,.1f}") + 3 if isinstance(value, float) else len(f"{value:,}") + 3
    return max((len(line) for line in str(value).splitlines()), default=0) if value is not None else 0


def workbook_bytes(sheets: dict[str, Sheet]) -> bytes:
    """One sheet per title (sheet_names: unique, at most 31 characters). Text cells are stored as
    text, never as formulas, and neutralised like the CSV exports; numbers are numbers with their
    number format; the header row is bold and frozen, and every column is about as wide as what
    it shows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    names = sheet_names(sheets)
    for title, content in sheets.items():
        sheet = book.create_sheet(title=names[title])
        sheet.append([neutralise(str(h)) for h in content.header])
        for row in content.rows:
            sheet.append([_cell_value(v) for v in row])
        for line, values in zip(sheet.iter_rows(min_row=2), content.rows):
            for cell, value in zip(line, values):
                if isinstance(value, Number):
                    cell.number_format = value.format
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for n in range(len(content.header)):
            letter = get_column_letter(n + 1)
            if n in content.wrap:
                sheet.column_dimensions[letter].width = WRAPPED
                for (cell,) in sheet.iter_rows(min_row=2, min_col=n + 1, max_col=n + 1):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                continue
            longest = max([_shown_length(r[n]) for r in content.rows if n < len(r)] +
                          [min(len(str(content.header[n])), WIDEST)], default=8)
            sheet.column_dimensions[letter].width = max(8, longest + 2)
        sheet.freeze_panes = content.frozen
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell_value(value):
    if isinstance(value, Number):
        value = value.value
    if isinstance(value, str):
        return neutralise(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return neutralise(str(value))


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table of a frame each; text cells are stored as text, never as formulas."""
    return workbook_bytes({title: Sheet(list(frame.columns), frame.astype(object).values.tolist())
                           for title, frame in sheets.items()})


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    write_atomic(path, xlsx_bytes(sheets))
