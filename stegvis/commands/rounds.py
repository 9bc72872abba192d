"""`stegvis round`: survey rounds for staff, the board, managers, referrers and employers:
single-use codes on a list or slips, or mailed, valid until the round closes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import typer

from foundation.errors import StegvisError
from stegvis.database import open_db
from stegvis.files import read_text_file
from indicators.round_schedule import rounds_todo, suggested_closing
from stegvis.rounds import declared_title, round_title
from stegvis.safe_export import write_csv
from stegvis.qr import survey_url
from surveys.rounds import close_due_rounds, close_round, create_round, get_round, list_rounds, unused_codes
from surveys.store import load_catalog

round_app = typer.Typer(help="Survey rounds (enkätomgångar) with single-use codes.", no_args_is_help=True)
DbOption = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file")


def _codes_frame(db, round_) -> pd.DataFrame:
    codes = unused_codes(db, round_.id)
    return pd.DataFrame({"round": round_.id, "code": [c for _, c in codes], "closes_on": round_.closes_on,
                         "address": [survey_url(c) for _, c in codes]})


def register(app: typer.Typer) -> None:
    @round_app.command("new")
    def new(group: str = typer.Option(None, "--group", help="Respondent group, e.g. insatspersonal or styrelse"),
            instrument: list[str] = typer.Option(None, "--instrument", help="Instrument id; repeat for several"),
            invited: int = typer.Option(..., "--invited", help="How many are invited: one code each"),
            closes: str = typer.Option(None, "--closes", help="Last day the codes work (YYYY-MM-DD)"),
            programme: str = typer.Option(None, "--programme", help="Programme id (default: the whole förbund)"),
            declared: str = typer.Option(None, "--declared", help="A round the programme (or the förbund) declares: "
                                         "group, instruments and closing day default to it"),
            codes_out: Path = typer.Option(None, "--codes-out", help="Write the codes to this CSV file"),
            db: Path = DbOption):
        """Create a round; its number is printed on the last line."""
        database = open_db(db)
        if codes_out is not None and codes_out.suffix.lower() != ".csv":
            raise StegvisError(f"--codes-out {codes_out}: name a .csv file")
        catalog = load_catalog(database)
        if declared is not None:
            wanted = {r.id: r for r in catalog.declared_rounds(programme)}.get(declared)
            if wanted is not None:
                group = group or wanted.group
                instrument = instrument or list(wanted.instruments)
                closes = closes or suggested_closing(wanted.month, date.today()).isoformat()
        missing = [flag for flag, value in (("--group", group), ("--instrument", instrument), ("--closes", closes))
                   if not value]
        if missing and declared is None:
            raise StegvisError(f"name {', '.join(missing)}, or a declared round with --declared "
                               "(`stegvis round due` lists them)")
        round_, _ = create_round(database, catalog, group=group or "", instruments=list(instrument or []),
                                 invited=invited, closes_on=closes or "", programme_id=programme,
                                 declared=declared)
        if codes_out is not None:
            write_csv(_codes_frame(database, round_), codes_out)
            typer.echo(f"Wrote {round_.invited} codes to {codes_out}.")
        typer.echo(f"Round {round_.id}: {round_title(catalog, round_)}, {round_.invited} invited, "
                   f"open until {round_.closes_on}.")
        typer.echo(round_.id)

    @round_app.command("due")
    def due_command(db: Path = DbOption):
        """The rounds the programmes and the förbund declare that are due this year and not made yet
        (each with the command that makes it), and the rounds running."""
        database = open_db(db)
        close_due_rounds(database)
        catalog = load_catalog(database)
        todo = rounds_todo(catalog, list_rounds(database), date.today())
        if not todo.due and not todo.running:
            typer.echo("Nothing due and no round running.")
        for due in todo.due:
            made_with = (f"stegvis round new --declared {due.declared.id}"
                         + (f" --programme {due.programme_id}" if due.programme_id else "")
                         + f" --invited {due.declared.invited or 10}")
            typer.echo(f"due      {declared_title(catalog, due.programme_id, due.declared.instruments)} "
                       f"(since {due.due_since}): {made_with}")
        for running in todo.running:
            r = running.round
            typer.echo(f"running  {r.id:>4}  {round_title(catalog, r)}: {r.answered} of {r.invited} answered, "
                       f"{running.days_left} days left")

    @round_app.command("list")
    def list_command(db: Path = DbOption):
        """Every round, newest first, with answered ÷ invited."""
        database = open_db(db)
        close_due_rounds(database)
        catalog = load_catalog(database)
        rounds = list_rounds(database)
        if not rounds:
            typer.echo("No rounds yet (`stegvis round new`).")
        for r in rounds:
            state = f"closed {r.closed_at[:10]}" if r.closed_at else f"open until {r.closes_on}"
            typer.echo(f"{r.id:>4}  {round_title(catalog, r)}: {r.answered} of {r.invited} answered "
                       f"({r.response_rate:.0%}), {r.codes_used} codes used, {state}")

    @round_app.command("codes")
    def codes_command(round_id: int = typer.Argument(..., help="The round's number"),
                      output: Path = typer.Option(..., "--output", help="CSV file to write"), db: Path = DbOption):
        """Write the round's unused codes to a CSV file."""
        database = open_db(db)
        if output.suffix.lower() != ".csv":
            raise StegvisError(f"--output {output}: name a .csv file")
        write_csv(_codes_frame(database, get_round(database, round_id)), output)
        typer.echo(f"Wrote the unused codes of round {round_id} to {output}.")

    @round_app.command("slips")
    def slips(round_id: int = typer.Argument(..., help="The round's number"),
              output: Path = typer.Option(..., "--output", help="PDF file to write"), db: Path = DbOption):
        """Print one slip per unused code (code, QR code, address, closing date), eight to a page."""
        from stegvis.files import write_atomic
        from stegvis.slips import slips_pdf

        database = open_db(db)
        if output.suffix.lower() != ".pdf":
            raise StegvisError(f"--output {output}: name a .pdf file")
        round_ = get_round(database, round_id)
        if not round_.is_open(date.today()):
            raise StegvisError(f"round {round_id} is closed; its codes no longer work")
        codes = [c for _, c in unused_codes(database, round_id)]
        write_atomic(output, slips_pdf(codes, round_.closes_on, round_title(load_catalog(database), round_)))
        typer.echo(f"Wrote {len(codes)} slips to {output}.")

    @round_app.command("invite")
    def invite_command(round_id: int = typer.Argument(..., help="The round's number"),
                       emails: Path = typer.Option(..., "--emails", help="Text file: one address per line"),
                       db: Path = DbOption):
        """Mail each address one code of the round (addresses are deleted when the round closes)."""
        from stegvis.mail import invite, read_addresses

        database = open_db(db)
        addresses = read_addresses(read_text_file(emails), str(emails))
        round_ = get_round(database, round_id)
        sent = invite(database, round_id, addresses, round_title(load_catalog(database), round_))
        typer.echo(f"Sent {sent} invitations for round {round_id}"
                   + (f" ({len(addresses) - sent} addresses were already invited)." if sent < len(addresses) else "."))

    @round_app.command("remind")
    def remind_command(round_id: int = typer.Argument(..., help="The round's number"), db: Path = DbOption):
        """Mail a reminder to the invited addresses whose code is still unused."""
        from stegvis.mail import remind

        database = open_db(db)
        round_ = get_round(database, round_id)
        sent = remind(database, round_id, round_title(load_catalog(database), round_))
        typer.echo(f"Sent {sent} reminders for round {round_id}." if sent else
                   f"No reminders: every invited address of round {round_id} has used its code.")

    @round_app.command("close")
    def close_command(round_id: int = typer.Argument(..., help="The round's number"), db: Path = DbOption):
        """Close a round now: its codes stop working, unused codes and addresses are deleted."""
        closed = close_round(open_db(db), round_id)
        typer.echo(f"Round {round_id} closed: {closed.answered} of {closed.invited} answered.")

    app.add_typer(round_app, name="round")
