"""The SQLite database: opening it (WAL, foreign keys), migrations, transactions,
and the published versions of every definition. Every column is documented in
docs/schema.md; a test fails when one is not."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from stegvis.errors import StegvisError
from surveys.definitions import Catalog, canonical_json, shipped_catalog
from surveys.models import Instrument, Programme

DEFAULT_DB = Path("data") / "stegvis.db"

# Each entry upgrades the schema by one version (PRAGMA user_version). Never edit a
# shipped migration: add a new one, so existing databases upgrade in place.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE definitions (
        kind TEXT NOT NULL CHECK (kind IN ('instrument', 'programme')),
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        content TEXT NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (kind, id, version)
    );
    CREATE TABLE programmes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        coaches_see_programme INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT,
        role TEXT NOT NULL CHECK (role IN ('admin', 'coach', 'board')),
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        last_login_at TEXT
    );
    CREATE TABLE coach_programmes (
        user_id INTEGER NOT NULL REFERENCES users(id),
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        PRIMARY KEY (user_id, programme_id)
    );
    CREATE TABLE participants (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        gender TEXT NOT NULL CHECK (gender IN ('kvinna', 'man', 'annat', 'vill_inte_uppge')),
        birth_year INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100),
        coach_id INTEGER REFERENCES users(id),
        share_kasam INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE INDEX participants_coach ON participants(coach_id);
    CREATE TABLE enrolments (
        id INTEGER PRIMARY KEY,
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        started_on TEXT NOT NULL,
        exited_on TEXT,
        outcome TEXT,
        UNIQUE (participant_id, programme_id, started_on),
        CHECK (exited_on IS NULL OR exited_on >= started_on),
        CHECK (outcome IS NULL OR exited_on IS NOT NULL)
    );
    CREATE INDEX enrolments_programme ON enrolments(programme_id);
    CREATE TABLE consents (
        id INTEGER PRIMARY KEY,
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        given_on TEXT NOT NULL,
        text_version TEXT NOT NULL,
        scope TEXT NOT NULL,
        recorded_by INTEGER REFERENCES users(id),
        withdrawn_on TEXT
    );
    CREATE INDEX consents_participant ON consents(participant_id);
    CREATE TABLE survey_sessions (
        id INTEGER PRIMARY KEY,
        visit TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        participant_id INTEGER REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        occasion TEXT NOT NULL,
        instrument_id TEXT NOT NULL,
        instrument_version INTEGER NOT NULL,
        respondent_group TEXT NOT NULL DEFAULT 'deltagare',
        language TEXT NOT NULL DEFAULT 'sv',
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'cancelled')),
        code_hash TEXT,
        expires_at TEXT,
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        started_at TEXT,
        completed_at TEXT,
        UNIQUE (visit, position)
    );
    CREATE INDEX survey_sessions_code ON survey_sessions(code_hash);
    CREATE INDEX survey_sessions_participant ON survey_sessions(participant_id);
    CREATE INDEX survey_sessions_instrument ON survey_sessions(instrument_id, status);
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES survey_sessions(id) ON DELETE CASCADE,
        instrument_id TEXT NOT NULL,
        instrument_version INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('answered', 'skipped', 'dont_know')),
        value_num REAL,
        value_text TEXT,
        other_text TEXT,
        answered_at TEXT NOT NULL,
        UNIQUE (session_id, item_id)
    );
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
    CREATE TABLE erasures (
        id INTEGER PRIMARY KEY,
        erased_at TEXT NOT NULL,
        erased_by INTEGER,
        reason TEXT NOT NULL,
        rows_deleted TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE textpacks (
        instrument_id TEXT NOT NULL,
        language TEXT NOT NULL,
        instrument_version INTEGER,
        source TEXT NOT NULL CHECK (source IN ('licensed', 'demo')),
        content TEXT NOT NULL,
        installed_at TEXT NOT NULL,
        installed_by INTEGER,
        PRIMARY KEY (instrument_id, language)
    );
    CREATE TABLE permissions (
        instrument_id TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        recorded_by INTEGER,
        recorded_at TEXT NOT NULL
    );
    """,
    # 2: a counter that every change to people, enrolments, sessions or answers bumps, so
    # aggregates can be cached and invalidated exactly (the board page for a large förbund).
    """
    CREATE TABLE data_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
    );
    INSERT INTO data_version (id, n) VALUES (1, 0);
    CREATE TRIGGER data_version_participants_I AFTER INSERT ON participants
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_participants_U AFTER UPDATE ON participants
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_participants_D AFTER DELETE ON participants
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_enrolments_I AFTER INSERT ON enrolments
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_enrolments_U AFTER UPDATE ON enrolments
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_enrolments_D AFTER DELETE ON enrolments
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_survey_sessions_I AFTER INSERT ON survey_sessions
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_survey_sessions_U AFTER UPDATE ON survey_sessions
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_survey_sessions_D AFTER DELETE ON survey_sessions
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_answers_I AFTER INSERT ON answers
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_answers_U AFTER UPDATE ON answers
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_answers_D AFTER DELETE ON answers
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_consents_I AFTER INSERT ON consents
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_consents_U AFTER UPDATE ON consents
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_consents_D AFTER DELETE ON consents
        BEGIN UPDATE data_version SET n = n + 1; END;
    """,
    # 3: each completed response's scale scores and numeric answers as one packed row, so the
    # board reads a row per response instead of a row per answer (indicators/stored_scores.py).
    # A cache, never the record: any change to an answer deletes its session's row, and rows
    # packed under another definition version are ignored and replaced.
    """
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
    # 4: views are logged once per user, participant and 10 minutes (stegvis/audit.py); this
    # index finds the last such entry without scanning years of log.
    """
    CREATE INDEX audit_log_recent ON audit_log(user_id, action, at);
    """,
    # 5: each answered row says what its value is (number, text, or a JSON list of choice ids),
    # so free text that looks like JSON or a number is never read as one. Existing rows get
    # their type from the item's kind in the published definition; for an item no stored
    # definition knows, text that is a JSON array is taken as a list, as it was read before.
    """
    ALTER TABLE answers ADD COLUMN value_type TEXT CHECK (value_type IN ('number', 'text', 'list'));
    CREATE TEMP TABLE migration_item_kinds (
        instrument_id TEXT, instrument_version INTEGER, item_id TEXT, kind TEXT,
        PRIMARY KEY (instrument_id, instrument_version, item_id)
    );
    INSERT OR IGNORE INTO migration_item_kinds
        SELECT d.id, d.version, json_extract(i.value, '$.id'), json_extract(i.value, '$.kind')
        FROM definitions d, json_each(d.content, '$.items') i WHERE d.kind = 'instrument';
    UPDATE answers SET value_type = CASE
        WHEN value_num IS NOT NULL THEN 'number'
        WHEN (SELECT k.kind FROM migration_item_kinds k WHERE k.instrument_id = answers.instrument_id
              AND k.instrument_version = answers.instrument_version AND k.item_id = answers.item_id)
             IS NOT NULL THEN
            CASE (SELECT k.kind FROM migration_item_kinds k WHERE k.instrument_id = answers.instrument_id
                  AND k.instrument_version = answers.instrument_version AND k.item_id = answers.item_id)
                WHEN 'multiple_choice' THEN 'list' WHEN 'scale' THEN 'number' WHEN 'number' THEN 'number'
                ELSE 'text' END
        WHEN json_valid(value_text) AND json_type(value_text) = 'array' THEN 'list'
        ELSE 'text' END
    WHERE status = 'answered';
    DROP TABLE migration_item_kinds;
    CREATE TRIGGER answers_value_type_I BEFORE INSERT ON answers
        WHEN NEW.status = 'answered' AND NEW.value_type IS NULL
        BEGIN SELECT RAISE(ABORT, 'an answered row needs its value_type (number, text or list)'); END;
    CREATE TRIGGER answers_value_type_U BEFORE UPDATE ON answers
        WHEN NEW.status = 'answered' AND NEW.value_type IS NULL
        BEGIN SELECT RAISE(ABORT, 'an answered row needs its value_type (number, text or list)'); END;
    """,
]


def data_version(db: sqlite_utils.Database) -> int:
    """Changes so far to participants, enrolments, consents, sessions and answers."""
    return db.execute("SELECT n FROM data_version").fetchone()[0]


def now() -> str:
    """The current time as stored: ISO 8601 in UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def resolve_path(path: str | Path | None = None) -> Path:
    """--db, then $STEGVIS_DB, then data/stegvis.db."""
    return Path(path or os.environ.get("STEGVIS_DB") or DEFAULT_DB)


def open_db(path: str | Path | None = None, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open the database; a missing or empty one is created at the current schema, readable by
    its owner only. An existing database that needs an upgrade is refused: only `stegvis
    migrate` upgrades, after a backup. With migrate=False the file is opened as it is (for
    migrate, check, backup and tests). Safe to call from any thread: each call gets its own
    connection."""
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
    if migrate:
        if is_new(db):
            migrate_db(db)
        elif pending := pending_changes(db):
            db.close()
            raise StegvisError(f"the database {target} needs an upgrade ({'; '.join(pending)}); "
                               f"run `stegvis migrate --db {target}` (it takes a backup first)")
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


def pending_changes(db: sqlite_utils.Database) -> list[str]:
    """What `stegvis migrate` would change, one line each; empty when the database is current."""
    from surveys.code_key import key_in_database

    current = schema_version(db)
    if current > len(MIGRATIONS):
        raise StegvisError(
            f"the database is at schema version {current}, newer than this Stegvis ({len(MIGRATIONS)}); upgrade Stegvis"
        )
    changes = [f"schema {version + 1}: {describe_migration(MIGRATIONS[version])}"
               for version in range(current, len(MIGRATIONS))]
    if current and key_in_database(db):
        changes.append("move the participant-code key out of the database into a file beside it")
    return changes


def describe_migration(script: str) -> str:
    """A migration in a few words, read from its statements: the tables, columns and indexes
    it adds or drops; triggers are counted."""
    parts, triggers = [], 0
    for statement in _statements(script):
        words = " ".join(statement.split())
        if re.match(r"(CREATE TEMP|DROP TABLE (IF EXISTS )?migration_)", words, re.I):
            continue  # scaffolding the migration builds and drops again
        if match := re.match(r"CREATE (?:UNIQUE )?(TABLE|INDEX|VIEW) (?:IF NOT EXISTS )?(\w+)", words, re.I):
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


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate_db(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database lacks, each in its own transaction."""
    current = schema_version(db)
    if current > len(MIGRATIONS):
        raise StegvisError(
            f"the database is at schema version {current}, newer than this Stegvis ({len(MIGRATIONS)}); upgrade Stegvis"
        )
    for version in range(current, len(MIGRATIONS)):
        with transaction(db):
            for statement in _statements(MIGRATIONS[version]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version + 1}")
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
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


def publish_definitions(db: sqlite_utils.Database, catalog: Catalog | None = None) -> list[str]:
    """Store every definition version not yet stored; refuse a changed file that kept its version,
    since stored answers point at (id, version) and must keep meaning what they meant."""
    catalog = catalog or shipped_catalog()
    published = []
    with transaction(db):
        for kind, table in (("instrument", catalog.instruments), ("programme", catalog.programmes)):
            for (ident, version), definition in sorted(table.items()):
                content = canonical_json(definition)
                row = db.execute(
                    "SELECT content FROM definitions WHERE kind = ? AND id = ? AND version = ?", [kind, ident, version]
                ).fetchone()
                if row is None:
                    db["definitions"].insert(
                        {"kind": kind, "id": ident, "version": version, "content": content, "published_at": now()}
                    )
                    published.append(f"{ident}@{version}")
                elif row[0] != content:
                    raise StegvisError(
                        f"{kind} {ident} version {version} differs from the version already published; "
                        f"raise `version` to {version + 1} in its file so stored answers keep their meaning"
                    )
                if kind == "programme":
                    latest = catalog.programme(ident)
                    db["programmes"].upsert(
                        {"id": ident, "name": latest.name.sv, "version": latest.version}, pk="id", alter=False
                    )
    return published


def load_catalog(db: sqlite_utils.Database) -> Catalog:
    """Every version stored in the database, plus the shipped files (which may be newer)."""
    catalog = Catalog(dict(shipped_catalog().instruments), dict(shipped_catalog().programmes))
    for kind, ident, version, content in db.execute("SELECT kind, id, version, content FROM definitions"):
        if (ident, version) in (catalog.instruments if kind == "instrument" else catalog.programmes):
            continue
        model = Instrument if kind == "instrument" else Programme
        catalog.add(model.model_validate(json.loads(content)))
    return catalog


def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    with transaction(db):
        db["settings"].upsert({"key": key, "value": str(value)}, pk="key")
