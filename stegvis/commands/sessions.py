"""`stegvis session new`: open a survey visit for a participant and print its access code."""

from __future__ import annotations

from pathlib import Path

import typer

from foundation.errors import StegvisError
from surveys.sessions import RepeatVisit, open_visit
from stegvis.database import open_db
from surveys.store import load_catalog

session_app = typer.Typer(help="Survey sessions for participants.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    @session_app.command("new")
    def new(participant: str = typer.Option(..., "--participant", help="The participant's code"),
            occasion: str = typer.Option(..., "--occasion", help="Occasion id, as the programme's definition names it"),
            instrument: list[str] = typer.Option(None, "--instrument", help="Instrument id; repeat to queue several "
                                                 "(default: those of the occasion)"),
            programme: str = typer.Option(None, "--programme", help="Needed only if enrolled in several"),
            language: str = typer.Option("sv", "--language", help="sv or en"),
            again: bool = typer.Option(False, "--again", help="Open a second visit at an occasion already "
                                       "started today for this participant"),
            db: Path = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file")):
        """Open a survey visit; the access code is printed on the last line."""
        if language not in ("sv", "en"):
            raise StegvisError("--language: choose sv or en")
        database = open_db(db)
        row = database.execute("SELECT id FROM participants WHERE code = ?", [participant]).fetchone()
        if row is None:
            raise StegvisError(f"no participant with code {participant!r}")
        programmes = [r[0] for r in database.execute(
            "SELECT programme_id FROM enrolments WHERE participant_id = ? AND exited_on IS NULL "
            "ORDER BY started_on DESC", [row[0]])] or [r[0] for r in database.execute(
            "SELECT programme_id FROM enrolments WHERE participant_id = ? ORDER BY started_on DESC", [row[0]])]
        if programme is None:
            if len(set(programmes)) != 1:
                raise StegvisError(f"{participant} is enrolled in {', '.join(programmes) or 'no programme'}; "
                                   f"name one with --programme")
            programme = programmes[0]
        elif programme not in programmes:
            raise StegvisError(f"{participant} is not enrolled in {programme}")
        try:
            visit, code = open_visit(database, load_catalog(database), programme_id=programme, occasion=occasion,
                                     instruments=list(instrument or []) or None, participant_id=row[0],
                                     language=language, again=again)
        except RepeatVisit as exc:
            raise StegvisError(f"{exc} Add --again to open one more.") from None
        names = ", ".join(p.instrument_id for p in visit.parts)
        typer.echo(f"Opened {names} for {participant} ({programme}, {occasion}), valid until {visit.expires_at[:10]}.")
        typer.echo("Access code:")
        typer.echo(code)

    app.add_typer(session_app, name="session")
