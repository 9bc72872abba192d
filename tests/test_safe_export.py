"""Exports never carry a cell a spreadsheet would run as a formula."""

import io

import pandas as pd
from hypothesis import given, strategies as st
from openpyxl import load_workbook

from stegvis.safe_export import FORMULA_START, csv_text, neutralise, xlsx_bytes


def test_formula_prefixes_are_neutralised_and_numbers_kept():
    frame = pd.DataFrame({"text": ["=1+1", "+46 70", "-kritik", "@SUM(A1)", "\tx", "\ry", "vanlig"],
                          "number": [-3, 1, 2, 3, 4, 5, 6]})
    text = csv_text(frame)
    assert "'=1+1" in text and "'+46 70" in text and "'-kritik" in text and "'@SUM(A1)" in text
    assert "\n-3" not in text or ",-3" in text  # negative numbers stay numbers
    assert ",-3" in text


def test_xlsx_cells_are_text_not_formulas():
    book = load_workbook(io.BytesIO(xlsx_bytes({"Svar": pd.DataFrame({"fritext": ["=HYPERLINK(\"x\")", "ok"],
                                                                       "n": [1, -2]})})))
    sheet = book["Svar"]
    assert sheet["A2"].value == "'=HYPERLINK(\"x\")" and sheet["A2"].data_type == "s"
    assert sheet["B3"].value == -2


@given(st.lists(st.text(max_size=30), min_size=1, max_size=10))
def test_no_cell_starts_with_a_formula_character(values):
    out = [neutralise(v) for v in values]
    assert not any(isinstance(v, str) and v.startswith(FORMULA_START) for v in out)
    assert all(v == o or o == "'" + v for v, o in zip(values, out))


def test_sheet_names_excel_accepts():
    """Excel refuses []:*?/\\ in a sheet name and more than 31 characters: a programme's goal
    titled "Stödlinjen: Mer ork" must not fail the whole workbook."""
    from stegvis.safe_export import sheet_name, xlsx_bytes

    assert sheet_name("Stödlinjen: Mer ork [2025]") == "Stödlinjen- Mer ork -2025-"
    assert len(sheet_name("x" * 40)) == 31
    book = xlsx_bytes({"Stödlinjen: Mer ork": pd.DataFrame({"a": [1]}), "a/b?c*d": pd.DataFrame({"a": [2]})})
    assert book[:2] == b"PK"
