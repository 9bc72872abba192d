"""Benchmark: a participant's tap, as the tablet feels it (issue 20). `stegvis serve` on fresh
demo data and Debian's chromium at 810 × 1080: from tapping an answer until the next question is
drawn with nothing stale on the screen, for every question of a visit (current and desired state,
then the participant survey: 22 taps), then "Skicka in" until the thank-you page is drawn.

Side by side, in the same browser and alternating visit by visit, a reference: the smallest
Streamlit page that does the same round trip (a row of buttons; a tap moves a counter in a
callback and draws "Fråga n av 22"). The ratio of medians says what Stegvis adds to Streamlit
itself on this machine, whatever its load.

Targets: tap → next question median ≤ 120 ms, p95 ≤ 250 ms; "Skicka in" ≤ 400 ms.

The reference runs from the repository, so it reads the same .streamlit/config.toml.

The clock is the page's own (benchmarks/pageclock.py): from the touch to the frame that draws
the next question.

Run: .venv/bin/python benchmarks/tap.py [--visits 3]  (needs /usr/bin/chromium)"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from browser import Server, enter_code, free_port, launch  # noqa: E402
from pageclock import tap, watch  # noqa: E402

from stegvis.database import open_db  # noqa: E402
from stegvis.demo import run_demo  # noqa: E402
from surveys.sessions import open_visit  # noqa: E402
from surveys.store import load_catalog  # noqa: E402

QUIET = ("() => !document.querySelector('[data-stale=\"true\"]') && "
         "!document.querySelector('[data-testid=\"stStatusWidget\"]') && "
         "!document.querySelector('[data-testid=\"stSkeleton\"]')")
QUESTIONS = 22
REFERENCE = '''
import streamlit as st

st.session_state.setdefault("n", 1)


def tap():
    st.session_state.n += 1


st.title("Referens")
st.progress(st.session_state.n / 22)
st.write(f"Fråga {st.session_state.n} av 22")
st.write("Hur nöjd är du med det stöd du har fått?")
for value in range(1, 11):
    st.button(str(value), key=f"b{value}", on_click=tap, use_container_width=True)
'''


def stegvis_visit(page, url: str, code: str) -> tuple[list[float], float]:
    """Every tap of one visit, and "Skicka in"."""
    enter_code(page, url, code)
    page.get_by_text(f"Fråga 1 av {QUESTIONS}", exact=True).wait_for(timeout=60_000)
    page.wait_for_function(QUIET, polling="raf")
    taps = []
    n = 1
    while n <= QUESTIONS:
        buttons = page.get_by_role("button", name="5", exact=True).or_(
            page.get_by_role("button", name="4 · Stämmer ganska bra", exact=True))
        if buttons.count() == 0:  # a free-text question: "Nästa"
            buttons = page.get_by_role("button", name="Nästa", exact=True)
        following = "Skicka in" if n == QUESTIONS else f"Fråga {n + 1} av {QUESTIONS}"
        text, seconds = tap(page, buttons.first, [following, "Fortsätt"])
        if text == "Fortsätt":  # the screen between the parts: not a question, not timed as one
            tap(page, page.get_by_role("button", name="Fortsätt", exact=True), [following])
        elif n < QUESTIONS:
            taps.append(seconds)
        n += 1
    _, send = tap(page, page.get_by_role("button", name="Skicka in"), ["Visa hur det har gått för mig"])
    return taps, send


def reference_visit(page, url: str) -> list[float]:
    page.goto(url)
    page.get_by_text(f"Fråga 1 av {QUESTIONS}", exact=True).wait_for(timeout=60_000)
    page.wait_for_function(QUIET, polling="raf")
    return [tap(page, page.get_by_role("button", name="5", exact=True), [f"Fråga {n + 1} av {QUESTIONS}"])[1]
            for n in range(1, QUESTIONS)]


def figures(name: str, taps: list[float]) -> str:
    ordered = sorted(taps)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{name:<34} n {len(taps):3}  median {statistics.median(taps) * 1000:6.0f} ms  "
            f"p95 {p95 * 1000:6.0f} ms  max {max(taps) * 1000:6.0f} ms")


def demo_with_codes(path: Path, count: int) -> list[str]:
    """Fresh demo data at `path`, and `count` codes for the visit timed here (a follow-up in
    Jobbvägen AR: current and desired state, then the participant survey), each for another
    participant as far as there are any."""
    db = open_db(path)
    catalog = load_catalog(db)
    run_demo(db, catalog, today=date.today())
    people = [row[0] for row in db.execute(
        "SELECT participant_id FROM enrolments WHERE programme_id = 'jobbvagen_ar' AND exited_on IS NULL "
        "ORDER BY participant_id")]
    codes = [open_visit(db, catalog, programme_id="jobbvagen_ar", occasion="followup",
                        participant_id=people[n % len(people)], instruments=["nulage_onskat", "deltagare_pagaende"],
                        again=True)[1] for n in range(count)]
    db.close()
    return codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tap.db"
        codes = demo_with_codes(path, args.visits)
        script = Path(folder) / "reference.py"
        script.write_text(REFERENCE, encoding="utf-8")
        port = free_port()
        reference = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # Stegvis's .streamlit/config.toml
        server = Server(path).start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            stegvis_taps, sends, reference_taps = [], [], []
            with sync_playwright() as playwright:
                browser = launch(playwright)
                for code in codes:  # alternate, so both see the same machine
                    page = browser.new_page(viewport={"width": 810, "height": 1080}, has_touch=True)
                    watch(page)
                    taps, send = stegvis_visit(page, server.url, code)
                    stegvis_taps += taps
                    sends.append(send)
                    page.close()
                    page = browser.new_page(viewport={"width": 810, "height": 1080}, has_touch=True)
                    watch(page)
                    reference_taps += reference_visit(page, f"http://127.0.0.1:{port}")
                    page.close()
                browser.close()
        finally:
            server.kill()
            reference.kill()
        print(figures("Stegvis: tap → next question", stegvis_taps))
        print(figures("reference: tap → next", reference_taps))
        print(f"ratio of medians: {statistics.median(stegvis_taps) / statistics.median(reference_taps):.2f}")
        print(f"Stegvis: Skicka in → thank-you page  median {statistics.median(sends) * 1000:.0f} ms "
              f"(runs: {', '.join(f'{s * 1000:.0f}' for s in sends)})")


if __name__ == "__main__":
    main()
