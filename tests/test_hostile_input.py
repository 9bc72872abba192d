"""Hostile and malformed input: free text with HTML, scripts, formula prefixes, very long
text and unusual Unicode is stored intact and shown inert; malformed answers and import
files are refused with a clear error and nothing is written (property-based)."""

import io
import time

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from streamlit.testing.v1 import AppTest

from stegvis.accounts import get_user
from foundation.errors import StegvisError
from stegvis.imports import import_participants
from stegvis.safe_export import csv_text
from surveys.answers import MAX_TEXT, check_answer, session_answers, store_answer
from surveys.definitions import shipped_catalog
from stegvis.database import open_db
from surveys.store import publish_definitions

HOSTILE = [
    "<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "**fet** [länk](javascript:alert(1))",
    "=HYPERLINK(\"http://evil\",\"klicka\")", "+46701234567", "-2+3", "@SUM(A1)", "\tflik", "\rvagn",
    "Ä" * 5000, "🙂‍↔️ \u202eRTL\u202c \u0000 noll", "a" * MAX_TEXT,
    # text that looks like stored data: kept as the text it is (its type is stored, not guessed)
    "[inget att tillägga]", '["sms"]', "{inget}", '{"a": 1}', '"citat', "42", "3,5", "1e999",
]
CATALOG = shipped_catalog()


@pytest.fixture
def demo(demo_path, demo_db):
    path, db = demo_path, demo_db
    anna = get_user(db, "anna")
    participant, session = db.execute(
        "SELECT p.id, s.id FROM participants p JOIN survey_sessions s ON s.participant_id = p.id "
        "WHERE p.coach_id = ? AND s.instrument_id = 'deltagare_pagaende' LIMIT 1", [anna.id]).fetchone()
    return path, db, participant, session


def test_hostile_free_text_is_stored_intact(demo):
    _, db, _, session = demo
    survey = CATALOG.instrument("deltagare_pagaende")
    for text in HOSTILE:
        store_answer(db, session, survey, check_answer(survey, "kommentar", text))
        assert session_answers(db, session)["kommentar"].value == text
    with pytest.raises(StegvisError, match="Högst 20000 tecken"):
        check_answer(survey, "kommentar", "a" * (MAX_TEXT + 1))


def coach_participant():
    from dashboards.coach import participant_page

    participant_page()


def test_coach_page_shows_hostile_text_as_text(demo, monkeypatch):
    path, db, participant, session = demo
    survey = CATALOG.instrument("deltagare_pagaende")
    store_answer(db, session, survey, check_answer(survey, "kommentar", HOSTILE[0]))
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(coach_participant, default_timeout=60)
    test.session_state["user"] = get_user(db, "anna")
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    code = db.execute("SELECT code FROM participants WHERE id = ?", [participant]).fetchone()[0]
    test.selectbox(key="coach_participant").select(code).run()
    assert not test.exception
    shown = [frame.value for frame in test.dataframe]
    assert any((frame == HOSTILE[0]).any().any() for frame in shown), "in a table cell, as text"
    assert not any(HOSTILE[0] in str(m.value) for m in test.markdown), "never rendered as markdown/HTML"


def test_exports_neutralise_formulas():
    frame = pd.DataFrame({"svar": HOSTILE[:9]})
    lines = csv_text(frame).splitlines()[1:]
    for line in lines:
        assert not line.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r"))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([i for i in CATALOG.latest_instruments()]), st.data())
def test_any_answer_value_is_accepted_or_refused_cleanly(instrument, data):
    item = data.draw(st.sampled_from(instrument.items))
    value = data.draw(st.one_of(st.none(), st.integers(-1000, 1000), st.floats(allow_nan=True), st.text(max_size=20),
                                st.lists(st.text(max_size=8), max_size=3), st.booleans()))
    try:
        answer = check_answer(instrument, item.id, value)
    except StegvisError as exc:
        assert item.id in str(exc)
        return
    if item.kind == "scale":
        low, high = instrument.item_range(item.id)
        assert low <= answer.value_num <= high and float(answer.value_num).is_integer()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(
    ["kvinna", "man", "porten", "2026-01-01", "1990", "X-1", ""])), min_size=5, max_size=5), max_size=6))
def test_malformed_import_files_write_nothing(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("imp")
    db = open_db(folder / "i.db")
    publish_definitions(db)
    path = folder / "p.csv"
    pd.DataFrame(rows, columns=["code", "gender", "birth_year", "programme", "started_on"]).to_csv(path, index=False)
    try:
        result = import_participants(db, CATALOG, path)
    except StegvisError as exc:
        assert str(path) in str(exc)
        assert db.execute("SELECT count(*) FROM participants").fetchone()[0] == 0
    else:
        assert db.execute("SELECT count(*) FROM participants").fetchone()[0] == result.added
