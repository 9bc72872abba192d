"""Staff pages through the real app (`stegvis serve`) in Debian's chromium. The board: every
section drawn, the Excel workbook made when its button is clicked (not on every rerun) and
holding the page's figures. The login page, the coach's four pages and the board's page: no
serious or critical axe-core violation."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from browser import Server, axe_problems, fill_login, needs_chromium, settle

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_copy):
    path = demo_copy(tmp_path_factory.mktemp("board") / "stegvis.db", today=date.today())
    running = Server(path).start()
    yield running
    running.kill()



def log_in(browser, url: str, username: str, password: str):
    page = browser.new_page(viewport={"width": 1024, "height": 900}, accept_downloads=True)
    fill_login(page, url, username, password)
    page.get_by_role("button", name="Logga in").click()
    return page


@pytest.fixture
def page(server, browser):
    page = log_in(browser, server.url, "styrelse", "stegvis-board")
    page.get_by_text("Deltagare över tid").wait_for(timeout=60_000)
    settle(page)
    return page


def test_every_section_is_drawn(page):
    for heading in ("Styrelsens översikt", "Mål", "Avslutsorsaker", "Kvalitativa mål: indikatorer",
                    "KASAM: förändring från inskrivning till avslut", "Deltagare över tid", "Rapport till mötet"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_workbook_is_made_on_click_with_the_pages_figures(page):
    page.get_by_text("Hela tiden", exact=True).click()  # the board picks a period of the grid, never free dates
    page.get_by_text("Hela tiden (", exact=False).first.wait_for()
    settle(page)
    with page.expect_download(timeout=60_000) as caught:
        page.get_by_role("button", name="Ladda ner Excel").click()
    download = caught.value
    assert download.suggested_filename.startswith("styrelserapport-alla-")
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    assert "Mål" in book.sheetnames and any(name.startswith("Avslutsorsaker") for name in book.sheetnames)
    goals = [row for row in book["Mål"].iter_rows(min_row=2, values_only=True) if any(row)]
    assert goals, "the goal table is not empty"
    shown = page.locator(".board-table").first  # the board's tables are static tables
    assert shown.is_visible()


def test_board_page_is_accessible(page):
    assert axe_problems(page) == []


def test_login_and_coach_pages_are_accessible(server, browser):
    login = browser.new_page(viewport={"width": 1024, "height": 900})
    login.goto(f"{server.url}/login")
    login.get_by_label("Användarnamn").wait_for()
    assert axe_problems(login) == []
    page = log_in(browser, server.url, "cecilia", "stegvis-coach")
    page.get_by_text("Att göra").first.wait_for(timeout=60_000)
    problems = {"Mina deltagare": axe_problems(page)}
    for name in ("Deltagare", "Ny deltagare", "Trender"):
        page.get_by_role("link", name=name, exact=True).click()
        page.get_by_role("heading", level=1).filter(has_text=re.compile(f"^{name}")).first.wait_for()
        problems[name] = axe_problems(page)
    assert problems == {name: [] for name in problems}


@pytest.mark.parametrize("width, height", [(810, 1080), (1024, 768)])
def test_every_board_table_fits_the_page_without_sideways_scrolling(server, browser, width, height):
    """Issue 19: the tables fit the page at 1024 and read well on a tablet held upright; a table
    wider than the page would also be a region a keyboard cannot scroll."""
    page = log_in(browser, server.url, "styrelse", "stegvis-board")
    page.set_viewport_size({"width": width, "height": height})
    page.get_by_text("Deltagare över tid").wait_for(timeout=60_000)
    for period in (None, "Hela tiden"):
        if period:
            page.get_by_text(period, exact=True).click()
            page.get_by_text(f"{period} (", exact=False).first.wait_for()
        settle(page)
        tables = page.locator(".board-table").count()
        wide = page.evaluate("""() => [...document.querySelectorAll(".board-table")]
            .filter(d => d.scrollWidth > d.clientWidth + 1).map(d => [d.scrollWidth, d.clientWidth])""")
        assert tables > 5 and wide == [], f"{width} px, {period or 'the default year'}: {wide}"


def test_every_staff_page_starts_just_under_its_header_in_swedish(server, browser):
    """The title sits just under Streamlit's 60 px header (which holds the coach's pages), not a
    tenth of a tablet's height further down; style-only elements take no room; and Streamlit's
    English field hint ("Press Enter to submit form") is not shown under the password."""
    def title_top(page) -> float:
        heading = page.get_by_role("heading", level=1).first
        heading.wait_for(timeout=60_000)
        settle(page)
        return heading.bounding_box()["y"]

    login = browser.new_page(viewport={"width": 810, "height": 1080})
    fill_login(login, server.url, "cecilia", "stegvis-coach")
    assert "Press" not in login.inner_text("body") and "Enter" not in login.inner_text("body")
    assert title_top(login) < 90
    login.get_by_role("button", name="Logga in").click()
    login.get_by_text("Att göra").first.wait_for(timeout=60_000)
    assert title_top(login) < 90
    assert login.evaluate("document.documentElement.lang") == "sv"  # Streamlit's page says English
    board = log_in(browser, server.url, "styrelse", "stegvis-board")
    board.get_by_text("Deltagare över tid").wait_for(timeout=60_000)
    assert title_top(board) < 90
