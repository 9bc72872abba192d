"""`stegvis init`, `demo`, `serve` and `config`: the database and the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from stegvis.config import SETTINGS, setting, update_setting
from surveys.store import load_catalog, open_db, publish_definitions, resolve_path

DbOption = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file (default data/stegvis.db)")
APP_FILE = Path(__file__).resolve().parents[2] / "stegvis_server.py"


def register(app: typer.Typer) -> None:
    @app.command()
    def init(db: Path = DbOption):
        """Create or upgrade the database and publish the shipped definitions."""
        database = open_db(db)
        published = publish_definitions(database)
        typer.echo(f"Database {resolve_path(db)} is ready; {len(published)} new definition version(s) published.")

    @app.command()
    def demo(db: Path = DbOption):
        """Fill the database with demo data (idempotent) and print the demo logins and codes."""
        from stegvis.demo import DEMO_USERS, run_demo

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
    def serve(db: Path = DbOption, port: int = typer.Option(8501, help="Port to listen on"),
              address: str = typer.Option("localhost", help="Address to listen on")):
        """Start the Streamlit app."""
        path = resolve_path(db).resolve()
        open_db(path)  # create or upgrade before the first page loads
        env = dict(os.environ, STEGVIS_DB=str(path))
        command = [sys.executable, "-m", "streamlit", "run", str(APP_FILE), "--server.port", str(port),
                   "--server.address", address]
        typer.echo(f"Stegvis on http://{address}:{port} (database {path})")
        raise typer.Exit(subprocess.call(command, env=env, cwd=str(APP_FILE.parent)))

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
