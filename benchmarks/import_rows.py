"""Benchmark: `stegvis import participants` with 1,000,000 rows, the whole process as a user
runs it: once refused for one bad row (the last one, so every row is checked), once accepted
into a fresh database, and once more with the same file (every row already there).

Target (issue 20): ≤ 5 s and peak memory < 700 MB, refused or accepted.

Run: .venv/bin/python benchmarks/import_rows.py [--rows N] [--repeats N] [--stegvis-tree DIR]"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from whole_process import VENV_BIN, Runs, run

PROGRAMMES = ["aktsam", "efterstod", "jobbsam", "jobbvagen_ar", "porten"]
GENDERS = ["kvinna", "man", "annat", "vill_inte_uppge"]
COACHES = ["anna", "bengt", "cecilia", "david"]


def make_csv(path: Path, rows: int, *, bad_last: bool) -> None:
    """Every column the import reads, the optional ones included (each row also gives a consent)."""
    rng = np.random.default_rng(20)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, rows), unit="D")
    frame = pd.DataFrame({
        "code": [f"BM-{n:07d}" for n in range(rows)],
        "gender": np.array(GENDERS)[rng.integers(0, len(GENDERS), rows)],
        "birth_year": rng.integers(1960, 2008, rows).astype(str),
        "programme": np.array(PROGRAMMES)[rng.integers(0, len(PROGRAMMES), rows)],
        "started_on": days.strftime("%Y-%m-%d"),
        "coach": np.array(COACHES)[rng.integers(0, len(COACHES), rows)],
        "consent_version": "samtycke-2024-1",
        "consent_scope": "Behandling av svar och uppföljning inom insatsen",
    })
    if bad_last:
        frame.loc[rows - 1, "birth_year"] = "nittio"
    frame.to_csv(path, index=False)


def fresh_database(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    key = template.with_name(template.name + ".key")
    if key.exists():
        shutil.copyfile(key, target.with_name(target.name + ".key"))
    return target


def stegvis_command(tree: Path | None) -> tuple[list[str], dict]:
    if tree is None:
        return [str(VENV_BIN / "stegvis")], {}
    return [str(VENV_BIN / "python"), "-m", "stegvis.cli"], {"cwd": tree.resolve()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stegvis-tree", type=Path, help="measure the stegvis of this checkout instead")
    args = parser.parse_args()
    stegvis, where = stegvis_command(args.stegvis_tree)
    with tempfile.TemporaryDirectory(prefix="stegvis-import-") as folder:
        work = Path(folder)
        good, bad = work / "participants.csv", work / "participants-bad.csv"
        make_csv(good, args.rows, bad_last=False)
        make_csv(bad, args.rows, bad_last=True)
        template = work / "template.db"
        subprocess.run(stegvis + ["init", "--db", str(template)], check=True, capture_output=True, **where)
        for name in COACHES:
            subprocess.run(stegvis + ["user", "add", name, "--role", "coach", "--db", str(template)],
                           input=b"ett langt losenord\n", check=True, capture_output=True, **where)
        print(f"rows: {args.rows:,} ({good.stat().st_size / 1e6:.0f} MB CSV); Python {sys.version.split()[0]}, "
              f"pandas {pd.__version__}, SQLite {sqlite3.sqlite_version}")
        refused, accepted, again = (Runs("refused (one bad row, the last)"), Runs("accepted into a fresh database"),
                                    Runs("the same file again (all there)"))
        for repeat in range(args.repeats):
            db = fresh_database(template, work / f"run{repeat}.db")
            refused.runs.append(run(stegvis + ["import", "participants", str(bad), "--db", str(db)], expect=1, **where))
            accepted.runs.append(run(stegvis + ["import", "participants", str(good), "--db", str(db)], **where))
            again.runs.append(run(stegvis + ["import", "participants", str(good), "--db", str(db)], **where))
            with sqlite3.connect(db) as check:
                counts = [check.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                          for t in ("participants", "enrolments", "consents")]
            assert counts == [args.rows] * 3, counts
            db.unlink()
        message = refused.runs[-1].stderr.strip().splitlines()
        for runs in (refused, accepted, again):
            print(runs.line())
        print(f"target: ≤ 5 s and < 700 MB; slowest median {max(r.median for r in (refused, accepted, again)):.2f} s, "
              f"peak {max(r.peak_mb for r in (refused, accepted, again)):,.0f} MB")
        print(f"refusal says: {' / '.join(message[:2])}")


if __name__ == "__main__":
    main()
