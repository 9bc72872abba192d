"""Erasure: answers, sessions and personal fields go in one transaction; a record remains
without personal data; aggregates computed afterwards no longer include the person."""

import pandas as pd
import pytest

from indicators.goals import evaluate_goals
from stegvis.access import Access
from stegvis.accounts import get_user
from foundation.errors import AccessDenied
from stegvis.privacy import erase


@pytest.fixture
def demo(demo_db, catalog):
    return demo_db, catalog


def test_erase_removes_everything_and_keeps_a_record(demo):
    db, catalog = demo
    admin = Access(db, get_user(db, "admin"), catalog)
    victim, code = db.execute("SELECT p.id, p.code FROM participants p JOIN survey_sessions s "
                              "ON s.participant_id = p.id LIMIT 1").fetchone()
    before = admin.aggregate_inputs()["enrolments"]
    counts = admin.erase_participant(victim, "request").counts
    assert counts["participants"] == 1 and counts["answers"] > 0
    for table, column in (("participants", "id"), ("enrolments", "participant_id"), ("consents", "participant_id"),
                          ("survey_sessions", "participant_id")):
        assert db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [victim]).fetchone()[0] == 0
    record = db.execute("SELECT reason, rows_deleted FROM erasures").fetchall()
    assert record[0][0] == "request" and code not in str(record)
    after = admin.aggregate_inputs()["enrolments"]
    assert len(after) == len(before) - 1 and victim not in set(after["participant_id"])
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'erase' AND participant_id = ?",
                      [victim]).fetchone()[0] == 1
    with pytest.raises(AccessDenied):
        admin.participant(victim)


def test_erasure_is_all_or_nothing(demo, monkeypatch):
    db, _ = demo
    victim = db.execute("SELECT participant_id FROM survey_sessions WHERE participant_id IS NOT NULL LIMIT 1").fetchone()[0]
    answers = db.execute("SELECT count(*) FROM answers").fetchone()[0]
    with pytest.raises(Exception):
        erase(db, victim, "nonsense")
    db.execute("CREATE TRIGGER fail BEFORE DELETE ON participants BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
    with pytest.raises(Exception, match="disk trouble"):
        erase(db, victim, "request")
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == answers, "nothing half-erased"


def test_goals_after_erasure_count_one_fewer(demo):
    db, catalog = demo
    admin = Access(db, get_user(db, "admin"), catalog)
    programme = catalog.programme("jobbvagen_ar")
    frame = lambda: admin.aggregate_inputs("jobbvagen_ar")["enrolments"]  # noqa: E731
    exited = frame().dropna(subset=["exited_on"]).iloc[0]["participant_id"]
    before = evaluate_goals(programme, frame())[0].denominator
    admin.erase_participant(int(exited), "withdrawal")
    assert evaluate_goals(programme, frame())[0].denominator == before - 1


def test_cached_board_inputs_follow_an_erasure_at_once(demo):
    db, catalog = demo
    admin = Access(db, get_user(db, "admin"), catalog)
    first = admin.aggregate_inputs("porten")
    other = admin.aggregate_inputs("jobbvagen_ar")
    assert admin.aggregate_inputs("porten") is first, "served from the cache while nothing changed"
    assert admin.aggregate_inputs("jobbvagen_ar") is other, "switching programmes keeps both"
    victim = int(first["enrolments"]["participant_id"].iloc[0])
    admin.erase_participant(victim, "request")
    assert victim not in set(admin.aggregate_inputs("porten")["enrolments"]["participant_id"])
    assert admin.aggregate_inputs("jobbvagen_ar") is not other, "every older version is dropped"


def _traces(path, *secrets: str) -> dict[str, list[str]]:
    """Which of the strings are still in the database file or its WAL, as bytes on disk."""
    found = {}
    for file in (path, path.with_name(path.name + "-wal")):
        data = file.read_bytes() if file.exists() else b""
        found[file.name] = [s for s in secrets if s.encode("utf-8") in data]
    return found


def test_erasure_leaves_no_trace_in_the_database_or_its_wal(tmp_path, demo_copy, catalog, capsys):
    """The erased code and free text are searched for in the bytes of the database and its
    -wal file, while another connection (the app) holds the database open."""
    from stegvis.cli import run
    from surveys.answers import check_answer, store_answer
    from surveys.sessions import complete_part, open_visit
    from stegvis.database import open_db

    path = demo_copy(tmp_path / "e.db")
    app = open_db(path)
    admin = Access(app, get_user(app, "admin"), catalog)
    code, first_text, final_text = "RADERA-MIG-7Q", "ett första svar som ska bort ÅÄÖ", "mitt hemliga svar 4711"
    scope = "enkäter; muntligt till Greta Lind"  # a consent text typed for this person alone (schema 15)
    pid = admin.register_participant(code, "kvinna", 1991, "jobbvagen_ar", "2026-02-01", "v1", scope)
    shared = app.execute("SELECT count(*) FROM consent_texts").fetchone()[0] - 1
    visit, _ = open_visit(app, catalog, programme_id="jobbvagen_ar", occasion="followup",
                          instruments=["nulage_onskat", "deltagare_pagaende"], participant_id=pid)
    survey = catalog.instrument("deltagare_pagaende")
    store_answer(app, visit.parts[1].session_id, survey, check_answer(survey, "kommentar", first_text))
    store_answer(app, visit.parts[1].session_id, survey, check_answer(survey, "kommentar", final_text))
    complete_part(app, visit.parts[1].session_id)
    assert run(["backup", str(tmp_path / "kopia.db"), "--db", str(path)]) == 0
    assert run(["export", "answers", "--output", str(tmp_path / "svar.csv"), "--db", str(path)]) == 0
    capsys.readouterr()
    assert any(_traces(path, code, final_text).values()), "the test looks where the data really is"

    assert run(["participant", "erase", code, "--yes", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert _traces(path, code, first_text, final_text, scope) == {"e.db": [], "e.db-wal": []}
    assert app.execute("SELECT count(*) FROM consent_texts").fetchone()[0] == shared > 0  # the others' texts stay

    # the backup and the export made before still hold the person: said in the output and the log
    assert "kopia.db" in out and "export" in out
    entry = app.execute("SELECT participant_id, detail FROM audit_log WHERE action = 'erase_copies_remain'"
                        ).fetchall()
    assert len(entry) == 1 and entry[0][0] == pid
    assert "1 säkerhetskopi" in entry[0][1] and "1 export" in entry[0][1]
    assert code not in entry[0][1]
    assert app.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_every_connection_overwrites_deleted_content(tmp_path, monkeypatch):
    """Whatever the SQLite build's default (Debian's is on, the upstream default is off)."""
    import sqlite3

    import foundation.db
    from stegvis.database import open_db

    real_connect = sqlite3.connect

    def connect_like_a_default_build(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.execute("PRAGMA secure_delete = 0")
        return conn

    monkeypatch.setattr(foundation.db.sqlite3, "connect", connect_like_a_default_build)
    assert open_db(tmp_path / "s.db").execute("PRAGMA secure_delete").fetchone()[0] == 1
