"""Benchmark: how cost grows (issue 20). The board's first view at 1,000, 10,000 and 100,000
participants (benchmarks/board_scale.py, one process per size) and `stegvis score kasam29` as a
whole process at 10,000, 100,000 and 1,000,000 responses beside the pandas-read, pyarrow-write
reference (benchmarks/score_kasam.py). Prints a Markdown table with the cost per participant
(or per 1,000 responses) at each size: if that cost does not rise with the size, nothing grows
faster than linearly. Writes the same figures as a plot, docs/performance-growth.svg (reportlab,
no browser).

Run: .venv/bin/python benchmarks/growth.py [--board 1000,10000,100000] [--score 10000,100000,1000000]"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def board(participants: int) -> tuple[float, float]:
    """(median first view in seconds, peak memory in MB) of the board at this size."""
    out = subprocess.run([PYTHON, str(ROOT / "benchmarks/board_scale.py"), "--participants", str(participants)],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    seconds = float(re.search(r"first view, scores stored.*?median ([\d.]+) s", out).group(1))
    memory = float(re.search(r"peak memory of the process: ([\d,]+) MB", out).group(1).replace(",", ""))
    return seconds, memory


def score(rows: int) -> tuple[float, float, float]:
    """(median stegvis score, median reference, peak memory of stegvis score in MB) at this size."""
    out = subprocess.run([PYTHON, str(ROOT / "benchmarks/score_kasam.py"), "--rows", str(rows), "--repeats", "3"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    reference = float(re.search(r"reference \(pandas read, pyarrow write\)\s+median\s+([\d.]+) s", out).group(1))
    scored = float(re.search(r"stegvis score kasam29\s+median\s+([\d.]+) s", out).group(1))
    memory = float(re.search(r"peak memory of stegvis score:\s+([\d,]+) MB", out).group(1).replace(",", ""))
    return scored, reference, memory


def plot(boards: dict[int, tuple], scores: dict[int, tuple], path: Path) -> None:
    """Two log–log panels: seconds against size, with a line of slope 1 (linear growth) to compare."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawing = Drawing(720, 300)
    panels = [("Styrelsens första vy (s) mot deltagare", boards, 0), ("stegvis score (s) mot svar", scores, 1)]
    for title, figures, n in panels:
        sizes = sorted(figures)
        if len(sizes) < 2:
            continue
        chart = LinePlot()
        chart.x, chart.y, chart.width, chart.height = 60 + 360 * n, 50, 270, 200
        first = figures[sizes[0]][0]
        measured = [(math.log10(s), math.log10(figures[s][0])) for s in sizes]
        linear = [(math.log10(s), math.log10(first * s / sizes[0])) for s in sizes]
        chart.data = [measured, linear]
        chart.lines[0].strokeColor, chart.lines[0].strokeWidth = colors.HexColor("#0072B2"), 2
        chart.lines[1].strokeColor, chart.lines[1].strokeDashArray = colors.HexColor("#999999"), (4, 3)
        chart.xValueAxis.valueSteps = [math.log10(s) for s in sizes]  # ticks at the sizes measured
        chart.xValueAxis.labelTextFormat = lambda v: f"{round(10 ** v):,}".replace(",", " ")
        top = max(max(y for _, y in measured), max(y for _, y in linear))
        steps = [math.log10(v) for v in (0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000)]
        chart.yValueAxis.valueSteps = [v for v in steps if min(y for _, y in measured) - 0.01 <= v <= top + 0.1]
        chart.yValueAxis.labelTextFormat = lambda v: f"{10 ** v:g}".replace(".", ",")
        drawing.add(chart)
        drawing.add(String(60 + 360 * n, 270, title, fontName="Helvetica", fontSize=11))
    drawing.add(String(60, 15, "Blå: uppmätt. Grå streckad: linjär tillväxt från den minsta storleken. Log–log-skala.",
                       fontName="Helvetica", fontSize=9))
    renderSVG.drawToFile(drawing, str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--board", default="1000,10000,100000")
    parser.add_argument("--score", default="10000,100000,1000000")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "performance-growth.svg")
    args = parser.parse_args()
    boards = {n: board(n) for n in (int(x) for x in args.board.split(",") if x)}
    scores = {n: score(n) for n in (int(x) for x in args.score.split(",") if x)}
    print("| board, participants | first view | per 1,000 participants | peak memory |")
    print("|---|---|---|---|")
    for n, (seconds, memory) in boards.items():
        print(f"| {n:,} | {seconds:.2f} s | {seconds / n * 1000:.3f} s | {memory:,.0f} MB |")
    print()
    print("| stegvis score, responses | whole process | reference | ratio | per 100,000 responses | peak memory |")
    print("|---|---|---|---|---|---|")
    for n, (seconds, reference, memory) in scores.items():
        print(f"| {n:,} | {seconds:.2f} s | {reference:.2f} s | {seconds / reference:.2f} | "
              f"{seconds / n * 100_000:.3f} s | {memory:,.0f} MB |")
    plot(boards, {n: (s,) for n, (s, _, _) in scores.items()}, args.plot)
    print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
