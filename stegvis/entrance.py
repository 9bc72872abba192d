"""Where every page starts: one per browser session, holding that session's database
connection out of the pages' reach. Staff log in and get an `Access` for their role;
a participant's code opens a `ParticipantVisit`. Pages call these and never the database
(an import-linter contract and tests/test_layers.py hold them to it)."""

from __future__ import annotations

import threading
from pathlib import Path

from foundation.settings import setting
from stegvis import audit
from stegvis.access import Access, prepare_board
from stegvis import accounts
from stegvis.accounts import User, authenticate, still_active
from stegvis.database import open_db
from stegvis.visits import RESUMES, ParticipantVisit, open_by_code
from surveys.definitions import Catalog
from surveys.store import definitions_version, load_catalog


class CatalogCache:
    """The published definitions, read once per database and app process and shared by every
    browser session (the board's cached reports are kept per catalog), until a definition is
    published: keyed by the definitions table's version, so `stegvis definitions add` in another
    process is seen at the next click, without restarting the app."""

    def __init__(self):
        self.lock = threading.Lock()
        self.catalogs: dict[str, tuple[tuple, Catalog]] = {}

    def catalog_for(self, db) -> tuple[tuple, Catalog]:
        name = db.execute("PRAGMA database_list").fetchone()[2]
        version = definitions_version(db)
        with self.lock:
            found = self.catalogs.get(name)
        if found is not None and found[0] == version:
            return found
        found = (version, load_catalog(db))
        with self.lock:
            self.catalogs[name] = found
        return found

    def clear(self) -> None:
        with self.lock:
            self.catalogs.clear()


catalogs = CatalogCache()  # one per app process


class Entrance:
    def __init__(self, path: str | Path | None, catalog: Catalog | None = None):
        """`catalog`: the definitions to use until one is published (default: those published)."""
        self.path = path
        # Reopening per rerun costs far more under load than it seems (WAL checkpoints on
        # close), so the connection lives as long as the browser session. SQLite is in
        # serialized mode here, so a rerun overlapping the previous one's end is safe.
        self._db = open_db(path)
        if catalog is None:
            self._version, self._catalog = catalogs.catalog_for(self._db)
        else:
            self._version, self._catalog = definitions_version(self._db), catalog

    @property
    def catalog(self) -> Catalog:
        """The published definitions, read again once a definition has been published since."""
        if definitions_version(self._db) != self._version:
            self._version, self._catalog = catalogs.catalog_for(self._db)
        return self._catalog

    def prepare_board(self) -> None:
        """The board's figures computed ahead of the first view (stegvis.access.prepare_board)."""
        prepare_board(self._db, self.catalog)

    # -- staff ------------------------------------------------------------------------------

    def log_in(self, username: str, password: str) -> User:
        """The user, or StegvisError (which never says whether the username exists)."""
        return authenticate(self._db, username, password)

    def session_timeout_seconds(self) -> int:
        return setting(self._db, "session_timeout_minutes") * 60

    def still_valid(self, user: User, idle_seconds: float) -> bool:
        """False, and logged, once the session has been idle too long or the account has been
        disabled or given another role since logging in: it stops working at once."""
        if idle_seconds > self.session_timeout_seconds():
            audit.log(self._db, user, "session_expired")
            return False
        if not still_active(self._db, user):
            audit.log(self._db, user, "session_ended_account_changed")
            return False
        return True

    def logged_out(self, user: User, session_id: int | None = None) -> None:
        """Log out; with a session, in every tab and browser window that shares it."""
        if session_id is not None:
            accounts.end_session(self._db, session_id)
        audit.log(self._db, user, "logout")

    def start_session(self, user: User, method: str = "password") -> tuple[int, str]:
        """A session for a user who has just logged in, kept across reloads: its id and the
        one-time handoff the browser exchanges for its cookie (stegvis/staff_web.py)."""
        return accounts.start_session(self._db, user, method)

    def session_of_cookie(self, token: str | None) -> int | None:
        """The session a browser's cookie names, or None."""
        return accounts.session_for_token(self._db, token or "")

    def session_user(self, session_id: int) -> tuple[User | None, str]:
        """The session's user and "ok", or why it ended ("ended", "expired", "account_changed"):
        the first tab to notice an expiry or a changed account writes it to the audit log."""
        user, state = accounts.session_state(self._db, session_id, self.session_timeout_seconds())
        if state == "expired":
            audit.log(self._db, user, "session_expired")
        elif state == "account_changed":
            audit.log(self._db, user, "session_ended_account_changed")
        return (user if state == "ok" else None), state

    def sso_user(self, claims: dict) -> User | None:
        """The Stegvis user the identity provider's claims are mapped to (logged as a login), or
        None (logged as a refused one: the administrator has not mapped this person)."""
        user = accounts.user_for_identity(self._db, claims)
        if user is None:
            audit.log(self._db, None, "login_sso_unmapped", detail=str(claims.get("sub", ""))[:80])
        else:
            audit.log(self._db, user, "login", detail="sso")
        return user

    def access(self, user: User | None) -> Access:
        """The data-access layer for this user (None: refused everything)."""
        return Access(self._db, user, self.catalog)

    # -- participants -----------------------------------------------------------------------

    def open_code(self, code: str, address: str | None) -> ParticipantVisit:
        """The visit a participant's code opens (see stegvis.visits.open_by_code)."""
        return open_by_code(self._db, self.catalog, code, address)

    def visit(self, visit_id: str) -> ParticipantVisit:
        """The visit this browser session opened with a code earlier."""
        return ParticipantVisit(self._db, self.catalog, visit_id)

    # A reload or a sleeping tablet starts a new browser session: a resume token brings it back to
    # its visit without the code (stegvis.visits.ResumeTokens; the threats in docs/reliability.md).

    def _idle_seconds(self) -> int:
        return setting(self._db, "tablet_idle_minutes") * 60

    def resume_token(self, visit: ParticipantVisit) -> str:
        """A new token for a visit just opened by its code (the visit's older tokens stop working)."""
        return RESUMES.issue(str(self.path), visit.visit_id)

    def resume(self, token: str | None, position: int | None = None) -> tuple[ParticipantVisit, int | None] | None:
        """The visit a live token opens and the question last shown, counted as a tap (and the
        new position remembered); None when the token is unknown, idle too long or forgotten."""
        found = RESUMES.use(str(self.path), token, self._idle_seconds(), position)
        return None if found is None else (self.visit(found.visit_id), found.position)

    def resume_alive(self, token: str | None) -> bool:
        return RESUMES.alive(str(self.path), token, self._idle_seconds())

    def forget_resume(self, token: str | None) -> None:
        """"Klar", or a pause: this tablet no longer leads back to the visit."""
        RESUMES.forget(token)


def prepare_in_background(path: str | Path | None) -> threading.Thread:
    """At the app's start, the board's figures are computed in a thread of their own, so that the
    first board view finds them ready (at 10,000 participants about 1.5 s of reading and
    protecting); a failure only means the first view computes them itself, and is logged."""
    import logging

    def prepare() -> None:
        try:
            entrance = Entrance(path)
            try:
                entrance.prepare_board()
            finally:
                entrance._db.close()
        except Exception:  # noqa: BLE001 - a warm-up must never take the server down
            logging.getLogger("stegvis").exception("Could not prepare the board's figures at start")

    thread = threading.Thread(target=prepare, name="stegvis-prepare-board", daemon=True)
    thread.start()
    return thread
