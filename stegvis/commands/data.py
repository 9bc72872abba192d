"""`stegvis import` and `stegvis export`: data in from spreadsheets, tidy CSV out."""

from __future__ import annotations

from pathlib import Path

import typer

from stegvis import audit, exports
from foundation.errors import StegvisError
from stegvis.imports import import_events, import_exits, import_national, import_participants
from stegvis.safe_export import write_csv
from stegvis.database import open_db
from surveys.store import load_catalog

DbOption = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file (default data/stegvis.db)")
import_app = typer.Typer(help="Import participants, enrolments, exits and national figures from CSV or Excel.",
                         no_args_is_help=True)
export_app = typer.Typer(help="Export answers, scores, indicator results and registry fields as tidy CSV.",
                         no_args_is_help=True)


def _run_import(function, path: Path, db: Path | None) -> None:
    database = open_db(db)
    with typer.progressbar(length=100, label="Kontrollerar", file=None) as bar:
        done = [0]

        def progress(row, total):
            target = int(100 * row / max(total, 1))
            bar.update(target - done[0])
            done[0] = target

        result = function(database, load_catalog(database), path, progress)
    audit.log(database, "cli", "import", detail=f"{path.name}: {result.added} added")
    typer.echo(f"Imported {path}: {result.added} added, {result.unchanged} already there.")


def register(app: typer.Typer) -> None:
    @import_app.command("participants")
    def participants(path: Path, db: Path = DbOption):
        """Participants and enrolments: code, gender, birth_year, programme, started_on
        (optional: coach, consent_version, consent_scope)."""
        _run_import(import_participants, path, db)

    @import_app.command("exits")
    def exits(path: Path, db: Path = DbOption):
        """Exits: code, programme, exited_on, outcome."""
        _run_import(import_exits, path, db)

    @import_app.command("events")
    def events(path: Path, db: Path = DbOption):
        """Events during the programme: code, programme, event, happened_on, and value where the
        event has one. All rows are checked first; nothing is imported if one is wrong."""
        _run_import(import_events, path, db)

    @import_app.command("national")
    def national(path: Path, db: Path = DbOption):
        """National figures the NNS publishes: year, indicator, group, share and/or mean, n. A year
        already imported is replaced by the file's figures for it."""
        database = open_db(db)
        result = import_national(database, load_catalog(database), path)
        years = ", ".join(str(y) for y in result.years)
        audit.log(database, "cli", "import", detail=f"{path.name}: {result.figures} national figures ({years})")
        typer.echo(f"Imported {path}: {result.figures} national figures for {years}.")
        for year, before in sorted(result.replaced.items()):
            typer.echo(f"Replaced the {before} national figures stored for {year}.")

    def _export_rows(kind: str, frame_of, output: Path, programme: str | None, with_codes: bool, db) -> None:
        database = open_db(db)
        write_csv(frame_of(database), output)
        audit.log(database, "cli", "export", detail=f"{kind} {programme or 'alla'} codes={with_codes}")
        typer.echo(f"Wrote {output}")

    @export_app.command("answers")
    def export_answers(output: Path = typer.Option(..., "--output", "-o"),
                       programme: str = typer.Option(None, "--programme"),
                       with_codes: bool = typer.Option(False, "--with-codes", help="Codes instead of pseudonyms"),
                       db: Path = DbOption):
        """Every stored answer, one row each (pseudonymised unless --with-codes)."""
        _export_rows("answers", lambda d: exports.answers(d, programme, with_codes), output, programme, with_codes, db)

    @export_app.command("scores")
    def export_scores(output: Path = typer.Option(..., "--output", "-o"),
                      programme: str = typer.Option(None, "--programme"),
                      with_codes: bool = typer.Option(False, "--with-codes", help="Codes instead of pseudonyms"),
                      db: Path = DbOption):
        """Every scale score, one row per response and scale (pseudonymised unless --with-codes)."""
        _export_rows("scores", lambda d: exports.scores(d, load_catalog(d), programme, with_codes), output,
                     programme, with_codes, db)

    @export_app.command("indicators")
    def export_indicators(output: Path = typer.Option(..., "--output", "-o"),
                          programme: str = typer.Option(None, "--programme"), db: Path = DbOption):
        """Indicator results per programme, respondent group and completed year, protected like the
        board's figures (hidden ones left empty)."""
        from stegvis.access import Access
        from stegvis.accounts import User

        database = open_db(db)
        if programme is not None:
            load_catalog(database).programme(programme)  # an unknown id is refused by name
        board = Access(database, User(id=0, username="cli", role="board"), load_catalog(database))
        frame = exports.indicators(board, programme)
        if frame.empty:
            raise StegvisError("no survey answers with indicators to export")
        write_csv(frame, output)
        audit.log(database, "cli", "export", detail=f"indicators {programme or 'alla'}")
        typer.echo(f"Wrote {output}")

    @export_app.command("nns")
    def export_nns(year: int = typer.Option(..., "--year", help="A completed year"),
                   output: Path = typer.Option(..., "--output", "-o"), db: Path = DbOption):
        """The förbund's own indicator results for a year, all programmes together, in the shape of
        the national figures (year, indicator, group, share, mean, n), for the national compilation;
        protected like the board's figures (hidden ones left empty)."""
        from stegvis.access import Access
        from stegvis.accounts import User

        database = open_db(db)
        board = Access(database, User(id=0, username="cli", role="board"), load_catalog(database))
        frame = exports.nns(board, year)
        if frame.empty:
            raise StegvisError(f"no survey answers with indicators in {year} to export")
        write_csv(frame, output)
        audit.log(database, "cli", "export", detail=f"nns {year}")
        typer.echo(f"Wrote {output}: {len(frame)} figures for {year}.")

    @export_app.command("registry")
    def export_registry(programme: str = typer.Option(..., "--programme", help="Programme id"),
                        start: str = typer.Option(..., "--from", help="First day of the period, YYYY-MM-DD"),
                        end: str = typer.Option(..., "--to", help="Last day of the period, YYYY-MM-DD"),
                        output: Path = typer.Option(None, "--output", "-o",
                                                    help="FILE.csv or FILE.xlsx (with the codebook); "
                                                    "default: CSV on standard output"),
                        db: Path = DbOption):
        """One pseudonymous row per participant enrolled in the period, with the background and exit
        fields the programme declares, for the national follow-up system (SUS) or an ESF report.
        Administrators only; logged as an export that holds individuals."""
        from stegvis.access import Access
        from stegvis.accounts import User
        from stegvis.safe_export import csv_text, write_xlsx

        if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
            raise StegvisError(f"--output {output}: name a .csv or .xlsx file")
        database = open_db(db)
        catalog = load_catalog(database)
        admin = Access(database, User(id=0, username="cli", role="admin"), catalog)
        frame = admin.registry_export(programme, start, end)
        if output is None:
            typer.echo(csv_text(frame), nl=False)
            return
        if output.suffix.lower() == ".xlsx":
            write_xlsx({"Deltagare": frame,
                        "Kodlista": exports.registry_codebook(catalog.programme(programme))}, output)
        else:
            write_csv(frame, output)
        typer.echo(f"Wrote {output}: {len(frame)} participants.")

    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
