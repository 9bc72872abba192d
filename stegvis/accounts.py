"""Staff accounts: users with roles, passwords hashed with argon2 and never stored or logged."""

from __future__ import annotations

import re
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
