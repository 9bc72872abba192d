"""Accounts: argon2 hashes, lockout after repeated failures (logged), disabling."""

from datetime import datetime, timedelta, timezone

import pytest

from stegvis.accounts import authenticate, create_user, disable_user
from foundation.errors import StegvisError

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def user(db):
    return create_user(db, "anna", "ett långt lösenord", "coach")


def test_password_is_hashed_with_argon2(db, user):
    stored = db.execute("SELECT password_hash FROM users WHERE username = 'anna'").fetchone()[0]
    assert stored.startswith("$argon2") and "ett långt lösenord" not in stored
    assert authenticate(db, "anna", "ett långt lösenord", at=T0).username == "anna"


def test_wrong_password_and_unknown_user_say_the_same(db, user):
    with pytest.raises(StegvisError) as wrong:
        authenticate(db, "anna", "fel", at=T0)
    with pytest.raises(StegvisError) as unknown:
        authenticate(db, "nobody", "fel", at=T0)
    assert str(wrong.value) == str(unknown.value)


def test_five_failures_lock_for_fifteen_minutes_and_the_lock_is_logged(db, user):
    for _ in range(5):
        with pytest.raises(StegvisError):
            authenticate(db, "anna", "fel", at=T0)
    with pytest.raises(StegvisError, match="tillfälligt låst"):
        authenticate(db, "anna", "ett långt lösenord", at=T0 + timedelta(minutes=14))
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'account_locked'").fetchone()[0] == 1
    assert authenticate(db, "anna", "ett långt lösenord", at=T0 + timedelta(minutes=16)).username == "anna"


def test_disabled_user_cannot_log_in(db, user):
    disable_user(db, "anna")
    with pytest.raises(StegvisError):
        authenticate(db, "anna", "ett långt lösenord", at=T0)


@pytest.mark.parametrize("username, password, role, message", [
    ("Anna Lind", "ett långt lösenord", "coach", "användarnamnet"),
    ("anna2", "kort", "coach", "minst 10"),
    ("anna3", "ett långt lösenord", "chef", "rollen"),
])
def test_bad_new_users_are_refused(db, username, password, role, message):
    with pytest.raises(StegvisError, match=message):
        create_user(db, username, password, role)


def test_passwords_never_reach_the_audit_log(db, user):
    authenticate(db, "anna", "ett långt lösenord", at=T0)
    with pytest.raises(StegvisError):
        authenticate(db, "anna", "hemligt-fel", at=T0)
    text = " ".join(str(r) for r in db.execute("SELECT * FROM audit_log").fetchall())
    assert "ett långt lösenord" not in text and "hemligt-fel" not in text
