"""Benchmark: the board page's data for a large förbund. The demo (about 150 participants
over three years) is replicated in SQL to 10,000 participants, then everything the board
page shows (`Access.board_report`: goals, outcome tables, indicators, KASAM change, flow)
is computed for all programmes over three years. Target: under 1 s; peak memory reported.

Run: .venv/bin/python benchmarks/board_scale.py [--participants 10000]"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from stegvis.access import Access
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
                             value_num, value_text, other_text, answered_at)
                           SELECT session_id + {ds}, instrument_id, instrument_version, item_id, status, value_num,
                             value_text, other_text, answered_at FROM answers WHERE session_id <= {top_s}""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "large.db")
        today = date(2026, 11, 23)
        run_demo(db, load_catalog(db), today=today)
        scale(db, args.participants)
        count = lambda table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
        print(f"participants {count('participants'):,}, sessions {count('survey_sessions'):,}, "
              f"answers {count('answers'):,}")
        board = Access(db, get_user(db, "styrelse"), load_catalog(db))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        began = time.perf_counter()
        report = board.board_report(None, date(2024, 1, 1), today)
        first = time.perf_counter() - began
        times = []
        for year in (2024, 2025, 2026, 2024):  # other periods: the inputs are cached until data changes
            began = time.perf_counter()
            board.board_report(None, date(year, 1, 1), date(year, 12, 31))
            times.append(time.perf_counter() - began)
        db["answers"].insert({"session_id": 1, "instrument_id": "x", "instrument_version": 1, "item_id": "bench",
                              "status": "skipped", "answered_at": "2026-11-23"})
        began = time.perf_counter()
        board.board_report(None, date(2024, 1, 1), today)
        after_change = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        goals = sum(len(g) for g in report.goals.values())
        print(f"board report, all programmes: first view {first:.2f} s; another period with no new data "
              f"best {min(times):.2f} s, worst {max(times):.2f} s; first view after a new answer "
              f"{after_change:.2f} s (target < 1 s); {goals} goals")
        print(f"peak memory of the process: {peak:.0f} MB (before the report: {before:.0f} MB)")


if __name__ == "__main__":
    main()
