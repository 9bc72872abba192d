"""The key that participant codes are hashed with. It lives outside the database (a 0600
file beside it, or $STEGVIS_CODE_KEY), so a copy of the database or of a backup cannot be
searched for open codes by brute force."""

from __future__ import annotations

import os
import re
import secrets
import threading
from pathlib import Path

from foundation.errors import StegvisError

KEY_ENV = "STEGVIS_CODE_KEY"
LEGACY_SETTING = "code_secret"  # where schema versions up to 4 kept the key, inside the database
_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")
_cache: dict[str, tuple[tuple[int, int], str]] = {}
_memory_keys: dict[int, str] = {}
_guard = threading.Lock()


def database_file(db) -> Path | None:
    """The main file of an open database, or None for an in-memory one."""
    name = db.execute("PRAGMA database_list").fetchone()[2]
    return Path(name) if name else None


def key_path(db_path: str | Path) -> Path:
    """Where the key file of a database lives: beside it, `<database>.key`."""
    return Path(f"{db_path}.key")


def _check(value: str, where: str) -> str:
    value = value.strip().lower()
    if not _HEX_KEY.match(value):
        raise StegvisError(f"{where}: a code key is 64 hexadecimal characters; this is not one")
    return value


def _from_env() -> str | None:
    value = os.environ.get(KEY_ENV)
    return _check(value, f"${KEY_ENV}") if value else None


def read_key_file(path: Path) -> str | None:
    """The key in `path`, or None when there is no such file. Cached until the file changes."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    stamp = (stat.st_ino, stat.st_mtime_ns)
    cached = _cache.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        value = _check(path.read_text(encoding="ascii"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise StegvisError(f"{path}: cannot read the code key ({exc})") from None
    _cache[str(path)] = (stamp, value)
    return value


def write_key_file(path: Path, value: str) -> bool:
    """Create the key file, readable by its owner only. False if it exists already (another
    process made it first); it is never overwritten."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise StegvisError(f"{path}: cannot create the code key ({exc.strerror or exc})") from None
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(value + "\n")
        out.flush()
        os.fsync(out.fileno())
    return True


def key_in_database(db) -> bool:
    """True while the database still holds the key itself (made before schema 5's move)."""
    return db.execute("SELECT 1 FROM settings WHERE key = ?", [LEGACY_SETTING]).fetchone() is not None


def code_key(db) -> str:
    """The key as 64 hex characters: $STEGVIS_CODE_KEY, else the key file beside the
    database, made on first use. Refuses to make a new key for a database that already has
    codes hashed with a lost one, since every open code and every export pseudonym would change."""
    value = _from_env()
    if value:
        return value
    path = database_file(db)
    if path is None:
        with _guard:
            return _memory_keys.setdefault(id(db.conn), secrets.token_hex(32))
    path = key_path(path)
    value = read_key_file(path)
    if value:
        return value
    if key_in_database(db):
        raise StegvisError(f"the code key is still inside the database; run `stegvis migrate` to move it to {path}")
    if db.execute("SELECT 1 FROM survey_sessions WHERE code_hash IS NOT NULL LIMIT 1").fetchone():
        raise StegvisError(
            f"the code key {path} is missing, and the database has participant codes made with it; "
            f"put the key back from its backup, or set ${KEY_ENV} (see docs/deployment.md)")
    with _guard:
        write_key_file(path, secrets.token_hex(32))
        return read_key_file(path)


def save_key_outside(db) -> str | None:
    """Copy a key kept inside the database to the key file (or check it against
    $STEGVIS_CODE_KEY), leaving the database as it is. Returns where the key now lives, or
    None when the database holds no key."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [LEGACY_SETTING]).fetchone()
    if row is None:
        return None
    inside = _check(row[0], "the code key inside the database")
    outside, where = _from_env(), f"${KEY_ENV}"
    if outside is None:
        file = database_file(db)
        if file is None:
            raise StegvisError("an in-memory database has no place for a key file")
        where = str(key_path(file))
        outside = read_key_file(key_path(file))
        if outside is None:
            write_key_file(key_path(file), inside)
            outside = read_key_file(key_path(file))
    if outside != inside:
        raise StegvisError(
            f"the code key inside the database differs from {where}; codes made with one would not open "
            f"with the other. Remove {where} if it belongs to another database, then run `stegvis migrate` again")
    return where


def forget_key(db) -> None:
    """Delete the key from the database so that no byte of it stays in the file: secure_delete
    zeroes the freed cell, and a TRUNCATE checkpoint empties the WAL that held the old page."""
    from foundation.db import transaction

    db.execute("PRAGMA secure_delete = ON")
    with transaction(db):
        db.execute("DELETE FROM settings WHERE key = ?", [LEGACY_SETTING])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
