"""Where every page starts: one per browser session, holding that session's database
connection out of the pages' reach. Staff log in and get an `Access` for their role;
a participant's code opens a `ParticipantVisit`. Pages call these and never the database
(an import-linter contract and tests/test_layers.py hold them to it)."""

from __future__ import annotations

from pathlib import Path

from foundation.settings import setting
from stegvis import audit
from stegvis.access import Access
from stegvis.accounts import User, authenticate, still_active
from stegvis.database import open_db
from stegvis.visits import ParticipantVisit, open_by_code
from surveys.definitions import Catalog
from surveys.store import load_catalog


def read_catalog(path: str | Path | None) -> Catalog:
    """Every published definition (the app caches it per process)."""
    db = open_db(path)
    try:
        return load_catalog(db)
    finally:
        db.close()


class Entrance:
    def __init__(self, path: str | Path | None, catalog: Catalog):
        self.path, self.catalog = path, catalog
        # Reopening per rerun costs far more under load than it seems (WAL checkpoints on
        # close), so the connection lives as long as the browser session. SQLite is in
        # serialized mode here, so a rerun overlapping the previous one's end is safe.
        self._db = open_db(path)

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

    def logged_out(self, user: User) -> None:
        audit.log(self._db, user, "logout")

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
