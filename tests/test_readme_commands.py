"""The README's command examples work: every line that starts with `stegvis ` inside a fenced
block of README.md is run, in the README's order, against one copy of the demo database, as a
reader following the README from the top would run them. Each must exit 0 (or the exit code
listed below, with why). A command the README shows that cannot run here is listed in SKIPPED
with the reason; a new example is run without anyone having to remember to add it."""

import gc
import io
import re
from datetime import date, timedelta
import shlex
import shutil
import sys
from pathlib import Path

import click
import typer
import yaml

from stegvis.cli import app, run
from surveys.definitions import shipped_catalog
from surveys.textpacks import demo_textpack

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"

# Commands that would not return or that need a running server: run elsewhere (test_production,
# the browser tests, deploy/check-guide.sh through test_deploy).
SKIPPED = {
    "stegvis serve --port 8501": "starts the app and does not return",
    "stegvis serve --production --public-url https://enkat.example.se --address 127.0.0.1":
        "starts the app; refusing the demo database is test_production's subject",
}
# Commands whose documented purpose, on the demo database, is to say no.
EXIT_CODE = {
    "stegvis check --public-url https://enkat.example.se": 1,  # the demo is not fit for production
}
# What a reader types at a prompt or pipes in.
STDIN = {
    "stegvis user add": "ett långt lösenord 2026\n",
    "stegvis participant erase": "y\n",  # confirms
    "stegvis restore data/backups/": "y\n",
}


def readme_commands() -> list[str]:
    """Every `stegvis ...` line inside a fenced block of the README, in order."""
    commands, fenced = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*```", line):
            fenced = not fenced
        elif fenced and line.strip().startswith("stegvis "):
            commands.append(line.strip())
    return commands


def files_the_readme_names(folder: Path) -> None:
    """The input files the examples take, as a reader would have them: the sample data in
    `data/`, an instrument of their own, the text pack they were given, answers to score and
    exits to tabulate (in the formats of docs/scoring.md), and a programme of their own, copied
    from a shipped one under a new id."""
    shutil.copytree(ROOT / "data", folder / "data", ignore=shutil.ignore_patterns("*.db*"),
                    dirs_exist_ok=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "definitions" / "tiny.yaml", folder / "my_instrument.yaml")
    shipped = (ROOT / "surveys" / "definitions" / "programmes" / "porten.yaml").read_text(encoding="utf-8")
    (folder / "my_programme.yaml").write_text(re.sub(r"(?m)^id: .*$", "id: min_insats", shipped, count=1),
                                              encoding="utf-8")
    kasam = shipped_catalog().instrument("kasam29")
    pack = demo_textpack(kasam, "sv").model_dump(mode="json", exclude_none=True)
    (folder / "kasam29.sv.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    items = [item.id for item in kasam.items]
    rows = [["respondent_id", *items], ["r1", *(["4"] * len(items))], ["r2", "", *(["6"] * (len(items) - 1))]]
    (folder / "kasam29-answers.csv").write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    shutil.copy(ROOT / "tests" / "fixtures" / "engine" / "seed000_exits.csv", folder / "exits.csv")


def test_the_readme_shows_commands():
    commands = readme_commands()
    assert len(commands) > 20, "the README's fenced blocks are where its examples are"
    assert set(SKIPPED) | set(EXIT_CODE) <= set(commands), "a listed command is no longer in the README"


def cli_commands() -> list[str]:
    """Every command of the `stegvis` CLI, subcommands spelled out (`stegvis user add`)."""
    group = typer.main.get_command(app)
    context = click.Context(group)

    def walk(command, path):
        names = command.list_commands(context) if isinstance(command, click.Group) else []
        if not names:
            return [" ".join(path)]
        return [leaf for name in names for leaf in walk(command.get_command(context, name), [*path, name])]

    return walk(group, ["stegvis"])


def test_every_command_has_an_example_in_the_readme():
    """As sqlite-utils does: a new command is not done until the README shows it in use."""
    shown = readme_commands()
    missing = [c for c in cli_commands() if not any(s == c or s.startswith(c + " ") for s in shown)]
    assert not missing, f"commands without an example in README.md's 'The command line': {missing}"


def test_every_readme_command_runs(tmp_path, demo_copy, monkeypatch, capsys, smtp_inbox):
    demo_copy(tmp_path / "data" / "stegvis.db")
    files_the_readme_names(tmp_path)
    # the organisation's mail server, as `stegvis config smtp_host …` would set it, is a real
    # local one here, so `round invite` and `round remind` send what they say
    from foundation.settings import update_setting
    from stegvis.database import open_db

    database = open_db(tmp_path / "data" / "stegvis.db")
    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(smtp_inbox.port), "smtp_starttls": "0",
                       "smtp_sender": "enkat@forbundet.example"}.items():
        update_setting(database, key, value)
    database.close()
    (tmp_path / "addresses.txt").write_text("anna@example.org\nbo@example.org\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEGVIS_DB", raising=False)  # data/stegvis.db, the README's default
    failures, new_round = [], None
    for command in readme_commands():
        if command in SKIPPED:
            continue
        typed = next((text for start, text in STDIN.items() if command.startswith(start)), "")
        monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
        # a closing day in the README is in the past one day; the reader picks one ahead
        command = re.sub(r"--closes \d{4}-\d\d-\d\d", f"--closes {date.today() + timedelta(days=30)}", command)
        if new_round:  # the README's round 1 is the number `round new` printed (the demo has rounds already)
            command = re.sub(r"^(stegvis round \w+) 1\b", rf"\g<1> {new_round}", command)
        gc.collect()  # each command is a process of its own for a reader: nothing of the last one is open
        code = run(shlex.split(command)[1:])
        out, err = capsys.readouterr()
        if command.startswith("stegvis round new") and code == 0:
            new_round = out.strip().splitlines()[-1]
        if code != EXIT_CODE.get(command, 0):
            failures.append(f"{command}\n  exit {code}\n  {(err or out).strip()[-500:]}")
    assert not failures, "README examples that fail:\n" + "\n".join(failures)
    assert [m["To"] for m in smtp_inbox.messages] == ["anna@example.org", "bo@example.org"] * 2  # invited, reminded
