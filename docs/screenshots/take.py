"""Take the README's screenshots from a real `stegvis serve` on fresh demo data, at tablet
size (810 × 1080). Run: .venv/bin/python docs/screenshots/take.py, or name the parts to take
again: .venv/bin/python docs/screenshots/take.py admin rounds"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from browser import Server, enter_code, fill_login, launch, settle  # noqa: E402

OUT = Path(__file__).parent
SIZE = {"width": 810, "height": 1080}


def shoot(page, name: str) -> None:
    settle(page)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print("wrote", OUT / f"{name}.png")


def answer(page, label: str, n: int, of: int) -> None:
    """Tap a step on question n and wait for the next screen."""
    page.get_by_role("button", name=label, exact=True).first.click()
    following = page.get_by_text(f"Fråga {n + 1} av {of}", exact=True) if n < of else \
        page.get_by_role("button", name="Skicka in").or_(page.get_by_role("button", name="Fortsätt"))
    following.wait_for()
    settle(page)


def participant(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Kod").wait_for()
    shoot(page, "participant-start")
    enter_code(page, url, "VAGEN3")
    page.get_by_text("Fråga 1 av 22", exact=True).wait_for()
    settle(page)
    for n, value in enumerate(("4", "8", "5"), start=1):
        answer(page, value, n, 22)
    shoot(page, "participant-question")
    for n in range(4, 15):
        answer(page, "7" if n % 2 == 0 else "5", n, 14 if n == 14 else 22)
    page.get_by_role("button", name="Fortsätt").click()  # the pause between the two parts
    page.get_by_text("Fråga 15 av 22", exact=True).wait_for()
    settle(page)
    for n in range(15, 22):
        answer(page, "4 · Stämmer ganska bra", n, 22)
    page.get_by_role("button", name="Nästa").click()  # the free-text question, left empty
    page.get_by_role("button", name="Skicka in").wait_for()
    page.get_by_role("button", name="Skicka in").click()
    page.get_by_role("button", name="Visa hur det har gått för mig").click()
    page.get_by_text("Så har det gått för dig").first.wait_for()
    page.wait_for_timeout(1500)  # let Plotly draw
    shoot(page, "participant-thanks")


def login(page, url: str, username: str, password: str) -> None:
    fill_login(page, url, username, password)
    page.get_by_role("button", name="Logga in").click()


def coach(page, url: str, db_path: Path) -> None:
    from stegvis.database import open_db

    login(page, url, "cecilia", "stegvis-coach")
    page.get_by_text("Att göra").first.wait_for()
    settle(page)
    shoot(page, "coach-caseload")
    # one of Cecilia's participants with KASAM at several occasions
    code = open_db(db_path).execute(
        "SELECT p.code FROM participants p JOIN survey_sessions s ON s.participant_id = p.id "
        "JOIN users u ON u.id = p.coach_id AND u.username = 'cecilia' "
        "WHERE s.instrument_id = 'kasam29' AND s.status = 'completed' GROUP BY p.id "
        "ORDER BY count(*) DESC, p.code LIMIT 1").fetchone()[0]
    page.goto(f"{url}/deltagare?kod={code}")  # each participant has an address of their own
    page.get_by_text(f"{code} ·").wait_for()
    settle(page)
    page.get_by_role("tab", name="KASAM-29 (känsla av sammanhang)").click()
    page.wait_for_timeout(1500)  # let Plotly draw
    shoot(page, "coach-participant")


def board(page, url: str, db_path: Path) -> None:
    import subprocess

    login(page, url, "styrelse", "stegvis-board")
    page.get_by_text("Styrelsens översikt").wait_for()
    page.get_by_text("Avslutsorsaker", exact=True).wait_for(timeout=90_000)  # the default: the last completed year
    settle(page)
    page.wait_for_timeout(1500)
    shoot(page, "board-dashboard")
    page.get_by_text("Hela tiden", exact=True).click()  # the whole time: the most figures shown
    page.get_by_text("Avslutsorsaker", exact=True).wait_for(timeout=90_000)
    settle(page)
    for width, height in ((1366, 768), (810, 1080)):  # a laptop, and a tablet held upright
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / f"board-dashboard-{width}.png"))
        print("wrote", OUT / f"board-dashboard-{width}.png")
    from stegvis import reports
    from stegvis.access import Access
    from stegvis.accounts import get_user
    from stegvis.database import open_db
    from surveys.store import load_catalog

    db = open_db(db_path)
    board = Access(db, get_user(db, "styrelse"), load_catalog(db))
    report = board.board_report(None, "hela")
    pdf = OUT / "board-report.pdf"
    pdf.write_bytes(reports.pdf(report))
    for number in (1, 2, 3):  # one file per page, named as the README shows them
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(number), "-l", str(number), "-singlefile", str(pdf),
                        str(OUT / f"board-report-p-{number}")], check=True)
    pdf.unlink()
    print("wrote", OUT / "board-report-p-*.png")


def rounds(page, url: str, db_path: Path) -> None:
    """The administrator's survey rounds at 1024 × 768, and a page of slips."""
    import subprocess

    login(page, url, "admin", "stegvis-admin")
    page.get_by_role("link", name="Enkätomgångar").click()
    page.get_by_role("heading", name="Enkätomgångar").wait_for()
    settle(page)
    shoot(page, "admin-rounds")
    with page.expect_download() as download:
        page.get_by_role("button", name="Lappar att dela ut (PDF)").click()
    pdf = OUT / "slips.pdf"
    pdf.write_bytes(Path(download.value.path()).read_bytes())
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(OUT / "round-slips")],
                   check=True)
    pdf.unlink()
    print("wrote", OUT / "round-slips.png")


ADMIN_TABS = {"admin-users": "Användare", "admin-log": "Granskningslogg", "admin-people": "Deltagares data",
              "admin-licences": "Licenser"}


def admin(page, url: str, db_path: Path, out: Path = OUT, suffix: str = "") -> None:
    """The administrator's page at 1024 × 1300: users, the audit log, one person's data, licences."""
    from stegvis.database import open_db

    code = open_db(db_path).execute("SELECT p.code FROM participants p JOIN survey_sessions s ON "
                                    "s.participant_id = p.id WHERE s.status = 'completed' ORDER BY p.id "
                                    "LIMIT 1").fetchone()[0]
    login(page, url, "admin", "stegvis-admin")
    page.get_by_role("tab", name="Användare").wait_for(timeout=60_000)
    for name, tab in ADMIN_TABS.items():
        page.get_by_role("tab", name=tab).click()
        settle(page)
        if tab == "Användare":
            page.get_by_role("combobox", name="Användare").click()
            page.get_by_role("option", name="anna (Anna Lind)").click()
        if tab == "Deltagares data":
            page.locator('input[aria-label="Deltagarens kod"]:visible').fill(code)
            page.locator('input[aria-label="Deltagarens kod"]:visible').press("Enter")
            page.get_by_role("button", name="Registerutdrag (PDF)").wait_for(timeout=30_000)
        settle(page)
        page.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=True)
        print("wrote", out / f"{name}{suffix}.png")


PARTS = ("participant", "coach", "board", "rounds", "admin")


def main() -> None:
    from stegvis.demo import run_demo
    from stegvis.database import open_db
    from surveys.store import load_catalog

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.db"
        db = open_db(path)
        run_demo(db, load_catalog(db))
        db.close()
        server = Server(path).start()
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                parts = sys.argv[1:] or PARTS
                if "participant" in parts:
                    participant(browser.new_page(viewport=SIZE), server.url)
                if "coach" in parts:
                    coach(browser.new_page(viewport=SIZE), server.url, path)
                if "board" in parts:
                    board(browser.new_page(viewport={"width": 1024, "height": 900}), server.url, path)
                if "rounds" in parts:
                    rounds(browser.new_page(viewport={"width": 1024, "height": 768}), server.url, path)
                if "admin" in parts:
                    admin(browser.new_page(viewport={"width": 1024, "height": 1300}), server.url, path)
                browser.close()
        finally:
            server.kill()


if __name__ == "__main__":
    main()
