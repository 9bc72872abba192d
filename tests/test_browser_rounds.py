"""A whole survey round in the real app at 1024×768: the administrator makes a round on the
Enkätomgångar page, a staff member types a code from a slip on the front page, answers,
sends in, and the same code is refused afterwards; the round then counts one answer."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from browser import Server, axe_problems, enter_code, fill_login, launch, needs_chromium, settle
from stegvis.accounts import create_user
from stegvis.database import open_db
from surveys.rounds import create_round, get_round, unused_codes
from surveys.store import publish_definitions

pytestmark = [pytest.mark.browser, needs_chromium]
SIZE = {"width": 1024, "height": 768}
SHOTS = Path("/tmp/stegvis-shots")  # look at the page: create it to get a screenshot


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from surveys.definitions import shipped_catalog

    path = tmp_path_factory.mktemp("rounds") / "stegvis.db"
    db = open_db(path)
    publish_definitions(db)
    create_user(db, "admin", "ett långt lösenord", "admin")
    round_, codes = create_round(db, shipped_catalog(), group="insatspersonal", instruments=["insatspersonal"],
                                 invited=5, closes_on=(date.today() + timedelta(days=10)).isoformat(),
                                 programme_id="jobbvagen_ar")
    server = Server(path).start()
    yield server, db, round_, codes
    server.kill()
    db.close()


@pytest.fixture
def page(world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser.new_page(viewport=SIZE)
        browser.close()


def test_a_code_from_a_slip_answers_once(world, page):
    server, db, round_, codes = world
    code = codes[0]
    enter_code(page, server.url, code)
    page.get_by_text("Fråga 1 av 6", exact=True).wait_for()
    for n in range(1, 6):
        settle(page)
        page.get_by_role("button", name="4", exact=True).first.click()
        page.get_by_text(f"Fråga {n + 1} av 6", exact=True).wait_for()
    settle(page)
    page.get_by_role("textbox").fill("Bra samarbete med Försäkringskassan.")
    page.get_by_role("button", name="Nästa", exact=True).click()
    page.get_by_role("button", name="Skicka in").wait_for()
    settle(page)
    page.get_by_role("button", name="Skicka in").click()
    page.get_by_text("Tack").first.wait_for()
    settle(page)
    assert get_round(db, round_.id).answered == 1
    assert code not in [c for _, c in unused_codes(db, round_.id)]
    stored = db.execute("SELECT participant_id, code_hash FROM survey_sessions WHERE round_id = ?",
                        [round_.id]).fetchall()
    assert stored == [(None, None)], "the answers keep no link to the code or a person"
    enter_code(page, server.url, code)  # the same code again, from another tablet
    page.get_by_text("Koden fungerar inte", exact=False).wait_for()


def test_the_administrators_rounds_page(world, page):
    server, db, round_, _ = world
    fill_login(page, server.url, "admin", "ett långt lösenord")
    page.get_by_role("button", name="Logga in").click()
    page.get_by_text("Administration").first.wait_for()
    page.get_by_role("link", name="Enkätomgångar").click()  # a new address would be a new session
    page.get_by_role("heading", name="Enkätomgångar").wait_for()
    settle(page)
    page.screenshot(path=str(SHOTS / "rounds-1024.png"), full_page=True) if SHOTS.exists() else None
    # the round's answered of invited, in the overview and the round's own figures (waited for:
    # the page draws its to-do first, and a busy machine may not have drawn the rest yet)
    page.get_by_text(re.compile(r"\b\d+ av 5\b")).first.wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Lappar att dela ut (PDF)").click()
    slips = Path(download.value.path()).read_bytes()
    assert slips[:4] == b"%PDF" and download.value.suggested_filename == f"svarskoder-{round_.id}.pdf"
    assert not axe_problems(page)
