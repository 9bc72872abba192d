"""The coach's day in Debian's chromium against a real `stegvis serve`, at a tablet upright
(810×1080) and a small laptop (1024×768): a reload keeps the coach logged in and logging out ends
every tab; each participant has an address that survives a reload and refuses another coach's
person; a click on a caseload row opens the person; the caseload fits the width; the QR code's
link names the address the browser used; single sign-on through a local OpenID Connect provider
(oidc-provider-mock) logs a mapped person in; axe-core finds nothing, moderate included."""

from datetime import date

import pytest

from browser import Server, fill_login, needs_chromium, settle

pytestmark = [pytest.mark.browser, needs_chromium]
SIZES = [(810, 1080), (1024, 768)]


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_copy):
    path = demo_copy(tmp_path_factory.mktemp("coach") / "stegvis.db", today=date.today())
    running = Server(path).start()
    yield running
    running.kill()



def log_in(context, url, username="bengt", password="stegvis-coach"):
    page = context.new_page()
    fill_login(page, url, username, password)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_text("Klicka på en rad").wait_for(timeout=60_000)
    settle(page)
    wait_for_cookie(context, page)
    return page


def wait_for_cookie(context, page) -> None:
    """The page posts the login's handoff in the background; wait until its answer set the cookie."""
    for _ in range(100):
        if any(c["name"] == "stegvis_staff" for c in context.cookies()):
            return
        page.wait_for_timeout(100)  # polling for a cookie, not timing a behaviour


def test_a_login_is_one_page_load_and_the_first_page_sits_as_after_a_reload(server, browser):
    """The page the login's own run drew is kept (no redirect through the cookie route), and the
    container that carries the handoff's script takes no room above the title."""
    context = browser.new_context(viewport={"width": 810, "height": 1080})
    page = context.new_page()
    fill_login(page, server.url, "bengt", "stegvis-coach")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.get_by_role("button", name="Logga in").click()
    heading = page.get_by_role("heading", name="Mina deltagare")
    heading.wait_for(timeout=60_000)
    settle(page)
    assert loads == [], "no second page load after a login"
    top = heading.bounding_box()["y"]
    wait_for_cookie(context, page)
    page.reload()
    heading.wait_for(timeout=60_000)
    settle(page)
    assert abs(heading.bounding_box()["y"] - top) < 1
    context.close()


def test_a_reload_keeps_the_coach_logged_in_and_logout_ends_every_tab(server, browser):
    context = browser.new_context(viewport={"width": 810, "height": 1080})
    page = log_in(context, server.url)
    cookie = next(c for c in context.cookies() if c["name"] == "stegvis_staff")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("stegvis_staff") == -1, "scripts cannot read the token"
    page.reload()
    page.get_by_role("heading", name="Mina deltagare").wait_for(timeout=60_000)
    other = context.new_page()  # a second tab shares the login
    other.goto(f"{server.url}/trender")
    other.get_by_role("heading", name="Trender").wait_for(timeout=60_000)
    page.get_by_role("link", name="Logga ut").click()
    page.get_by_role("button", name="Logga in").wait_for(timeout=60_000)
    other.reload()
    other.get_by_label("Kod").wait_for(timeout=60_000)  # the front page: logged out here too
    assert not other.get_by_role("heading", name="Trender").count()
    stranger = browser.new_context()  # a token the server never minted gets nothing
    stranger.add_cookies([{"name": "stegvis_staff", "value": "guessed-token", "url": server.url}])
    guess = stranger.new_page()
    guess.goto(f"{server.url}/coach")
    guess.get_by_label("Kod").wait_for(timeout=60_000)


@pytest.mark.parametrize("width,height", SIZES)
def test_the_caseload_fits_and_a_row_opens_the_participant_at_their_own_address(server, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = log_in(context, server.url)
    for grid in page.locator('[data-testid="stDataFrame"]').all():
        scroll, client = grid.evaluate("e => { const s = e.querySelector('.dvn-scroller'); "
                                       "return [s.scrollWidth, s.clientWidth]; }")
        assert scroll <= client, f"a table scrolls sideways at {width}: {scroll} > {client}"
    table = page.locator('[data-testid="stDataFrame"]').nth(1)
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 36 + 18)  # the first row's selection cell
    page.wait_for_url("**/deltagare?kod=*", timeout=30_000)
    code = page.url.split("kod=")[1]
    page.get_by_role("tab", name="Starta enkät").wait_for(timeout=30_000)
    page.reload()
    page.get_by_role("tab", name="Starta enkät").wait_for(timeout=60_000)
    settle(page)
    assert page.url.endswith(f"kod={code}")
    assert page.get_by_text(code).count() >= 1


def test_another_coachs_participant_in_the_address_is_calmly_refused(server, browser):
    context = browser.new_context(viewport={"width": 810, "height": 1080})
    page = log_in(context, server.url, "anna")
    page.goto(f"{server.url}/deltagare?kod=PO-24002")  # cecilia's
    page.get_by_text("Den deltagaren finns inte i din lista").wait_for(timeout=60_000)
    assert not page.get_by_role("tab").count()
    assert not page.locator('[data-testid="stException"]').count()


def test_the_qr_link_names_the_address_the_browser_used(server, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = log_in(context, server.url)
    page.goto(f"{server.url}/deltagare?kod=JV-26048")
    page.get_by_role("button", name="Starta enkät").click()
    page.get_by_text("Koden till").wait_for(timeout=60_000)
    assert page.get_by_text(f"{server.url}/?kod=").count() == 1


@pytest.mark.parametrize("width,height", SIZES)
def test_coach_pages_have_no_axe_violations_moderate_included(server, browser, width, height):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport={"width": width, "height": height})
    page = log_in(context, server.url)
    found = []
    for path in ("/coach", "/deltagare?kod=PO-25027", "/ny", "/trender"):
        page.goto(server.url + path)
        page.locator("h1").first.wait_for(timeout=60_000)
        settle(page)
        results = Axe().run(page)
        found += [f"{path}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                  for v in results.response["violations"] if v.get("impact") in ("moderate", "serious", "critical")]
    assert found == [], "\n".join(found)


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory, demo_copy):
    """The app with [auth] in Streamlit's secrets pointing at a local OpenID Connect provider."""
    from oidc_provider_mock import run_server_in_thread

    from stegvis.accounts import link_identity
    from stegvis.database import open_db

    folder = tmp_path_factory.mktemp("sso")
    path = demo_copy(folder / "stegvis.db", today=date.today())
    db = open_db(path)
    link_identity(db, "cecilia", "sub", "cecilia@region.example.se")
    db.close()
    with run_server_in_thread() as provider:
        running = Server(path)
        secrets = folder / "secrets.toml"
        secrets.write_text(f"""[auth]
redirect_uri = "{running.url}/oauth2callback"
cookie_secret = "a-test-cookie-secret-of-enough-length"
client_id = "stegvis"
client_secret = "stegvis-secret"
server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"
""", encoding="utf-8")
        running.env["STREAMLIT_SECRETS_FILES"] = str(secrets)
        running.start()
        yield running
        running.kill()


def test_single_sign_on_through_a_local_provider(sso_server, browser):
    context = browser.new_context(viewport={"width": 810, "height": 1080})
    page = context.new_page()
    page.goto(f"{sso_server.url}/login")
    page.get_by_role("button", name="Logga in med organisationens konto").click()
    page.locator('input[name="sub"]').fill("cecilia@region.example.se")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("Klicka på en rad").wait_for(timeout=60_000)
    assert page.get_by_role("link", name="Logga ut (Cecilia").count() == 1
    for _ in range(100):  # the handoff to a Stegvis session ends Streamlit's login cookie: wait for it
        if not [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]:
            break
        page.wait_for_timeout(200)
    assert not [c for c in context.cookies() if c["name"].startswith("_streamlit_user")], \
        "Streamlit's login is spent once it is a Stegvis session"
    page.reload()
    page.get_by_text("Klicka på en rad").wait_for(timeout=60_000)
    # someone the administrator has not mapped gets a calm refusal, not a session
    stranger = browser.new_context().new_page()
    stranger.goto(f"{sso_server.url}/login")
    stranger.get_by_role("button", name="Logga in med organisationens konto").click()
    stranger.locator('input[name="sub"]').fill("someone@region.example.se")
    stranger.get_by_role("button", name="Authorize").click()
    stranger.get_by_text("inte kopplat till Stegvis").wait_for(timeout=60_000)
