"""Stored scores: the packed rows the board reads are only a cache. Whatever state the cache is
in (empty, stale, from another definition version, unwritable), the scores equal those computed
from the answers."""

import numpy as np
import pandas as pd
import pytest

import indicators.stored_scores as stored
from indicators.scoring import score
from stegvis.access import Access
from stegvis.accounts import get_user
from stegvis.privacy import erase
from surveys.answers import Answer, responses_frame, store_answer


@pytest.fixture
def demo(demo_db, catalog):
    return demo_db, catalog


def from_answers(db, instrument) -> pd.DataFrame:
    """The reference: scores and numeric answers straight from the answers table."""
    answers = responses_frame(db, instrument.id, items=[i.id for i in instrument.items if i.kind in ("scale", "number")])
    scales = score(instrument, answers)[[s.id for s in instrument.scales]]
    return pd.concat([answers, scales], axis=1).set_index("session_id")


def assert_matches_answers(db, instrument) -> pd.DataFrame:
    got = stored.completed_scores(db, instrument).set_index("session_id")
    expected = from_answers(db, instrument)
    assert list(got.index) == list(expected.index)
    for column in stored.packed_columns(instrument):
        np.testing.assert_allclose(got[column].to_numpy(float), expected[column].to_numpy(float), equal_nan=True,
                                   err_msg=column)
    meta = ["participant_id", "programme_id", "occasion", "respondent_group", "completed_at"]
    pd.testing.assert_frame_equal(got[meta], expected[meta], check_dtype=False)
    return got


def rows(db) -> int:
    return db.execute("SELECT count(*) FROM scored_responses").fetchone()[0]


def completed(db, instrument_id) -> int:
    return db.execute("SELECT count(*) FROM survey_sessions WHERE instrument_id = ? AND status = 'completed'",
                      [instrument_id]).fetchone()[0]


def test_first_read_scores_and_stores_every_completed_response(demo):
    db, catalog = demo
    kasam = catalog.instrument("kasam29")
    assert rows(db) == 0
    assert_matches_answers(db, kasam)
    assert rows(db) == completed(db, "kasam29") > 0
    assert_matches_answers(db, kasam)  # now from the stored rows


def test_changing_an_answer_drops_the_stale_row(demo):
    db, catalog = demo
    kasam = catalog.instrument("kasam29")
    before = stored.completed_scores(db, kasam).set_index("session_id")
    session = int(before["total"].first_valid_index())
    old = db.execute("SELECT value_num FROM answers WHERE session_id = ? AND item_id = 'q1'", [session]).fetchone()[0]
    store_answer(db, session, kasam, Answer("q1", value_num=1.0 if old != 1 else 7.0))
    assert db.execute("SELECT count(*) FROM scored_responses WHERE session_id = ?", [session]).fetchone()[0] == 0
    after = assert_matches_answers(db, kasam)
    assert after.loc[session, "total"] != before.loc[session, "total"]
    db.execute("DELETE FROM answers WHERE session_id = ? AND item_id = 'q2'", [session])
    assert db.execute("SELECT count(*) FROM scored_responses WHERE session_id = ?", [session]).fetchone()[0] == 0
    assert_matches_answers(db, kasam)


def test_rows_from_another_definition_version_or_damaged_are_replaced(demo):
    db, catalog = demo
    kasam = catalog.instrument("kasam29")
    stored.completed_scores(db, kasam)
    sessions = [r[0] for r in db.execute("SELECT session_id FROM scored_responses LIMIT 2")]
    db.execute("UPDATE scored_responses SET definition_version = 99 WHERE session_id = ?", [sessions[0]])
    db.execute("UPDATE scored_responses SET vector = x'00' WHERE session_id = ?", [sessions[1]])
    assert_matches_answers(db, kasam)
    versions = {r[0] for r in db.execute("SELECT definition_version FROM scored_responses WHERE session_id IN (?, ?)",
                                         sessions)}
    assert versions == {kasam.version}


def test_read_only_database_gives_the_same_scores_and_writes_nothing(demo):
    db, catalog = demo
    db.execute("PRAGMA query_only = ON")
    assert_matches_answers(db, catalog.instrument("kasam29"))
    assert rows(db) == 0


def test_nothing_is_stored_when_the_answers_change_while_scoring(demo, monkeypatch):
    db, catalog = demo
    kasam = catalog.instrument("kasam29")
    session = db.execute("SELECT id FROM survey_sessions WHERE instrument_id = 'kasam29' AND status = 'completed' "
                         "LIMIT 1").fetchone()[0]
    real = stored.responses_frame

    def read_then_a_tablet_writes(*args, **kwargs):
        frame = real(*args, **kwargs)
        store_answer(db, session, kasam, Answer("q3", value_num=2.0))  # lands after the read
        return frame

    monkeypatch.setattr(stored, "responses_frame", read_then_a_tablet_writes)
    stored.completed_scores(db, kasam)
    assert rows(db) == 0, "scores read before the change must not be kept"
    monkeypatch.undo()
    assert_matches_answers(db, kasam)


def test_erasure_takes_the_stored_rows_with_it(demo):
    db, catalog = demo
    Access(db, get_user(db, "styrelse"), catalog).board_report(None, "2025")
    victim = db.execute("SELECT s.participant_id FROM scored_responses r JOIN survey_sessions s "
                        "ON s.id = r.session_id WHERE s.participant_id IS NOT NULL LIMIT 1").fetchone()[0]
    erase(db, victim, "request")
    assert db.execute("SELECT count(*) FROM scored_responses r LEFT JOIN survey_sessions s ON s.id = r.session_id "
                      "WHERE s.id IS NULL OR s.participant_id = ?", [victim]).fetchone()[0] == 0


def test_board_report_is_the_same_with_an_empty_or_filled_cache(demo):
    db, catalog = demo
    board = Access(db, get_user(db, "styrelse"), catalog)
    first = board.board_report(None, "hela")
    assert rows(db) > 0
    db.execute("DELETE FROM scored_responses WHERE session_id % 2 = 0")
    db.execute("INSERT INTO answers (session_id, instrument_id, instrument_version, item_id, status, answered_at) "
               "VALUES (1, 'x', 1, 'unused', 'skipped', '2026-11-23')")  # new data version: no in-memory cache
    again = board.board_report(None, "hela")
    assert again is not first
    assert [(t.id, t.values) for t in first.tables] == [(t.id, t.values) for t in again.tables]
    assert [(g.numerator, g.denominator, g.share) for g in first.goals] == \
        [(g.numerator, g.denominator, g.share) for g in again.goals]


def test_a_busy_database_does_not_keep_the_board_waiting(demo, tmp_path):
    """Another process (an import from the command line, say) holds the write lock: the
    scores are used at once and storing them is left for later."""
    import time

    from stegvis.database import open_db

    db, catalog = demo
    path = db.execute("PRAGMA database_list").fetchone()[2]
    other = open_db(path)
    other.conn.execute("BEGIN IMMEDIATE")
    try:
        began = time.monotonic()
        assert_matches_answers(db, catalog.instrument("kasam29"))
        assert time.monotonic() - began < 10, "not the 30 s busy timeout"
    finally:
        other.conn.execute("ROLLBACK")
    assert rows(db) == 0
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 30000, "the usual patience is restored"


def test_an_instrument_with_nothing_numeric_gives_its_responses_and_no_columns(demo):
    db, catalog = demo
    follow_up = catalog.instrument("efterstod_uppfoljning")
    assert stored.packed_columns(follow_up) == []
    got = stored.completed_scores(db, follow_up)
    assert len(got) == completed(db, "efterstod_uppfoljning") > 0
    assert list(got.columns) == list(responses_frame(db, follow_up.id, items=[]).columns)
