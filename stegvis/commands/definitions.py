"""`stegvis validate` and `stegvis schema`: checking definition files; `stegvis definitions`:
publishing the förbund's own."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from stegvis.database import open_db
from surveys.definitions import json_schema, validate_paths
from surveys.models import Forbund, Groups
from surveys.publish import SHIPPED, add_definition, definitions_dir, published

definitions_app = typer.Typer(help="The förbund's own instruments and programmes, in the definitions folder.",
                              no_args_is_help=True)
DbOption = typer.Option(None, "--db", envvar="STEGVIS_DB", help="Database file (default data/stegvis.db)")


def _name(definition) -> str:
    if isinstance(definition, Groups):
        return ", ".join(g.id for g in definition.groups)
    if isinstance(definition, Forbund):
        return ", ".join(r.id for r in definition.rounds) or "(no rounds)"
    return getattr(definition, "id", None) or f"{definition.instrument} ({definition.language})"


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(paths: list[Path] = typer.Argument(None, help="Definition files; all shipped ones when none")):
        """Validate definition files (instruments, programmes, groups, the förbund's rounds, text packs)
        and their cross-references."""
        loaded = validate_paths(list(paths or []))
        for definition in loaded:
            kind = type(definition).__name__.lower()
            typer.echo(f"ok  {kind:<10} {_name(definition)} v{getattr(definition, 'version', None) or '-'}")
        typer.echo(f"{len(loaded)} definition(s) valid.")

    @app.command()
    def schema(output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout")):
        """Print the JSON Schema of the definition format, generated from the models."""
        text = json.dumps(json_schema(), ensure_ascii=False, indent=2)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"Wrote {output}")
        else:
            typer.echo(text)

    @definitions_app.command("add")
    def add(file: Path = typer.Argument(..., help="An instrument or programme file (YAML)"), db: Path = DbOption):
        """Validate a definition file and publish it: stored as a version in the database, copied into
        the definitions folder, used by the app at once. Nothing is published when it has an error."""
        result = add_definition(open_db(db), file)
        if result.new:
            typer.echo(f"Published {result.kind} {result.id} version {result.version}; its file is {result.file}.")
        else:
            typer.echo(f"{result.kind} {result.id} version {result.version} is published already; nothing changed.")

    @definitions_app.command("list")
    def list_(db: Path = DbOption):
        """Every published definition version and where it comes from (shipped, or the förbund's folder)."""
        database = open_db(db)
        typer.echo(f"Definitions folder: {definitions_dir(database)}")
        for row in published(database):
            origin = "shipped" if row["origin"] == SHIPPED else f"förbund {row['file'] or '(an earlier file)'}"
            typer.echo(f"{row['kind']:<10} {row['id']:<24} v{row['version']:<3} {row['published_at'][:10]}  {origin}")

    app.add_typer(definitions_app, name="definitions")
