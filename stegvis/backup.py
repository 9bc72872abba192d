"""Backup and restore of the live database with SQLite's online backup: consistent even
while the app is writing. Backups are checked after writing, readable by their owner only,
and rotated in a directory (`stegvis backup --dir backups --keep 30`). The participant-code
key is not in the database and so never in a backup: keep it separately."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from foundation.errors import StegvisError
from stegvis.server_lock import app_stopped
from foundation.db import create_private_file, resolve_path
from stegvis.database import LATEST

# stegvis-2026-11-30T021500Z.db, with -2, -3 ... when two are taken within one second, and a
# note such as -before-migrate. Sorting the names sorts by time.
BACKUP_NAME = re.compile(r"^stegvis-(\d{4}-\d\d-\d\dT\d{6}Z)(?:-[a-z0-9-]+)?\.db$")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: str
    size: int


def default_backup_dir(db_path: str | Path | None) -> Path:
    """`backups/` beside the database."""
    return resolve_path(db_path).parent / "backups"


def backup(db_path: str | Path | None, target: str | Path) -> Path:
    """Copy the database to `target` (a new file, 0600) and check the copy; all or nothing."""
    source, target = resolve_path(db_path), Path(target)
    if not source.exists():
        raise StegvisError(f"{source}: no database to back up")
    if target.exists():
        raise StegvisError(f"{target} exists already; choose a new file name")
    try:  # a folder that does not exist yet is made, readable by its owner only, like --dir's
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StegvisError(f"{target.parent}: cannot create the folder ({exc.strerror or exc})") from None
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        temporary.unlink(missing_ok=True)
        create_private_file(temporary)
        with contextlib.closing(sqlite3.connect(source, timeout=30)) as live, \
                contextlib.closing(sqlite3.connect(temporary)) as copy:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        problem = _integrity_problem(temporary)
        if problem:
            raise StegvisError(f"backup to {target} failed its check ({problem}); the database itself may be "
                               f"damaged: run `PRAGMA integrity_check` on {source}")
        os.replace(temporary, target)
    except (sqlite3.Error, OSError) as exc:
        temporary.unlink(missing_ok=True)
        raise StegvisError(f"backup to {target} failed: {exc}") from None
    except StegvisError:
        temporary.unlink(missing_ok=True)
        raise
    return target


def _integrity_problem(path: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as check:
        result = [row[0] for row in check.execute("PRAGMA integrity_check")]
    return None if result == ["ok"] else "; ".join(result[:3])


def backup_to_dir(db_path: str | Path | None, directory: str | Path, keep: int | None = None,
                  note: str = "") -> tuple[Path, list[Path]]:
    """A dated backup in `directory` (made 0700 if new), checked; then all but the newest
    `keep` dated backups there are deleted. A failed backup deletes nothing. Returns the new
    backup and the deleted ones."""
    if keep is not None and keep < 1:
        raise StegvisError("--keep must be at least 1")
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StegvisError(f"{directory}: cannot create the backup directory ({exc.strerror or exc})") from None
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    suffix = f"-{note}" if note else ""
    target, n = directory / f"stegvis-{stamp}{suffix}.db", 1
    while target.exists():
        n += 1
        target = directory / f"stegvis-{stamp}-{n}{suffix}.db"
    made = backup(db_path, target)
    removed = []
    if keep is not None:
        for old in list_backups(directory)[:-keep]:
            old.path.unlink(missing_ok=True)
            removed.append(old.path)
    return made, removed


def list_backups(directory: str | Path) -> list[BackupFile]:
    """The dated backups in `directory`, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match and path.is_file():
            taken = datetime.strptime(match[1], "%Y-%m-%dT%H%M%SZ").strftime("%Y-%m-%d %H:%M:%S UTC")
            found.append(BackupFile(path, taken, path.stat().st_size))
    return sorted(found, key=lambda b: b.path.name)


def restore(source: str | Path, db_path: str | Path | None) -> Path:
    """Replace the database with a backup, after checking that it is a Stegvis database.
    Refused while the app runs: it would go on writing into the file that is replaced."""
    source, target = Path(source), resolve_path(db_path)
    if not source.is_file():
        raise StegvisError(f"{source}: no such backup")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
            version = check.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StegvisError(f"{source}: the file is damaged (integrity check failed)")
    except sqlite3.Error as exc:
        raise StegvisError(f"{source}: not a readable SQLite database ({exc})") from None
    if not {"answers", "participants", "survey_sessions"} <= tables or not 1 <= version <= LATEST:
        raise StegvisError(f"{source}: not a Stegvis database backup")
    with app_stopped(target, "restore"):
        temporary = target.with_name(f".{target.name}.restore")
        try:
            temporary.unlink(missing_ok=True)
            create_private_file(temporary)
            with contextlib.closing(sqlite3.connect(source)) as backup_db, \
                    contextlib.closing(sqlite3.connect(temporary)) as copy:
                backup_db.backup(copy)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(temporary, target)
        except (sqlite3.Error, OSError) as exc:
            temporary.unlink(missing_ok=True)
            raise StegvisError(f"restore of {source} failed: {exc}") from None
    return target
