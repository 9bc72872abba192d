"""`stegvis validate` and `stegvis schema`: checking definition files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from surveys.definitions import json_schema, validate_paths
from surveys.models import Forbund, Groups


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
