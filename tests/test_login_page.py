"""The login page through Streamlit's AppTest: success, wrong password, lockout, expiry."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from stegvis.accounts import create_user
from stegvis.database import open_db
from surveys.store import publish_definitions

APP = str(Path(__file__).parent.parent / "streamlit_app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    path = tmp_path / "login.db"
    db = open_db(path)
    publish_definitions(db)
    create_user(db, "admin", "ett långt lösenord", "admin")
    monkeypatch.setenv("STEGVIS_DB", str(path))
    return db


def test_login_page_logs_in(app):
    db = app
    test = AppTest.from_function(_login_only, default_timeout=30)
    test.run()
    test.text_input(key="login_username").input("admin")
    test.text_input(key="login_password").input("ett långt lösenord")
    test.button[0].click().run()
    assert test.session_state["user"].username == "admin"
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'login'").fetchone()[0] == 1


def test_wrong_password_and_lockout_message(app):
    test = AppTest.from_function(_login_only, default_timeout=30)
    test.run()
    for _ in range(5):
        test.text_input(key="login_username").input("admin")
        test.text_input(key="login_password").input("fel lösenord")
        test.button[0].click().run()
    assert "Fel användarnamn eller lösenord." in [e.value for e in test.error]
    test.text_input(key="login_password").input("ett långt lösenord")
    test.button[0].click().run()
    assert "tillfälligt låst" in test.error[0].value


def logged_in_admin(db) -> AppTest:
    """The whole app with the administrator logged in and their page shown."""
    from stegvis.accounts import get_user

    test = AppTest.from_file(APP, default_timeout=30)
    test.session_state["user"] = get_user(db, "admin")
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    assert test.title[0].value == "Administration"
    return test


def test_session_expires_after_inactivity(app):
    db = app
    test = logged_in_admin(db)
    test.session_state["last_seen"] = time.monotonic() - 31 * 60
    test.run()
    assert "user" not in test.session_state
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'session_expired'").fetchone()[0] == 1


def _login_only():
    from dashboards.auth import login_page

    login_page()


def test_disabling_an_account_ends_its_open_session(app):
    from stegvis.accounts import disable_user

    db = app
    test = logged_in_admin(db)
    disable_user(db, "admin")
    test.run()
    assert "user" not in test.session_state
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'session_ended_account_changed'"
                      ).fetchone()[0] == 1
