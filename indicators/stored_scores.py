"""Completed responses with their scale scores, read as one packed row per response from the
`scored_responses` table instead of one row per answer. At 10,000 participants that is
40,000 rows instead of half a million: moving the answers from SQLite into Python and
scoring them again on every board view took longer than the board's one-second budget.

The table is a cache, never the record; the answers stay the truth:
- a change to any answer deletes its session's row (database triggers);
- rows packed under another version of the instrument's definition are ignored and replaced;
- a completed response without a row is scored here from its answers and its row stored,
  unless the data changed meanwhile or the database cannot be written (read-only, disk
  full, busy): then the scores serve this view and are stored next time.
A result never depends on whether the cache was filled, only its speed does."""

from __future__ import annotations

import json
import logging
import sqlite3

import numpy as np
import pandas as pd

from indicators.scoring import score
from surveys.answers import responses_frame
from surveys.models import Instrument
from foundation.db import Schema, transaction
from surveys.store import data_version

log = logging.getLogger(__name__)
SCHEMA = Schema("indicators.stored_scores", {
    # 3: each completed response's scale scores and numeric answers as one packed row, so the
    # board reads a row per response instead of a row per answer (indicators/stored_scores.py).
    # A cache, never the record: any change to an answer deletes its session's row, and rows
    # packed under another definition version are ignored and replaced.
    3: """
    CREATE TABLE scored_responses (
        session_id INTEGER PRIMARY KEY REFERENCES survey_sessions(id) ON DELETE CASCADE,
        definition_version INTEGER NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE TRIGGER scored_responses_answers_I AFTER INSERT ON answers
        BEGIN DELETE FROM scored_responses WHERE session_id = NEW.session_id; END;
    CREATE TRIGGER scored_responses_answers_U AFTER UPDATE ON answers
        BEGIN DELETE FROM scored_responses WHERE session_id IN (OLD.session_id, NEW.session_id); END;
    CREATE TRIGGER scored_responses_answers_D AFTER DELETE ON answers
        BEGIN DELETE FROM scored_responses WHERE session_id = OLD.session_id; END;
    """,
})
PACKING = "<f8"  # little-endian float64: NaN for a missing answer or score


def packed_columns(instrument: Instrument) -> list[str]:
    """What a stored row holds, in order: every scale score, then every numeric answer."""
    return [s.id for s in instrument.scales] + [i.id for i in instrument.items if i.kind in ("scale", "number")]


def completed_scores(db, instrument: Instrument, *, programme_id: str | None = None) -> pd.DataFrame:
    """One row per completed response to `instrument` (any version, scored with this one):
    the columns of `responses_frame` (session_id, participant_id, programme_id, occasion,
    instrument_version, respondent_group, completed_at), one float column per scale (unrounded, NaN when too many items are
    missing), then one per numeric item (NaN when skipped or 'vet ej'). Bands and flags are
    not kept; `indicators.scoring.score` gives them from the answers."""
    changes = data_version(db)
    columns = packed_columns(instrument)
    size = len(columns) * np.dtype(PACKING).itemsize
    meta = responses_frame(db, instrument.id, programme_id=programme_id, items=[])
    sessions = meta["session_id"].tolist()
    stored = dict(db.execute(
        """SELECT session_id, vector FROM scored_responses
           WHERE definition_version = ? AND session_id IN (SELECT value FROM json_each(?))""",
        [instrument.version, json.dumps(sessions)]).fetchall())
    missing = [s for s in sessions if s not in stored or len(stored[s]) != size]
    if missing:
        fresh = _pack(db, instrument, missing)
        _store(db, instrument, fresh, changes)
        stored.update(fresh)
    values = np.frombuffer(b"".join(stored[s] for s in sessions), dtype=PACKING).reshape(len(sessions), len(columns))
    return pd.concat([meta, pd.DataFrame(values, columns=columns, index=meta.index)], axis=1)


def _pack(db, instrument: Instrument, sessions: list[int]) -> dict[int, bytes]:
    """Score these sessions from their stored answers; one packed row each."""
    numeric = [i.id for i in instrument.items if i.kind in ("scale", "number")]
    answers = responses_frame(db, instrument.id, items=numeric, sessions=sessions).set_index("session_id")
    answers = answers.reindex(sessions)
    parts = [score(instrument, answers)[[s.id for s in instrument.scales]]] if instrument.scales else []
    matrix = pd.concat([*parts, answers[numeric]], axis=1).to_numpy(dtype=PACKING)
    return {session: matrix[n].tobytes() for n, session in enumerate(sessions)}


def _store(db, instrument: Instrument, fresh: dict[int, bytes], changes: int) -> None:
    """Keep rows packed from the answers as they were at `changes`. Skipped when anything has
    changed since (they may already be stale) or the database refuses the write (read-only,
    disk full, or another process holding the write lock for more than a moment): storing
    is only a speed-up, and a board member should not wait for it."""
    patience = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute("PRAGMA busy_timeout = 250")
    try:
        with transaction(db):
            if data_version(db) != changes:
                return
            db.conn.executemany(
                "INSERT OR REPLACE INTO scored_responses (session_id, definition_version, vector) VALUES (?, ?, ?)",
                [(session, instrument.version, vector) for session, vector in fresh.items()])
    except sqlite3.OperationalError as exc:
        log.info("scores of %d %s responses not stored (%s); they are used for this view only",
                 len(fresh), instrument.id, exc)
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(patience)}")
