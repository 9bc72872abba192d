"""Staff accounts: users with roles, passwords hashed with argon2 and never stored or logged."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from foundation.errors import StegvisError
from foundation.texts import Message
from foundation.db import Schema, now, transaction

SCHEMA = Schema("stegvis.accounts", {1: """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT,
        role TEXT NOT NULL CHECK (role IN ('admin', 'coach', 'board')),
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        last_login_at TEXT
    );
    CREATE TABLE coach_programmes (
        user_id INTEGER NOT NULL REFERENCES users(id),
        programme_id TEXT NOT NULL REFERENCES programmes(id),
        PRIMARY KEY (user_id, programme_id)
    );
""",
    # 12: staff stay logged in across reloads (a session row per login, its token in an HttpOnly
    # cookie, only the token's hash stored), and identities at the förbund's identity provider
    # (OpenID Connect) mapped by the administrator to a Stegvis user. docs/security.md.
    12: """
    CREATE TABLE staff_sessions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        role TEXT NOT NULL,
        method TEXT NOT NULL CHECK (method IN ('password', 'sso')),
        handoff_hash TEXT UNIQUE,
        token_hash TEXT UNIQUE,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        ended_at TEXT,
        end_reason TEXT
    );
    CREATE INDEX staff_sessions_user ON staff_sessions(user_id);
    CREATE TABLE sso_identities (
        id INTEGER PRIMARY KEY,
        claim TEXT NOT NULL CHECK (claim IN ('sub', 'email')),
        value TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        UNIQUE (claim, value)
    );
"""})
ROLES = ("admin", "coach", "board")
MIN_PASSWORD = 10
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    display_name: str | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.username


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_new_user(username: str, password: str, role: str) -> None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,39}", username or ""):
        raise StegvisError(Message("error.user.username", username=repr(username)))
    if role not in ROLES:
        raise StegvisError(Message("error.user.role", role=repr(role), roles=", ".join(ROLES)))
    if len(password or "") < MIN_PASSWORD:
        raise StegvisError(Message("error.user.password", n=MIN_PASSWORD))


def create_user(db, username: str, password: str, role: str, *, display_name: str | None = None,
                coach_of: list[str] = ()) -> User:
    check_new_user(username, password, role)
    if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise StegvisError(Message("error.user.exists", username=username))
    known = {r[0] for r in db.execute("SELECT id FROM programmes")}
    for programme_id in coach_of:
        if programme_id not in known:
            raise StegvisError(Message("error.user.programme", programme=repr(programme_id),
                                       known=", ".join(sorted(known)) or "–"))
    if coach_of and role != "coach":
        raise StegvisError(Message("error.user.coach_of"))
    with transaction(db):
        user_id = db["users"].insert({
            "username": username, "display_name": display_name, "role": role,
            "password_hash": hash_password(password), "created_at": now(),
        }).last_pk
        for programme_id in coach_of:
            db["coach_programmes"].insert({"user_id": user_id, "programme_id": programme_id})
    return User(user_id, username, role, display_name)


def get_user(db, username: str) -> User | None:
    row = db.execute("SELECT id, username, role, display_name FROM users WHERE username = ?", [username]).fetchone()
    return User(*row) if row else None


LOGIN_FAILED = Message("error.login_failed")


def authenticate(db, username: str, password: str, at: datetime | None = None) -> User:
    """The user, or StegvisError. The message never says whether the username exists. After
    `lockout_attempts` failures the account is locked for `lockout_minutes`, and that is logged.

    Each attempt takes its place in the count in one UPDATE ... RETURNING before the password is
    checked, so attempts sent at once cannot all read the same count: at most `lockout_attempts`
    passwords are checked per lock period however many arrive together. The attempt that fills
    the count sets the lock; if its password was right after all, the login clears it again."""
    from stegvis.audit import log
    from foundation.settings import setting

    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)  # compared as stored text
    row = db.execute("SELECT id, username, role, display_name, password_hash, disabled "
                     "FROM users WHERE username = ?", [(username or "").strip().lower()]).fetchone()
    if row is None:
        _hasher_dummy_check(password)  # same work as a real check: timing does not reveal unknown names
        log(db, None, "login_failed", detail="unknown username")
        raise StegvisError(LOGIN_FAILED)
    user_id, name, role, display, password_hash, disabled = row
    slot = _take_attempt(db, user_id, moment, setting(db, "lockout_attempts"), setting(db, "lockout_minutes"))
    if slot is None:
        log(db, User(user_id, name, role), "login_refused_locked")
        raise StegvisError(Message("error.login_locked"))
    try:
        _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        log(db, User(user_id, name, role), "login_failed")
        if slot:
            log(db, User(user_id, name, role), "account_locked", detail=f"until {slot}")
        raise StegvisError(LOGIN_FAILED) from None
    if disabled:
        log(db, User(user_id, name, role), "login_refused_disabled")
        raise StegvisError(LOGIN_FAILED)
    with transaction(db):
        new_hash = hash_password(password) if _hasher.check_needs_rehash(password_hash) else password_hash
        db.execute("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ?, password_hash = ? "
                   "WHERE id = ?", [moment.isoformat(), new_hash, user_id])
    user = User(user_id, name, role, display)
    log(db, user, "login")
    return user


def _take_attempt(db, user_id: int, moment: datetime, attempts: int, minutes: int) -> str | None:
    """Count one attempt atomically. None when the account is locked (nothing may be checked);
    otherwise "" or, for the attempt that fills the count, the time the lock it set ends."""
    lock = (moment + timedelta(minutes=minutes)).isoformat()
    with transaction(db):
        row = db.execute(
            """UPDATE users
                  SET failed_logins = CASE WHEN failed_logins + 1 >= :attempts THEN 0 ELSE failed_logins + 1 END,
                      locked_until = CASE WHEN failed_logins + 1 >= :attempts THEN :lock ELSE NULL END
                WHERE id = :id AND (locked_until IS NULL OR locked_until <= :now)
            RETURNING locked_until""",
            {"attempts": attempts, "lock": lock, "id": user_id, "now": moment.isoformat()}).fetchone()
    if row is None:
        return None
    return row[0] or ""


_DUMMY = None


def _hasher_dummy_check(password: str) -> None:
    global _DUMMY
    _DUMMY = _DUMMY or _hasher.hash("not a real password")
    try:
        _hasher.verify(_DUMMY, password or "x")
    except (VerificationError, InvalidHashError):
        pass


def disable_user(db, username: str) -> None:
    with transaction(db):
        if db.execute("UPDATE users SET disabled = 1 WHERE username = ?", [username]).rowcount == 0:
            raise StegvisError(Message("error.user.unknown", username=repr(username)))


def _user_id(db, username: str) -> int:
    row = db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()
    if row is None:
        raise StegvisError(Message("error.user.unknown", username=repr(username)))
    return row[0]


def enable_user(db, username: str) -> None:
    """Let a disabled account log in again (its password is unchanged)."""
    user_id = _user_id(db, username)
    with transaction(db):
        db.execute("UPDATE users SET disabled = 0 WHERE id = ?", [user_id])


def unlock_user(db, username: str) -> None:
    """End a lock after too many failed logins now, and forget the failures counted so far."""
    user_id = _user_id(db, username)
    with transaction(db):
        db.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", [user_id])


def generate_password() -> str:
    """A password to hand over once: four groups of four letters and digits without look-alikes."""
    import secrets

    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def set_password(db, username: str, password: str) -> None:
    """A new password (checked like a new user's); a lock and the failures counted end with it."""
    user_id = _user_id(db, username)
    if len(password or "") < MIN_PASSWORD:
        raise StegvisError(Message("error.user.password", n=MIN_PASSWORD))
    with transaction(db):
        db.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                   [hash_password(password), user_id])
        # whoever was logged in with the old password is logged out: a reset after a leak ends it
        db.execute("UPDATE staff_sessions SET ended_at = ?, end_reason = 'password_reset', handoff_hash = NULL "
                   "WHERE user_id = ? AND ended_at IS NULL", [now(), user_id])


def set_coach_programmes(db, username: str, programmes: list[str]) -> None:
    """The programmes a coach works in, replacing those before; only coaches work in programmes."""
    user_id = _user_id(db, username)
    role = db.execute("SELECT role FROM users WHERE id = ?", [user_id]).fetchone()[0]
    known = {r[0] for r in db.execute("SELECT id FROM programmes")}
    for programme_id in programmes:
        if programme_id not in known:
            raise StegvisError(Message("error.user.programme", programme=repr(programme_id),
                                       known=", ".join(sorted(known)) or "–"))
    if programmes and role != "coach":
        raise StegvisError(Message("error.user.coach_of"))
    with transaction(db):
        db.execute("DELETE FROM coach_programmes WHERE user_id = ?", [user_id])
        for programme_id in dict.fromkeys(programmes):
            db["coach_programmes"].insert({"user_id": user_id, "programme_id": programme_id})


def list_users(db) -> list[dict]:
    """Every account: username, display name, role, whether disabled, until when locked (UTC, or
    None), the last login (UTC) and the programmes a coach works in (a list of ids)."""
    rows = db.execute(
        """SELECT u.username, u.display_name, u.role, u.disabled, u.locked_until, u.last_login_at,
                  group_concat(c.programme_id, ',') FROM users u
           LEFT JOIN coach_programmes c ON c.user_id = u.id GROUP BY u.id ORDER BY u.username""").fetchall()
    keys = ["username", "display_name", "role", "disabled", "locked_until", "last_login_at", "coach_of"]
    return [dict(zip(keys, (*r[:3], bool(r[3]), *r[4:6], sorted(r[6].split(",")) if r[6] else []))) for r in rows]


def still_active(db, user: User) -> bool:
    """The account exists, is not disabled, and still has the role it logged in with."""
    row = db.execute("SELECT role, disabled FROM users WHERE id = ?", [user.id]).fetchone()
    return row is not None and not row[1] and row[0] == user.role


# -- staff sessions: one row per login, shared by every tab of the browser ----------------------
#
# The browser holds a random token in an HttpOnly cookie; the database holds its SHA-256 only, so a
# copy of the database does not let anyone in. The token is minted by the web route that sets the
# cookie (stegvis/staff_web.py), never by the page: the page gets a one-time handoff, valid for
# HANDOFF_SECONDS, that the route exchanges for the token. A token the server did not mint is
# never accepted (no fixation), and ending the row ends the session in every tab at its next click.

HANDOFF_SECONDS = 60
SSO_CLAIMS = ("sub", "email")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(db, user: User, method: str = "password") -> tuple[int, str]:
    """A new session for a user who has just proved who they are: its id and the one-time
    handoff the browser exchanges for its cookie."""
    handoff = secrets.token_urlsafe(32)
    stamp = now()
    with transaction(db):
        session_id = db["staff_sessions"].insert({
            "user_id": user.id, "role": user.role, "method": method, "handoff_hash": _digest(handoff),
            "created_at": stamp, "last_seen_at": stamp}).last_pk
    return session_id, handoff


def exchange_handoff(db, handoff: str, at: datetime | None = None) -> str | None:
    """The session token for a one-time handoff (None when unknown, used or too old): the
    handoff is spent in the same statement, so it works once."""
    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    oldest = (moment - timedelta(seconds=HANDOFF_SECONDS)).replace(microsecond=0).isoformat()
    token = secrets.token_urlsafe(32)
    with transaction(db):
        row = db.execute("UPDATE staff_sessions SET handoff_hash = NULL, token_hash = ? "
                         "WHERE handoff_hash = ? AND ended_at IS NULL AND token_hash IS NULL AND created_at >= ? "
                         "RETURNING id", [_digest(token), _digest(handoff or ""), oldest]).fetchone()
    return token if row else None


def session_for_token(db, token: str) -> int | None:
    """The session a cookie's token belongs to (ended or not), or None."""
    if not token:
        return None
    row = db.execute("SELECT id FROM staff_sessions WHERE token_hash = ?", [_digest(token)]).fetchone()
    return row[0] if row else None


TOUCH_EVERY = 60  # seconds: how stale a session's last_seen_at may be before a click writes it


def session_state(db, session_id: int, timeout_seconds: int, at: datetime | None = None) -> tuple[User | None, str]:
    """The session's user and "ok", or None and why it no longer works: "ended" (logged out,
    in any tab), "expired" (idle longer than the timeout in every tab) or "account_changed"
    (disabled, or given another role). An ok session is touched: activity in one tab keeps
    every tab alive."""
    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    row = db.execute("SELECT s.user_id, s.last_seen_at, s.ended_at, u.username, u.role, u.display_name, "
                     "u.disabled OR u.role != s.role "
                     "FROM staff_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?", [session_id]).fetchone()
    if row is None or row[2] is not None:
        return None, "ended"
    user_id, last_seen, _, username, role, display, disabled = row
    user = User(user_id, username, role, display)
    if (moment - datetime.fromisoformat(last_seen)).total_seconds() > timeout_seconds:
        end_session(db, session_id, "expired")
        return user, "expired"
    if disabled:
        end_session(db, session_id, "account_changed")
        return user, "account_changed"
    if (moment - datetime.fromisoformat(last_seen)).total_seconds() >= TOUCH_EVERY:
        # a click checks the session more than once (the app, then the page's access): one write
        # a minute is enough for a timeout counted in tens of minutes, and keeps writes off each tap
        with transaction(db):
            db.execute("UPDATE staff_sessions SET last_seen_at = ? WHERE id = ?",
                       [moment.replace(microsecond=0).isoformat(), session_id])
    return user, "ok"


def end_session(db, session_id: int, reason: str = "logout") -> None:
    with transaction(db):
        db.execute("UPDATE staff_sessions SET ended_at = ?, end_reason = ?, handoff_hash = NULL "
                   "WHERE id = ? AND ended_at IS NULL", [now(), reason, session_id])


# -- single sign-on: the identity provider's subject or e-mail, mapped to a Stegvis user ---------


def link_identity(db, username: str, claim: str, value: str) -> None:
    """Let the person the identity provider names by `claim` (its subject, or a verified e-mail
    address) log in as `username`."""
    if claim not in SSO_CLAIMS:
        raise StegvisError(Message("error.sso.claim", claim=repr(claim), claims=", ".join(SSO_CLAIMS)))
    value = (value or "").strip()
    if claim == "email":
        value = value.lower()
    if not value or len(value) > 320:
        raise StegvisError(Message("error.sso.value"))
    user = get_user(db, (username or "").strip().lower())
    if user is None:
        raise StegvisError(Message("error.sso.no_user", username=repr(username)))
    with transaction(db):
        if db.execute("SELECT 1 FROM sso_identities WHERE claim = ? AND value = ?", [claim, value]).fetchone():
            raise StegvisError(Message("error.sso.taken", claim=claim, value=value))
        db["sso_identities"].insert({"claim": claim, "value": value, "user_id": user.id, "created_at": now()})


def unlink_identity(db, claim: str, value: str) -> None:
    value = (value or "").strip()
    with transaction(db):
        if db.execute("DELETE FROM sso_identities WHERE claim = ? AND value IN (?, ?)",
                      [claim, value, value.lower()]).rowcount == 0:
            raise StegvisError(Message("error.sso.not_linked", claim=claim, value=value))


def list_identities(db) -> list[dict]:
    rows = db.execute("SELECT i.claim, i.value, u.username, u.role, i.created_at FROM sso_identities i "
                      "JOIN users u ON u.id = i.user_id ORDER BY u.username, i.claim, i.value").fetchall()
    return [dict(zip(["claim", "value", "username", "role", "created_at"], r)) for r in rows]


def user_for_identity(db, claims: dict) -> User | None:
    """The Stegvis user an identity provider's claims are mapped to: by subject first, else by
    e-mail when the provider says the address is verified. None when not mapped or disabled."""
    found = None
    if claims.get("sub"):
        found = db.execute("SELECT user_id FROM sso_identities WHERE claim = 'sub' AND value = ?",
                           [str(claims["sub"])]).fetchone()
    email = str(claims.get("email") or "").strip().lower()
    if found is None and email and claims.get("email_verified") in (True, "true", 1):
        found = db.execute("SELECT user_id FROM sso_identities WHERE claim = 'email' AND value = ?",
                           [email]).fetchone()
    if found is None:
        return None
    row = db.execute("SELECT id, username, role, display_name FROM users WHERE id = ? AND disabled = 0",
                     [found[0]]).fetchone()
    return User(*row) if row else None
