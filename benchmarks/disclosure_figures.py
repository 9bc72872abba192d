"""How many of the board's published counts are hidden on the demo data, per table kind: the
disclosure-control engine of issue 12 against the small-number suppression before it (commit
c975cb8), and how many of the old code's hidden cells a reader could work out exactly.

Run: .venv/bin/python benchmarks/disclosure_figures.py  (from a git checkout; about a minute)

The demo database is built as `stegvis.demo.run_demo(db, shipped_catalog(), today=2026-11-23)`,
once with this checkout's code and once with c975cb8's: the script adds a detached worktree of
c975cb8 in a temporary folder (or uses `--old-tree`), runs itself there in a subprocess with
that tree first on PYTHONPATH, and removes the worktree afterwards. Both sides check that they
built the same enrolments (a hash of them is compared).

The board's grid is that of the real today (`Access.board_periods`): on the demo data, until
2027-01-01, the quarters, half years and years from 2024-01-01 to 2026-09-30 and the whole time.

What counts as a published count figure:

* new: every cell of a count column (unit "antal") of every table of `stegvis.reports.as_json`
  (the JSON holds every figure of the page, the PDF and the workbook), for each programme and
  "all programmes" x each period of the grid; hidden = null.
* old: what the old page, PDF and workbook showed as counts: each goal's "Uppnått antal" and
  "Av"; every cell of each outcome table (totals included); the n of each KASAM row and each
  indicator row; the monthly flow (new, active, exited); the duration bands and their total.

Recovered exactly (old code only): within one report, the hidden cells of a table are unknowns
tied by what the table states (an outcome table's row and column totals; the duration bands and
their total; the monthly flow identity active(m+1) = active(m) - exited(m) + new(m+1)). A hidden
cell is recovered exactly by linear algebra when its unit vector lies in the row space of those
equations; with the reader's further knowledge that zeros are shown (a hidden cell is at least
1), an LP (HiGHS) gives its smallest and largest value, and it is recovered when only one whole
number remains.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

DEMO_TODAY = date(2026, 11, 23)
OLD_COMMIT = "c975cb8"
KINDS = ["goals", "outcomes", "kasam", "durations", "flow", "indicators"]
ROOT = Path(__file__).resolve().parents[1]


def demo_db(folder: Path):
    from stegvis.demo import run_demo
    from surveys.definitions import shipped_catalog
    from stegvis.database import open_db

    db = open_db(folder / "demo.db")
    catalog = shipped_catalog()
    run_demo(db, catalog, today=DEMO_TODAY)
    rows = db.execute("""SELECT e.participant_id, e.programme_id, e.started_on, e.exited_on, e.outcome, p.gender,
                                p.birth_year FROM enrolments e JOIN participants p ON p.id = e.participant_id
                         ORDER BY 1, 2, 3""").fetchall()
    return db, catalog, hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _none(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


# -- the old code (run in a subprocess with c975cb8 first on PYTHONPATH) -----------------------


def old_reports(periods: list[tuple[str, str, str]]) -> dict:
    """Every count the old board report published, per report, as plain JSON."""
    import stegvis

    from indicators.board import board_report, instruments_used
    from stegvis.access import Access
    from stegvis.accounts import get_user

    with tempfile.TemporaryDirectory() as folder:
        db, catalog, digest = demo_db(Path(folder))
        board = Access(db, get_user(db, "styrelse"), catalog)
        views = [p.id for p in catalog.latest_programmes()] + [None]
        out = []
        for view in views:
            inputs = board._read_aggregate_inputs(view, instruments_used(catalog))
            for pid, start, end in periods:
                published = board.board_report(view, date.fromisoformat(start), date.fromisoformat(end))
                truth = board_report(catalog, inputs, view, date.fromisoformat(start), date.fromisoformat(end), 1)
                out.append({"view": view or "alla", "period": pid, "published": _old_figures(published),
                            "truth": _old_figures(truth)})
    return {"code": str(Path(stegvis.__file__).parent), "digest": digest, "reports": out}


def _old_figures(report) -> dict:
    goals = [[_none(g.numerator), _none(g.denominator)] for gs in report.goals.values() for g in gs]
    outcomes = {programme: {"rows": list(t.counts.index), "columns": list(t.counts.columns),
                            "values": [[_none(v) for v in row] for row in t.counts.to_numpy().tolist()]}
                for programme, t in report.outcomes.items()}
    kasam = [_none(v) for v in report.kasam["n"]] if "n" in report.kasam else []
    indicators = [_none(v) for v in report.indicators["n"]] if "n" in report.indicators else []
    flow = [[_none(row[c]) for c in ("Nya", "Aktiva", "Avslutade")] for row in report.flow.to_dict("records")]
    durations = [_none(v) for v in report.durations["Antal"]]
    return {"goals": goals, "outcomes": outcomes, "kasam": kasam, "indicators": indicators, "flow": flow,
            "durations": durations}


def old_counts(report: dict) -> dict[str, tuple[int, int]]:
    """(hidden, published) per kind for one old report."""
    report = report["published"]
    cells = {
        "goals": [v for pair in report["goals"] for v in pair],
        "outcomes": [v for t in report["outcomes"].values() for row in t["values"] for v in row],
        "kasam": report["kasam"], "indicators": report["indicators"],
        "flow": [v for row in report["flow"] for v in row], "durations": report["durations"],
    }
    return {kind: (sum(v is None for v in values), len(values)) for kind, values in cells.items()}


# -- recovering the old code's hidden cells ------------------------------------------------------


_HIGHS = []


def highs():
    """One solver for the whole run (HiGHS prints its banner once, when the first is made)."""
    if not _HIGHS:
        import highspy

        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        _HIGHS.append(h)
    return _HIGHS[0]


def _recovered(values: list, equations: list[list[tuple[int, int]]], low: float, truth: list | None = None):
    """For cells `values` (None = hidden) tied by `equations` (each a list of (cell index,
    coefficient) summing to 0): (hidden, recovered exactly by linear algebra, recovered exactly
    with every hidden cell >= `low`, how many of those disagree with `truth`)."""
    import highspy
    import numpy as np

    hidden = [i for i, v in enumerate(values) if v is None]
    column = {cell: j for j, cell in enumerate(hidden)}
    a, b = [], []
    for equation in equations:
        row, rhs = np.zeros(len(hidden)), 0.0
        for cell, coefficient in equation:
            if values[cell] is None:
                row[column[cell]] += coefficient
            else:
                rhs -= coefficient * values[cell]
        if row.any():
            a.append(row)
            b.append(rhs)
    if not hidden or not a:
        return len(hidden), 0, 0, 0
    a, b = np.array(a), np.array(b)
    rank = np.linalg.matrix_rank(a)
    linear = sum(np.linalg.matrix_rank(np.vstack([a, np.eye(len(hidden))[j]])) == rank for j in range(len(hidden)))
    h = highs()
    h.clearModel()
    for _ in hidden:
        h.addVar(low, highspy.kHighsInf)
    for row, rhs in zip(a, b):
        nz = np.flatnonzero(row)
        h.addRow(rhs, rhs, len(nz), nz.astype(np.int32), row[nz])
    pinned, wrong = 0, 0
    for j in range(len(hidden)):
        extremes = []
        for sense in (1.0, -1.0):
            h.changeColsCost(len(hidden), np.arange(len(hidden), dtype=np.int32),
                             np.where(np.arange(len(hidden)) == j, sense, 0.0))
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                extremes = None  # unbounded above: not pinned down
                break
            extremes.append(h.getSolution().col_value[j])
        if extremes is not None and math.floor(extremes[1] + 1e-6) == math.ceil(extremes[0] - 1e-6):
            pinned += 1
            if truth is not None and round(extremes[0]) != truth[hidden[j]]:
                wrong += 1
    return len(hidden), int(linear), pinned, wrong


def table_equations(rows: list[str], columns: list[str], total_row: str, total_column: str | None):
    """A count table's cells (row-major) add up to its total row and, if any, its total column."""
    index = lambda r, c: r * len(columns) + c  # noqa: E731
    total_r = rows.index(total_row)
    equations = []
    for c in range(len(columns)):
        equations.append([(index(r, c), 1) for r in range(len(rows)) if r != total_r] + [(index(total_r, c), -1)])
    if total_column is not None:
        total_c = columns.index(total_column)
        for r in range(len(rows)):
            equations.append([(index(r, c), 1) for c in range(len(columns)) if c != total_c]
                             + [(index(r, total_c), -1)])
    return equations


def flow_equations(leaves: int, total_row: bool = False) -> list[list[tuple[int, int]]]:
    """active(m+1) = active(m) - exited(m) + new(m+1), cells (new, active, exited) per row; with
    `total_row`, the last row's new and exited are the sums of the others'."""
    equations = [[(3 * (m + 1) + 1, 1), (3 * m + 1, -1), (3 * m + 2, 1), (3 * (m + 1), -1)] for m in range(leaves - 1)]
    if total_row:
        for c in (0, 2):
            equations.append([(3 * m + c, 1) for m in range(leaves)] + [(3 * leaves + c, -1)])
    return equations


CHECKED = ("outcomes", "durations", "flow")


def old_recoveries(report: dict) -> Counter:
    """(kind, hidden | linear | pinned | wrong) summed over one old report's tables; hidden >= 1."""
    found = Counter()
    published, truth = report["published"], report["truth"]

    def add(kind, values, equations, true):
        for name, n in zip(("hidden", "linear", "pinned", "wrong"), _recovered(values, equations, 1.0, true)):
            found[(kind, name)] += n

    for programme, table in published["outcomes"].items():
        add("outcomes", [v for row in table["values"] for v in row],
            table_equations(table["rows"], table["columns"], "alla", "alla"),
            [v for row in truth["outcomes"][programme]["values"] for v in row])
    durations = published["durations"]
    add("durations", durations, table_equations([str(i) for i in range(len(durations))], ["n"],
                                                str(len(durations) - 1), None), truth["durations"])
    add("flow", [v for row in published["flow"] for v in row], flow_equations(len(published["flow"])),
        [v for row in truth["flow"] for v in row])
    return found


def new_recoveries(report: dict) -> Counter:
    """The same check on one new report's JSON; hidden >= 0 (zeros beside hidden wholes are hidden)."""
    found = Counter()
    for table in report["tables"]:
        kind = table["id"].split("/")[0]
        if kind not in CHECKED:
            continue
        values = [v for row in table["values"] for v in row]
        rows = [r["id"] for r in table["rows"]]
        total_row = next((r["id"] for r in table["rows"] if r["total"]), None)
        if kind == "flow":
            equations = flow_equations(len(rows) - (total_row is not None), total_row is not None)
        else:
            columns = [c["id"] for c in table["columns"]]
            equations = table_equations(rows, columns, total_row,
                                        next((c["id"] for c in table["columns"] if c["total"]), None))
        for name, n in zip(("hidden", "linear", "pinned", "wrong"), _recovered(values, equations, 0.0)):
            found[(kind, name)] += n
    return found


def run_old(periods: list[tuple[str, str, str]], old_tree: Path | None) -> dict:
    made = None
    if old_tree is None:
        made = Path(tempfile.mkdtemp(prefix="stegvis-c975cb8-")) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(made), OLD_COMMIT],
                       check=True)
        old_tree = made
    try:
        env = dict(os.environ, PYTHONPATH=str(old_tree))
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--old-mode", json.dumps(periods)],
                              env=env, cwd=old_tree, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout)
    finally:
        if made is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(made)], check=False)
            shutil.rmtree(made.parent, ignore_errors=True)
    if Path(result["code"]).resolve() != (old_tree / "stegvis").resolve():
        raise SystemExit(f"the old run imported {result['code']}, not {old_tree}/stegvis")
    return result


# -- the new engine ------------------------------------------------------------------------------


def new_reports() -> tuple[dict, dict, list, str]:
    """(hidden, published) per kind per report, the reports' JSON, the grid's periods, and the
    data's digest."""
    from stegvis import reports
    from stegvis.access import Access
    from stegvis.accounts import get_user

    with tempfile.TemporaryDirectory() as folder:
        db, catalog, digest = demo_db(Path(folder))
        board = Access(db, get_user(db, "styrelse"), catalog)
        grid = board.board_periods()
        counts, published = {}, {}
        for view in [p.id for p in catalog.latest_programmes()] + [None]:
            for period in grid.periods:
                found = {kind: [0, 0] for kind in KINDS}
                published[(view or "alla", period.id)] = as_json = reports.as_json(board.board_report(view, period.id))
                for table in as_json["tables"]:
                    kind = {"goal": "goals"}.get(table["id"].split("/")[0], table["id"].split("/")[0])
                    wanted = [c for c, column in enumerate(table["columns"]) if column["unit"] == "antal"]
                    for row in table["values"]:
                        for c in wanted:
                            found[kind][0] += row[c] is None
                            found[kind][1] += 1
                counts[(view or "alla", period.id)] = {k: tuple(v) for k, v in found.items()}
        return counts, published, list(grid.periods), digest


# -- output --------------------------------------------------------------------------------------


def total(per_report: list[dict]) -> dict[str, tuple[int, int]]:
    sums = {kind: [0, 0] for kind in KINDS + ["all"]}
    for counts in per_report:
        for kind, (hidden, published) in counts.items():
            for key in (kind, "all"):
                sums[key][0] += hidden
                sums[key][1] += published
    return {k: tuple(v) for k, v in sums.items()}


def cell(pair: tuple[int, int]) -> str:
    hidden, published = pair
    return f"{hidden:,} / {published:,} ({100 * hidden / published:.0f} %)" if published else "0 / 0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old-tree", type=Path, help=f"an existing checkout of {OLD_COMMIT} (default: a temporary "
                                                      "worktree, removed afterwards)")
    parser.add_argument("--old-mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.old_mode:
        print(json.dumps(old_reports([tuple(p) for p in json.loads(args.old_mode)])))
        return

    highs()  # its banner before the tables
    sys.stdout.flush()
    new, new_json, periods, new_digest = new_reports()
    comparable_ids = ["2024", "2025", "hela"]
    comparable = [p for p in periods if p.id in comparable_ids]
    every = [(p.id, p.start.isoformat(), p.end.isoformat()) for p in periods]
    old = run_old(every, args.old_tree)
    if old["digest"] != new_digest:
        raise SystemExit(f"the old and new code built different demo data ({old['digest']} against {new_digest})")
    old_by = {(r["view"], r["period"]): r for r in old["reports"]}
    views = sorted({v for v, _ in new})
    n_views = len(views)

    columns = {
        f"new, every grid period ({len(new)} reports)": total(list(new.values())),
        f"new, 2024 + 2025 + whole ({n_views * len(comparable)})":
            total([c for (v, p), c in new.items() if p in comparable_ids]),
        f"old, 2024 + 2025 + whole ({n_views * len(comparable)})":
            total([old_counts(r) for (v, p), r in old_by.items() if p in comparable_ids]),
        f"old, every grid period ({len(old_by)})": total([old_counts(r) for r in old_by.values()]),
    }
    whole = next(p for p in periods if p.id == "hela")
    print(f"Demo data: run_demo(today={DEMO_TODAY}), enrolments digest {new_digest} (same for old and new code); "
          f"k = 5, protection interval 3.")
    print(f"Grid: {len(periods)} periods (quarters, half years, years, whole time {whole.start} – {whole.end}); "
          f"views: {', '.join(views)}.")
    print(f"Old code from {OLD_COMMIT} ({old['code']}), same periods as dates.\n")
    print("Hidden / published count figures (cells summed over reports):\n")
    print("| table kind | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for kind in KINDS + ["all"]:
        print(f"| {kind} | " + " | ".join(cell(c[kind]) for c in columns.values()) + " |")
    print("\nNew: goal tables only for tertials, half years, years and the whole time; outcome, KASAM and "
          "duration tables only for years and the whole time; flow by quarter, not by month. Old: every "
          "table for any dates, flow by month, only n counted in KASAM and indicator rows.\n")

    print("Hidden cells a reader recovers exactly from one report alone (old: a hidden cell is at least 1, "
          "since zeros are shown; new: at least 0, since zeros beside hidden wholes are hidden):\n")
    print("| code | periods | table (what is used) | hidden | exact by linear algebra | exact with the bound (LP) |")
    print("|---|---|---|---|---|---|")
    what = {"outcomes": "outcome tables (row and column totals)", "durations": "duration bands (their total)",
            "flow": "flow (active(m+1) = active(m) − exited(m) + new(m+1); sums of new and exited)"}
    wrong = 0
    for code, by, check in (("old", old_by, old_recoveries), ("new", new_json, new_recoveries)):
        for label, keep in ((f"2024, 2025, whole ({n_views * len(comparable)} reports)", set(comparable_ids)),
                            (f"every grid period ({len(by)} reports)", {p.id for p in periods})):
            sums = Counter()
            for (v, p), report in by.items():
                if p in keep:
                    sums.update(check(report))
            wrong += sum(n for (kind, name), n in sums.items() if name == "wrong")
            for kind in CHECKED:
                print(f"| {code} | {label} | {what[kind]} | {sums[(kind, 'hidden')]:,} | "
                      f"{sums[(kind, 'linear')]:,} | {sums[(kind, 'pinned')]:,} |")
    print(f"\n(Old code: every value recovered was checked against the unsuppressed figures: {wrong} differ.)")


if __name__ == "__main__":
    main()
