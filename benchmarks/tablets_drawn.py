"""Benchmark: 30 tablets answering at once, as each of them feels it (issue 20). `stegvis serve`
on fresh demo data and one Debian chromium with 30 separate browser sessions at 810 × 1080 (30
tablets in a room: a group session), each with a code of its own for the same visit as
benchmarks/tap.py (22 questions, then "Skicka in"). The tablets open the app and enter their
codes over `--spread` seconds; once all show their first question, each reads each question for `--think` seconds (0.5 to 1.5 times it, at random) before
tapping. Every tap is timed on the page's own clock, from the touch to the frame that draws the
next question with nothing stale (benchmarks/pageclock.py).

Side by side, one tablet alone first, the same way: the ratio says what the 29 others add.

All 30 pages are drawn by one chromium on this machine's cores, beside the server: a harsher
test than 30 real tablets, which each draw their own page.

Target: tap → next question drawn, p95 ≤ 600 ms (saving one answer, p99 < 50 ms, is
benchmarks/load_tablets.py).

Run: .venv/bin/python benchmarks/tablets_drawn.py [--tablets 30] [--think 3]  (needs /usr/bin/chromium)"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from browser import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402
from pageclock import DRAWN, HOOK  # noqa: E402
from tap import QUESTIONS, demo_with_codes, figures  # noqa: E402



async def tap(page, target, texts: list[str]) -> tuple[str, float]:
    await target.click()
    handle = await page.wait_for_function(DRAWN, arg={"texts": texts, "partial": False}, polling="raf",
                                          timeout=60_000)
    found, ms = await handle.json_value()
    return found, ms / 1000


async def tablet(browser, url: str, code: str, think: float, delay: float, rng: random.Random,
                 ready: asyncio.Barrier) -> tuple[list, float]:
    """One tablet's visit: every tap's seconds, and "Skicka in"'s. The group starts answering
    once every tablet shows its first question (loading the app 30 times over in one chromium
    is not what is timed)."""
    context = await browser.new_context(viewport={"width": 810, "height": 1080}, has_touch=True)
    page = await context.new_page()
    await page.add_init_script(HOOK)
    await asyncio.sleep(delay)
    await page.goto(url, timeout=180_000)  # 30 pages loading the app at once: not what is timed
    await page.get_by_label("Kod").fill(code, timeout=180_000)
    await page.get_by_role("button", name="Starta").click()
    await page.get_by_text(f"Fråga 1 av {QUESTIONS}", exact=True).wait_for(timeout=180_000)
    await ready.wait()
    taps = []
    try:
        await _answer(page, think, rng, taps)
    except Exception:
        shot = Path(tempfile.gettempdir()) / f"tablet-{code}.png"
        await page.screenshot(path=str(shot))
        print(f"tablet {code} stopped after {len(taps)} taps; its screen: {shot}", file=sys.stderr)
        raise
    _, send = await tap(page, page.get_by_role("button", name="Skicka in"), ["Visa hur det har gått för mig"])
    await context.close()
    return taps, send


async def _answer(page, think: float, rng: random.Random, taps: list) -> None:
    for n in range(1, QUESTIONS + 1):
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))  # reading the question
        buttons = page.get_by_role("button", name="5", exact=True).or_(
            page.get_by_role("button", name="4 · Stämmer ganska bra", exact=True))
        if await buttons.count() == 0:  # a free-text question: "Nästa"
            buttons = page.get_by_role("button", name="Nästa", exact=True)
        following = "Skicka in" if n == QUESTIONS else f"Fråga {n + 1} av {QUESTIONS}"
        text, seconds = await tap(page, buttons.first, [following, "Fortsätt"])
        if text == "Fortsätt":  # the screen between the parts: not a question, not timed as one
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            await tap(page, page.get_by_role("button", name="Fortsätt", exact=True), [following])
        elif n < QUESTIONS:
            taps.append(seconds)


async def run(url: str, codes: list[str], think: float, spread: float) -> tuple[list, list]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        rng, ready = random.Random(20), asyncio.Barrier(len(codes))
        visits = await asyncio.gather(*(tablet(browser, url, code, think, spread * n / max(1, len(codes) - 1),
                                               random.Random(rng.random()), ready) for n, code in enumerate(codes)))
        await browser.close()
    return [t for taps, _ in visits for t in taps], [send for _, send in visits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", type=int, default=30)
    parser.add_argument("--think", type=float, default=3.0, help="seconds a person reads a question (mean)")
    parser.add_argument("--spread", type=float, default=15.0, help="seconds over which the tablets start")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tablets.db"
        codes = demo_with_codes(path, args.tablets + 1)
        server = Server(path).start()
        try:
            alone, alone_sends = asyncio.run(run(server.url, codes[:1], args.think, 0))
            together, sends = asyncio.run(run(server.url, codes[1:], args.think, args.spread))
        finally:
            server.kill()
    print(figures("one tablet alone: tap → next", alone))
    print(figures(f"{args.tablets} tablets at once: tap → next", together))
    print(f"ratio of medians: {statistics.median(together) / statistics.median(alone):.2f}")
    print(f"Skicka in with {args.tablets} at once: median {statistics.median(sends) * 1000:.0f} ms, "
          f"max {max(sends) * 1000:.0f} ms (alone {alone_sends[0] * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
