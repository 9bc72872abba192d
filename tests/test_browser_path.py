"""The coach records the participant's path in the real app at 1024×768: a referral when
registering, an event in two taps, an extension, and a follow-up status after exit."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from browser import Server, fill_login, launch, needs_chromium, settle
from stegvis.access import Access
from stegvis.accounts import create_user, get_user
from stegvis.database import open_db
from surveys.definitions import shipped_catalog
from surveys.store import publish_definitions

pytestmark = [pytest.mark.browser, needs_chromium]
SIZE = {"width": 1024, "height": 768}
SHOTS = Path("/tmp/stegvis-shots")  # create it to look at the pages


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("path") / "stegvis.db"
    db = open_db(path)
    publish_definitions(db)
    create_user(db, "eva", "ett långt lösenord", "coach", coach_of=["efterstod", "jobbvagen_ar"])
    eva = Access(db, get_user(db, "eva"), shipped_catalog())
    started = (date.today() - timedelta(days=400)).isoformat()
    eva.register_participant("JV-NOW", "man", 1992, "jobbvagen_ar", (date.today() - timedelta(days=300)).isoformat(),
                             "v1", "enkäter")
    left = eva.register_participant("EF-LEFT", "kvinna", 1990, "efterstod", started, "v1", "enkäter")
    enrolment = eva.participant(left)["enrolments"][0]["id"]
    eva.record_exit(enrolment, (date.today() - timedelta(days=200)).isoformat(), "behallit_arbete")
    server = Server(path).start()
    yield server, db
    server.kill()
    db.close()


@pytest.fixture
def page(world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=SIZE)
        server, _ = world
        fill_login(page, server.url, "eva", "ett långt lösenord")
        page.get_by_role("button", name="Logga in").click()
        page.get_by_text("Att göra").first.wait_for()
        yield page
        browser.close()


def shot(page, name):
    if SHOTS.exists():
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def choose(page, code):
    page.get_by_role("link", name="Deltagare", exact=True).click()
    page.get_by_role("combobox").first.wait_for()
    settle(page)
    page.locator('[data-testid="stSelectbox"]').first.click()
    page.keyboard.type(code)
    page.get_by_role("option", name=code).click()
    page.get_by_text(f"{code} ·").wait_for()
    settle(page)
    page.get_by_role("tab", name="Händelser", exact=True).click()
    settle(page)


def test_register_with_referral_then_record_an_event_and_an_extension(world, page):
    server, db = world
    page.get_by_role("link", name="Ny deltagare").click()
    page.get_by_label("Kod (inte personnummer eller namn)").wait_for()
    page.get_by_label("Kod (inte personnummer eller namn)").fill("EF-NEW")
    page.get_by_label("Kön").first.click()  # starts empty: an untouched field never becomes data
    page.get_by_role("option", name="Kvinna").click()
    page.get_by_label("Remitterad av").first.click()
    page.get_by_role("option", name="Försäkringskassan").click()
    page.get_by_text("Deltagaren har gett sitt samtycke").click()
    page.get_by_role("button", name="Registrera").click()
    page.get_by_text("EF-NEW är registrerad").wait_for()
    referral = db.execute("SELECT party, decision FROM referrals r JOIN participants p ON p.id = r.participant_id "
                          "WHERE p.code = 'EF-NEW'").fetchone()
    assert referral == ("forsakringskassan", "inskriven")
    choose(page, "JV-NOW")
    shot(page, "coach-path-1024")
    page.get_by_role("button", name="Spara händelsen").click()  # the first event, today: two taps
    page.get_by_role("table").first.wait_for()
    settle(page)
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    page.get_by_label("Skäl (rapporteras till styrgruppen)").fill("Arbetsträning pågår")
    page.get_by_role("button", name="Spara förlängningen").click()
    page.get_by_text("förlängd 3 mån").wait_for()
    assert db.execute("SELECT months, reason FROM extensions").fetchall() == [(3, "Arbetsträning pågår")]


def test_a_follow_up_status_after_exit(world, page):
    _, db = world
    choose(page, "EF-LEFT")
    page.get_by_text("I arbete").first.click()
    page.get_by_role("button", name="Spara status").first.click()
    page.get_by_text("Registrerat ").first.wait_for()  # drawn after the save's rerun, not before it
    settle(page)
    assert db.execute("SELECT occasion, status FROM followups").fetchone() == ("uppfoljning_6m", "arbete")
