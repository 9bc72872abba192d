"""The admin page through the real app in Debian's chromium: the subject-access export is
logged when the file is downloaded, once, and not while the administrator types the code
and the page reruns; a refused import's whole list of problems downloads."""

import contextlib
import json
from datetime import date

import pytest

from browser import Server, fill_login, launch, needs_chromium, settle
from stegvis.database import open_db

pytestmark = [pytest.mark.browser, needs_chromium]


def test_subject_access_is_logged_on_download_only(tmp_path, demo_copy):
    path = demo_copy(tmp_path / "stegvis.db", today=date.today())
    db = open_db(path)
    code = db.execute("SELECT code FROM participants ORDER BY id LIMIT 1").fetchone()[0]
    exports = lambda: db.execute("SELECT count(*) FROM audit_log WHERE action = 'export_participant'"  # noqa: E731
                                 ).fetchone()[0]
    with admin_logged_in(path) as page:
        page.get_by_role("tab", name="Deltagares data").click(timeout=60_000)
        field = page.locator('input[aria-label="Deltagarens kod"]:visible')  # the open tab's field
        field.fill(code)
        field.press("Enter")
        button = page.get_by_role("button", name="Registerutdrag (JSON)")
        button.wait_for(timeout=30_000)
        page.get_by_label("Skriv koden igen för att bekräfta radering").fill("x")
        page.get_by_label("Skriv koden igen för att bekräfta radering").press("Enter")
        settle(page)
        assert exports() == 0, "typing and reruns hand nothing out"
        data = json.loads(open(_download(page, button), encoding="utf-8").read())
    assert data["code"] == code
    assert exports() == 1


@contextlib.contextmanager
def admin_logged_in(path):
    """The real app on `path`, and a chromium page logged in as the demo's administrator."""
    from playwright.sync_api import sync_playwright

    server = Server(path).start()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 1024, "height": 900}, accept_downloads=True)
            fill_login(page, server.url, "admin", "stegvis-admin")
            page.get_by_role("button", name="Logga in").click()
            yield page
            browser.close()
    finally:
        server.kill()


def _download(page, button) -> str:
    """Click and wait for the file; a click that lands while the page is still redrawing (a busy
    machine) is lost by the browser, so it is tried once more after the page has settled."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for wait in (30_000, 60_000):
        try:
            with page.expect_download(timeout=wait) as caught:
                button.click()
            return caught.value.path()
        except PlaywrightTimeout:
            settle(page)
    raise AssertionError("the download never came")


def test_the_whole_list_of_a_refused_files_problems_downloads(tmp_path, demo_copy):
    """A file wrong in every row: the page lists the first hundred problems and the button gives
    all of them, without a rerun that would take the list away."""
    path = demo_copy(tmp_path / "stegvis.db", today=date.today())
    bad = tmp_path / "alla-fel.csv"
    bad.write_text("code,gender,birth_year,programme,started_on\n" +
                   "".join(f"W-{n},man,nittio,porten,2026-01-01\n" for n in range(250)), encoding="utf-8")
    with admin_logged_in(path) as page:
        page.get_by_role("tab", name="Import").click(timeout=60_000)
        page.locator('input[type="file"][accept*=".csv"]').set_input_files(str(bad))
        page.get_by_text("alla-fel.csv", exact=True).wait_for(timeout=30_000)  # uploaded before the click
        settle(page)
        page.get_by_role("button", name="Importera").click(timeout=30_000)
        button = page.get_by_role("button", name="Ladda ner alla problem (text)")
        button.wait_for(timeout=60_000)
        assert page.get_by_text("rad 101, kolumn birth_year", exact=False).count() == 1
        assert page.get_by_text("rad 102, kolumn birth_year", exact=False).count() == 0
        lines = open(_download(page, button), encoding="utf-8").read().splitlines()
        settle(page)
        assert page.get_by_text("rad 101, kolumn birth_year", exact=False).count() == 1, "the list stays"
    assert lines[0] == "alla-fel.csv: 250 problem; inget importerades:" and len(lines) == 251
    assert lines[-1] == "rad 251, kolumn birth_year: 'nittio' är inget årtal"
