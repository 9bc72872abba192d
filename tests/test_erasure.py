"""Erasure: answers, sessions and personal fields go in one transaction; a record remains
without personal data; aggregates computed afterwards no longer include the person."""

from datetime import date

import pandas as pd
import pytest

from indicators.goals import evaluate_goals
from stegvis.access import Access
from stegvis.accounts import get_user
from stegvis.demo import run_demo
from stegvis.errors import AccessDenied
from stegvis.privacy import erase


@pytest.fixture
def demo(db, catalog):
    run_demo(db, catalog, today=date(2026, 11, 23))
    return db, catalog


def test_erase_removes_everything_and_keeps_a_record(demo):
    db, catalog = demo
    admin = Access(db, get_user(db, "admin"), catalog)
    victim, code = db.execute("SELECT p.id, p.code FROM participants p JOIN survey_sessions s "
                              "ON s.participant_id = p.id LIMIT 1").fetchone()
    before = admin.aggregate_inputs()["enrolments"]
    counts = admin.erase_participant(victim, "request")
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
