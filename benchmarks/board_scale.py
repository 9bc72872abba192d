"""Benchmark: the board page's data for a large förbund. The demo (about 150 participants
over three years) is replicated in SQL to 10,000 participants, then everything the board
page shows (`Access.board_report`: goals, outcome tables, indicators, KASAM change, flow)
is computed for all programmes for the latest calendar year of the board's grid, cold (which
includes the disclosure control of every programme over the whole grid, issue 12) and as a
cached rerun, with the protection time per programme. Target: under 1 s; peak memory reported.

Run: .venv/bin/python benchmarks/board_scale.py [--participants 10000] [--spread-days 0]"""

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
from foundation.db import transaction
from stegvis.database import open_db
from surveys.store import load_catalog


def scale(db, participants: int, spread_days: int = 0) -> None:
    """Copies of the demo's participants with their enrolments, sessions and answers. With
    `spread_days`, each copy's dates are moved back by a different number of days up to that:
    plain copies make every count a multiple of the number of copies, so nothing is small and
    the disclosure control never has to hide anything."""
    base = db.execute("SELECT count(*) FROM participants").fetchone()[0]
    copies = max(0, participants // base - 1)
    top_p = db.execute("SELECT max(id) FROM participants").fetchone()[0]
    top_s = db.execute("SELECT max(id) FROM survey_sessions").fetchone()[0]
    with transaction(db):
        for k in range(1, copies + 1):
            dp, ds = k * top_p, k * top_s
            back = (k * 37) % (spread_days + 1)
            day = lambda column: f"date(substr({column}, 1, 10), '-{back} days') || substr({column}, 11)"  # noqa: E731
            db.execute(f"""INSERT INTO participants (id, code, gender, birth_year, coach_id, created_at)
                           SELECT id + {dp}, code || '-{k}', gender, birth_year, coach_id, created_at
                           FROM participants WHERE id <= {top_p}""")
            db.execute(f"""INSERT INTO enrolments (participant_id, programme_id, started_on, exited_on, outcome)
                           SELECT participant_id + {dp}, programme_id, {day('started_on')}, {day('exited_on')},
                             outcome
                           FROM enrolments WHERE participant_id <= {top_p}""")
            db.execute(f"""INSERT INTO survey_sessions (id, visit, position, participant_id, programme_id, round_id,
                             occasion, instrument_id, instrument_version, respondent_group, language, status, created_at,
                             started_at, completed_at)
                           SELECT id + {ds}, visit || '-{k}', position, participant_id + {dp}, programme_id, round_id,
                             occasion, instrument_id, instrument_version, respondent_group, language, status,
                             {day('created_at')}, {day('started_at')}, {day('completed_at')}
                           FROM survey_sessions WHERE id <= {top_s}""")
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
    from indicators.board import protect_programme
    from stegvis.reports import as_json

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--spread-days", type=int, default=0,
                        help="move each copy's dates back by up to this many days, so that some counts are small "
                             "and the protection has figures to hide (default 0: plain copies)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "large.db")
        today = date(2026, 11, 23)
        run_demo(db, load_catalog(db), today=today)
        scale(db, args.participants, args.spread_days)
        db.execute("DELETE FROM scored_responses")  # the copies were made in SQL: nothing is scored yet
        count = lambda table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
        print(f"participants {count('participants'):,}, sessions {count('survey_sessions'):,}, "
              f"answers {count('answers'):,}")
        catalog = load_catalog(db)
        board = Access(db, get_user(db, "styrelse"), catalog)
        grid = board.board_periods()  # the grid as of the real today: completed periods only
        years = [p.id for p in grid.of_kind("ar")]
        year = years[-1]  # the latest completed calendar year
        print(f"grid: {len(grid.periods)} periods, {grid.periods[0].start} to {grid.periods[-1].end}; "
              f"first view = all programmes, year {year}")
        first_view = lambda: board.board_report(None, year)  # noqa: E731
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        unscored = timed(first_view)
        stored = count("scored_responses")
        firsts, reruns = [], []
        for _ in range(3):  # as a freshly started app would: nothing in memory, scores stored
            _aggregates.clear()
            firsts.append(timed(first_view))
            reruns.append(timed(first_view))  # Streamlit reruns the page on every click
        # what the first view spends its time on: the protection of each programme over the whole grid
        key, inputs, protection, grid = board._board_setup()
        per_programme = {p.id: [] for p in catalog.latest_programmes()}
        for _ in range(2):
            for programme in catalog.latest_programmes():
                per_programme[programme.id].append(
                    timed(lambda p=programme: protect_programme(catalog, p, inputs, grid, protection)))
        people = inputs["enrolments"]["programme_id"].value_counts()
        others = []  # other periods and programmes once the protection is in memory
        for view, period in [(None, years[0]), (None, "hela"), (catalog.latest_programmes()[0].id, year),
                             (None, grid.of_kind(grid.leaf_kind)[-1].id)]:
            others.append(timed(lambda v=view, p=period: board.board_report(v, p)))
        after = []
        for n in range(3):  # a tablet stores one more answer to a completed KASAM: that response is rescored
            session = db.execute("SELECT id FROM survey_sessions WHERE instrument_id = 'kasam29' "
                                 "AND status = 'completed' LIMIT 1 OFFSET ?", [n]).fetchone()[0]
            db.execute("UPDATE answers SET value_num = 8 - value_num WHERE session_id = ? AND item_id = 'q1'",
                       [session])
            after.append(timed(first_view))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        hidden = [0, 0]
        for table in as_json(first_view())["tables"]:
            wanted = [c for c, column in enumerate(table["columns"]) if column["unit"] == "antal"]
            hidden[0] += sum(row[c] is None for row in table["values"] for c in wanted)
            hidden[1] += sum(len(wanted) for _ in table["values"])
        spread = lambda values: f"median {statistics.median(values):.2f} s, worst {max(values):.2f} s"  # noqa: E731
        print(f"board report, all programmes, year {year}, k = {protection.k}, interval {protection.interval} "
              f"({hidden[0]} of its {hidden[1]} counts hidden; dates spread over {args.spread_days} days):")
        print(f"  first view, scores stored (a freshly started app): {spread(firsts)}")
        print(f"  the same view again (a rerun, cached):             "
              f"median {statistics.median(reruns) * 1000:.1f} ms, worst {max(reruns) * 1000:.1f} ms")
        print(f"  first view after one more answer:                  {spread(after)}")
        print(f"  another period or programme, nothing new:          {spread(others)}")
        print(f"  first view ever, {stored:,} responses to score and store "
              f"(after an upgrade or a new definition version): {unscored:.2f} s")
        print("protection of one programme over the whole grid (part of every first view):")
        for pid, values in per_programme.items():
            print(f"  {pid:12} {people.get(pid, 0):>7,} enrolments: "
                  f"best {min(values):.2f} s, worst {max(values):.2f} s")
        print(f"peak memory of the process: {peak:.0f} MB (before the report: {before:.0f} MB)")


if __name__ == "__main__":
    main()
