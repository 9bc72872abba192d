"""Staff sessions kept across reloads: a login is a row, its token lives only in an HttpOnly
cookie (the database keeps a hash), minted by the web route from a one-time handoff; ending the
row ends every tab; idle sessions and changed accounts end; a token the server did not mint is
worthless. Single sign-on identities are mapped to users by the administrator."""

from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from foundation.errors import StegvisError
from stegvis import staff_web
from stegvis.accounts import (create_user, disable_user, end_session, exchange_handoff, get_user, link_identity,
                              list_identities, session_for_token, session_state, start_session, unlink_identity,
                              user_for_identity)
from stegvis.database import open_db
from surveys.store import publish_definitions


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "sessions.db"
    database = open_db(path)
    publish_definitions(database)
    create_user(database, "eva", "ett långt lösenord", "coach")
    monkeypatch.setenv("STEGVIS_DB", str(path))
    return database


def test_a_handoff_is_exchanged_once_for_a_token_stored_only_as_a_hash(db):
    session_id, handoff = start_session(db, get_user(db, "eva"))
    token = exchange_handoff(db, handoff)
    assert token and session_for_token(db, token) == session_id
    assert exchange_handoff(db, handoff) is None, "a handoff works once"
    stored = db.execute("SELECT handoff_hash, token_hash FROM staff_sessions").fetchone()
    assert stored[0] is None and token not in stored[1] and len(stored[1]) == 64
    assert session_for_token(db, "a-token-the-server-never-minted") is None  # no fixation


def test_a_handoff_expires(db):
    _, handoff = start_session(db, get_user(db, "eva"))
    assert exchange_handoff(db, handoff, at=datetime.now(timezone.utc) + timedelta(minutes=2)) is None


def test_idle_ended_and_changed_sessions_stop_working(db):
    eva = get_user(db, "eva")
    session_id, _ = start_session(db, eva)
    assert session_state(db, session_id, 1800) == (eva, "ok")
    later = datetime.now(timezone.utc) + timedelta(minutes=31)
    assert session_state(db, session_id, 1800, at=later)[1] == "expired"
    assert session_state(db, session_id, 1800)[1] == "ended", "an expired session stays ended"
    other, _ = start_session(db, eva)
    end_session(db, other)  # logging out in one tab ends it for every tab
    assert session_state(db, other, 1800) == (None, "ended")
    third, _ = start_session(db, eva)
    disable_user(db, "eva")
    assert session_state(db, third, 1800)[1] == "account_changed"


def test_the_web_routes_set_and_remove_an_httponly_cookie(db):
    from starlette.applications import Starlette

    client = TestClient(Starlette(routes=staff_web.routes), base_url="http://stegvis.test")
    session_id, handoff = start_session(db, get_user(db, "eva"))
    response = client.post("/staff/session", json={"handoff": handoff})
    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{staff_web.COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    again = client.post("/staff/session", json={"handoff": handoff})
    assert again.status_code == 403 and "set-cookie" not in again.headers, "a handoff works once"
    token = cookie.split(";")[0].split("=", 1)[1]
    client.cookies.set(staff_web.COOKIE, token)
    out = client.get("/staff/logout", follow_redirects=False)
    assert out.headers["location"] == "/login" and 'stegvis_staff=""' in out.headers["set-cookie"]
    assert session_state(db, session_id, 1800) == (None, "ended")


def test_the_session_route_takes_only_a_json_post_of_a_live_handoff(db):
    """No other site's form or link can spend a handoff: a form post is not JSON, a cross-site JSON
    post needs a CORS permission this server never gives, and a GET is not a route at all."""
    from starlette.applications import Starlette

    client = TestClient(Starlette(routes=staff_web.routes), base_url="http://stegvis.test")
    _, handoff = start_session(db, get_user(db, "eva"))
    assert client.get(f"/staff/session?h={handoff}").status_code == 405
    assert client.post("/staff/session", data={"handoff": handoff}).status_code == 415
    # the body a cross-site "simple" request could send without asking: JSON as text/plain
    assert client.post("/staff/session", content=f'{{"handoff": "{handoff}"}}',
                       headers={"Content-Type": "text/plain"}).status_code == 415
    huge = client.post("/staff/session", content=b'{"handoff": "' + b"x" * 2_000_000 + b'"}',
                       headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    for body in (b"not json", b"[1, 2]", b'{"handoff": 7}', b'{"handoff": "guessed"}', b"{}", b"\xff\xfe"):
        response = client.post("/staff/session", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 403 and "set-cookie" not in response.headers, body
    assert client.post("/staff/session", json={"handoff": handoff}).status_code == 204, "still unspent"


def test_identities_are_mapped_by_subject_or_verified_email(db):
    eva = get_user(db, "eva")
    assert user_for_identity(db, {"sub": "abc"}) is None
    link_identity(db, "eva", "sub", "abc")
    link_identity(db, "eva", "email", "Eva.Berg@Kommun.example.se")
    assert user_for_identity(db, {"sub": "abc"}) == eva
    assert user_for_identity(db, {"sub": "other", "email": "eva.berg@kommun.example.se"}) is None, "unverified"
    assert user_for_identity(db, {"sub": "other", "email": "eva.berg@kommun.example.se",
                                  "email_verified": True}) == eva
    with pytest.raises(StegvisError):
        link_identity(db, "eva", "sub", "abc")  # one identity, one user
    with pytest.raises(StegvisError):
        link_identity(db, "nobody", "sub", "xyz")
    with pytest.raises(StegvisError):
        link_identity(db, "eva", "name", "Eva")
    assert [(r["claim"], r["value"]) for r in list_identities(db)] == [("email", "eva.berg@kommun.example.se"),
                                                                        ("sub", "abc")]
    unlink_identity(db, "sub", "abc")
    assert user_for_identity(db, {"sub": "abc"}) is None
    disable_user(db, "eva")
    assert user_for_identity(db, {"email": "eva.berg@kommun.example.se", "email_verified": True}) is None


def test_a_new_password_logs_out_whoever_used_the_old_one(tmp_path):
    """A password reset after a leak must end the sessions opened with the old password."""
    from stegvis.accounts import create_user, get_user, session_state, set_password, start_session
    from stegvis.database import open_db

    db = open_db(tmp_path / "reset.db")
    create_user(db, "anna", "ett långt lösenord", "board")
    session_id, _ = start_session(db, get_user(db, "anna"))
    assert session_state(db, session_id, 1800)[1] == "ok"
    set_password(db, "anna", "ett nytt långt lösenord")
    assert session_state(db, session_id, 1800) == (None, "ended")
    assert db.execute("SELECT end_reason FROM staff_sessions WHERE id = ?", [session_id]).fetchone()[0] == "password_reset"
