"""Files that hold personal data are readable by their owner only (0600), whatever the umask:
the database with its -wal and -shm, the code key, backups and their directory, restored files."""

import os
import stat

import pytest

from stegvis.cli import run
from surveys.code_key import key_path
from stegvis.database import open_db


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def permissive_umask():
    old = os.umask(0o022)  # the usual default, which makes files 0644
    yield
    os.umask(old)


@pytest.fixture
def live(tmp_path, demo_copy):
    # The copy is made by the app's own connect and key writer, under this module's umask.
    path = demo_copy(tmp_path / "data" / "stegvis.db")
    db = open_db(path)
    yield path
    db.close()


def test_the_database_its_wal_shm_and_key_are_private(live):
    for file in [live, f"{live}-wal", f"{live}-shm", key_path(live)]:
        assert mode(file) == 0o600, f"{file} is {mode(file):04o}"


def test_backups_and_their_directory_are_private(live, tmp_path):
    assert run(["backup", str(tmp_path / "one.db"), "--db", str(live)]) == 0
    assert mode(tmp_path / "one.db") == 0o600
    assert run(["backup", "--dir", str(tmp_path / "nightly"), "--keep", "3", "--db", str(live)]) == 0
    assert mode(tmp_path / "nightly") == 0o700
    (made,) = (tmp_path / "nightly").iterdir()
    assert mode(made) == 0o600


def test_a_restored_database_is_private_even_from_a_copied_backup(live, tmp_path):
    assert run(["backup", str(tmp_path / "one.db"), "--db", str(live)]) == 0
    os.chmod(tmp_path / "one.db", 0o644)  # as after a copy to and from another machine
    target = tmp_path / "restored.db"
    assert run(["restore", str(tmp_path / "one.db"), "--db", str(target), "--yes"]) == 0
    assert mode(target) == 0o600
    db = open_db(target)
    db.execute("INSERT INTO settings (key, value) VALUES ('x', 'y')")
    db.conn.commit()
    for file in [target, f"{target}-wal", f"{target}-shm"]:
        assert mode(file) == 0o600, f"{file} is {mode(file):04o}"
