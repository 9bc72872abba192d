"""Privacy commands: passwords only from stdin or a prompt; erase asks first; audit shows."""

import subprocess
import sys

from stegvis.cli import run
from stegvis.database import open_db
from surveys.store import publish_definitions


def cli(args, stdin=""):
    return subprocess.run([sys.executable, "-m", "stegvis.cli", *args], input=stdin, capture_output=True, text=True)


def test_password_comes_from_stdin_never_an_argument(tmp_path):
    path = str(tmp_path / "u.db")
    publish_definitions(open_db(path))
    done = cli(["user", "add", "eva", "--role", "coach", "--coach-of", "porten", "--db", path], "ett långt lösenord\n")
    assert done.returncode == 0, done.stderr
    refused = cli(["user", "add", "olle", "--role", "board", "--password", "hemligt123", "--db", path])
    assert refused.returncode == 2 and "No such option" in refused.stderr
    listed = cli(["user", "list", "--db", path])
    assert "eva" in listed.stdout and "porten" in listed.stdout and "ett långt" not in listed.stdout
    assert cli(["user", "disable", "eva", "--db", path]).returncode == 0
    assert "disabled" in cli(["user", "list", "--db", path]).stdout


def test_erase_asks_and_audit_shows(tmp_path, capsys):
    path = tmp_path / "e.db"
    db = open_db(path)
    publish_definitions(db)
    db["participants"].insert({"id": 1, "code": "PO-9", "gender": "man", "created_at": "x"})
    db.conn.commit()
    no = cli(["participant", "erase", "PO-9", "--db", str(path)], "n\n")
    assert no.returncode == 1 and db.execute("SELECT count(*) FROM participants").fetchone()[0] == 1
    assert run(["participant", "erase", "PO-9", "--yes", "--db", str(path)]) == 0
    assert run(["audit", "--db", str(path)]) == 0
    assert "erase" in capsys.readouterr().out
    assert run(["participant", "erase", "PO-9", "--yes", "--db", str(path)]) == 1
