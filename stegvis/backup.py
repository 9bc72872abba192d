"""Backup and restore of the live database with SQLite's online backup: consistent even
while the app is writing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from stegvis.errors import StegvisError
from surveys.store import MIGRATIONS, resolve_path


def backup(db_path: str | Path | None, target: str | Path) -> Path:
    source, target = resolve_path(db_path), Path(target)
    if not source.exists():
        raise StegvisError(f"{source}: no database to back up")
    if target.exists():
        raise StegvisError(f"{target} exists already; choose a new file name")
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(temporary) as copy:
            live.backup(copy)
        os.replace(temporary, target)
    except (sqlite3.Error, OSError) as exc:
        temporary.unlink(missing_ok=True)
        raise StegvisError(f"backup to {target} failed: {exc}") from None
    return target


def restore(source: str | Path, db_path: str | Path | None) -> Path:
    """Replace the database with a backup, after checking that it is a Stegvis database."""
    source, target = Path(source), resolve_path(db_path)
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
            version = check.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StegvisError(f"{source}: the file is damaged (integrity check failed)")
    except sqlite3.Error as exc:
        raise StegvisError(f"{source}: not a readable SQLite database ({exc})") from None
    if not {"answers", "participants", "survey_sessions"} <= tables or not 1 <= version <= len(MIGRATIONS):
        raise StegvisError(f"{source}: not a Stegvis database backup")
    temporary = target.with_name(f".{target.name}.restore")
    with sqlite3.connect(source) as backup_db, sqlite3.connect(temporary) as copy:
        backup_db.backup(copy)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(temporary, target)
    return target
