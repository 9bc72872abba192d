"""The `stegvis` command line: a thin layer over functions the app and tests call too.
Each area registers its commands from `stegvis/commands/<area>.py`."""

from __future__ import annotations

import sys

import typer

from stegvis import __version__
from foundation.errors import StegvisError

app = typer.Typer(
    name="stegvis",
    help="Stegvis: surveys, scores and indicators for samordningsförbund.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"stegvis {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                       help="Print the version and exit")):
    """Stegvis: surveys, scores and indicators for samordningsförbund."""


def _register_commands() -> None:
    from stegvis.commands import COMMAND_MODULES

    for module in COMMAND_MODULES:
        module.register(app)


_register_commands()


def run(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code. User errors print one line on stderr
    and give 1, never a traceback; usage errors print click's message and give 2."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="stegvis")
    except StegvisError as exc:
        typer.echo(f"Error: {exc}", err=True)
        return 1
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return 1
    except typer.TyperException as exc:  # typer's own click: usage errors, bad parameters
        exc.show()
        return getattr(exc, "exit_code", 2)
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
