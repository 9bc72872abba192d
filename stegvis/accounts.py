"""Staff accounts: users with roles, passwords hashed with argon2 and never stored or logged."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher

from stegvis.errors import StegvisError
from surveys.store import now, transaction

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
        raise StegvisError(
            f"username {username!r}: use 2–40 lower-case letters, digits, '.', '_' or '-'"
        )
    if role not in ROLES:
        raise StegvisError(f"role {role!r}: choose one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise StegvisError(f"the password must have at least {MIN_PASSWORD} characters")


def create_user(db, username: str, password: str, role: str, *, display_name: str | None = None,
                coach_of: list[str] = ()) -> User:
    check_new_user(username, password, role)
    if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise StegvisError(f"user {username} already exists")
    known = {r[0] for r in db.execute("SELECT id FROM programmes")}
    for programme_id in coach_of:
        if programme_id not in known:
            raise StegvisError(f"unknown programme {programme_id!r} (known: {', '.join(sorted(known)) or 'none'})")
    if coach_of and role != "coach":
        raise StegvisError("--coach-of goes with the role coach")
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
