"""Each stored answer says what type its value has (number, text, list of choices), so free
text that happens to look like JSON or a number is read back as the text it is: on the
participant's summary, the coach's "Övriga enkäter", the subject-access export and the survey
itself. Databases from before the type was stored are migrated by asking the definitions."""

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from stegvis.accounts import get_user
from stegvis.privacy import subject_access
from surveys.answers import check_answer, session_answers, store_answer
from surveys.definitions import shipped_catalog
from foundation.db import statements
from stegvis.database import migrate_db, open_db, version_script
from surveys.survey_flow import current, summary

CATALOG = shipped_catalog()

# Free text a participant may well type, and text built to look like JSON or a number.
LOOKS_LIKE_DATA = [
    "[inget att tillägga]", "[]", '["sms", "annat"]', "[1, 2", "{}", '{"a": 1}', "{inget}", '"citat"', '"',
    "42", "3,5", "-1", "1e309", "NaN", "null", "true", " [med mellanslag först", "[" * 50,
]


@pytest.fixture
def demo(demo_path, demo_db):
    path, db = demo_path, demo_db
    anna = get_user(db, "anna")
    participant, session, visit = db.execute(
        "SELECT p.id, s.id, s.visit FROM participants p JOIN survey_sessions s ON s.participant_id = p.id "
        "WHERE p.coach_id = ? AND s.instrument_id = 'deltagare_pagaende' LIMIT 1", [anna.id]).fetchone()
    return path, db, participant, session, visit


@pytest.mark.parametrize("text", LOOKS_LIKE_DATA)
def test_free_text_that_looks_like_data_reads_back_as_text(demo, text):
    _, db, _, session, _ = demo
    survey = CATALOG.instrument("deltagare_pagaende")
    store_answer(db, session, survey, check_answer(survey, "kommentar", text))
    assert session_answers(db, session)["kommentar"].value == text


def test_choices_numbers_and_dates_keep_their_types(db, catalog, fixtures):
    from surveys.definitions import load_file

    tiny = load_file(fixtures / "definitions" / "tiny.yaml")
    assert check_answer(tiny, "kontakt", ["annat", "sms"], other_text="[Brev]").value == ["sms", "annat"]
    assert check_answer(tiny, "a", 3).value == 3
    assert check_answer(tiny, "datum", "2026-03-01").value == "2026-03-01"
    assert check_answer(tiny, "varfor", "[inget]").value == "[inget]"
    assert check_answer(tiny, "varfor", "12").value == "12"


def test_summary_coach_page_and_subject_access_show_the_text(demo, monkeypatch):
    path, db, participant, session, visit = demo
    survey = CATALOG.instrument("deltagare_pagaende")
    text = "[inget att tillägga]"
    store_answer(db, session, survey, check_answer(survey, "kommentar", text))

    # the participant's summary (reopen the session as if it were still being answered)
    db.execute("UPDATE survey_sessions SET status = 'open' WHERE id = ?", [session])
    try:
        cur = current(db, CATALOG, visit)
        assert any(answer == text for _, _, answer in summary(db, cur))
    finally:
        db.execute("UPDATE survey_sessions SET status = 'completed' WHERE id = ?", [session])

    # the subject-access export
    export = subject_access(db, CATALOG, participant)
    shown = [a["answer"] for s in export["surveys"] for a in s["answers"] if a["item_id"] == "kommentar"]
    assert text in shown
    json.dumps(export)

    # the coach's "Övriga enkäter"
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(coach_participant, default_timeout=60)
    test.session_state["user"] = get_user(db, "anna")
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    code = db.execute("SELECT code FROM participants WHERE id = ?", [participant]).fetchone()[0]
    test.selectbox(key="coach_participant").select(code).run()
    assert not test.exception, test.exception
    assert any((frame.value == text).any().any() for frame in test.dataframe)


def coach_participant():
    from dashboards.coach import participant_page

    participant_page()


def test_existing_answers_are_given_their_type_from_the_definition(tmp_path, catalog):
    """A database written before the type was stored: free text that looks like a list stays
    text, a multiple-choice answer becomes a list, numbers stay numbers (also for an item the
    definition does not know)."""
    from surveys.store import publish_definitions

    path = tmp_path / "old.db"
    db = open_db(path, migrate=False)
    for version in range(4):  # the schema as it was before answers carried their type
        for statement in statements(version_script(version + 1)):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {version + 1}")
    publish_definitions(db, catalog)
    db["participants"].insert({"id": 1, "code": "P1", "gender": "kvinna", "created_at": "x"})
    avslut = catalog.instrument("efterstod_uppfoljning")
    multiple = next(i for i in avslut.items if i.kind == "multiple_choice")
    free = next(i for i in avslut.items if i.kind == "free_text")
    single = next(i for i in avslut.items if i.kind == "single_choice")
    session = db["survey_sessions"].insert({
        "visit": "v", "participant_id": 1, "programme_id": "efterstod", "occasion": "exit",
        "instrument_id": avslut.id, "instrument_version": avslut.version, "status": "completed",
        "created_at": "x"}).last_pk
    chosen = [multiple.options()[0].id]
    for item_id, num, text in ((multiple.id, None, json.dumps(chosen)), (free.id, None, '["sms"]'),
                               (single.id, None, single.options()[0].id), ("antal", 3.0, None)):
        db["answers"].insert({"session_id": session, "instrument_id": avslut.id,
                              "instrument_version": avslut.version, "item_id": item_id, "status": "answered",
                              "value_num": num, "value_text": text, "answered_at": "x"})
    db["answers"].insert({"session_id": session, "instrument_id": avslut.id, "instrument_version": avslut.version,
                          "item_id": "gone", "status": "skipped", "answered_at": "x"})
    migrate_db(db)
    answers = session_answers(db, session)
    assert answers[multiple.id].value == chosen
    assert answers[free.id].value == '["sms"]', "free text stays text even when it is valid JSON"
    assert answers[single.id].value == single.options()[0].id
    assert answers["antal"].value == 3
    assert answers["gone"].value is None
    types = dict(db.execute("SELECT item_id, value_type FROM answers").fetchall())
    assert types == {multiple.id: "list", free.id: "text", single.id: "text", "antal": "number", "gone": None}


def test_an_answered_row_without_a_type_is_refused(db):
    import sqlite3

    db["participants"].insert({"id": 1, "code": "P1", "gender": "kvinna", "created_at": "x"})
    session = db["survey_sessions"].insert({
        "visit": "v", "participant_id": 1, "programme_id": "porten", "occasion": "intake",
        "instrument_id": "kasam13", "instrument_version": 1, "created_at": "x"}).last_pk
    with pytest.raises(sqlite3.IntegrityError, match="value_type"):
        db.execute("INSERT INTO answers (session_id, instrument_id, instrument_version, item_id, status, "
                   "value_text, answered_at) VALUES (?, 'kasam13', 1, 'q1', 'answered', '[x]', 'x')", [session])


def test_multiple_choice_answers_still_read_as_their_labels(db, catalog):
    """The coach's page and the subject-access export read the stored type too: a list of
    choices shows its labels, not its JSON."""
    from stegvis.access import Access
    from stegvis.accounts import create_user
    from surveys.sessions import open_visit
    from surveys.survey_flow import answer_text

    admin = create_user(db, "admin", "ett långt lösenord", "admin")
    api = Access(db, admin, catalog)
    pid = api.register_participant("E-1", "kvinna", 1990, "efterstod", "2026-01-01", "v1", "allt")
    visit, _ = open_visit(db, catalog, programme_id="efterstod", occasion="uppfoljning_3m", participant_id=pid)
    survey = catalog.instrument("efterstod_uppfoljning")
    multiple = next(i for i in survey.items if i.kind == "multiple_choice")
    first = multiple.options()[0]
    store_answer(db, visit.parts[0].session_id, survey, check_answer(survey, multiple.id, [first.id]))
    rows = api.participant_answers(pid)
    row = rows[rows["item_id"] == multiple.id].iloc[0]
    from surveys.answers import Answer

    answer = Answer(row["item_id"], row["status"], row["value_num"], row["value_text"], row["other_text"],
                    row["value_type"])
    assert answer_text(survey, multiple, answer) == first.label.sv
    export = subject_access(db, catalog, pid)
    assert first.label.sv in [a["answer"] for s in export["surveys"] for a in s["answers"]]
