"""The audit log: who did what, when, to which participant. Append-only (database triggers),
never personal data or passwords: participants appear by their row id."""

from __future__ import annotations

import pandas as pd

from surveys.store import now, transaction


def log(db, user, action: str, participant_id: int | None = None, detail: str | None = None) -> None:
    with transaction(db):
        db["audit_log"].insert({
            "at": now(), "user_id": getattr(user, "id", None), "username": getattr(user, "username", user),
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
