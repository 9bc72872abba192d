"""Safe upgrades: a database made by the first released schema (tests/fixtures/upgrade/schema4.sql,
with the participant-code key still inside it) is upgraded only by `stegvis migrate`, which says
what it changes and takes a checked backup first; every answer, score and audit entry survives,
and the app refuses to start until the upgrade has been run."""

import re
import sqlite3
from datetime import datetime, timezone

import pytest

from stegvis.cli import run
from stegvis.exports import scores
from stegvis.server_lock import hold_for_server
from foundation.errors import StegvisError
from surveys.code_key import KEY_ENV, key_path
from surveys.definitions import shipped_catalog
from surveys.sessions import visit_for_code
from stegvis.database import LATEST, open_db

from conftest import FIXTURES

OLD_DUMP = FIXTURES / "upgrade" / "schema4.sql"
OLD_KEY = "5e" * 32  # tests/fixtures/upgrade/build_schema4.py
WHILE_CODES_WORK = datetime(2026, 11, 24, tzinfo=timezone.utc)


@pytest.fixture
def old_db(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = tmp_path / "stegvis.db"
    conn = sqlite3.connect(path)
    conn.executescript(OLD_DUMP.read_text(encoding="utf-8"))
    conn.close()
    return path


def rows(path, table, columns="*"):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()
    finally:
        conn.close()


def columns(path, table):
    """The columns a table had, so later migrations may add columns without failing the comparison."""
    return ", ".join(row[1] for row in rows(path, f"pragma_table_info('{table}')"))


def score_table(path, monkeypatch, key=None):
    if key:
        monkeypatch.setenv(KEY_ENV, key)
    db = open_db(path, migrate=False)
    try:
        return scores(db, shipped_catalog()).sort_values(["respondent", "completed_at", "scale"], ignore_index=True)
    finally:
        db.close()
        monkeypatch.delenv(KEY_ENV, raising=False)


def test_the_fixture_is_the_first_released_schema_with_its_key_inside(old_db):
    assert rows(old_db, "pragma_user_version") == [(4,)]
    assert ("code_secret", OLD_KEY) in rows(old_db, "settings")
    assert len(rows(old_db, "answers")) > 2000


def test_the_app_refuses_a_database_that_needs_migrate(old_db, capsys):
    with pytest.raises(StegvisError, match=r"needs an upgrade .*stegvis migrate"):
        open_db(old_db)
    assert run(["serve", "--db", str(old_db), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run `stegvis migrate" in err and "code key" in err
    assert not key_path(old_db).exists()


def test_migrate_keeps_every_answer_score_and_audit_entry(old_db, monkeypatch, capsys):
    tables = ["participants", "enrolments", "consents", "survey_sessions", "answers", "audit_log", "erasures",
              "users", "definitions", "textpacks"]
    old_columns = {table: columns(old_db, table) for table in tables}
    # schema 6 moved the one KASAM switch into shared_results, per instrument
    old_columns["participants"] = old_columns["participants"].replace(", share_kasam", "")
    shared_before = {r[0] for r in rows(old_db, "participants", "id, share_kasam") if r[1]}
    before = {table: rows(old_db, table, old_columns[table]) for table in tables}
    scores_before = score_table(old_db, monkeypatch, key=OLD_KEY)

    assert run(["migrate", "--db", str(old_db)]) == 0
    out = capsys.readouterr().out
    assert "is at schema 4; `stegvis migrate` will:" in out
    assert "move the participant-code key out of the database" in out
    assert re.search(rf"Upgraded .*(to|schema) {LATEST}\b", out) and "Backed up" in out

    # schema 15 stores each consent text once: a consent reads as before through its text
    consents_as_before = ("(SELECT c.id AS rowid, c.*, t.text_version, t.scope FROM consents c "
                          "JOIN consent_texts t ON t.id = c.text_id)")
    assert {table: rows(old_db, consents_as_before if table == "consents" else table, old_columns[table])
            for table in tables} == before
    assert len(rows(old_db, "consent_texts")) == len({(c[4], c[5]) for c in before["consents"]}) > 0
    shared_after = rows(old_db, "shared_results", "participant_id, instrument_id")
    assert shared_before and {pid for pid, _ in shared_after} == shared_before
    assert {instrument for _, instrument in shared_after} == {"kasam29", "kasam13"} & {
        i.id for i in shipped_catalog().latest_instruments() if i.participant_view == "coach_shares"}
    scores_after = score_table(old_db, monkeypatch)  # the key now comes from the file beside the database
    assert len(scores_after) > 100
    assert scores_after.equals(scores_before)  # same figures, same pseudonyms
    db = open_db(old_db)  # no longer refused
    assert visit_for_code(db, "KASAM2", at=WHILE_CODES_WORK).programme_id == "porten"  # codes keep working
    assert ("code_secret", OLD_KEY) not in rows(old_db, "settings")


def test_migrate_backs_up_first_and_the_key_stays_out_of_every_file(old_db, capsys):
    assert run(["migrate", "--db", str(old_db)]) == 0
    backups = list((old_db.parent / "backups").glob("stegvis-*-before-migrate.db"))
    assert len(backups) == 1
    assert rows(backups[0], "pragma_integrity_check") == [("ok",)]
    assert len(rows(backups[0], "answers")) == len(rows(old_db, "answers"))
    assert key_path(old_db).read_text().strip() == OLD_KEY
    for file in [old_db, backups[0], *old_db.parent.glob("stegvis.db-*")]:
        assert OLD_KEY.encode() not in file.read_bytes(), f"the key is still in {file.name}"
    # The backup restores, and the restored database upgrades with the key file beside it.
    assert run(["restore", str(backups[0]), "--db", str(old_db), "--yes"]) == 0
    assert run(["migrate", "--db", str(old_db)]) == 0
    assert visit_for_code(open_db(old_db), "KASAM2", at=WHILE_CODES_WORK)


def test_dry_run_and_an_up_to_date_database_change_nothing(old_db, capsys):
    assert run(["migrate", "--db", str(old_db), "--dry-run"]) == 0
    assert "will:" in capsys.readouterr().out
    assert ("code_secret", OLD_KEY) in rows(old_db, "settings") and rows(old_db, "pragma_user_version") == [(4,)]
    assert not (old_db.parent / "backups").exists() and not key_path(old_db).exists()
    assert run(["migrate", "--db", str(old_db)]) == 0
    capsys.readouterr()
    assert run(["migrate", "--db", str(old_db)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert len(list((old_db.parent / "backups").iterdir())) == 1


def test_migrate_is_refused_while_the_app_runs(old_db, capsys):
    lock = hold_for_server(old_db)
    try:
        assert run(["migrate", "--db", str(old_db)]) == 1
    finally:
        import os
        os.close(lock)
    err = capsys.readouterr().err
    assert "cannot migrate while the app is running" in err and err.count("\n") == 1
    assert ("code_secret", OLD_KEY) in rows(old_db, "settings")


def test_migrate_refuses_a_key_that_differs_from_the_one_inside(old_db, monkeypatch, capsys):
    monkeypatch.setenv(KEY_ENV, "ab" * 32)
    assert run(["migrate", "--db", str(old_db)]) == 1
    assert "differs from $STEGVIS_CODE_KEY" in capsys.readouterr().err
    assert ("code_secret", OLD_KEY) in rows(old_db, "settings")


def test_the_demo_upgrades_its_own_database(old_db, capsys):
    """`make run` runs `stegvis demo` and `stegvis migrate` before `stegvis serve`. On the
    old database itself, not a copy of today's demo: upgrading it is the subject."""
    assert run(["demo", "--db", str(old_db)]) == 0
    assert "Upgraded" in capsys.readouterr().out
    open_db(old_db).close()


def test_migrate_and_missing_or_empty_databases(tmp_path, capsys):
    assert run(["migrate", "--db", str(tmp_path / "none.db")]) == 1
    assert "no database at" in capsys.readouterr().err
    (tmp_path / "empty.db").touch()
    assert run(["migrate", "--db", str(tmp_path / "empty.db")]) == 1
    assert "`stegvis init` creates" in capsys.readouterr().err


def test_each_change_is_described_from_the_migration_itself():
    from foundation.db import describe_migration

    script = """
    ALTER TABLE answers ADD COLUMN value_type TEXT;
    CREATE TEMP TABLE migration_kinds (item TEXT);
    INSERT OR IGNORE INTO migration_kinds SELECT 1;
    UPDATE answers SET value_type = 'text';
    DROP TABLE migration_kinds;
    CREATE INDEX answers_type ON answers(value_type);
    CREATE TRIGGER t1 BEFORE INSERT ON answers BEGIN SELECT 1; END;
    CREATE TRIGGER t2 BEFORE UPDATE ON answers BEGIN SELECT 1; END;
    """
    assert describe_migration(script) == ("add column answers.value_type, update rows of answers, "
                                          "add index answers_type, 2 triggers")
