"""`stegvis session new` prints a working code on its last line, and refuses clearly."""

from stegvis.cli import run
from surveys.sessions import visit_for_code
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent


def setup(tmp_path):
    path = tmp_path / "s.db"
    db = open_db(path)
    publish_definitions(db)
    db["participants"].insert({"id": 1, "code": "PO-1", "gender": "man", "created_at": "x"})
    db["enrolments"].insert({"participant_id": 1, "programme_id": "porten", "started_on": "2026-01-01"})
    return path, db


def test_prints_the_code_last(tmp_path, capsys):
    path, db = setup(tmp_path)
    record_consent(db, 1, "porten", "2026-01-01", "1", "s")
    assert run(["session", "new", "--participant", "PO-1", "--occasion", "exit", "--instrument", "sjalvskattning",
                "--db", str(path)]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert [p.instrument_id for p in visit_for_code(open_db(path), code).parts] == ["sjalvskattning"]


def test_refusals_are_one_line(tmp_path, capsys):
    path, _ = setup(tmp_path)
    assert run(["session", "new", "--participant", "PO-1", "--occasion", "exit", "--db", str(path)]) == 1
    assert "kräver tillstånd" in capsys.readouterr().err  # KASAM-29 without permission
    assert run(["session", "new", "--participant", "PO-1", "--occasion", "exit", "--instrument", "sjalvskattning",
                "--db", str(path)]) == 1
    assert "samtycke saknas" in capsys.readouterr().err
    assert run(["session", "new", "--participant", "XX", "--occasion", "exit", "--db", str(path)]) == 1
    assert "no participant with code 'XX'" in capsys.readouterr().err


def test_a_second_visit_the_same_day_needs_again_and_none_after_exit_from_the_start(tmp_path, capsys):
    path, db = setup(tmp_path)
    record_consent(db, 1, "porten", "2026-01-01", "1", "s")
    args = ["session", "new", "--participant", "PO-1", "--occasion", "exit", "--instrument", "sjalvskattning",
            "--db", str(path)]
    assert run(args) == 0
    capsys.readouterr()
    assert run(args) == 1
    assert "--again" in capsys.readouterr().err
    assert run([*args, "--again"]) == 0
    db.execute("UPDATE enrolments SET exited_on = '2026-06-01', outcome = 'studier'")
    db.conn.commit()
    assert run(["session", "new", "--participant", "PO-1", "--occasion", "midpoint", "--db", str(path)]) == 1
    assert "avslutades 2026-06-01" in capsys.readouterr().err
