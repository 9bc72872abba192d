"""Benchmark: `stegvis score kasam29` on 1,000,000 responses, the whole process as a user runs
it, side by side with a reference process that only reads the same CSV with pandas and writes
a score-shaped CSV (the same columns, types and row count) with pyarrow. The two run in turn,
several times each; medians and their ratio are printed.

Target (issue 20): stegvis ≤ 1.5 × the reference; peak memory < 1 GB.

With --in-process, also the older in-process figures: reading the CSV against reading and
scoring it inside one Python process (target: read + score ≤ 1.5 × read).

Run: .venv/bin/python benchmarks/score_kasam.py [--rows N] [--repeats N] [--in-process]"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from whole_process import VENV_BIN, Runs, run

# The reference: read with pandas as `stegvis score` does, then a score-shaped table (four
# scale sums, a band, flags, n_missing) written with pyarrow. No checking, no prorating.
REFERENCE = """
import sys
import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv

frame = pd.read_csv(sys.argv[1])
values = frame.iloc[:, 1:].to_numpy(dtype=np.float32)
missing = np.isnan(values)
sums = np.nan_to_num(values)
scales = {"begriplighet": sums[:, :11].sum(axis=1), "hanterbarhet": sums[:, 11:21].sum(axis=1),
          "meningsfullhet": sums[:, 21:].sum(axis=1)}
scales["total"] = sums.sum(axis=1)
columns = {"respondent_id": pa.array(frame["respondent_id"])}
columns.update({name: pa.array(score.astype(np.float64)) for name, score in scales.items()})
columns["total_band"] = pa.DictionaryArray.from_arrays(pa.array((scales["total"] > 140).astype(np.int8)),
                                                      pa.array(["low", "moderate"]))
columns["flags"] = pa.DictionaryArray.from_arrays(pa.array((scales["total"] < 100).astype(np.int8)),
                                                 pa.array(["", "porten_total_under_100"]))
columns["n_missing"] = pa.array(missing.sum(axis=1))
csv.write_csv(pa.table(columns), sys.argv[2], csv.WriteOptions(quoting_style="none", quoting_header="none"))
"""


def make_csv(path: Path, rows: int) -> None:
    """Plausible answers 1–7 with about 2 % blanks."""
    rng = np.random.default_rng(29)
    values = rng.integers(1, 8, size=(rows, 29)).astype(float)
    values[rng.random(values.shape) < 0.02] = np.nan
    frame = pd.DataFrame(values, columns=[f"q{n}" for n in range(1, 30)]).astype("Int8")
    frame.insert(0, "respondent_id", np.arange(rows))
    frame.to_csv(path, index=False)


def stegvis_command(tree: Path | None) -> tuple[list[str], dict]:
    """The installed `stegvis`, or that of another checkout (an older commit's worktree) run
    from its folder with this environment's packages, for before-and-after figures."""
    if tree is None:
        return [str(VENV_BIN / "stegvis")], {}
    return [str(VENV_BIN / "python"), "-m", "stegvis.cli"], {"cwd": tree.resolve()}


def whole_process(path: Path, work: Path, repeats: int, tree: Path | None = None) -> None:
    reference, scored = Runs("reference (pandas read, pyarrow write)"), Runs("stegvis score kasam29")
    reference_out, stegvis_out = work / "reference.csv", work / "scores.csv"
    reference_cmd = [str(VENV_BIN / "python"), "-c", REFERENCE, str(path), str(reference_out)]
    stegvis, where = stegvis_command(tree)
    stegvis_cmd = stegvis + ["score", "kasam29", "--input", str(path), "--output", str(stegvis_out)]
    for repeat in range(repeats):  # alternate, and alternate which goes first, so both see the same machine
        pair = [(reference, reference_cmd, {}), (scored, stegvis_cmd, where)]
        for runs, command, extra in pair if repeat % 2 == 0 else pair[::-1]:
            runs.runs.append(run(command, **extra))
    ratios = [s.seconds / r.seconds for s, r in zip(scored.runs, reference.runs)]
    print(reference.line())
    print(scored.line())
    print(f"ratio of medians:                  {scored.median / reference.median:.2f} (target ≤ 1.5); "
          f"per pair {min(ratios):.2f}–{max(ratios):.2f}")
    print(f"peak memory of stegvis score:      {scored.peak_mb:,.0f} MB (target < 1024)")
    scores = pd.read_csv(stegvis_out)
    shaped = pd.read_csv(reference_out, nrows=1)
    assert list(shaped.columns) == list(scores.columns), (shaped.columns, scores.columns)
    print(f"check: {len(scores):,} rows, mean total {scores['total'].mean():.1f}, "
          f"missing totals {scores['total'].isna().sum():,}")


def in_process(path: Path, runs: int) -> None:
    from indicators.scoring import score_table
    from surveys.definitions import shipped_catalog

    kasam = shipped_catalog().instrument("kasam29")

    def best_of(work) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return min(times)

    read_time = best_of(lambda: pd.read_csv(path, engine="c"))
    total_time = best_of(lambda: score_table(kasam, pd.read_csv(path, engine="c")))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"in process, read only:             {read_time:.2f} s (best of {runs})")
    print(f"in process, read + score:          {total_time:.2f} s  (scoring itself {total_time - read_time:.2f} s); "
          f"ratio {total_time / read_time:.2f} (target ≤ 1.5); peak RSS {peak_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each process (alternating)")
    parser.add_argument("--in-process", action="store_true", help="also the in-process read vs read + score")
    parser.add_argument("--stegvis-tree", type=Path, help="measure the stegvis of this checkout instead "
                                                         "(e.g. `git worktree add /tmp/old main`)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stegvis-score-") as folder:
        work = Path(folder)
        path = work / f"kasam29_{args.rows}.csv"
        make_csv(path, args.rows)
        print(f"rows: {args.rows:,} ({path.stat().st_size / 1e6:.0f} MB CSV); Python {sys.version.split()[0]}, "
              f"pandas {pd.__version__}")
        whole_process(path, work, args.repeats, args.stegvis_tree)
        if args.in_process:
            in_process(path, args.repeats)


if __name__ == "__main__":
    main()
