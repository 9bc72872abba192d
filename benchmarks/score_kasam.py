"""Benchmark: score 1,000,000 KASAM-29 responses read from CSV, beside the time of merely
reading the same CSV with pandas. Target: read + score within 1.5 × read; memory < 2 GB.

Run: .venv/bin/python benchmarks/score_kasam.py [--rows N]"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.scoring import score_table
from surveys.definitions import shipped_catalog

DATA = Path(__file__).parent / ".data"


def make_csv(path: Path, rows: int) -> None:
    """Plausible answers 1–7 with about 2 % blanks, written once and reused."""
    rng = np.random.default_rng(29)
    values = rng.integers(1, 8, size=(rows, 29)).astype(float)
    values[rng.random(values.shape) < 0.02] = np.nan
    frame = pd.DataFrame(values, columns=[f"q{n}" for n in range(1, 30)]).astype("Int8")
    frame.insert(0, "respondent_id", np.arange(rows))
    path.parent.mkdir(exist_ok=True)
    frame.to_csv(path, index=False)


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = DATA / f"kasam29_{args.rows}.csv"
    if not path.exists():
        make_csv(path, args.rows)
    kasam = shipped_catalog().instrument("kasam29")

    def read():
        return pd.read_csv(path, engine="c")

    def read_and_score():
        return score_table(kasam, read())  # the same path as `stegvis score`

    read_time = best_of(args.runs, read)
    total_time = best_of(args.runs, read_and_score)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scored = read_and_score()
    print(f"rows:              {args.rows:,} ({path.stat().st_size / 1e6:.0f} MB CSV)")
    print(f"read only:         {read_time:.2f} s")
    print(f"read + score:      {total_time:.2f} s  (scoring itself {total_time - read_time:.2f} s)")
    print(f"ratio:             {total_time / read_time:.2f} (target ≤ 1.5)")
    print(f"peak memory (RSS): {peak_mb:.0f} MB (target < 2048)")
    print(f"check: mean total {scored['total'].mean():.1f}, missing totals {scored['total'].isna().sum():,}")


if __name__ == "__main__":
    main()
