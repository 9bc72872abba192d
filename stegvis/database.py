"""The application's database: every layer's schema in order, and opening a database that
is at the current version. Only this module knows all the layers' tables; each table's
statements live with the module that owns it (docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from foundation import db as base
from foundation import settings
from foundation.db import is_new, resolve_path, schema_version
from foundation.errors import StegvisError
from indicators import national, stored_scores
from stegvis import accounts, audit, privacy
from surveys import store

__all__ = ["SCHEMAS", "LATEST", "open_db", "is_new", "pending_changes", "migrate_db", "resolve_path",
           "schema_version", "version_script"]

# Bottom layer first: within one version, each owner's statements run in this order.
SCHEMAS = [settings.SCHEMA, store.SCHEMA, stored_scores.SCHEMA, national.SCHEMA, accounts.SCHEMA, audit.SCHEMA,
           privacy.SCHEMA]
LATEST = base.latest_version(SCHEMAS)


def version_script(version: int) -> str:
    """Every statement of one schema version, all layers together."""
    return base.version_script(SCHEMAS, version)


def open_db(path: str | Path | None = None, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open the database; a missing or empty one is created at the current schema, readable by
    its owner only. An existing database that needs an upgrade is refused: only `stegvis
    migrate` upgrades, after a backup. With migrate=False the file is opened as it is (for
    migrate, check, backup and tests). Safe to call from any thread: each call gets its own
    connection."""
    db = base.connect(path)
    if migrate:
        if is_new(db):
            migrate_db(db)
        elif pending := pending_changes(db):
            db.close()
            target = resolve_path(path)
            raise StegvisError(f"the database {target} needs an upgrade ({'; '.join(pending)}); "
                               f"run `stegvis migrate --db {target}` (it takes a backup first)")
    return db


def pending_changes(db: sqlite_utils.Database) -> list[str]:
    """What `stegvis migrate` would change, one line each; empty when the database is current."""
    from surveys.code_key import key_in_database

    changes = base.pending_versions(db, SCHEMAS)
    if schema_version(db) and key_in_database(db):
        changes.append("move the participant-code key out of the database into a file beside it")
    return changes


def migrate_db(db: sqlite_utils.Database) -> int:
    """Apply the schema versions this database lacks; returns the version it is now at."""
    return base.migrate_db(db, SCHEMAS)
