"""The audit log: who did what, when, to which participant. Append-only (database triggers),
never personal data or passwords: participants appear by their row id."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from foundation.db import Schema, now, transaction

# The log is append-only: triggers refuse every update and delete.
SCHEMA = Schema("stegvis.audit", {
    1: """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_id INTEGER,
        username TEXT,
        action TEXT NOT NULL,
        participant_id INTEGER,
        detail TEXT
    );
    CREATE INDEX audit_log_participant ON audit_log(participant_id);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    """,
    # 4: views are logged once per user, participant and 10 minutes (stegvis/audit.py); this
    # index finds the last such entry without scanning years of log.
    4: """
    CREATE INDEX audit_log_recent ON audit_log(user_id, action, at);
    """,
})


VIEW_ONCE_PER = timedelta(minutes=10)


def log(db, user, action: str, participant_id: int | None = None, detail: str | None = None, *,
        once_per: timedelta | None = None) -> None:
    """Append one entry. With `once_per` (for views: pages rerun on every click), nothing is
    added when the same user did the same to the same participant within that time."""
    at = now()
    user_id = getattr(user, "id", None)
    with transaction(db):
        if once_per is not None:
            since = (datetime.fromisoformat(at) - once_per).isoformat()
            if db.execute("""SELECT 1 FROM audit_log WHERE user_id IS ? AND action = ? AND at > ?
                             AND participant_id IS ? AND detail IS ? LIMIT 1""",
                          [user_id, action, since, participant_id, detail]).fetchone():
                return
        db["audit_log"].insert({
            "at": at, "user_id": user_id, "username": getattr(user, "username", user),
            "action": action, "participant_id": participant_id, "detail": detail,
        })


def read_log(db, *, participant_id: int | None = None, action: str | None = None, limit: int = 200) -> pd.DataFrame:
    where, params = [], []
    if participant_id is not None:
        where.append("participant_id = ?")
        params.append(participant_id)
    if action:
        where.append("action = ?")
        params.append(action)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return pd.read_sql_query(
        f"SELECT id, at, username, action, participant_id, detail FROM audit_log {clause} ORDER BY id DESC LIMIT ?",
        db.conn, params=[*params, limit])
