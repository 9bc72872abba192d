"""The participant's survey through the real app (`stegvis serve`) in Debian's chromium:
a whole KASAM-29 and self-rating visit with a skip, going back and changing, a reload and
a server restart mid-way, one summary and one "Skicka in"; wrong, expired and used codes;
then the stored answers."""

from datetime import datetime, timedelta, timezone

import pytest

from browser import Server, axe_problems, enter_code, launch, needs_chromium, settle
from surveys.definitions import load_file
from surveys.sessions import open_visit
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent
from surveys.textpacks import install_textpack, record_permission

pytestmark = [pytest.mark.browser, needs_chromium]
FIXTURE_PACK = "fixtures/textpacks/kasam29_test.sv.yaml"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from pathlib import Path

    from surveys.definitions import shipped_catalog

    path = tmp_path_factory.mktemp("browser") / "stegvis.db"
    db = open_db(path)
    publish_definitions(db)
    catalog = shipped_catalog()
    kasam = catalog.instrument("kasam29")
    record_permission(db, kasam, "TEST-LICENS-1")
    install_textpack(db, load_file(Path(__file__).parent / FIXTURE_PACK), kasam)
    for n in (1, 2):
        db["participants"].insert({"id": n, "code": f"PO-T{n}", "gender": "kvinna", "created_at": "2026-01-01"})
        db["enrolments"].insert({"participant_id": n, "programme_id": "porten", "started_on": "2026-01-01"})
        record_consent(db, n, "porten", "2026-01-01", "t1", "enkäter")
    codes = {}
    codes["full"] = open_visit(db, catalog, programme_id="porten", occasion="exit", participant_id=1)[1]
    codes["rating"] = open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                                 participant_id=2)[1]
    expired_visit, codes["expired"] = open_visit(db, catalog, programme_id="porten", occasion="exit",
                                                 instruments=["sjalvskattning"], participant_id=2, again=True)
    past = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    db.execute("UPDATE survey_sessions SET expires_at = ? WHERE visit = ?", [past, expired_visit.visit])
    db.conn.commit()
    server = Server(path).start()
    yield server, db, codes
    server.kill()
    db.close()


@pytest.fixture
def page(world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser.new_page(viewport={"width": 810, "height": 1080})
        browser.close()


def wait_question(page, n, of):
    page.get_by_text(f"Fråga {n} av {of}", exact=True).wait_for(timeout=20_000)
    settle(page)


def choose(page, label, n, of):
    page.get_by_role("button", name=label, exact=True).click()
    if n < of:
        wait_question(page, n + 1, of)


def test_wrong_code_is_refused_kindly(world, page):
    server, _, _ = world
    enter_code(page, server.url, "ABCDEF")
    page.get_by_text("Koden fungerar inte").wait_for(timeout=20_000)
    assert page.get_by_text("Fråga 1").count() == 0


def test_expired_code_is_refused_the_same_way(world, page):
    server, _, codes = world
    enter_code(page, server.url, codes["expired"])
    page.get_by_text("Koden fungerar inte").wait_for(timeout=20_000)


def test_whole_kasam_and_self_rating_visit(world, page):
    server, db, codes = world
    enter_code(page, server.url, codes["full"].lower())  # any case is accepted
    wait_question(page, 1, 35)  # one progress for the whole visit: 29 + 6 questions
    assert page.get_by_text("Testformulering fråga 1", exact=True).is_visible()
    assert page.get_by_text("Teständpunkt låg 1").is_visible(), "the item's own end labels"
    assert axe_problems(page) == []
    for n in range(1, 11):
        choose(page, str(1 + n % 7), n, 35)
    page.get_by_role("button", name="Hoppa över").click()  # question 11
    wait_question(page, 12, 35)
    for n in range(12, 16):
        choose(page, "4", n, 35)

    page.reload()  # the tablet's browser reloads: back at question 16, without the code
    wait_question(page, 16, 35)
    for n in range(16, 21):
        choose(page, "5", n, 35)

    server.restart()  # the server dies and comes back: nothing is lost, the code resumes
    enter_code(page, server.url, codes["full"])
    wait_question(page, 21, 35)
    for n in range(21, 29):
        choose(page, "6", n, 35)
    page.get_by_role("button", name="6", exact=True).click()  # question 29, the last of KASAM
    page.get_by_text("Del 2 av 2: Självskattning").wait_for(timeout=20_000)  # a short pause between parts
    page.get_by_role("button", name="Fortsätt").click()
    wait_question(page, 30, 35)
    assert page.get_by_text("Porten har utvecklat dig", exact=False).count() == 1, "{insats} is the programme"
    choose(page, "7", 30, 35)
    choose(page, "8", 31, 35)
    page.get_by_role("button", name="Tillbaka").click()  # back to question 31 and change it
    wait_question(page, 31, 35)
    choose(page, "3", 31, 35)
    for n in range(32, 36):
        choose(page, "5", n, 35)
    page.get_by_role("button", name="Skicka in").wait_for(timeout=20_000)
    settle(page)
    assert page.get_by_role("button", name="Skicka in").count() == 1, "one summary and one Skicka in per visit"
    assert page.get_by_role("button", name="Ändra").count() == 35
    page.get_by_role("button", name="Ändra").nth(2).click()  # change question 3
    wait_question(page, 3, 35)
    page.get_by_role("button", name="2", exact=True).click()
    page.get_by_role("button", name="Skicka in").wait_for(timeout=20_000)
    page.get_by_role("button", name="Skicka in").click()
    page.get_by_text("Tack för dina svar!").wait_for(timeout=20_000)
    assert axe_problems(page) == []

    rows = dict(db.execute(
        "SELECT a.item_id || '@' || a.instrument_id, coalesce(a.value_num, a.status) FROM answers a "
        "JOIN survey_sessions s ON s.id = a.session_id WHERE s.participant_id = 1").fetchall())
    kasam = {k.split("@")[0]: v for k, v in rows.items() if k.endswith("@kasam29")}
    assert len(kasam) == 29
    assert kasam["q3"] == 2.0, "the changed answer replaced the first one"
    assert kasam["q11"] == "skipped"
    assert kasam["q16"] == 5.0 and kasam["q21"] == 6.0 and kasam["q29"] == 6.0
    rating = {k.split("@")[0]: v for k, v in rows.items() if k.endswith("@sjalvskattning")}
    assert rating == {"utveckling": 7.0, "sjalvkansla": 3.0, "initiativ": 5.0, "kommunikation": 5.0,
                      "studier": 5.0, "arbetsmarknad": 5.0}
    statuses = db.execute("SELECT status, code_hash FROM survey_sessions WHERE participant_id = 1").fetchall()
    assert statuses == [("completed", None), ("completed", None)]

    enter_code(page, server.url, codes["full"])  # a completed code no longer works
    page.get_by_text("Koden fungerar inte").wait_for(timeout=20_000)


def test_self_rating_at_laptop_size_and_own_progress(world):
    from playwright.sync_api import sync_playwright

    server, db, codes = world
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        enter_code(page, server.url, codes["rating"])
        wait_question(page, 1, 6)
        for n in range(1, 7):
            choose(page, str(n + 3), n, 6)
        page.get_by_role("button", name="Skicka in").click()
        page.get_by_role("button", name="Visa hur det har gått för mig").click()
        page.get_by_text("Självskattning", exact=True).wait_for(timeout=20_000)
        page.get_by_text("Nu: 9 av 10").wait_for(timeout=20_000)  # each rating in words, the latest
        assert page.get_by_text("KASAM", exact=False).count() == 0, "nothing but the participant's own ratings"
        browser.close()
    values = [r[0] for r in db.execute(
        "SELECT a.value_num FROM answers a JOIN survey_sessions s ON s.id = a.session_id "
        "WHERE s.participant_id = 2 AND s.status = 'completed' ORDER BY a.id")]
    assert values == [4.0, 5.0, 6.0, 7.0, 8.0, 9.0]


def test_start_page_is_accessible(world, page):
    server, _, _ = world
    page.goto(server.url)
    page.get_by_label("Kod").wait_for(timeout=20_000)
    assert axe_problems(page) == []
    page.keyboard.press("Tab")  # reachable by keyboard


def test_sigkill_with_several_visits_mid_way_loses_nothing(world):
    """Three tablets part-way through; the server is SIGKILLed and restarted; each code
    resumes at its own first unanswered question, with every earlier answer kept."""
    from playwright.sync_api import sync_playwright

    from surveys.definitions import shipped_catalog

    server, db, _ = world
    catalog = shipped_catalog()
    codes = [open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                        participant_id=2, again=True)[1] for _ in range(3)]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        pages = [browser.new_page(viewport={"width": 810, "height": 1080}) for _ in codes]
        for done, (page, code) in enumerate(zip(pages, codes), start=1):
            enter_code(page, server.url, code)
            wait_question(page, 1, 6)
            for n in range(1, done + 1):
                choose(page, "8", n, 6)
        server.restart()  # SIGKILL, then start again
        for done, (page, code) in enumerate(zip(pages, codes), start=1):
            enter_code(page, server.url, code)
            wait_question(page, done + 1, 6)
        browser.close()
    counts = [db.execute("SELECT count(*) FROM answers a JOIN survey_sessions s ON s.id = a.session_id "
                         "WHERE s.code_hash IS NOT NULL AND s.visit = (SELECT visit FROM survey_sessions "
                         "WHERE id = (SELECT max(id) - ? FROM survey_sessions))", [2 - n]).fetchone()[0]
              for n in range(3)]
    assert counts == [1, 2, 3]
