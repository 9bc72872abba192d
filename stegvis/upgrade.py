"""Upgrading a database to this version of Stegvis (`stegvis migrate`): say what will change,
take a checked backup, then apply. The app refuses to start until this has been done."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from stegvis.backup import backup_to_dir, default_backup_dir
from foundation.errors import StegvisError
from stegvis.server_lock import app_stopped
from surveys.code_key import LEGACY_SETTING, forget_key, key_in_database, save_key_outside
from foundation.db import resolve_path
from stegvis.database import is_new, migrate_db, open_db, pending_changes, schema_version


@dataclass
class Upgrade:
    changes: list[str]
    from_version: int = 0
    to_version: int = 0
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)


def planned_changes(db_path: str | Path | None) -> Upgrade:
    """What `migrate` would do, without changing anything."""
    path = _existing(db_path)
    with contextlib.closing(open_db(path, migrate=False)) as db:
        if is_new(db):
            raise StegvisError(f"{path} is empty; `stegvis init` creates a new database")
        return Upgrade(pending_changes(db), schema_version(db))


def migrate(db_path: str | Path | None, backup_dir: str | Path | None = None) -> Upgrade:
    """Upgrade the database in place after a backup into `backup_dir` (default: backups/ beside
    it). Refused while the app runs. The backup holds no code key: the key is saved outside
    the database first and removed from the copy."""
    path = _existing(db_path)
    with app_stopped(path, "migrate"):
        db = open_db(path, migrate=False)
        try:
            if is_new(db):
                raise StegvisError(f"{path} is empty; `stegvis init` creates a new database")
            result = Upgrade(pending_changes(db), schema_version(db))
            if not result.changes:
                result.to_version = result.from_version
                return result
            key_home = save_key_outside(db)
            result.backup, _ = backup_to_dir(path, backup_dir or default_backup_dir(path), note="before-migrate")
            _strip_key(result.backup)
            result.to_version = migrate_db(db)
            if key_in_database(db):
                forget_key(db)
                result.notes.append(f"the participant-code key is now in {key_home}; back it up separately "
                                    f"(backups of the database no longer hold it)")
            return result
        finally:
            db.close()


def _existing(db_path) -> Path:
    path = resolve_path(db_path)
    if not path.exists():
        raise StegvisError(f"no database at {path}; `stegvis init` creates one")
    return path


def _strip_key(copy: Path) -> None:
    """Remove the code key from a backup and rebuild the file, so no byte of it remains."""
    with contextlib.closing(sqlite3.connect(copy, isolation_level=None)) as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'settings'").fetchone() is None:
            return
        conn.execute("DELETE FROM settings WHERE key = ?", [LEGACY_SETTING])
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
