"""`stegvis init`, `demo`, `migrate`, `check`, `serve` and `config`: the database and the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from stegvis import __version__
from foundation.settings import SETTINGS, setting, update_setting
from stegvis.production import PUBLIC_URL_ENV, problems as production_problems
from stegvis.server_lock import hold_for_server
from stegvis.upgrade import Upgrade, migrate as migrate_file, planned_changes
from surveys.code_key import KEY_ENV, code_key, database_file, key_path
from foundation.db import resolve_path
from stegvis.database import open_db
from surveys.store import load_catalog, publish_definitions

DbOption = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file (default data/stegvis.db)")
PublicUrlOption = typer.Option(None, "--public-url", envvar=PUBLIC_URL_ENV,
                               help="The https:// address participants use (production mode requires it)")
APP_FILE = Path(__file__).resolve().parents[2] / "stegvis_server.py"


def register(app: typer.Typer) -> None:
    @app.command()
    def init(db: Path = DbOption):
        """Create the database (readable by its owner only) and its code key, and publish the shipped definitions."""
        database = open_db(db)
        published = publish_definitions(database)
        code_key(database)  # made now, so that it can be backed up before the first participant
        where = f"${KEY_ENV}" if os.environ.get(KEY_ENV) else key_path(database_file(database))
        typer.echo(f"Database {resolve_path(db)} is ready; {len(published)} new definition version(s) published.")
        typer.echo(f"Participant codes are hashed with the key in {where}; back it up separately from the database.")

    @app.command()
    def demo(db: Path = DbOption):
        """Fill the database with demo data (idempotent) and print the demo logins and codes."""
        from stegvis.demo import DEMO_USERS, run_demo

        path = resolve_path(db)
        if path.exists() and path.stat().st_size and planned_changes(path).changes:
            _report_upgrade(path, migrate_file(path))  # a demo database upgrades itself, after a backup
        database = open_db(db)
        summary = run_demo(database, load_catalog(database))
        state = "created" if summary.created else "already there, unchanged"
        typer.echo(f"Demo data {state}: {summary.participants} participants, {summary.sessions} survey sessions, "
                   f"{summary.answers} answers.")
        typer.echo("Demo logins (username / password):")
        for username, password, role, display, _ in DEMO_USERS:
            typer.echo(f"  {username:<9} {password:<14} {role:<6} {display}")
        for code, programme in summary.codes.items():
            typer.echo(f"Participant code {code} opens a demo survey ({programme}).")

    @app.command()
    def migrate(db: Path = DbOption,
                backup_dir: Path = typer.Option(None, "--backup-dir", help="Where the backup goes (default backups/ beside the database)"),
                dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would change")):
        """Upgrade the database to this version of Stegvis: says what changes, takes a checked backup, then applies."""
        path = resolve_path(db)
        plan = planned_changes(path)
        if not plan.changes:
            typer.echo(f"{path} is up to date (schema {plan.from_version}); nothing to do.")
            return
        typer.echo(f"{path} is at schema {plan.from_version}; `stegvis migrate` will:")
        for change in plan.changes:
            typer.echo(f"  - {change}")
        if not dry_run:
            _report_upgrade(path, migrate_file(path, backup_dir))

    @app.command()
    def check(db: Path = DbOption, public_url: str = PublicUrlOption):
        """List what stops this database from going live (what `serve --production` checks), without starting anything."""
        found = production_problems(db, public_url)
        for problem in found:
            typer.echo(f"Error: {problem}", err=True)
        if found:
            raise typer.Exit(1)
        typer.echo(f"Ready for production: {resolve_path(db)} at {public_url}.")

    @app.command()
    def serve(db: Path = DbOption, port: int = typer.Option(8501, help="Port to listen on"),
              address: str = typer.Option("localhost", help="Address to listen on"),
              production: bool = typer.Option(False, "--production", envvar="STEGVIS_PRODUCTION",
                                              help="Refuse to start unless `stegvis check` finds nothing to fix"),
              public_url: str = PublicUrlOption):
        """Start the Streamlit app; refused on a database that needs `stegvis migrate`."""
        path = resolve_path(db).resolve()
        if production:
            found = production_problems(path, public_url)
            for problem in found:
                typer.echo(f"Error: {problem}", err=True)
            if found:
                typer.echo(f"Error: not starting in production mode: {len(found)} problem(s) to fix first", err=True)
                raise typer.Exit(1)
        else:
            open_db(path).close()  # creates a new database; refuses one that needs `stegvis migrate`
        lock = hold_for_server(path)  # inherited by Streamlit: restore and migrate wait until the app stops
        env = dict(os.environ, STEGVIS_DB=str(path))
        if public_url:  # the QR codes and links the app draws use it (stegvis/qr.py)
            env[PUBLIC_URL_ENV] = public_url
        command = [sys.executable, "-m", "streamlit", "run", str(APP_FILE), "--server.port", str(port),
                   "--server.address", address]
        typer.echo(f"Stegvis {__version__} on http://{address}:{port} (database {path})")
        raise typer.Exit(subprocess.call(command, env=env, cwd=str(APP_FILE.parent), pass_fds=(lock,)))

    @app.command("config")
    def config_command(key: str = typer.Argument(None, help="Setting to show or change"),
                       value: str = typer.Argument(None, help="New value"), db: Path = DbOption):
        """Show the organisation's settings, or change one (e.g. `stegvis config min_cell 10`)."""
        database = open_db(db)
        if key and value is not None:
            typer.echo(f"{key} = {update_setting(database, key, value)}")
            return
        for name, spec in SETTINGS.items():
            if key in (None, name):
                typer.echo(f"{name:<24} {setting(database, name):>5}   {spec.help}")


def _report_upgrade(path: Path, result: Upgrade) -> None:
    typer.echo(f"Backed up {path} to {result.backup} before upgrading (checked).")
    if result.to_version != result.from_version:
        typer.echo(f"Upgraded {path} from schema {result.from_version} to {result.to_version}.")
    else:
        typer.echo(f"Upgraded {path} (schema {result.to_version}).")
    for note in result.notes:
        typer.echo(f"Note: {note}")
