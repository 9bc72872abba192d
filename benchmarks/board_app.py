"""Benchmark: the board page in the real app for a large förbund. The demo is scaled to
10,000 participants (as in board_scale.py), `stegvis serve` runs on it, and Debian's chromium
logs in as the board and opens the page (the latest completed calendar year of the board's grid,
all programmes: the page's default), then picks the whole time (about three years): the time
until every section has been drawn, and the peak memory (VmHWM) of the Streamlit process that
serves it. A first view includes the disclosure control of every programme over the whole grid
(issue 12).

Run: .venv/bin/python benchmarks/board_app.py [--participants 10000]  (needs /usr/bin/chromium)"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from board_scale import scale  # noqa: E402
from browser import Server, fill_login, launch, settle  # noqa: E402

from stegvis.demo import run_demo  # noqa: E402
from stegvis.database import open_db  # noqa: E402
from surveys.store import load_catalog

LAST_SECTION = "Deltagare över tid"


def app_pid(server: Server) -> int:
    """`stegvis serve` starts Streamlit as its child: the process that computes and serves pages."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    return int(children[0])


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def drawn(page, began: float) -> float:
    """Seconds from `began` until the last section is on the page and Streamlit has finished."""
    page.get_by_text(LAST_SECTION).wait_for(timeout=120_000)
    settle(page)
    return time.perf_counter() - began


def visit(browser, url: str) -> tuple[float, float]:
    """Log in as the board: (the latest year's page, then the whole time)."""
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    fill_login(page, url, "styrelse", "stegvis-board")
    began = time.perf_counter()
    page.get_by_role("button", name="Logga in").click()
    year = drawn(page, began)
    began = time.perf_counter()
    page.get_by_text("Hela tiden", exact=True).click()
    page.get_by_text("· Hela tiden (").wait_for()  # the caption of the new report
    whole = drawn(page, began)
    page.close()
    return year, whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.db"
        db = open_db(path)
        run_demo(db, load_catalog(db), today=date.today())
        scale(db, args.participants)
        db.execute("DELETE FROM scored_responses")
        print(f"participants {db.execute('SELECT count(*) FROM participants').fetchone()[0]:,}")
        db.close()
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for label in ("nothing scored yet", "freshly started app, scores stored", "the same app again"):
                server = Server(path).start() if label != "the same app again" else server
                year, whole = visit(browser, server.url)
                print(f"{label:36} login → latest year's page {year:.2f} s; → the whole time {whole:.2f} s; "
                      f"peak memory of the app process {peak_mb(app_pid(server)):.0f} MB")
                if label != "freshly started app, scores stored":
                    server.kill()
            browser.close()


if __name__ == "__main__":
    main()
