"""Shared fixtures: a fresh database per test, the demo database (built once per session,
copied per test), the shipped catalog, fixture paths."""

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from foundation.db import connect
from stegvis.database import open_db
from surveys.code_key import key_path, read_key_file, write_key_file
from surveys.definitions import shipped_catalog
from surveys.store import publish_definitions

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_TODAY = date(2026, 11, 23)  # the day the demo data is made for, unless a test needs the real today


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "stegvis.db")
    publish_definitions(database)
    yield database
    database.close()


@pytest.fixture
def catalog():
    return shipped_catalog()


@pytest.fixture
def fixtures():
    return FIXTURES


@pytest.fixture(scope="session")
def demo_copy(tmp_path_factory):
    """`demo_copy(target, today=DEMO_TODAY)` puts a copy of the demo database at `target`,
    with a copy of its participant-code key beside it, and returns `target`. Building the
    demo takes seconds; copying it with SQLite's backup API takes milliseconds, so the demo
    is built once per session and day (`stegvis.demo.run_demo`, exactly as `stegvis demo`
    does) and every test gets a copy of its own: no test sees another's changes."""
    from stegvis.demo import run_demo

    built: dict[date, Path] = {}

    def source(today: date) -> Path:
        if today not in built:
            path = tmp_path_factory.mktemp(f"demo-{today.isoformat()}") / "stegvis.db"
            master = open_db(path)
            run_demo(master, shipped_catalog(), today=today)
            master.close()
            built[today] = path
        return built[today]

    def copy(target: Path, today: date = DEMO_TODAY) -> Path:
        origin = source(today)
        target = Path(target)
        # The app's own connect makes the file (0600, WAL), as open_db would for a new database.
        into = connect(target)
        with sqlite3.connect(origin) as reader:
            reader.backup(into.conn)
        reader.close()
        into.close()
        key = read_key_file(key_path(origin))
        if key:  # none when $STEGVIS_CODE_KEY holds it
            write_key_file(key_path(target), key)
        return target

    return copy


@pytest.fixture
def demo_path(tmp_path, demo_copy):
    """A copy of the demo database for this test alone (closed; open it as the test needs)."""
    return demo_copy(tmp_path / "stegvis.db")


@pytest.fixture
def demo_db(demo_path):
    """A copy of the demo database for this test alone, opened with `open_db`."""
    database = open_db(demo_path)
    yield database
    database.close()


@pytest.fixture
def smtp_inbox():
    """A real SMTP server on this machine (aiosmtpd) for the length of a test: `.port`, and
    `.messages` as parsed e-mail messages in the order received."""
    import email.policy
    import socket
    from email import message_from_bytes

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages, self.port = [], None

        def handle_message(self, message):
            self.messages.append(message)

        def prepare_message(self, session, envelope):
            return message_from_bytes(envelope.content, policy=email.policy.default)

    with socket.socket() as probe:  # a free port (the controller cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    inbox.port = port
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def browser():
    """Debian's chromium through Playwright, for one test (tests/browser.py starts the app)."""
    from playwright.sync_api import sync_playwright

    from browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
