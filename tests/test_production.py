"""Production mode: `stegvis serve --production` refuses a demo database with one line per
problem (the same list `stegvis check` prints), and starts on a database set up as
docs/deployment.md says. While it runs, /healthz answers "ok" and the version without a login,
and restore and migrate are refused."""

import os
import subprocess
import sys
import urllib.request
from datetime import date

import pytest

from browser import ROOT, Server
from stegvis import __version__
from stegvis.cli import run
from surveys.code_key import KEY_ENV, key_path
from stegvis.database import open_db

URL = "https://enkat.example.se"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (KEY_ENV, "STEGVIS_PUBLIC_URL", "STEGVIS_PRODUCTION"):
        monkeypatch.delenv(name, raising=False)


def stegvis(*args, input=None):
    return subprocess.run([sys.executable, "-m", "stegvis.cli", *args], input=input, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def guide_setup(path):
    """docs/deployment.md, 'First-time set-up': init, then the first administrator."""
    assert stegvis("init", "--db", str(path)).returncode == 0
    added = stegvis("user", "add", "eva", "--role", "admin", "--name", "Eva Berg", "--db", str(path),
                    input="ett långt lösenord 2026\n")
    assert added.returncode == 0, added.stderr


def test_production_refuses_a_demo_database_with_one_line_per_problem(tmp_path, demo_copy, capsys):
    path = demo_copy(tmp_path / "stegvis.db", today=date.today())  # the demo codes open today
    assert run(["serve", "--production", "--db", str(path), "--public-url", URL]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert all(line.startswith("Error: ") for line in lines)
    text = "\n".join(lines)
    for expected in ["demo accounts still have their demo passwords (admin, anna, bengt, cecilia, david, styrelse)",
                     "there is no administrator of your own", "demo participants",
                     "demo participant codes are open (KASAM2, VAGEN3)", "not starting in production mode: 4 problem"]:
        assert expected in text
    assert not (tmp_path / "stegvis.db.lock").exists()  # it never got as far as starting
    assert run(["check", "--db", str(path), "--public-url", URL]) == 1
    assert capsys.readouterr().err.splitlines() == lines[:-1]


def test_check_names_address_permissions_and_upgrade_problems(tmp_path, capsys):
    path = tmp_path / "stegvis.db"
    assert run(["check", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert "public address is not set" in err and "no database at" in err and "stegvis init" in err
    guide_setup(path)
    assert run(["check", "--db", str(path), "--public-url", URL]) == 0
    assert "Ready for production" in capsys.readouterr().out
    assert run(["check", "--db", str(path), "--public-url", "http://enkat.example.se"]) == 1
    assert "is not an https:// address" in capsys.readouterr().err
    os.chmod(path, 0o644)
    os.chmod(key_path(path), 0o640)
    assert run(["check", "--db", str(path), "--public-url", URL]) == 1
    err = capsys.readouterr().err
    assert f"{path} can be read by other users (mode 0644); run `chmod 600 {path}`" in err
    assert f"{key_path(path)} can be read by other users (mode 0640)" in err
    os.chmod(path, 0o600)
    os.chmod(key_path(path), 0o600)
    db = open_db(path)
    db.execute("PRAGMA user_version = 3")  # as if made by an older Stegvis
    db.close()
    assert run(["check", "--db", str(path), "--public-url", URL]) == 1
    assert "needs an upgrade" in capsys.readouterr().err


def test_production_starts_on_a_database_set_up_as_the_guide_says(tmp_path, capsys):
    path = tmp_path / "stegvis.db"
    guide_setup(path)
    assert run(["backup", "--dir", str(tmp_path / "backups"), "--db", str(path)]) == 0
    (backup,) = (tmp_path / "backups").iterdir()
    server = Server(path, "--production", env={"STEGVIS_PUBLIC_URL": URL}).start()
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
            assert response.status == 200
            assert response.read().decode() == f"ok {__version__}\n"
            assert response.headers["Cache-Control"] == "no-store"
        capsys.readouterr()
        assert run(["restore", str(backup), "--db", str(path), "--yes"]) == 1
        assert run(["migrate", "--db", str(path)]) == 0  # nothing to do: allowed
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "cannot restore while the app is running" in err
    finally:
        server.kill()
    assert run(["restore", str(backup), "--db", str(path), "--yes"]) == 0


def test_restore_is_refused_while_another_program_has_the_database_open(tmp_path, capsys):
    path = tmp_path / "stegvis.db"
    guide_setup(path)
    assert run(["backup", str(tmp_path / "copy.db"), "--db", str(path)]) == 0
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM users').fetchone();"
        "print('open', flush=True); sys.stdin.read()"), str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "open\n"
        assert run(["restore", str(tmp_path / "copy.db"), "--db", str(path), "--yes"]) == 1
        assert "another program has" in capsys.readouterr().err
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert run(["restore", str(tmp_path / "copy.db"), "--db", str(path), "--yes"]) == 0


def test_version(capsys):
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"stegvis {__version__}\n"


def test_health_says_unavailable_when_the_database_cannot_be_read(tmp_path):
    from stegvis.health import database_readable

    assert not database_readable(tmp_path / "missing.db")
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    assert not database_readable(tmp_path / "junk.db")
    open_db(tmp_path / "real.db").close()
    assert database_readable(tmp_path / "real.db")
