"""The report shapes the seeds print, on the board page, in the PDF, the workbook and the JSON,
protected like every figure (issue 17): KASAM per occasion with subscales, n and the share under
each threshold (seed 002: 111 / 109 / 118); those who left by age group (outcomes, time in the
programme in its own bands, mean days and months); a follow-up survey's choice answers (seed
004: kinds of contact, support needed)."""

import io
import json
import time
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from foundation.errors import StegvisError
from stegvis import reports
from stegvis.access import Access
from stegvis.accounts import get_user
from stegvis.aggregates import read_inputs
from stegvis.database import open_db
from stegvis.safe_export import sheet_names
from surveys.definitions import shipped_catalog

END = date(2026, 11, 23)
CATALOG = shipped_catalog()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_copy):
    path = demo_copy(tmp_path_factory.mktemp("shapes") / "demo.db", today=END)
    db = open_db(path)
    board = Access(db, get_user(db, "styrelse"), CATALOG)
    return path, db, board


def board_page():
    from dashboards.board import page

    page()


def cells(table):
    return {(r, c.id): v for r, values in zip(table.rows, table.values) for c, v in zip(table.columns, values)}


def test_kasam_per_occasion_is_each_persons_latest_response_there(demo):
    _, db, board = demo
    porten = CATALOG.programme("porten")
    kasam = CATALOG.instrument("kasam29")
    report = board.board_report("porten", "hela")
    table = report.table("occasions/porten/kasam29")
    assert table.rows == [o.id for o in porten.occasions if "kasam29" in o.instruments]  # intake, midpoint, exit
    shown = cells(table)
    scores = read_inputs(db, CATALOG, "porten", None)["scores"]["kasam29"]
    start, end = pd.Timestamp(report.period.start), pd.Timestamp(report.period.end)
    checked = 0
    for occasion in table.rows:
        at = scores[scores["occasion"] == occasion].dropna(subset=[s.id for s in kasam.scales])
        at = at.sort_values("completed_at", kind="stable").drop_duplicates("participant_id", keep="last")
        at = at[pd.to_datetime(at["completed_at"].str[:10]).between(start, end)]
        n = shown[(occasion, "n")]
        assert n in (None, len(at))
        for scale in kasam.scales:
            mean = shown[(occasion, f"medel:{scale.id}")]
            assert (mean is None) or n is not None and mean == pytest.approx(at[scale.id].mean())
            for flag in (f for f in scale.flags if f.below is not None):
                under = shown[(occasion, f"under:{scale.id}:{flag.id}")]
                share = shown[(occasion, f"andel_under:{scale.id}:{flag.id}")]
                assert under in (None, int((at[scale.id] < flag.below).sum()))
                assert share is None or (under is not None and share == pytest.approx(under / n))
        checked += n is not None
    assert checked >= 2, "the demo shows at least two occasions"
    frames = reports.tables(report)
    means, under = reports.table_titles(report, table)
    assert list(frames[means].columns[:3]) == ["", "n", "Medel Begriplighet"] and "Medel KASAM totalt" in frames[means]
    assert "KASAM totalt under 100" in frames[under] and "%" in " ".join(frames[under]["KASAM totalt under 100"])


def test_those_who_left_by_age_group(demo):
    _, db, board = demo
    report = board.board_report("porten", "hela")
    by_age, bands, times = (report.table(f"{kind}/porten") for kind in
                            ("outcomes_by_age", "durations_by_age", "time_by_age"))
    outcomes = cells(report.table("outcomes/porten"))
    for row in by_age.rows:  # the same people as the outcome table
        assert cells(by_age)[(row, "alla")] == outcomes[(row, "alla")]
    assert bands.rows == [b.id for b in CATALOG.programme("porten").duration_bands] + ["alla"]
    assert [c.id for c in by_age.columns] == ["age_under_30", "age_30_plus", "alla"]
    mean = cells(times)
    assert mean[("alla", "n")] == cells(bands)[("alla", "alla")] == outcomes[("alla", "alla")]
    assert mean[("alla", "manader")] == pytest.approx(report.mean_months)
    assert mean[("alla", "dagar")] == pytest.approx(report.mean_months * 30.44)
    enrolments = read_inputs(db, CATALOG, "porten", None)["enrolments"]
    left = enrolments[enrolments["exited_on"].between(pd.Timestamp(report.period.start), pd.Timestamp(report.period.end))]
    assert mean[("alla", "dagar")] == pytest.approx((left["exited_on"] - left["started_on"]).dt.days.mean())
    frame = reports.tables(report)[reports.table_title(report, times)]
    assert list(frame.columns) == ["", "n", "Medel dagar", "Medel månader"] and "," in frame.iloc[-1, 2]


def test_a_follow_up_surveys_choice_answers(demo):
    _, db, board = demo
    report = board.board_report("efterstod", "hela")
    instrument = CATALOG.instrument("efterstod_uppfoljning")
    tables = {t.id.rsplit("/", 1)[1]: t for t in report.tables if t.id.startswith("choices/")}
    assert list(tables) == instrument.board_choices
    start, end = report.period.start.isoformat(), report.period.end.isoformat() + "T99"
    for item_id, table in tables.items():
        rows = db.execute(
            "SELECT a.value_text FROM answers a JOIN survey_sessions s ON s.id = a.session_id "
            "WHERE s.instrument_id = ? AND s.programme_id = 'efterstod' AND s.status = 'completed' "
            "AND a.item_id = ? AND a.status = 'answered' AND s.completed_at BETWEEN ? AND ?",
            [instrument.id, item_id, start, end]).fetchall()
        chosen = [c for (text,) in rows for c in (json.loads(text) if text.startswith("[") else [text])]
        shown = cells(table)
        assert shown[("alla", "antal")] in (None, len(rows))
        for option in table.rows[:-1]:
            assert shown[(option, "antal")] in (None, chosen.count(option))
        single = instrument.item(item_id).kind != "multiple_choice"
        assert (table.total_row == "alla") == single, "a single choice's options add up to those who answered"
    frame = reports.tables(report)[reports.table_title(report, tables["kontakttyp"])]
    assert frame.iloc[-1, 0] == "Svarade på frågan" and frame.iloc[-1, 2] == ""
    free = {r[0] for r in db.execute("SELECT value_text FROM answers WHERE item_id IN ('bra', 'battre', 'vad_hande') "
                                     "AND value_text IS NOT NULL")}
    text = json.dumps(reports.as_json(report), ensure_ascii=False)
    assert free and not any(answer in text for answer in free), "free text never reaches the board"


@pytest.mark.parametrize("programme, prefixes", [
    ("porten", ("occasions/", "outcomes_by_age/", "durations_by_age/", "time_by_age/")),
    ("efterstod", ("choices/",)),
])
def test_every_shape_is_on_the_page_in_the_pdf_the_workbook_and_the_json(demo, monkeypatch, programme, prefixes):
    from pypdf import PdfReader

    path, db, board = demo
    report = board.board_report(programme, "hela")
    shapes = [t for t in report.tables if t.id.startswith(prefixes)]
    assert {p for t in shapes for p in prefixes if t.id.startswith(p)} == set(prefixes)
    titles = [title for table in shapes for title in reports.table_titles(report, table)]
    book = load_workbook(io.BytesIO(reports.xlsx(report)))
    names = sheet_names(reports.tables(report))
    assert all(names[title] in book.sheetnames for title in titles)
    assert len(set(book.sheetnames)) == len(names) and all(len(n) <= 31 for n in book.sheetnames)
    published = {t["id"] for t in reports.as_json(report)["tables"]}
    assert {t.id for t in shapes} <= published
    data = reports.pdf(report)  # drawn by reportlab: no browser needed
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)
    for title in titles:
        assert " ".join(title.split()) in text, title

    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(board_page, default_timeout=60)
    test.session_state["user"] = get_user(db, "styrelse")
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    test.selectbox[0].set_value(programme).run()
    test.radio[0].set_value("hela").run() if test.radio else None
    assert not test.exception, test.exception
    # headings from definitions are escaped for Markdown ("flera\\."): compare as the reader sees them
    shown = " ".join([s.value for s in test.subheader] + [c.value for c in test.caption]).replace("\\", "")
    for table in shapes:
        assert reports.table_heading(report, table) in shown or reports.table_titles(report, table)[0] in shown
