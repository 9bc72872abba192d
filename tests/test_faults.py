"""Faults: a read-only or full database gives the participant a calm message, the answer is
not confirmed, and nothing already stored is damaged; a SIGKILLed server loses nothing."""

import errno
import sqlite3
import subprocess

import pytest
from streamlit.testing.v1 import AppTest

from surveys.definitions import shipped_catalog
from surveys.sessions import open_visit
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent


def make_visit(path, monkeypatch):
    db = open_db(path)
    publish_definitions(db)
    db["participants"].insert({"id": 1, "code": "F-1", "gender": "man", "created_at": "x"})
    record_consent(db, 1, "porten", "2026-01-01", "1", "s")
    _, code = open_visit(db, shipped_catalog(), programme_id="porten", occasion="exit",
                         instruments=["sjalvskattning"], participant_id=1)
    monkeypatch.setenv("STEGVIS_DB", str(path))
    return db, code


@pytest.fixture
def visit(tmp_path, monkeypatch):
    return make_visit(tmp_path / "f.db", monkeypatch)


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB filesystem of its own (tmpfs), so that the disk can really be filled. Mounting
    needs root, as in CI; elsewhere the test says why it did not run."""
    where = tmp_path / "disk"
    where.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount command: a small filesystem to fill cannot be made here")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here (needs root, as in CI): {done.stderr.strip()}")
    yield where
    subprocess.run(["umount", "--lazy", str(where)], check=True)


def fill(folder) -> None:
    """Write zeros until the filesystem has no byte left."""
    with open(folder / "filler", "wb", buffering=0) as filler:
        for size in (1 << 16, 1 << 12, 1):
            block = bytes(size)
            try:
                while True:
                    filler.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc


def survey_page():
    from dashboards.survey import page

    page()


def start(code):
    test = AppTest.from_function(survey_page, default_timeout=60)
    test.run()
    test.text_input(key="code_input").input(code)
    test.button[0].click().run()
    return test


def step(test, value):
    [b for b in test.button if b.label.startswith(f"{value}")][0].click().run()


def stored(db):
    return db.execute("SELECT item_id, value_num FROM answers ORDER BY id").fetchall()


@pytest.mark.parametrize("fault", ["query_only", "disk_full"])
def test_storage_fault_is_calm_and_confirms_nothing(visit, fault, monkeypatch):
    db, code = visit
    test = start(code)
    step(test, 7)  # the first answer is stored normally
    assert stored(db) == [("utveckling", 7.0)]
    connection = test.session_state["_stegvis_entrance"]._db  # this browser session's own connection
    if fault == "query_only":
        connection.execute("PRAGMA query_only = ON")
    else:
        # SQLite reports a full disk as OperationalError("database or disk is full") from the
        # write; a real full disk cannot be made here without a separate filesystem.
        import surveys.survey_flow

        def full(*args, **kwargs):
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(surveys.survey_flow, "store_answer", full)
    step(test, 3)
    errors = [e.value for e in test.error]
    assert any("kunde inte sparas" in e for e in errors), errors
    assert not test.exception
    assert stored(db) == [("utveckling", 7.0)], "nothing falsely stored, nothing damaged"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_really_full_disk_is_calm_and_recovers(small_disk, monkeypatch):
    db, code = make_visit(small_disk / "f.db", monkeypatch)
    test = start(code)
    step(test, 7)
    assert stored(db) == [("utveckling", 7.0)]
    fill(small_disk)
    step(test, 3)  # SQLite cannot grow its write-ahead log: "database or disk is full"
    errors = [e.value for e in test.error]
    assert any("kunde inte sparas" in e for e in errors), errors
    assert not test.exception
    assert stored(db) == [("utveckling", 7.0)], "nothing falsely stored, nothing damaged"
    (small_disk / "filler").unlink()  # space again: the same tap now saves
    step(test, 3)
    assert not [e.value for e in test.error if "kunde inte sparas" in e.value]
    assert [item for item, _ in stored(db)][0] == "utveckling" and len(stored(db)) == 2
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
