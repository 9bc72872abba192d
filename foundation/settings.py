"""Organisation settings: typed, with defaults, stored in the database's `settings` table
so the app and the command line agree (`stegvis config`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from foundation.db import Schema, transaction
from foundation.errors import StegvisError

SCHEMA = Schema("foundation.settings", {1: """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
"""})


@dataclass(frozen=True)
class Setting:
    """A whole-number setting between its bounds."""

    key: str
    default: int
    minimum: int
    maximum: int
    help: str


@dataclass(frozen=True)
class TextSetting:
    """A text setting; `pattern` is what a value must match in full ('' is always allowed: unset)."""

    key: str
    default: str
    pattern: str
    help: str


@dataclass(frozen=True)
class PathSetting(TextSetting):
    """A folder. A relative value is taken from the current directory of whoever sets it and
    stored absolute, so the app (started elsewhere) finds the same folder."""


SETTINGS = {
    s.key: s
    for s in [
        Setting("min_cell", 5, 2, 100, "Smallest number of respondents behind a figure the board sees (k)"),
        Setting("protection_interval", 3, 3, 20,
                "How many whole numbers a hidden board figure must stay compatible with, whatever a reader adds up"),
        Setting("report_period_months", 3, 3, 4,
                "The board's shortest period in months: 3 = kvartal (with halvår), 4 = tertial"),
        Setting("session_timeout_minutes", 30, 5, 24 * 60, "Staff are logged out after this much inactivity"),
        Setting("lockout_attempts", 5, 3, 20, "Failed logins before an account is locked"),
        Setting("lockout_minutes", 15, 1, 24 * 60, "How long a locked account stays locked"),
        Setting("code_valid_days", 14, 1, 90, "How long a participant's access code works"),
        Setting("tablet_idle_minutes", 5, 1, 60,
                "A participant's tablet left this long without a tap goes back to the code page"),
        Setting("code_guesses_per_minute", 20, 5, 600,
                "Wrong participant codes per minute, server-wide, before code entry pauses (logged)"),
        Setting("retention_years", 5, 1, 50, "Years after exit before `stegvis purge` erases a participant"),
        # What the coach picks at registration: the consent texts in use, newest first.
        TextSetting("consent_versions", "samtycke-2024-1", r"[\w.-]{1,40}( *, *[\w.-]{1,40}){0,19}",
                    "Consent text versions in use, comma-separated, newest first (chosen at registration)"),
        # Mail for survey rounds' invitations; the password comes from $STEGVIS_SMTP_PASSWORD only.
        TextSetting("smtp_host", "", r"[A-Za-z0-9.-]{1,253}", "Mail server for round invitations (empty: no mail)"),
        Setting("smtp_port", 587, 1, 65535, "Mail server port (587 with STARTTLS, 465 with TLS, 25 plain)"),
        Setting("smtp_starttls", 1, 0, 1, "1: upgrade the connection with STARTTLS before logging in"),
        TextSetting("smtp_user", "", r"[^\s]{1,254}", "User name at the mail server (empty: no login)"),
        TextSetting("smtp_sender", "", r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", "The From address of invitations"),
        # The förbund's own definitions (`stegvis definitions add`); the database holds what is published.
        PathSetting("definitions_dir", "", r"[^\x00-\x1f\x7f]{1,4096}",
                    "Folder of the förbund's own definitions (empty: definitions/ beside the database)"),
    ]
}


def setting(db, key: str) -> int | str:
    spec = SETTINGS[key]
    raw = get_setting(db, key)
    if raw is None:
        return spec.default
    return raw if isinstance(spec, TextSetting) else int(raw)


def update_setting(db, key: str, value: str) -> int | str:
    if key not in SETTINGS:
        raise StegvisError(f"unknown setting {key!r}; known: {', '.join(SETTINGS)}")
    spec = SETTINGS[key]
    if isinstance(spec, TextSetting):
        text = value.strip()
        if text and not re.fullmatch(spec.pattern, text):
            raise StegvisError(f"setting {key}: {value!r} is not valid ({spec.help.lower()})")
        if text and isinstance(spec, PathSetting):
            text = str(Path(text).expanduser().resolve())
        set_setting(db, key, text)
        return text
    try:
        number = int(value)
    except ValueError:
        raise StegvisError(f"setting {key} takes a whole number, not {value!r}") from None
    if not spec.minimum <= number <= spec.maximum:
        raise StegvisError(f"setting {key} must be between {spec.minimum} and {spec.maximum}, not {number}")
    set_setting(db, key, str(number))
    return number


def get_setting(db, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db, key: str, value: str) -> None:
    with transaction(db):
        db["settings"].upsert({"key": key, "value": str(value)}, pk="key")
