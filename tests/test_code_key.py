"""The key that participant codes are hashed with lives outside the database: a copy of the
database or of a backup holds hashes but not the key, so it cannot be searched for open codes.
The key is a 0600 file beside the database, or $STEGVIS_CODE_KEY."""

import hashlib
import hmac
import shutil
import stat

import pytest

from stegvis.cli import run
from foundation.errors import StegvisError
from stegvis.exports import pseudonym
from surveys.code_key import KEY_ENV, key_path
from surveys.sessions import CODE_ALPHABET, InvalidCode, open_visit, visit_for_code
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent


@pytest.fixture(autouse=True)
def no_key_in_env(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)


def new_db(path):
    db = open_db(path)
    publish_definitions(db)
    db["participants"].insert({"id": 1, "code": "P1", "gender": "man", "created_at": "x"})
    record_consent(db, 1, "porten", "2026-01-01", "1", "enkäter")
    return db


def open_code(db, catalog):
    return open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                      participant_id=1)


def brute_force(db_file, key_hex):
    """What an attacker with a copy of the file and a key would do: try every code."""
    import sqlite3
    import itertools
    hashes = {row[0] for row in sqlite3.connect(db_file).execute(
        "SELECT code_hash FROM survey_sessions WHERE code_hash IS NOT NULL")}
    for letters in itertools.product(CODE_ALPHABET[:4], repeat=6):  # a slice of the space is enough to show it
        code = "".join(letters)
        if hmac.new(bytes.fromhex(key_hex), code.encode(), hashlib.sha256).hexdigest() in hashes:
            return code
    return None


def test_the_key_is_a_private_file_beside_the_database_never_inside_it(tmp_path, catalog):
    path = tmp_path / "stegvis.db"
    db = new_db(path)
    visit, code = open_code(db, catalog)
    key = key_path(path).read_text().strip()
    assert len(key) == 64 and stat.S_IMODE(key_path(path).stat().st_mode) == 0o600
    assert db.execute("SELECT count(*) FROM settings WHERE key = 'code_secret'").fetchone()[0] == 0
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for file in tmp_path.glob("stegvis.db*"):
        if file != key_path(path):
            assert key.encode() not in file.read_bytes(), f"{file.name} holds the key"
    assert visit_for_code(db, code).visit == visit.visit


def test_a_copy_of_the_database_alone_does_not_open_codes(tmp_path, catalog):
    path = tmp_path / "live" / "stegvis.db"
    path.parent.mkdir()
    db = new_db(path)
    _, code = open_code(db, catalog)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stolen = tmp_path / "stolen" / "stegvis.db"
    stolen.parent.mkdir()
    shutil.copy(path, stolen)
    # Without the key file the copy refuses to make up a new key (its codes would all change) ...
    with pytest.raises(StegvisError, match="code key .* is missing"):
        visit_for_code(open_db(stolen), code)
    assert not key_path(stolen).exists()
    # ... and nothing in it is a key that matches the hashes.
    conn = open_db(stolen)
    values = [row[0] for row in conn.execute("SELECT value FROM settings")]
    assert all(brute_force(stolen, v) is None for v in values if len(v) == 64)


def test_the_key_can_come_from_the_environment(tmp_path, catalog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "c3" * 32)
    db = new_db(tmp_path / "stegvis.db")
    visit, code = open_code(db, catalog)
    assert not key_path(tmp_path / "stegvis.db").exists()
    stored = db.execute("SELECT code_hash FROM survey_sessions").fetchone()[0]
    assert stored == hmac.new(bytes.fromhex("c3" * 32), code.encode(), hashlib.sha256).hexdigest()
    monkeypatch.setenv(KEY_ENV, "d4" * 32)  # a different key opens nothing
    with pytest.raises(InvalidCode):
        visit_for_code(db, code)
    monkeypatch.setenv(KEY_ENV, "not hex")
    with pytest.raises(StegvisError, match="64 hexadecimal"):
        visit_for_code(db, code)


def test_pseudonyms_in_exports_use_the_same_outside_key(tmp_path, monkeypatch):
    db = new_db(tmp_path / "stegvis.db")
    first = pseudonym(db, 1)
    assert first == pseudonym(open_db(tmp_path / "stegvis.db"), 1)
    monkeypatch.setenv(KEY_ENV, "c3" * 32)
    assert pseudonym(db, 1) != first


def test_init_makes_the_key_and_says_where_it_is(tmp_path, capsys):
    assert run(["init", "--db", str(tmp_path / "s.db")]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path / 's.db'}.key" in out and "back it up separately" in out
    assert stat.S_IMODE(key_path(tmp_path / "s.db").stat().st_mode) == 0o600
