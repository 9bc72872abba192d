"""`stegvis score` and `stegvis report outcomes`: scoring and outcome tables from files,
for analysts and for organisations moving from spreadsheets."""

from __future__ import annotations

import io
import json
from pathlib import Path

import typer

from indicators.outcomes import check_exits, outcomes_report, report_csv
from indicators.scoring import score_table
from foundation.errors import StegvisError
from stegvis.files import atomic_output, read_table, write_atomic, write_csv
from surveys.definitions import shipped_catalog

report_app = typer.Typer(help="Reports: outcome tables and the board's meeting report.", no_args_is_help=True)


def score_file(instrument_id: str, input_path: Path):
    """Score a CSV of responses (respondent_id + one column per item): respondent_id and the scores."""
    instrument = shipped_catalog().instrument(instrument_id)
    frame = read_table(input_path, dtype=None)  # numbers as numbers; a column with text stays text
    if "respondent_id" not in frame.columns:
        raise StegvisError(f"{input_path}: missing column respondent_id")
    unknown = [c for c in frame.columns if c != "respondent_id" and c not in {i.id for i in instrument.items}]
    if unknown:
        raise StegvisError(f"{input_path}: column(s) {', '.join(unknown)} are not items of {instrument.id}")
    try:
        scores = score_table(instrument, frame)
    except StegvisError as exc:
        raise StegvisError(f"{input_path}:\n{exc}") from None
    scores.insert(0, "respondent_id", frame["respondent_id"])
    return scores


SCORE_FORMAT = "%.10g"  # unrounded, up to ten significant digits (docs/scoring.md)


def _existing_db(path: Path | None):
    """The database if there is one; settings are read from it, nothing is created."""
    from foundation.db import resolve_path
    from stegvis.database import open_db

    target = resolve_path(path)
    return open_db(target) if target.exists() else None


def _board_access(db: Path | None):
    from stegvis.access import Access
    from stegvis.accounts import User
    from stegvis.database import open_db
    from surveys.store import load_catalog

    database = open_db(db)
    operator = User(id=0, username="cli", role="board")  # the command line reads protected figures only
    return Access(database, operator, load_catalog(database))


def register(app: typer.Typer) -> None:
    @app.command()
    def score(instrument: str = typer.Argument(..., help="Instrument id, as its definition file names it (`id:`)"),
              input: Path = typer.Option(..., "--input", "-i", help="CSV: respondent_id and one column per item"),
              output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout")):
        """Score responses from a CSV file: one column per scale, bands, flags and n_missing."""
        scores = score_file(instrument, input)
        if output:
            with atomic_output(output) as out:
                write_csv(scores, out, float_format=SCORE_FORMAT)
            typer.echo(f"Wrote {output}", err=True)
        else:
            text = io.BytesIO()
            write_csv(scores, text, float_format=SCORE_FORMAT)
            typer.echo(text.getvalue().decode("utf-8"), nl=False)

    @report_app.command("outcomes")
    def outcomes(programme: str = typer.Option(..., "--programme", "-p", help="Programme id"),
                 input: Path = typer.Option(..., "--input", "-i", help="CSV or .xlsx of exits"),
                 format: str = typer.Option("json", "--format", "-f", help="json, csv or md"),
                 min_cell: int = typer.Option(None, "--min-cell", min=1,
                                              help="Hide counts below this; default the organisation's k "
                                                   "(`stegvis config min_cell`); 1 shows all, not for publication"),
                 db: Path = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database whose settings apply")):
        """The outcome table by gender and the outcome goals, from a file of exits, protected like
        the board's figures."""
        from foundation.settings import SETTINGS, setting

        if format not in ("json", "csv", "md"):
            raise StegvisError(f"--format {format!r}: choose json, csv or md")
        definition = shipped_catalog().programme(programme)
        exits = check_exits(definition, read_table(input), source=str(input))
        database = _existing_db(db)
        k = min_cell if min_cell is not None else (setting(database, "min_cell") if database
                                                   else SETTINGS["min_cell"].default)
        interval = setting(database, "protection_interval") if database else SETTINGS["protection_interval"].default
        report = outcomes_report(definition, exits, k, interval)
        if k == 1:
            typer.echo("Obs: --min-cell 1 visar alla siffror, även små. Resultatet är inte för publicering.", err=True)
        if format == "json":
            typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        elif format == "csv":
            typer.echo(report_csv(report), nl=False)
        else:
            from stegvis.reports import outcomes_markdown

            typer.echo(outcomes_markdown(report, definition), nl=False)

    @report_app.command("board")
    def board(period: str = typer.Option(..., "--period", help="A completed period: 2025, 2025-H1, 2025-K3, "
                                                                 "2025-T2 or hela (see `stegvis report periods`)"),
              programme: str = typer.Option(None, "--programme", "-p", help="Programme id; all when left out"),
              output: Path = typer.Option(..., "--output", "-o", help="FILE.pdf, FILE.xlsx or FILE.json"),
              db: Path = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file")):
        """The board's meeting report (PDF, Excel or JSON) for a period of the grid, protected."""
        from stegvis import reports

        suffix = output.suffix.lower()
        if suffix not in (".pdf", ".xlsx", ".json"):
            raise StegvisError(f"--output {output}: end the file name with .pdf, .xlsx or .json")
        with typer.progressbar(length=100, label="Rapport") as bar:
            report = _board_access(db).board_report(programme, period)
            bar.update(30)
            if suffix == ".pdf":
                data = reports.pdf(report, lambda f, _: bar.update(int(70 * f)))
            else:
                data = reports.xlsx(report) if suffix == ".xlsx" else reports.json_bytes(report)
            write_atomic(output, data)
        typer.echo(f"Wrote {output}")

    @report_app.command("periods")
    def periods(db: Path = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file")):
        """The periods the board may report on: completed ones only."""
        from stegvis.reports import period_label

        grid = _board_access(db).board_periods()
        if not grid.periods:
            typer.echo("Ingen avslutad period ännu.")
        for item in grid.periods:
            typer.echo(f"{item.id}\t{period_label(item)}")

    app.add_typer(report_app, name="report")

