"""The foundation every layer stands on: opening the SQLite database (WAL, foreign keys,
secure delete), one atomic write at a time, and the schema each layer declares for its
own tables. Knows no table of its own except through `Schema` objects handed to it.

Schema versions are global (PRAGMA user_version): version N is the sum of what every
layer's `Schema.changes[N]` adds, applied in the order the application lists the layers.
A layer owns its tables by owning their statements; `stegvis.database` lists the layers."""

from __future__ import annotations

import collections
import contextlib
import contextvars
import itertools
import os
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from foundation.errors import StegvisError

DEFAULT_DB = Path("data") / "stegvis.db"
REBUILD = "-- rebuilds a table"  # marks a version that copies a table into a new definition


@dataclass(frozen=True)
class Schema:
    """The tables one module owns: for each global schema version it changed, the statements.
    Never edit a shipped version's statements: add the next version, so existing databases
    upgrade in place."""

    owner: str
    changes: dict[int, str] = field(default_factory=dict)


def latest_version(schemas: list[Schema]) -> int:
    return max(v for schema in schemas for v in schema.changes)


def version_script(schemas: list[Schema], version: int) -> str:
    """Every statement of one schema version, in the order the layers were listed."""
    return "\n".join(schema.changes[version] for schema in schemas if version in schema.changes)


_clock: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("stegvis_clock", default=None)


def current_time() -> datetime:
    """Now, in UTC; inside `clock(moment)` that moment instead."""
    return _clock.get() or datetime.now(timezone.utc)


def insert_columns(db: sqlite_utils.Database, table: str, columns: dict[str, list]) -> None:
    """INSERT every row of `columns` (name -> one list of values per column, all as long) into
    `table`, hundreds of rows per statement: a million one-row INSERTs spend a quarter of their
    time on running a statement rather than on the rows. Uses the caller's transaction."""
    names, values = list(columns), list(columns.values())
    total, width = len(values[0]), len(names)
    per_statement = max(1, min(400, db.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    full = total - total % per_statement
    row = f"({', '.join('?' * width)})"
    into = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
    rows = zip(*values)
    cells = itertools.chain.from_iterable(itertools.islice(rows, full))
    db.conn.executemany(into + ", ".join([row] * per_statement), zip(*[cells] * (per_statement * width)))
    db.conn.executemany(into + row, rows)  # the last few, where the first `full` ended


def now() -> str:
    """The current time as stored: ISO 8601 in UTC, to the second."""
    return current_time().replace(microsecond=0).isoformat()


@contextlib.contextmanager
def clock(moment: datetime):
    """Run the ordinary functions as if it were `moment` (the demo data's history is made this
    way, through the same functions a user's clicks call, only earlier)."""
    token = _clock.set(moment.astimezone(timezone.utc))
    try:
        yield
    finally:
        _clock.reset(token)


def resolve_path(path: str | Path | None = None) -> Path:
    """--db, then $STEGVIS_DB, then data/stegvis.db."""
    return Path(path or os.environ.get("STEGVIS_DB") or DEFAULT_DB)



def connect(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open the database file as it is (created empty, readable by its owner only, if missing).
    `stegvis.database.open_db` adds the schema check; only it should be called by the app.
    Safe to call from any thread: each call gets its own connection."""
    target = resolve_path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(target)
        conn = sqlite3.connect(str(target), timeout=30, check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise StegvisError(f"cannot open the database {target}: {exc}") from None
    db = sqlite_utils.Database(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    # Deleted content is overwritten with zeros, so an erased person's answers do not linger in
    # free pages of the file. Per connection, and not every SQLite build has it on by default.
    conn.execute("PRAGMA secure_delete = ON")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        with db.ensure_autocommit_on():
            conn.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL loses no committed transaction on an application crash.
    conn.execute("PRAGMA synchronous = NORMAL")
    return db


def checkpoint(db: sqlite_utils.Database) -> bool:
    """Copy the write-ahead log into the database and truncate it to zero bytes, so pages it
    held (an erased person's, before the erasure) are gone from disk. Waits for readers up to
    the busy timeout; False if one still held an older snapshot, and the log was not emptied."""
    if db.conn.in_transaction:
        return False
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


def create_private_file(path: Path) -> None:
    """Create an empty file that only its owner may read (SQLite gives its -wal and -shm
    files the same mode); an existing file is left as it is."""
    if path.exists():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass



def is_new(db: sqlite_utils.Database) -> bool:
    """An empty file: nothing to upgrade, only to create."""
    return schema_version(db) == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def pending_versions(db: sqlite_utils.Database, schemas: list[Schema]) -> list[str]:
    """Each schema version this database lacks, described in a few words; refused when the
    database is newer than this code."""
    current, latest = schema_version(db), latest_version(schemas)
    if current > latest:
        raise StegvisError(
            f"the database is at schema version {current}, newer than this Stegvis ({latest}); upgrade Stegvis"
        )
    return [f"schema {version}: {describe_migration(version_script(schemas, version))}"
            for version in range(current + 1, latest + 1)]


def migrate_db(db: sqlite_utils.Database, schemas: list[Schema]) -> int:
    """Apply the schema versions this database lacks, each in its own transaction."""
    pending_versions(db, schemas)  # refuses a newer database
    latest = latest_version(schemas)
    for version in range(schema_version(db) + 1, latest + 1):
        script = version_script(schemas, version)
        # SQLite cannot drop NOT NULL from a column: such a version builds the table anew, copies
        # it and renames it. Foreign keys must be off meanwhile (dropping the old table would
        # otherwise cascade into the rows pointing at it), and are checked before committing.
        rebuild = REBUILD in script
        if rebuild:
            db.execute("PRAGMA foreign_keys = OFF")
        try:
            with transaction(db):
                for statement in statements(script):
                    db.execute(statement)
                if rebuild and (broken := db.execute("PRAGMA foreign_key_check").fetchall()):
                    raise StegvisError(f"schema {version}: {len(broken)} rows would point at nothing "
                                       f"(first: {broken[0]}); nothing was changed")
                db.execute(f"PRAGMA user_version = {version}")
        finally:
            if rebuild:
                db.execute("PRAGMA foreign_keys = ON")
    return latest


def describe_migration(script: str) -> str:
    """A migration in a few words, read from its statements: the tables, columns and indexes
    it adds or drops; triggers are counted."""
    parts, triggers = [], 0
    rebuilt = set(re.findall(r"CREATE TABLE (\w+)_rebuilt", script))
    for statement in statements(script):
        words = " ".join(line for line in statement.split("\n") if not line.strip().startswith("--"))
        words = " ".join(words.split())
        if re.match(r"(CREATE TEMP|DROP TABLE (IF EXISTS )?migration_)", words, re.I):
            continue  # scaffolding the migration builds and drops again
        if match := re.match(r"CREATE TABLE (\w+)_rebuilt", words, re.I):
            parts.append(f"rebuild table {match[1]} (keeping every row)")
        elif any(re.search(rf"\b{name}(_rebuilt)?\b", words) for name in rebuilt) and \
                re.match(r"(INSERT|DROP TABLE|ALTER TABLE)", words, re.I):
            continue  # the copy, drop and rename of a rebuilt table
        elif match := re.match(r"CREATE (?:UNIQUE )?(TABLE|INDEX|VIEW) (?:IF NOT EXISTS )?(\w+)", words, re.I):
            parts.append(f"add {match[1].lower()} {match[2]}")
        elif re.match(r"CREATE TRIGGER", words, re.I):
            triggers += 1
        elif match := re.match(r"ALTER TABLE (\w+) (ADD|DROP|RENAME) (?:COLUMN )?(\w+)", words, re.I):
            parts.append(f"{match[2].lower()} column {match[1]}.{match[3]}")
        elif match := re.match(r"DROP (TABLE|INDEX|TRIGGER|VIEW) (?:IF EXISTS )?(\w+)", words, re.I):
            parts.append(f"drop {match[1].lower()} {match[2]}")
        elif match := re.match(r"(INSERT (?:OR \w+ )?INTO|UPDATE|DELETE FROM) (\w+)", words, re.I):
            if not match[2].startswith("migration_"):
                parts.append(f"{match[1].split()[0].lower()} rows of {match[2]}")
        elif not words.upper().startswith("PRAGMA"):
            parts.append(words[:60])
    if triggers:
        parts.append(f"{triggers} trigger{'s' if triggers > 1 else ''}")
    return ", ".join(dict.fromkeys(parts))


def statements(script: str) -> list[str]:
    """Split a migration into statements (triggers contain ';' inside BEGIN ... END)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements



class FifoLock:
    """A lock handed over in arrival order. threading.Lock lets a thread that just released
    it take it straight back, so under load some writers starve; first come, first served
    bounds every wait by the queue in front of it."""

    def __init__(self):
        self._guard = threading.Lock()
        self._queue: collections.deque[threading.Event] = collections.deque()
        self._held = False

    def __enter__(self):
        with self._guard:
            if not self._held:
                self._held = True
                return self
            turn = threading.Event()
            self._queue.append(turn)
        turn.wait()  # the releasing thread hands the lock straight to us
        return self

    def __exit__(self, *exc):
        with self._guard:
            if self._queue:
                self._queue.popleft().set()
            else:
                self._held = False


_write_locks: dict[str, FifoLock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(db: sqlite_utils.Database) -> FifoLock:
    """One lock per database file for the threads of this process (the app serves every
    tablet from one process). Waiting on it wakes a writer the moment the previous one
    commits; SQLite's own busy handler polls with sleeps of up to 100 ms, which is what made
    the slowest answer saves slow under 30 concurrent tablets."""
    lock = getattr(db, "_stegvis_write_lock", None)
    if lock is None:
        name = db.execute("PRAGMA database_list").fetchone()[2] or str(id(db.conn))
        with _write_locks_guard:
            lock = db._stegvis_write_lock = _write_locks.setdefault(name, FifoLock())
    return lock


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database):
    """One atomic write: BEGIN IMMEDIATE takes the write lock up front, so concurrent
    writers wait instead of failing on a lock upgrade; other processes (the CLI while the
    app runs) wait through busy_timeout. Nests as a savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    with _write_lock(db):
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        else:
            db.conn.execute("COMMIT")
