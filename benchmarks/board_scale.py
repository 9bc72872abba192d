"""Benchmark: the board page's data for a large förbund. The demo (about 150 participants
over three years) is replicated in SQL to 10,000 participants, then everything the board
page shows (`Access.board_report`: goals, outcome tables, indicators, KASAM change, flow)
is computed for all programmes over three years. Target: under 1 s; peak memory reported.

Run: .venv/bin/python benchmarks/board_scale.py [--participants 10000]"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from stegvis.access import Access, _aggregates
from stegvis.accounts import get_user
from stegvis.demo import run_demo
from surveys.store import load_catalog, open_db, transaction


def scale(db, participants: int) -> None:
    base = db.execute("SELECT count(*) FROM participants").fetchone()[0]
    copies = max(0, participants // base - 1)
    top_p = db.execute("SELECT max(id) FROM participants").fetchone()[0]
    top_s = db.execute("SELECT max(id) FROM survey_sessions").fetchone()[0]
    with transaction(db):
        for k in range(1, copies + 1):
            dp, ds = k * top_p, k * top_s
            db.execute(f"""INSERT INTO participants (id, code, gender, birth_year, coach_id, share_kasam, created_at)
                           SELECT id + {dp}, code || '-{k}', gender, birth_year, coach_id, share_kasam, created_at
                           FROM participants WHERE id <= {top_p}""")
            db.execute(f"""INSERT INTO enrolments (participant_id, programme_id, started_on, exited_on, outcome)
                           SELECT participant_id + {dp}, programme_id, started_on, exited_on, outcome
                           FROM enrolments WHERE participant_id <= {top_p}""")
            db.execute(f"""INSERT INTO survey_sessions (id, visit, position, participant_id, programme_id, occasion,
                             instrument_id, instrument_version, respondent_group, language, status, created_at,
                             started_at, completed_at)
                           SELECT id + {ds}, visit || '-{k}', position, participant_id + {dp}, programme_id,
                             occasion, instrument_id, instrument_version, respondent_group, language, status,
                             created_at, started_at, completed_at FROM survey_sessions WHERE id <= {top_s}""")
            db.execute(f"""INSERT INTO answers (session_id, instrument_id, instrument_version, item_id, status,
                             value_num, value_text, other_text, answered_at, value_type)
                           SELECT session_id + {ds}, instrument_id, instrument_version, item_id, status, value_num,
                             value_text, other_text, answered_at, value_type FROM answers
                           WHERE session_id <= {top_s}""")


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "large.db")
        today = date(2026, 11, 23)
        run_demo(db, load_catalog(db), today=today)
        scale(db, args.participants)
        db.execute("DELETE FROM scored_responses")  # the copies were made in SQL: nothing is scored yet
        count = lambda table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
        print(f"participants {count('participants'):,}, sessions {count('survey_sessions'):,}, "
              f"answers {count('answers'):,}")
        board = Access(db, get_user(db, "styrelse"), load_catalog(db))
        everything = lambda: board.board_report(None, date(2024, 1, 1), today)  # noqa: E731
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        unscored = timed(everything)
        stored = count("scored_responses")
        firsts = []
        for _ in range(5):  # as a freshly started app would: nothing in memory, scores stored
            _aggregates.clear()
            firsts.append(timed(everything))
        others = [timed(lambda y=year: board.board_report(None, date(y, 1, 1), date(y, 12, 31)))
                  for year in (2024, 2025, 2026, 2024)]  # other periods: inputs in memory until data changes
        after = []
        for n in range(5):  # a tablet stores one more answer to a completed KASAM: that response is rescored
            session = db.execute("SELECT id FROM survey_sessions WHERE instrument_id = 'kasam29' "
                                 "AND status = 'completed' LIMIT 1 OFFSET ?", [n]).fetchone()[0]
            db.execute("UPDATE answers SET value_num = 8 - value_num WHERE session_id = ? AND item_id = 'q1'",
                       [session])
            after.append(timed(everything))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        spread = lambda values: f"median {statistics.median(values):.2f} s, worst {max(values):.2f} s"  # noqa: E731
        print(f"board report, all programmes, 2024-01-01 to {today} (target < 1 s):")
        print(f"  first view, scores stored (a freshly started app): {spread(firsts)}")
        print(f"  first view after one more answer:                  {spread(after)}")
        print(f"  another period, nothing new:                       {spread(others)}")
        print(f"  first view ever, {stored:,} responses to score and store "
              f"(after an upgrade or a new definition version): {unscored:.2f} s")
        print(f"peak memory of the process: {peak:.0f} MB (before the report: {before:.0f} MB)")


if __name__ == "__main__":
    main()
