"""Backup of the live database and restore: every answer comes back, also when the backup
was taken while 30 writers were busy."""

import threading

import pytest

from stegvis.backup import backup, restore
from stegvis.cli import run
from foundation.errors import StegvisError
from foundation.db import transaction
from stegvis.database import open_db


def test_restore_finds_every_answer(tmp_path, demo_copy):
    live = demo_copy(tmp_path / "live.db")
    db = open_db(live)
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


def test_dated_backups_are_checked_and_only_the_newest_are_kept(tmp_path, capsys):
    live = tmp_path / "live.db"
    open_db(live).close()
    folder = tmp_path / "backups"
    folder.mkdir()
    # Older dated backups, and files that are not dated backups and must never be deleted.
    for day in range(1, 6):
        (folder / f"stegvis-2026-11-0{day}T021500Z.db").write_bytes(b"old")
    (folder / "README.txt").write_text("keep me")
    (folder / "stegvis-by-hand.db").write_bytes(b"keep me")
    assert run(["backup", "--dir", str(folder), "--keep", "3", "--db", str(live)]) == 0
    assert "removed 3 older backup(s)" in capsys.readouterr().out
    names = sorted(p.name for p in folder.iterdir())
    assert names[:2] == ["README.txt", "stegvis-2026-11-04T021500Z.db"]
    assert names[2] == "stegvis-2026-11-05T021500Z.db" and names[4] == "stegvis-by-hand.db"
    newest = folder / names[3]
    assert open_db(newest, migrate=False).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Two backups in the same second get distinct names.
    assert run(["backup", "--dir", str(folder), "--db", str(live)]) == 0
    assert run(["backup", "--dir", str(folder), "--db", str(live)]) == 0
    assert len(list(folder.glob("stegvis-2026-*.db"))) == 5
    capsys.readouterr()
    assert run(["restore", "--dir", str(folder), "--db", str(live)]) == 0  # lists, newest first
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 6 and str(folder / "stegvis-2026-11-04T021500Z.db") in listed[4]


def test_a_backup_that_fails_its_check_exits_1_and_deletes_nothing(tmp_path, capsys):
    live = tmp_path / "live.db"
    db = open_db(live)
    db["settings"].insert_all({"key": f"k{n}", "value": "v" * 50} for n in range(2000))  # the index is on value
    db.execute("CREATE INDEX settings_value ON settings(value)")
    db.conn.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    image = live.read_bytes()  # flip one byte of one row, as a failing disk would: the index no longer agrees
    at = image.index(b"k1234" + b"v" * 50) + 10
    live.write_bytes(image[:at] + b"w" + image[at + 1:])
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "stegvis-2026-11-01T021500Z.db").write_bytes(b"old")
    assert run(["backup", "--dir", str(folder), "--keep", "1", "--db", str(live)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: backup to ") and "failed its check" in err and err.count("\n") == 1
    assert [p.name for p in folder.iterdir()] == ["stegvis-2026-11-01T021500Z.db"]


def test_backup_needs_a_file_or_a_directory(tmp_path, capsys):
    assert run(["backup", "--db", str(tmp_path / "x.db")]) == 1
    assert run(["backup", "x.db", "--keep", "3", "--db", str(tmp_path / "x.db")]) == 1
    assert run(["backup", "--dir", str(tmp_path), "--keep", "0", "--db", str(tmp_path / "x.db")]) == 1
    assert capsys.readouterr().err.count("Error:") == 3


def test_a_backup_into_a_folder_not_made_yet(tmp_path, demo_path):
    """`stegvis backup backups/x.db` before anyone made backups/: the folder is made (owner only)
    instead of failing on a temporary file's name."""
    from stegvis.backup import backup

    target = tmp_path / "nya" / "kopior" / "stegvis.db"
    assert backup(demo_path, target) == target and target.exists()
    assert (target.parent.stat().st_mode & 0o777) == 0o700
