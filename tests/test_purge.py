"""Retention: participants whose last exit is older than the retention period are erased."""

from datetime import date

from stegvis.cli import run
from stegvis.privacy import purge
from stegvis.database import open_db
from surveys.store import publish_definitions


def people(db):
    rows = [(1, "OLD", "2019-01-10", "2020-06-30"), (2, "RECENT", "2023-01-10", "2024-06-30"),
            (3, "ACTIVE", "2018-01-10", None)]
    for pid, code, start, end in rows:
        db["participants"].insert({"id": pid, "code": code, "gender": "man", "created_at": "x"})
        db["enrolments"].insert({"participant_id": pid, "programme_id": "porten", "started_on": start,
                                 "exited_on": end, "outcome": "annat" if end else None})


def test_dry_run_lists_and_purge_erases(db):
    people(db)
    due = purge(db, dry_run=True, today=date(2026, 11, 23))
    assert [p["code"] for p in due] == ["OLD"]
    assert db.execute("SELECT count(*) FROM participants").fetchone()[0] == 3
    purge(db, dry_run=False, today=date(2026, 11, 23))
    assert [r[0] for r in db.execute("SELECT code FROM participants ORDER BY id")] == ["RECENT", "ACTIVE"]
    assert db.execute("SELECT reason FROM erasures").fetchone()[0] == "retention"


def test_cli_dry_run(tmp_path, capsys):
    path = tmp_path / "p.db"
    db = open_db(path)
    publish_definitions(db)
    people(db)
    assert run(["purge", "--dry-run", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Would erase OLD" in out and "RECENT" not in out
