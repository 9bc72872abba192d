"""`stegvis demo`: three programmes, coaches, about 150 participants, idempotent."""

from datetime import date

from stegvis.cli import run
from stegvis.demo import run_demo
from surveys.sessions import visit_for_code


# These build the demo afresh on purpose (not conftest's copy): the build is what they test.


def test_demo_is_plausible_and_idempotent(db, catalog):
    first = run_demo(db, catalog, today=date(2026, 11, 23))
    assert first.created and 140 <= first.participants <= 170
    counts = dict(db.execute("SELECT role, count(*) FROM users GROUP BY role").fetchall())
    assert counts["coach"] >= 3 and counts["board"] >= 1 and counts["admin"] >= 1
    by_programme = dict(db.execute("SELECT programme_id, count(*) FROM enrolments GROUP BY 1").fetchall())
    assert set(by_programme) == {"jobbvagen_ar", "porten", "efterstod"}
    years = {r[0] for r in db.execute("SELECT substr(started_on, 1, 4) FROM enrolments")}
    assert {"2024", "2025", "2026"} <= years
    genders = dict(db.execute("SELECT p.gender, count(*) FROM participants p JOIN enrolments e "
                              "ON e.participant_id = p.id WHERE e.outcome IS NOT NULL GROUP BY 1").fetchall())
    assert genders["kvinna"] > 20 and genders["man"] > 20
    occasions = {r[0] for r in db.execute("SELECT DISTINCT occasion FROM survey_sessions WHERE status = 'completed'")}
    assert {"intake", "followup", "midpoint", "exit", "uppfoljning_3m"} <= occasions
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] > 5000
    second = run_demo(db, catalog, today=date(2026, 11, 23))
    assert not second.created
    assert (second.participants, second.sessions, second.answers) == (first.participants, first.sessions, first.answers)
    for code in first.codes:
        assert visit_for_code(db, code).parts


def test_demo_command_prints_logins_and_codes(tmp_path, capsys):
    # A new database, as `make run` has on a fresh machine; the README test runs it on a made one.
    assert run(["demo", "--db", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    assert "stegvis-coach" in out and "KASAM2" in out
