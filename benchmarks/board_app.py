"""Benchmark: the board page in the real app for a large förbund. The demo is scaled to
10,000 participants (as in board_scale.py), `stegvis serve` runs on it, and Debian's chromium
logs in as the board and opens the page (the latest completed calendar year of the board's grid,
all programmes: the page's default), then picks the whole time (about three years): the time
until every section has been drawn (the page's own clock: benchmarks/pageclock.py), and the peak memory (VmHWM) of the Streamlit process that
serves it. A first view includes the disclosure control of every programme over the whole grid
(issue 12), which a freshly started app computes in the background at once, and which a running
app computes anew after any change to the data (the last case).

Run: .venv/bin/python benchmarks/board_app.py [--participants 10000]  (needs /usr/bin/chromium)"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from board_scale import scale  # noqa: E402
from browser import Server, fill_login, launch  # noqa: E402
from pageclock import tap, watch  # noqa: E402

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


def visit(browser, url: str) -> tuple[float, float]:
    """Log in as the board: (the latest year's page, then the whole time), each from the click to
    the frame that draws the last section with nothing stale (benchmarks/pageclock.py)."""
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    watch(page)
    fill_login(page, url, "styrelse", "stegvis-board")
    _, year = tap(page, page.get_by_role("button", name="Logga in"), [LAST_SECTION], timeout=120_000)
    # the caption of the new report; a rerun keeps the old sections stale until it has drawn them all
    _, whole = tap(page, page.get_by_text("Hela tiden", exact=True), ["· Hela tiden ("], partial=True,
                   timeout=120_000)
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
            for label in ("nothing scored yet", "freshly started app, scores stored", "the same app again",
                          "the same app after one more answer"):
                if label.startswith(("nothing", "freshly")):
                    server = Server(path).start()  # computes the board's figures in the background at once
                if label.endswith("answer"):  # a tablet changes an answer: every figure is computed anew
                    db = open_db(path)
                    db.execute("UPDATE answers SET value_num = 8 - value_num WHERE item_id = 'q1' AND session_id = "
                               "(SELECT id FROM survey_sessions WHERE instrument_id = 'kasam29' "
                               "AND status = 'completed' LIMIT 1)")
                    db.conn.commit()
                    db.close()
                year, whole = visit(browser, server.url)
                print(f"{label:36} login → latest year's page {year:.2f} s; → the whole time {whole:.2f} s; "
                      f"peak memory of the app process {peak_mb(app_pid(server)):.0f} MB")
                if label.startswith(("nothing", "the same app after")):
                    server.kill()
            browser.close()


if __name__ == "__main__":
    main()
