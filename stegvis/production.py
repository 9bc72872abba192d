"""Is this database ready to face real participants? `stegvis check` lists what is not, one
line each with how to fix it, and `stegvis serve --production` refuses to start until the list
is empty. Nothing here changes the database or creates a file."""

from __future__ import annotations

import contextlib
import os
import stat
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from foundation.errors import StegvisError
from surveys.code_key import KEY_ENV, key_path
from foundation.db import resolve_path
from stegvis.database import open_db, pending_changes, schema_version

PUBLIC_URL_ENV = "STEGVIS_PUBLIC_URL"


def problems(db_path: str | Path | None, public_url: str | None) -> list[str]:
    """Everything that stops this database from going live, one line per problem."""
    path = resolve_path(db_path)
    found = _public_url_problems(public_url)
    if not path.exists():
        return found + [f"there is no database at {path}; create it with `stegvis init --db {path}`"]
    found += _permission_problems(path)
    try:
        db = open_db(path, migrate=False)
    except StegvisError as exc:
        return found + [str(exc)]
    with contextlib.closing(db):
        if schema_version(db) == 0:
            return found + [f"{path} has not been initialised; run `stegvis init --db {path}`"]
        try:
            pending = pending_changes(db)
        except StegvisError as exc:
            return found + [str(exc)]
        if pending:
            found.append(f"the database needs an upgrade ({'; '.join(pending)}); run `stegvis migrate --db {path}`")
        found += _account_problems(db)
        if not pending:
            found += _code_problems(db, path)
    return found


def _public_url_problems(public_url: str | None) -> list[str]:
    if not public_url:
        return [f"the public address is not set; pass --public-url https://… or set ${PUBLIC_URL_ENV}"]
    parts = urlsplit(public_url)
    if parts.scheme != "https" or not parts.hostname:
        return [f"the public address {public_url!r} is not an https:// address; participants' answers must "
                f"travel encrypted (put the app behind the reverse proxy in docs/deployment.md)"]
    return []


def _permission_problems(path: Path) -> list[str]:
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    if not os.environ.get(KEY_ENV):
        files.append(key_path(path))
    found = []
    for file in files:
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            found.append(f"{file} can be read by other users (mode {mode:04o}); run `chmod 600 {file}`")
    return found


def _account_problems(db) -> list[str]:
    from stegvis.demo import DEMO_USERS

    demo_passwords = {username: password for username, password, *_ in DEMO_USERS}
    hasher, with_demo_password, admins = PasswordHasher(), [], 0
    for username, role, password_hash in db.execute(
            "SELECT username, role, password_hash FROM users WHERE disabled = 0 ORDER BY username"):
        demo = False
        if username in demo_passwords:
            with contextlib.suppress(VerificationError, InvalidHashError):
                demo = hasher.verify(password_hash, demo_passwords[username])
        if demo:
            with_demo_password.append(username)
        elif role == "admin":
            admins += 1
    found = []
    if with_demo_password:
        names = ", ".join(with_demo_password)
        found.append(f"demo accounts still have their demo passwords ({names}); disable them with "
                     f"`stegvis user disable NAME`, or start from a database made with `stegvis init`")
    if not admins:
        found.append("there is no administrator of your own; add one with `stegvis user add NAME --role admin` "
                     "(the password is read from standard input)")
    if db.execute("SELECT 1 FROM settings WHERE key = 'demo_version'").fetchone():
        found.append("the database holds demo participants and answers (`stegvis demo` was run on it); "
                     "start from a database made with `stegvis init`")
    return found


def _code_problems(db, path: Path) -> list[str]:
    from stegvis.demo import DEMO_CODES
    from surveys.sessions import hash_code

    has_codes = db.execute("SELECT 1 FROM survey_sessions WHERE code_hash IS NOT NULL LIMIT 1").fetchone()
    if not os.environ.get(KEY_ENV) and not key_path(path).exists():
        if has_codes:
            return [f"the code key {key_path(path)} is missing, and the database has participant codes made "
                    f"with it; put the key back from its backup, or set ${KEY_ENV}"]
        return []
    if not has_codes:
        return []
    open_now = datetime.now(timezone.utc).isoformat()
    demo = [code for code in DEMO_CODES if db.execute(
        "SELECT 1 FROM survey_sessions WHERE code_hash = ? AND status = 'open' AND expires_at > ?",
        [hash_code(db, code), open_now]).fetchone()]
    if demo:
        return [f"demo participant codes are open ({', '.join(demo)}); anyone who read the README can use "
                f"them: start from a database made with `stegvis init`"]
    return []
