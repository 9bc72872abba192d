"""The server around the app (stegvis/web.py) in a real `stegvis serve`: every response forbids
framing and foreign images, only the administrator's import page may upload, files are small,
and stored Markdown never makes a browser fetch anything."""

import http.server
import threading
import tomllib
import urllib.request

import pytest

from stegvis.accounts import create_user
from stegvis.web import Guard, allow_uploads, forbid_uploads
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent
from browser import ROOT, Server, fill_login, launch, needs_chromium, settle


def test_uploads_are_limited_to_what_imports_need():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] <= 10  # megabytes; Streamlit's default is 200


async def _call(app, method, path):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "method": method, "path": path, "headers": []}, receive, send)
    return sent


def test_guard_refuses_uploads_from_sessions_not_allowed_and_adds_headers():
    import asyncio

    reached = []

    async def inner(scope, receive, send):
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"ALLOW")]})
        await send({"type": "http.response.body", "body": b""})

    guard = Guard(inner)
    refused = asyncio.run(_call(guard, "PUT", "/_stcore/upload_file/anonymous-session/f1"))
    assert refused[0]["status"] == 403 and reached == []
    allow_uploads("admin-session")
    try:
        passed = asyncio.run(_call(guard, "PUT", "/_stcore/upload_file/admin-session/f1"))
    finally:
        forbid_uploads("admin-session")
    assert reached == ["/_stcore/upload_file/admin-session/f1"]
    headers = dict(passed[0]["headers"])
    assert headers[b"x-frame-options"] == b"DENY"  # replaces whatever the app said
    assert b"frame-ancestors 'none'" in headers[b"content-security-policy"]


class _Beacon(http.server.BaseHTTPRequestHandler):
    """Records every request: a browser that renders stored Markdown or HTML fetches from here."""

    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        _Beacon.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def beacon():
    listening = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Beacon)
    threading.Thread(target=listening.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{listening.server_address[1]}"
    listening.shutdown()


def _hostile(beacon: str, where: str) -> str:
    return f"![x]({beacon}/{where}-markdown) <img src=\"{beacon}/{where}-html\">"


@pytest.fixture(scope="module")
def server(tmp_path_factory, beacon):
    path = tmp_path_factory.mktemp("web") / "stegvis.db"
    db = open_db(path)
    publish_definitions(db)
    create_user(db, "admin", "ett långt lösenord", "admin")
    coach = create_user(db, "anna", "ett långt lösenord", "coach", coach_of=["porten"])
    # a code stored before imports were checked (the case), in Anna's caseload
    db["participants"].insert({"id": 1, "code": _hostile(beacon, "code"), "gender": "man", "coach_id": coach.id,
                               "created_at": "x"})
    db["enrolments"].insert({"participant_id": 1, "programme_id": "porten", "started_on": "2026-01-01"})
    record_consent(db, 1, "porten", "2026-01-01", "1", "s")
    db.close()
    running = Server(path).start()
    yield running
    running.kill()


@needs_chromium
def test_every_response_forbids_framing(server):
    for route in ("/", "/_stcore/health", "/login"):
        with urllib.request.urlopen(server.url + route, timeout=10) as response:
            assert response.headers["X-Frame-Options"] == "DENY", route
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], route
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def _session_and_token(page, url):
    """Open the participants' front page as anyone would; the session id Streamlit gave this
    browser (from its first websocket message) and the XSRF token from its cookie."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    found = []

    def frames(socket):
        def received(payload):
            message = ForwardMsg()
            if isinstance(payload, bytes):
                message.ParseFromString(payload)
                if message.WhichOneof("type") == "new_session":
                    found.append(message.new_session.initialize.session_id)
        socket.on("framereceived", received)

    page.on("websocket", frames)
    page.goto(url)
    page.get_by_label("Kod").wait_for()
    settle(page)
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "_streamlit_xsrf")
    return found[0], cookie


@needs_chromium
def test_a_participants_session_cannot_upload(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        session, token = _session_and_token(page, server.url)
        response = page.request.put(f"{server.url}/_stcore/upload_file/{session}/probe", headers={"X-Xsrftoken": token},
                                    multipart={"file": {"name": "x.csv", "mimeType": "text/csv",
                                                        "buffer": b"x" * (4 * 1024 * 1024)}})
        status, text = response.status, response.text()
        browser.close()
    assert status == 403 and "administratörens importsida" in text


@needs_chromium
def test_the_administrator_imports_through_the_page(server, tmp_path):
    from playwright.sync_api import sync_playwright

    sheet = tmp_path / "deltagare.csv"
    sheet.write_text("code,gender,birth_year,programme,started_on\nWEB-1,man,1990,porten,2026-01-01\n")
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        fill_login(page, server.url, "admin", "ett långt lösenord")
        page.get_by_role("button", name="Logga in").click()
        page.get_by_role("tab", name="Import").click()
        # the Licenser tab has an uploader of its own (text packs): the import's takes CSV
        page.locator("input[type=file][accept*='.csv']").set_input_files(str(sheet))
        page.get_by_role("button", name="Importera").click()
        page.get_by_text("1 tillagda, 0 fanns redan.").wait_for(timeout=20_000)
        browser.close()


@needs_chromium
def test_stored_markdown_makes_no_browser_fetch(server, beacon):
    """The coach's page of a participant whose code is a Markdown image, and the admin's search
    for a code that is one: the browser requests nothing from the beacon."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        fill_login(page, server.url, "anna", "ett långt lösenord")
        page.get_by_role("button", name="Logga in").click()
        page.get_by_role("link", name="Deltagare", exact=True).click()
        settle(page)
        if not page.get_by_role("tab", name="Starta enkät").count():  # the page may wait for a choice
            page.locator('[data-testid="stSelectbox"]').first.click()  # the participant picker
            page.get_by_role("option").first.click(timeout=60_000)
        page.get_by_role("tab", name="Starta enkät").wait_for(timeout=20_000)
        settle(page)
        admin = browser.new_page()
        fill_login(admin, server.url, "admin", "ett långt lösenord")
        admin.get_by_role("button", name="Logga in").click()
        admin.get_by_role("tab", name="Deltagares data").click()
        admin.locator('input[aria-label="Deltagarens kod"]:visible').fill(_hostile(beacon, "search"))
        admin.locator('input[aria-label="Deltagarens kod"]:visible').press("Enter")
        admin.get_by_text("ingen deltagare med koden", exact=False).wait_for(timeout=20_000)
        settle(admin)
        browser.close()
    assert _Beacon.hits == []
