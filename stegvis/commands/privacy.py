"""Accounts, audit, erasure, subject access, retention, backups and licences on the command
line. These run as the system operator: every action is written to the audit log."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import typer

from stegvis import audit as audit_log
from stegvis.accounts import (ROLES, create_user, disable_user, link_identity, list_identities, list_users,
                              unlink_identity)
from stegvis.backup import backup as backup_db, backup_to_dir, default_backup_dir, list_backups, restore as restore_db
from foundation.errors import StegvisError
from stegvis.files import write_atomic
from stegvis.privacy import erase, purge as purge_due, subject_access
from stegvis.upgrade import planned_changes
from surveys.definitions import load_file
from surveys.models import TextPack
from stegvis.database import open_db
from surveys.store import load_catalog
from surveys.textpacks import install_textpack, record_permission

DbOption = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file (default data/stegvis.db)")
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
participant_app = typer.Typer(help="One participant's data: erasure and subject access.", no_args_is_help=True)
permission_app = typer.Typer(help="Permissions for licensed instruments.", no_args_is_help=True)
textpack_app = typer.Typer(help="Licensed wording (text packs).", no_args_is_help=True)
OPERATOR = "cli"


def _participant(db, code: str) -> int:
    row = db.execute("SELECT id FROM participants WHERE code = ?", [code]).fetchone()
    if row is None:
        raise StegvisError(f"no participant with code {code!r}")
    return row[0]


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def register(app: typer.Typer) -> None:
    @user_app.command("add")
    def user_add(username: str, role: str = typer.Option(..., "--role", help=" | ".join(ROLES)),
                 coach_of: list[str] = typer.Option(None, "--coach-of", help="Programme id; repeat for several"),
                 name: str = typer.Option(None, "--name", help="Name shown in the app"), db: Path = DbOption):
        """Add a user. The password is read from standard input or a prompt, never an argument."""
        database = open_db(db)
        user = create_user(database, username, _read_password(), role, display_name=name, coach_of=list(coach_of or []))
        audit_log.log(database, OPERATOR, "add_user", detail=f"{user.username} ({role})")
        typer.echo(f"Added {user.username} ({role}).")

    @user_app.command("list")
    def user_list(db: Path = DbOption):
        """List users, their roles and programmes."""
        for user in list_users(open_db(db)):
            state = "disabled" if user["disabled"] else ("locked" if user["locked_until"] else "active")
            typer.echo(f"{user['username']:<16} {user['role']:<6} {state:<8} {', '.join(user['coach_of'])}")

    @user_app.command("disable")
    def user_disable(username: str, db: Path = DbOption):
        """Stop a user from logging in (their history stays)."""
        database = open_db(db)
        disable_user(database, username)
        audit_log.log(database, OPERATOR, "disable_user", detail=username)
        typer.echo(f"Disabled {username}.")

    @user_app.command("link")
    def user_link(username: str,
                  subject: str = typer.Option(None, "--subject", help="The identity provider's subject (sub claim)"),
                  email: str = typer.Option(None, "--email", help="An e-mail address the provider has verified"),
                  db: Path = DbOption):
        """Let a person signing in through the identity provider (single sign-on) log in as this user."""
        if (subject is None) == (email is None):
            raise StegvisError("give either --subject or --email")
        database = open_db(db)
        claim, value = ("sub", subject) if subject is not None else ("email", email)
        link_identity(database, username, claim, value)
        audit_log.log(database, OPERATOR, "link_sso", detail=f"{username} {claim}")
        typer.echo(f"Linked {claim} {value} to {username}.")

    @user_app.command("unlink")
    def user_unlink(subject: str = typer.Option(None, "--subject"), email: str = typer.Option(None, "--email"),
                    db: Path = DbOption):
        """Stop an identity at the provider from logging in."""
        if (subject is None) == (email is None):
            raise StegvisError("give either --subject or --email")
        database = open_db(db)
        claim, value = ("sub", subject) if subject is not None else ("email", email)
        unlink_identity(database, claim, value)
        audit_log.log(database, OPERATOR, "unlink_sso", detail=claim)
        typer.echo(f"Unlinked {claim} {value}.")

    @user_app.command("links")
    def user_links(db: Path = DbOption):
        """List the identities at the provider and the users they log in as."""
        for link in list_identities(open_db(db)):
            typer.echo(f"{link['username']:<16} {link['role']:<6} {link['claim']:<6} {link['value']}")

    @app.command()
    def audit(participant: str = typer.Option(None, "--participant", help="Only entries about this code"),
              limit: int = typer.Option(50, "--limit", min=1), db: Path = DbOption):
        """Show the audit log, newest first."""
        database = open_db(db)
        pid = _participant(database, participant) if participant else None
        for row in audit_log.read_log(database, participant_id=pid, limit=limit).to_dict("records"):
            about = "" if row["participant_id"] is None or row["participant_id"] != row["participant_id"] \
                else f"participant {int(row['participant_id'])}"
            typer.echo(f"{row['at']}  {row['username'] or '-':<12} {row['action']:<22} {about:<16} {row['detail'] or ''}")

    @participant_app.command("erase")
    def participant_erase(code: str, reason: str = typer.Option("request", help="request | withdrawal"),
                          yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation"),
                          db: Path = DbOption):
        """Erase one participant's answers, sessions and personal data, in one transaction."""
        database = open_db(db)
        pid = _participant(database, code)
        if not yes and not typer.confirm(f"Erase everything about {code}? This cannot be undone"):
            raise typer.Abort()
        result = erase(database, pid, reason, OPERATOR)
        typer.echo(f"Erased {code}: " + ", ".join(f"{n} {table}" for table, n in result.counts.items()))
        if result.copies:
            typer.echo(f"Made before the erasure and still holding {code} (erase them, or let them expire by "
                       f"your routine):")
            for copy in result.copies:
                typer.echo(f"  {copy['at']}  {copy['kind']:<7} {copy['detail'] or ''}")
        else:
            typer.echo("No backups or exports holding them are in the audit log; copies made outside Stegvis "
                       "still hold them.")
        if not result.wal_cleared:
            typer.echo("Warning: another connection kept reading, so the database's -wal file still holds erased "
                       "pages. Stop the app: the file is emptied when its last connection closes.")

    @participant_app.command("export")
    def participant_export(code: str, output: Path = typer.Option(..., "--output", "-o"), db: Path = DbOption):
        """Write everything stored about one participant as readable JSON (subject access)."""
        database = open_db(db)
        data = subject_access(database, load_catalog(database), _participant(database, code), OPERATOR)
        write_atomic(output, json.dumps(data, ensure_ascii=False, indent=2))
        typer.echo(f"Wrote {output}")

    @app.command()
    def purge(dry_run: bool = typer.Option(False, "--dry-run", help="Only list who would be erased"),
              db: Path = DbOption):
        """Erase participants whose last exit is older than the retention period."""
        database = open_db(db)
        due = purge_due(database, dry_run=dry_run, by=OPERATOR)
        verb = "Would erase" if dry_run else "Erased"
        for person in due:
            typer.echo(f"{verb} {person['code']} (last exit {person['last_exit']})")
        typer.echo(f"{verb} {len(due)} participant(s).")

    @app.command()
    def backup(path: Path = typer.Argument(None, help="A new backup file (or use --dir)"),
               directory: Path = typer.Option(None, "--dir", help="Write a dated backup into this directory"),
               keep: int = typer.Option(None, "--keep", help="With --dir: keep only the newest N dated backups"),
               db: Path = DbOption):
        """Copy the live database consistently (safe while the app runs) and check the copy."""
        if (path is None) == (directory is None):
            raise StegvisError("give either a backup file or --dir DIRECTORY, e.g. `stegvis backup --dir backups --keep 30`")
        if keep is not None and directory is None:
            raise StegvisError("--keep rotates the dated backups of --dir; give --dir as well")
        if directory is None:
            made, removed = backup_db(db, path), []
        else:
            made, removed = backup_to_dir(db, directory, keep)
        # logged, so that an erasure can say which backups still hold the person
        with contextlib.closing(open_db(db, migrate=False)) as database:
            audit_log.log(database, OPERATOR, "backup", detail=str(Path(made).resolve()))
        typer.echo(f"Backed up to {made} (checked)" + (f"; removed {len(removed)} older backup(s)." if directory else ""))

    @app.command()
    def restore(path: Path = typer.Argument(None, help="The backup to restore; without it, list the backups"),
                directory: Path = typer.Option(None, "--dir", help="Where the dated backups are (default backups/ beside the database)"),
                db: Path = DbOption,
                yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation")):
        """List the backups, or replace the database with one (refused while the app runs)."""
        if path is None:
            directory = directory or default_backup_dir(db)
            found = list_backups(directory)
            if not found:
                raise StegvisError(f"no backups in {directory}; give the backup file, or --dir where they are")
            for item in reversed(found):
                typer.echo(f"{item.taken_at}  {item.size / 1e6:8.1f} MB  {item.path}")
            typer.echo("Restore one with `stegvis restore FILE` (stop the app first).")
            return
        if not yes and not typer.confirm("Replace the current database with the backup?"):
            raise typer.Abort()
        typer.echo(f"Restored {restore_db(path, db)} from {path}.")
        plan = planned_changes(db)
        if plan.changes:
            typer.echo("The backup is from an older Stegvis; run `stegvis migrate` before starting the app.")

    @permission_app.command("record")
    def permission_record(instrument: str, reference: str, db: Path = DbOption):
        """Record the organisation's permission to use a licensed instrument."""
        database = open_db(db)
        record_permission(database, load_catalog(database).instrument(instrument), reference)
        audit_log.log(database, OPERATOR, "record_permission", detail=instrument)
        typer.echo(f"Recorded permission for {instrument}.")

    @textpack_app.command("install")
    def textpack_install(path: Path, db: Path = DbOption):
        """Install licensed wording for an instrument (checked against its items)."""
        database = open_db(db)
        pack = load_file(path)
        if not isinstance(pack, TextPack):
            raise StegvisError(f"{path}: not a text pack (needs instrument, language and items)")
        install_textpack(database, pack, load_catalog(database).instrument(pack.instrument, pack.version),
                         source=str(path))
        audit_log.log(database, OPERATOR, "install_textpack", detail=f"{pack.instrument} {pack.language}")
        typer.echo(f"Installed {pack.instrument} ({pack.language}, {pack.source}).")

    app.add_typer(user_app, name="user")
    app.add_typer(participant_app, name="participant")
    app.add_typer(permission_app, name="permission")
    app.add_typer(textpack_app, name="textpack")
