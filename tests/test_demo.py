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


def test_demo_shows_only_what_the_product_collects(demo_db):
    """Every answer without a participant was given with a survey round's code: nothing is
    written around the rounds, and no round's session keeps a code once sent in."""
    assert db_count(demo_db, "SELECT count(*) FROM survey_sessions WHERE participant_id IS NULL "
                             "AND round_id IS NULL") == 0
    assert db_count(demo_db, "SELECT count(*) FROM survey_sessions WHERE round_id IS NOT NULL") > 50
    assert db_count(demo_db, "SELECT count(*) FROM survey_sessions WHERE round_id IS NOT NULL AND "
                             "status = 'completed' AND code_hash IS NOT NULL") == 0
    rates = [answered / invited for answered, invited in demo_db.execute(
        "SELECT (SELECT count(DISTINCT visit) FROM survey_sessions s WHERE s.round_id = r.id "
        "AND s.status = 'completed'), invited FROM rounds r")]
    assert min(rates) < 0.5 < max(rates) <= 1, "some rounds answered well, some badly, as in the seeds"
    assert db_count(demo_db, "SELECT count(*) FROM rounds WHERE closed_at IS NULL") >= 1  # this year's runs


def db_count(db, sql):
    return db.execute(sql).fetchone()[0]


def test_demo_command_prints_logins_and_codes(tmp_path, capsys):
    # A new database, as `make run` has on a fresh machine; the README test runs it on a made one.
    assert run(["demo", "--db", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    assert "stegvis-coach" in out and "KASAM2" in out
