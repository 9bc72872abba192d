"""What the surveys layer stores: definitions and their published versions, programmes,
participants, enrolments, consents, survey sessions, answers, text packs and licence
records (the schema of those tables), and the published catalogue. Every column is
documented in docs/schema.md; a test fails when one is not."""

from __future__ import annotations

import contextlib
import json

import sqlite_utils

from foundation.db import Schema, insert_columns, now, transaction
from foundation.errors import StegvisError
from surveys.definitions import Catalog, canonical_json, shipped_catalog
from surveys.models import Instrument, Programme

SCHEMA = Schema("surveys", {
    1: """
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
    2: """
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
    # 5: each answered row says what its value is (number, text, or a JSON list of choice ids),
    # so free text that looks like JSON or a number is never read as one. Existing rows get
    # their type from the item's kind in the published definition; for an item no stored
    # definition knows, text that is a JSON array is taken as a list, as it was read before.
    5: """
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
    # 6: a coach shares a participant's own results per instrument, not one switch that was
    # named after KASAM and governed every instrument. Those who had it on keep every
    # instrument that is shared by the coach (participant_view: coach_shares) shared.
    6: """
    CREATE TABLE shared_results (
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        instrument_id TEXT NOT NULL,
        shared_at TEXT NOT NULL,
        shared_by INTEGER REFERENCES users(id),
        PRIMARY KEY (participant_id, instrument_id)
    );
    INSERT INTO shared_results (participant_id, instrument_id, shared_at)
        SELECT p.id, d.id, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
        FROM participants p,
             (SELECT DISTINCT id FROM definitions
              WHERE kind = 'instrument' AND json_extract(content, '$.participant_view') = 'coach_shares') d
        WHERE p.share_kasam = 1;
    ALTER TABLE participants DROP COLUMN share_kasam;
    """,
    # 7: survey rounds (enkätomgångar) for the groups that answer without being participants:
    # staff, the board, managers, referrers, employers. A round knows how many it invited and
    # how many codes were used, never who used which: a code's row is deleted when it is first
    # used, and the session's code_hash is cleared when it is sent in, as for participants.
    # A round may cover the whole förbund, so a session's programme becomes optional: the
    # table is rebuilt (foreign keys are off while it is, and checked before commit).
    7: """
    -- rebuilds a table
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        respondent_group TEXT NOT NULL,
        instruments TEXT NOT NULL,
        programme_id TEXT REFERENCES programmes(id),
        declared TEXT,
        invited INTEGER NOT NULL CHECK (invited > 0),
        opened_on TEXT NOT NULL,
        closes_on TEXT NOT NULL,
        codes_used INTEGER NOT NULL DEFAULT 0,
        closed_at TEXT,
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        CHECK (closes_on >= opened_on)
    );
    CREATE TABLE round_codes (
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        seat INTEGER NOT NULL,
        code_hash TEXT NOT NULL UNIQUE,
        sealed TEXT NOT NULL,
        PRIMARY KEY (round_id, seat)
    );
    CREATE INDEX round_codes_round ON round_codes(round_id);
    CREATE TABLE round_invitations (
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        sent_at TEXT,
        reminded_at TEXT,
        UNIQUE (round_id, email)
    );
    CREATE TABLE survey_sessions_rebuilt (
        id INTEGER PRIMARY KEY,
        visit TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        participant_id INTEGER REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT REFERENCES programmes(id),
        round_id INTEGER REFERENCES rounds(id),
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
        UNIQUE (visit, position),
        CHECK (programme_id IS NOT NULL OR round_id IS NOT NULL),
        CHECK (round_id IS NULL OR participant_id IS NULL)
    );
    INSERT INTO survey_sessions_rebuilt (id, visit, position, participant_id, programme_id, occasion, instrument_id,
        instrument_version, respondent_group, language, status, code_hash, expires_at, created_by, created_at,
        started_at, completed_at)
        SELECT id, visit, position, participant_id, programme_id, occasion, instrument_id, instrument_version,
               respondent_group, language, status, code_hash, expires_at, created_by, created_at, started_at,
               completed_at FROM survey_sessions;
    DROP TABLE survey_sessions;
    ALTER TABLE survey_sessions_rebuilt RENAME TO survey_sessions;
    CREATE INDEX survey_sessions_code ON survey_sessions(code_hash);
    CREATE INDEX survey_sessions_participant ON survey_sessions(participant_id);
    CREATE INDEX survey_sessions_instrument ON survey_sessions(instrument_id, status);
    CREATE INDEX survey_sessions_round ON survey_sessions(round_id);
    CREATE TRIGGER data_version_survey_sessions_I AFTER INSERT ON survey_sessions
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_survey_sessions_U AFTER UPDATE ON survey_sessions
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_survey_sessions_D AFTER DELETE ON survey_sessions
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_rounds_I AFTER INSERT ON rounds
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_rounds_U AFTER UPDATE ON rounds
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_rounds_D AFTER DELETE ON rounds
        BEGIN UPDATE data_version SET n = n + 1; END;
    """,
    # 9: the participant's path over time (issue 16): referrals with the referring party and
    # the decision, events during the programme, the parties active around the person, status
    # at follow-ups after exit, and extensions past the maximum time.
    9: """
    CREATE TABLE referrals (
        id INTEGER PRIMARY KEY,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        referred_on TEXT NOT NULL,
        party TEXT NOT NULL,
        gender TEXT NOT NULL CHECK (gender IN ('kvinna', 'man', 'annat', 'vill_inte_uppge')),
        birth_year INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100),
        decision TEXT NOT NULL DEFAULT 'vantar' CHECK (decision IN ('inskriven', 'ej_inskriven', 'vantar')),
        reason TEXT,
        decided_on TEXT,
        participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
        recorded_by INTEGER REFERENCES users(id),
        recorded_at TEXT NOT NULL,
        CHECK (decision != 'inskriven' OR participant_id IS NOT NULL OR decided_on IS NOT NULL)
    );
    CREATE INDEX referrals_programme ON referrals(programme_id, referred_on);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        event TEXT NOT NULL,
        happened_on TEXT NOT NULL,
        value REAL,
        recorded_by INTEGER REFERENCES users(id),
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX events_participant ON events(participant_id);
    CREATE TABLE participant_parties (
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        party TEXT NOT NULL,
        since TEXT NOT NULL,
        PRIMARY KEY (participant_id, programme_id, party)
    );
    CREATE TABLE followups (
        id INTEGER PRIMARY KEY,
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        occasion TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('arbete', 'studier', 'varken')),
        recorded_on TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('coach', 'survey', 'import')),
        recorded_by INTEGER REFERENCES users(id),
        UNIQUE (participant_id, programme_id, occasion)
    );
    CREATE TABLE extensions (
        id INTEGER PRIMARY KEY,
        enrolment_id INTEGER NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
        months INTEGER NOT NULL CHECK (months > 0),
        reason TEXT NOT NULL,
        decided_on TEXT NOT NULL,
        recorded_by INTEGER REFERENCES users(id)
    );
    CREATE TRIGGER data_version_referrals_I AFTER INSERT ON referrals BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_referrals_U AFTER UPDATE ON referrals BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_referrals_D AFTER DELETE ON referrals BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_events_I AFTER INSERT ON events BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_events_U AFTER UPDATE ON events BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_events_D AFTER DELETE ON events BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_followups_I AFTER INSERT ON followups BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_followups_U AFTER UPDATE ON followups BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_followups_D AFTER DELETE ON followups BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_extensions_I AFTER INSERT ON extensions BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_extensions_D AFTER DELETE ON extensions BEGIN UPDATE data_version SET n = n + 1; END;
    """,
    # 10: a status at the turn of each year for those still in (seed 004 checks at year end):
    # one follow-up occasion recorded once per year, so a follow-up row names its year (0 for
    # a follow-up after exit, which happens once).
    10: """
    -- rebuilds a table
    CREATE TABLE followups_new (
        id INTEGER PRIMARY KEY,
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        occasion TEXT NOT NULL,
        year INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('arbete', 'studier', 'varken')),
        recorded_on TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('coach', 'survey', 'import')),
        recorded_by INTEGER REFERENCES users(id),
        UNIQUE (participant_id, programme_id, occasion, year)
    );
    INSERT INTO followups_new (id, participant_id, programme_id, occasion, status, recorded_on, source, recorded_by)
        SELECT id, participant_id, programme_id, occasion, status, recorded_on, source, recorded_by FROM followups;
    DROP TABLE followups;
    ALTER TABLE followups_new RENAME TO followups;
    CREATE TRIGGER data_version_followups_I AFTER INSERT ON followups BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_followups_U AFTER UPDATE ON followups BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_followups_D AFTER DELETE ON followups BEGIN UPDATE data_version SET n = n + 1; END;
    """,
    # 11: the background and exit fields a programme declares for national reporting (SUS, ESF):
    # one value per person, programme and field, a choice id as text or a whole number.
    11: """
    CREATE TABLE registry_values (
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        field TEXT NOT NULL,
        value_text TEXT,
        value_num REAL,
        recorded_on TEXT NOT NULL,
        recorded_by INTEGER REFERENCES users(id),
        PRIMARY KEY (participant_id, programme_id, field),
        CHECK ((value_text IS NULL) != (value_num IS NULL))
    );
    CREATE INDEX registry_values_programme ON registry_values(programme_id);
    CREATE TRIGGER data_version_registry_values_I AFTER INSERT ON registry_values
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_registry_values_U AFTER UPDATE ON registry_values
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_registry_values_D AFTER DELETE ON registry_values
        BEGIN UPDATE data_version SET n = n + 1; END;
    """,
    # 12: when and by whom an exit was recorded in Stegvis, so a mistaken one can be undone for a while.
    12: """
    ALTER TABLE enrolments ADD COLUMN exit_recorded_at TEXT;
    ALTER TABLE enrolments ADD COLUMN exit_recorded_by INTEGER REFERENCES users(id);
    """,
    # 13: an answer to a session still open is in nothing cached: figures are made from completed
    # sessions, and opening, starting and sending in a session change the session itself. So
    # only answers to sessions not open count as changes, and thirty tablets answering no longer
    # throw the board's figures away at every tap.
    13: """
    DROP TRIGGER data_version_answers_I;
    DROP TRIGGER data_version_answers_U;
    DROP TRIGGER data_version_answers_D;
    CREATE TRIGGER data_version_answers_I AFTER INSERT ON answers
        WHEN (SELECT status FROM survey_sessions WHERE id = NEW.session_id) IS NOT 'open'
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_answers_U AFTER UPDATE ON answers
        WHEN (SELECT status FROM survey_sessions WHERE id = OLD.session_id) IS NOT 'open'
          OR (SELECT status FROM survey_sessions WHERE id = NEW.session_id) IS NOT 'open'
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_answers_D AFTER DELETE ON answers
        WHEN (SELECT status FROM survey_sessions WHERE id = OLD.session_id) IS NOT 'open'
        BEGIN UPDATE data_version SET n = n + 1; END;
    """,
    # 14: the same rule for a participant's gender, written so SQLite checks it in a few
    # comparisons: as `gender IN (...)` it built a lookup list for every row written, a third
    # of the time a million-participant import spent writing participants.
    14: """
    -- rebuilds a table
    CREATE TABLE participants_rebuilt (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        gender TEXT NOT NULL
            CHECK (gender = 'kvinna' OR gender = 'man' OR gender = 'annat' OR gender = 'vill_inte_uppge'),
        birth_year INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100),
        coach_id INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL
    );
    INSERT INTO participants_rebuilt (id, code, gender, birth_year, coach_id, created_at)
        SELECT id, code, gender, birth_year, coach_id, created_at FROM participants;
    DROP TABLE participants;
    ALTER TABLE participants_rebuilt RENAME TO participants;
    CREATE INDEX participants_coach ON participants(coach_id);
    CREATE TRIGGER data_version_participants_I AFTER INSERT ON participants
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_participants_U AFTER UPDATE ON participants
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_participants_D AFTER DELETE ON participants
        BEGIN UPDATE data_version SET n = n + 1; END;
    """,
    # 15: a consent points at the text given, stored once: every consent repeated its version
    # and scope, a third of the database for a million participants, and of the time it took
    # to import them.
    15: """
    -- rebuilds a table
    CREATE TABLE consent_texts (
        id INTEGER PRIMARY KEY,
        text_version TEXT NOT NULL,
        scope TEXT NOT NULL,
        UNIQUE (text_version, scope)
    );
    INSERT INTO consent_texts (text_version, scope)
        SELECT text_version, scope FROM consents GROUP BY text_version, scope ORDER BY min(id);
    CREATE TABLE consents_rebuilt (
        id INTEGER PRIMARY KEY,
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        given_on TEXT NOT NULL,
        text_id INTEGER NOT NULL REFERENCES consent_texts(id),
        recorded_by INTEGER REFERENCES users(id),
        withdrawn_on TEXT
    );
    INSERT INTO consents_rebuilt (id, participant_id, programme_id, given_on, text_id, recorded_by, withdrawn_on)
        SELECT c.id, c.participant_id, c.programme_id, c.given_on, t.id, c.recorded_by, c.withdrawn_on
        FROM consents c JOIN consent_texts t ON t.text_version = c.text_version AND t.scope = c.scope;
    DROP TABLE consents;
    ALTER TABLE consents_rebuilt RENAME TO consents;
    CREATE INDEX consents_participant ON consents(participant_id);
    CREATE TRIGGER data_version_consents_I AFTER INSERT ON consents
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_consents_U AFTER UPDATE ON consents
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_consents_D AFTER DELETE ON consents
        BEGIN UPDATE data_version SET n = n + 1; END;
    """,
})

# A person's consents as they read: the text's version and scope beside each.
CONSENTS = ("SELECT c.programme_id, c.given_on, t.text_version, t.scope, c.withdrawn_on "
            "FROM consents c JOIN consent_texts t ON t.id = c.text_id WHERE c.participant_id = ?")


def consent_text_ids(db: sqlite_utils.Database, texts: list[tuple[str, str]]) -> list[int]:
    """The id of each consent text (version, scope) in `texts`, stored the first time it is
    given; in one pass however many there are (a file may give every row a text of its own)."""
    with transaction(db):  # the caller's, if any; else its own, committed here
        db.execute("CREATE TEMP TABLE given_texts (n INTEGER PRIMARY KEY, text_version TEXT, scope TEXT)")
        insert_columns(db, "temp.given_texts", {"n": range(len(texts)), "text_version": [v for v, _ in texts],
                                                "scope": [s for _, s in texts]})
        db.execute("INSERT INTO consent_texts (text_version, scope) SELECT text_version, scope FROM temp.given_texts "
                   "WHERE true ON CONFLICT DO NOTHING")  # WHERE: so SQLite reads ON CONFLICT as the upsert's
        ids = dict(db.execute("SELECT g.n, c.id FROM temp.given_texts g JOIN consent_texts c "
                              "ON c.text_version = g.text_version AND c.scope = g.scope").fetchall())
        db.execute("DROP TABLE temp.given_texts")
    return [ids[n] for n in range(len(texts))]


def record_consent(db: sqlite_utils.Database, participant_id: int, programme_id: str, given_on: str,
                   text_version: str, scope: str, recorded_by: int | None = None) -> None:
    """A consent given to a programme, to the text of that version and scope."""
    with transaction(db):
        db["consents"].insert({"participant_id": participant_id, "programme_id": programme_id, "given_on": given_on,
                               "text_id": consent_text_ids(db, [(text_version, scope)])[0],
                               "recorded_by": recorded_by})


def data_version(db: sqlite_utils.Database) -> int:
    """Changes so far to participants, enrolments, consents, sessions and answers (to sessions
    not open: see schema 13), and the other tables docs/schema.md lists."""
    return db.execute("SELECT n FROM data_version").fetchone()[0]


@contextlib.contextmanager
def _set_aside(db: sqlite_utils.Database, kind: str, tables: list[str], which: str):
    """The triggers or indexes (`kind`) on `tables` that `which` (SQL on sqlite_master's name
    and sql) picks, dropped while the block runs and made again from their own stored text
    afterwards; inside a transaction, so no other connection ever sees them gone."""
    if not db.conn.in_transaction:
        raise RuntimeError(f"setting {kind}es aside needs a transaction")
    placeholders = ", ".join("?" for _ in tables)
    found = db.execute(f"SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL AND {which} "
                       f"AND tbl_name IN ({placeholders})", [kind, *tables]).fetchall()
    for name, _ in found:
        db.execute(f'DROP {kind.upper()} "{name}"')
    try:
        yield
    finally:
        for _, sql in found:
            db.execute(sql)


@contextlib.contextmanager
def counted_once(db: sqlite_utils.Database, tables: list[str]):
    """For one write of many rows: `data_version` goes up once instead of once per row. The
    per-row triggers on `tables` are set aside while the write runs (they fired three million
    times in a million-participant import, a fifth of its time)."""
    with _set_aside(db, "trigger", tables, "name LIKE 'data_version_%'"):
        yield
    db.execute("UPDATE data_version SET n = n + 1")


def indexes_built_after(db: sqlite_utils.Database, tables: list[str]):
    """For one write of more rows than `tables` hold: their secondary indexes (not those that
    keep values unique) are set aside while the write runs and built again afterwards, from
    sorted rows, instead of kept up row by row. Inside a transaction."""
    return _set_aside(db, "index", tables, "sql NOT LIKE 'CREATE UNIQUE%'")


def definitions_version(db: sqlite_utils.Database) -> tuple[int, int]:
    """Changes whenever a definition version is published (rows are only ever added): what a
    running app compares to see `stegvis definitions add` without restarting."""
    return tuple(db.execute("SELECT count(*), coalesce(max(rowid), 0) FROM definitions").fetchone())


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
                elif row[0] != content and not _same_definition(row[0], content, type(definition)):
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


def _same_definition(stored: str, content: str, model) -> bool:
    """A definition stored by an earlier Stegvis lacks the fields added since (with their
    defaults): read with today's model it is the same definition, not a changed file."""
    try:
        return canonical_json(model.model_validate(json.loads(stored))) == content
    except ValueError:
        return False


def load_catalog(db: sqlite_utils.Database) -> Catalog:
    """Every version stored in the database, plus the shipped files (which may be newer), with the
    groups and the förbund's rounds of the definitions directory."""
    catalog = shipped_catalog().copy()
    for kind, ident, version, content in db.execute("SELECT kind, id, version, content FROM definitions"):
        if (ident, version) in (catalog.instruments if kind == "instrument" else catalog.programmes):
            continue
        model = Instrument if kind == "instrument" else Programme
        catalog.add(model.model_validate(json.loads(content)))
    return catalog
