"""Backup of the live database and restore: every answer comes back, also when the backup
was taken while 30 writers were busy."""

import threading
from datetime import date

import pytest

from stegvis.backup import backup, restore
from stegvis.cli import run
from stegvis.demo import run_demo
from stegvis.errors import StegvisError
from surveys.store import open_db, transaction


def test_restore_finds_every_answer(tmp_path, catalog):
    live = tmp_path / "live.db"
    db = open_db(live)
    run_demo(db, catalog, today=date(2026, 11, 23))
    answers = db.execute("SELECT count(*), sum(coalesce(value_num, 0)) FROM answers").fetchone()
    assert run(["backup", str(tmp_path / "copy.db"), "--db", str(live)]) == 0
    db.execute("DELETE FROM answers")
    db.conn.commit()
    db.close()
    assert run(["restore", str(tmp_path / "copy.db"), "--db", str(live), "--yes"]) == 0
    assert open_db(live).execute("SELECT count(*), sum(coalesce(value_num, 0)) FROM answers").fetchone() == answers


def test_backup_while_writing_is_consistent(tmp_path):
    live = tmp_path / "busy.db"
    open_db(live).close()
    stop = threading.Event()

    def writer(n):
        conn = open_db(live)
        k = 0
        while not stop.is_set():
            with transaction(conn):  # two rows per transaction: a consistent copy has an even count
                conn["settings"].insert({"key": f"{n}-{k}-a", "value": "x"})
                conn["settings"].insert({"key": f"{n}-{k}-b", "value": "x"})
            k += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    try:
        copies = [backup(live, tmp_path / f"b{n}.db") for n in range(3)]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    for copy in copies:
        count = open_db(copy, migrate=False).execute("SELECT count(*) FROM settings").fetchone()[0]
        assert count % 2 == 0


def test_restore_refuses_what_is_not_a_stegvis_backup(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StegvisError, match="not a readable SQLite database|not a Stegvis"):
        restore(junk, tmp_path / "live.db")
    with pytest.raises(StegvisError, match="exists already"):
        backup(junk, junk)
