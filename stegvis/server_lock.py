"""Who may replace or upgrade the database file: `stegvis serve` holds a shared lock on
`<database>.lock` for as long as the app runs; restore and migrate need it exclusively, and
also check with SQLite that no other program has the file open."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from pathlib import Path

from foundation.errors import StegvisError


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


def _open(db_path: Path) -> int:
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StegvisError(f"{lock_path(db_path)}: cannot open the lock file ({exc.strerror or exc})") from None


def hold_for_server(db_path: str | Path) -> int:
    """Take the app's shared lock and return its file descriptor, inheritable so that the
    Streamlit process keeps holding it. Several servers may share one database; a restore or
    a migration may not run beside any of them."""
    handle = _open(Path(db_path))
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        raise StegvisError(f"{db_path} is being restored or upgraded right now; start the app when that is done") from None
    os.set_inheritable(handle, True)
    return handle


@contextlib.contextmanager
def app_stopped(db_path: str | Path, doing: str):
    """Hold the database for `doing` (restore, migrate), refusing while the app runs."""
    db_path = Path(db_path)
    handle = _open(db_path)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StegvisError(
                f"cannot {doing} while the app is running on {db_path} (`stegvis serve` holds {lock_path(db_path)}); "
                f"stop it first (systemctl stop stegvis), then try again") from None
        if db_path.exists():
            _refuse_if_open_elsewhere(db_path, doing)
        yield
    finally:
        os.close(handle)


def _refuse_if_open_elsewhere(db_path: Path, doing: str) -> None:
    """In WAL mode every open connection holds a shared lock on the file, so an exclusive
    lock taken without waiting fails while any other program has the database open."""
    probe = sqlite3.connect(str(db_path), timeout=0, isolation_level=None)
    try:
        probe.execute("PRAGMA locking_mode = EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError:
        raise StegvisError(f"cannot {doing}: another program has {db_path} open; stop the app "
                           f"(systemctl stop stegvis) and any other program using it, then try again") from None
    finally:
        probe.close()
