"""Documentation keeps up with the code: every CLI command has a README example and
every database column is described in docs/schema.md."""

import re
from pathlib import Path

import typer.main

from stegvis.cli import app

ROOT = Path(__file__).parent.parent


def command_paths(group, prefix: str = "stegvis") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a sub-app such as `stegvis report`
            paths.extend(command_paths(command, f"{prefix} {name}"))
        else:
            paths.append(f"{prefix} {name}")
    return paths


def test_every_command_has_an_example_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = [line.strip() for line in readme.splitlines() if line.strip().startswith("stegvis ")]
    missing = [path for path in command_paths(typer.main.get_command(app))
               if not any(re.match(re.escape(path) + r"(\s|$)", example) for example in examples)]
    assert not missing, f"commands without an example line in README.md: {missing}"


def test_every_column_is_documented(db):
    schema = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", schema, flags=re.S | re.M))
    missing = []
    for table in db.table_names():
        documented = set(re.findall(r"^\| (\w+) \|", sections.get(table, ""), flags=re.M)) - {"column"}
        actual = {c.name for c in db[table].columns}
        missing += [f"{table}.{c}" for c in sorted(actual - documented)]
        missing += [f"{table}.{c} (no longer exists)" for c in sorted(documented - actual)]
    assert not missing, f"docs/schema.md is out of date: {missing}"
