"""The database: created by migrations, WAL, foreign keys, versioned definitions."""

import json
import sqlite3

import pytest

from foundation.errors import StegvisError
from surveys.definitions import shipped_catalog
from foundation.db import transaction
from stegvis.database import LATEST, open_db, schema_version
from surveys.store import load_catalog, publish_definitions

TABLES = {"programmes", "participants", "enrolments", "survey_sessions", "answers", "consents", "users",
          "audit_log", "definitions"}


def test_fresh_database_has_the_documented_tables(db):
    assert TABLES <= set(db.table_names())
    assert schema_version(db) == LATEST
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_reopening_does_not_migrate_twice(tmp_path):
    path = tmp_path / "x.db"
    open_db(path).close()
    again = open_db(path)
    assert schema_version(again) == LATEST


def test_database_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "x.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(StegvisError, match="newer than this Stegvis"):
        open_db(path)


def test_env_variable_chooses_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("STEGVIS_DB", str(tmp_path / "env.db"))
    open_db().close()
    assert (tmp_path / "env.db").exists()


def test_publishing_is_idempotent_and_records_every_version(db):
    assert publish_definitions(db) == []
    rows = db.execute("SELECT id, version FROM definitions WHERE kind = 'instrument'").fetchall()
    assert ("kasam29", 1) in rows
    assert {r[0] for r in db.execute("SELECT id FROM programmes")} == {"jobbvagen_ar", "porten", "efterstod", "jobbsam",
                                                                       "aktsam"}


def test_a_changed_definition_must_get_a_new_version(db):
    shipped = shipped_catalog()
    changed = shipped.instrument("kasam13").model_copy(update={"allow_skip": False})
    catalog = shipped.copy()
    catalog.add(changed)
    with pytest.raises(StegvisError, match=f"raise `version` to {changed.version + 1}"):
        publish_definitions(db, catalog)


def test_old_versions_stay_loadable_from_the_database(db):
    shipped = shipped_catalog()
    old = shipped.instrument("kasam13")
    data = json.loads(old.model_dump_json(by_alias=True))
    data["version"] = 0 + 7  # a version only the database knows
    db["definitions"].insert({"kind": "instrument", "id": "kasam13", "version": 7,
                              "content": json.dumps(data), "published_at": "2025-01-01T00:00:00+00:00"})
    catalog = load_catalog(db)
    assert catalog.instrument("kasam13", 7).version == 7
    assert catalog.instrument("kasam13", old.version) == old


def test_transaction_rolls_back_everything_on_error(db):
    with pytest.raises(RuntimeError):
        with transaction(db):
            db["settings"].insert({"key": "a", "value": "1"})
            with transaction(db):  # nested: a savepoint
                db["settings"].insert({"key": "b", "value": "2"})
            raise RuntimeError("boom")
    assert db.execute("SELECT count(*) FROM settings WHERE key IN ('a', 'b')").fetchone()[0] == 0


def test_audit_log_is_append_only(db):
    db["audit_log"].insert({"at": "2026-01-01", "action": "login", "username": "x"})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit_log SET action = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit_log")


def test_write_lock_is_handed_over_in_arrival_order():
    import threading
    import time

    from foundation.db import FifoLock

    lock, order, threads = FifoLock(), [], []
    with lock:
        for n in range(5):
            thread = threading.Thread(target=lambda n=n: (lock.__enter__(), order.append(n), lock.__exit__()))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 5
            while len(lock._queue) < n + 1:  # wait until this thread is queued before the next arrives
                assert time.monotonic() < deadline, "thread never queued"
                time.sleep(0.001)
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_concurrent_writers_lose_nothing(tmp_path):
    import threading

    path = tmp_path / "c.db"
    open_db(path).close()

    def writer(n):
        conn = open_db(path)
        for k in range(50):
            with transaction(conn):
                conn["settings"].insert({"key": f"w{n}-{k}", "value": "x"})
        conn.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert open_db(path).execute("SELECT count(*) FROM settings").fetchone()[0] == 400


def test_data_version_counts_every_change_to_people_and_answers(db):
    from surveys.store import data_version

    start = data_version(db)
    db["participants"].insert({"id": 5, "code": "V-5", "gender": "man", "created_at": "x"})
    db.execute("UPDATE participants SET birth_year = 1990 WHERE id = 5")
    db.execute("DELETE FROM participants WHERE id = 5")
    db["settings"].insert({"key": "unrelated", "value": "1"})
    assert data_version(db) == start + 3


def test_a_repeated_view_is_logged_once_per_ten_minutes(db, monkeypatch):
    from datetime import timedelta

    from stegvis import audit
    from stegvis.accounts import User

    coach = User(id=7, username="anna", role="coach", display_name=None)
    clock = iter(["2026-11-23T10:00:00+00:00", "2026-11-23T10:05:00+00:00", "2026-11-23T10:06:00+00:00",
                  "2026-11-23T10:09:59+00:00", "2026-11-23T10:10:00+00:00", "2026-11-23T10:11:00+00:00"])
    monkeypatch.setattr(audit, "now", lambda: next(clock))
    for participant in (1, 1, 2, 1, 1):  # page reruns; another participant in between
        audit.log(db, coach, "view_participant", participant, once_per=timedelta(minutes=10))
    audit.log(db, coach, "record_exit", 1, "arbete")  # not a view: always logged
    rows = db.execute("SELECT at, participant_id, action FROM audit_log ORDER BY id").fetchall()
    assert rows == [("2026-11-23T10:00:00+00:00", 1, "view_participant"),
                    ("2026-11-23T10:06:00+00:00", 2, "view_participant"),
                    ("2026-11-23T10:10:00+00:00", 1, "view_participant"),
                    ("2026-11-23T10:11:00+00:00", 1, "record_exit")]


def test_a_definition_stored_before_new_optional_fields_is_not_a_changed_file(tmp_path):
    """A newer Stegvis adds fields with defaults (events, parties …): the version an older one
    stored is the same definition, and publishing again is not refused. A real change is."""
    import json

    db = open_db(tmp_path / "s.db")
    publish_definitions(db)
    content = json.loads(db.execute("SELECT content FROM definitions WHERE id = 'efterstod'").fetchone()[0])
    for added in ("events", "parties", "referral_parties", "planned_duration_months"):
        content.pop(added)
    db.execute("UPDATE definitions SET content = ? WHERE id = 'efterstod'", [json.dumps(content)])
    publish_definitions(db)  # not refused
    content["name"] = {"sv": "Ett annat namn", "en": None}
    db.execute("UPDATE definitions SET content = ? WHERE id = 'efterstod'", [json.dumps(content)])
    with pytest.raises(StegvisError, match="raise `version`"):
        publish_definitions(db)


@pytest.mark.parametrize("gender, birth_year", [("okänd", 1990), ("Kvinna", 1990), ("kvinna", 1899)])
def test_the_database_itself_refuses_a_participant_outside_the_rules(db, gender, birth_year):
    """Schema 14 rewrote the gender rule for speed; it must refuse exactly what it refused before."""
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        db.execute("INSERT INTO participants (code, gender, birth_year, created_at) VALUES ('X1', ?, ?, 'now')",
                   [gender, birth_year])
    for allowed in ("kvinna", "man", "annat", "vill_inte_uppge"):
        db.execute("INSERT INTO participants (code, gender, birth_year, created_at) VALUES (?, ?, 1990, 'now')",
                   [f"OK-{allowed}", allowed])


@pytest.mark.parametrize("rows", [0, 1, 399, 400, 401, 1203])
def test_insert_columns_writes_every_row_once_in_order(rows):
    """Hundreds of rows per statement, and the last few one by one: none lost or written twice
    at either side of the boundary, values (None, quotes) as given."""
    from foundation.db import insert_columns
    from sqlite_utils import Database

    db = Database(memory=True)
    db.execute("CREATE TABLE t (n INTEGER, text TEXT, maybe TEXT)")
    columns = {"n": range(rows), "text": [f"it's {n}" for n in range(rows)],
               "maybe": [None if n % 3 else "x" for n in range(rows)]}
    insert_columns(db, "t", columns)
    assert db.execute("SELECT n, text, maybe FROM t ORDER BY rowid").fetchall() == list(zip(*columns.values()))
