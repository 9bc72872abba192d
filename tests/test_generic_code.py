"""Instrument-specific behaviour lives in definition files: no instrument, programme or occasion
id of the shipped definitions appears in the code (outside the demo data and the tests), so a
förbund's own definitions get the same pages, reports and figures."""

import ast
import re
from pathlib import Path

from surveys.definitions import shipped_catalog
from surveys.models import Occasion

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("foundation", "surveys", "indicators", "stegvis", "dashboards")
DEMO = {ROOT / "stegvis" / "demo.py"}  # the demo data names its programmes, as a user would


def definition_ids() -> set[str]:
    catalog = shipped_catalog()
    ids = {i.id for i in catalog.latest_instruments()} | {p.id for p in catalog.latest_programmes()}
    ids |= {o.id for p in catalog.latest_programmes() for o in p.occasions}
    # Respondent groups are definitions too (groups.yaml), and some instruments share their group's
    # id; the group ids and the model's own occasion anchors are left out, so the check looks for
    # instrument, programme and occasion ids only.
    vocabulary = set(catalog.groups) | set(Occasion.model_fields["anchor"].annotation.__args__)
    return ids - vocabulary


def ids_in(source: str, ids: set[str]) -> list[str]:
    """Each id in a string of the code; docstrings may name examples, behaviour may not."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [f"{node.lineno}: {word}" for word in re.findall(r"[a-z][a-z0-9_]*", node.value) if word in ids]
    return found


def test_no_definition_id_in_the_code():
    ids = definition_ids()
    assert {"kasam29", "porten", "intake"} <= ids  # the check has something to find
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path not in DEMO and (hits := ids_in(path.read_text(encoding="utf-8"), ids)):
                found[str(path.relative_to(ROOT))] = hits
    for path in (ROOT / "streamlit_app.py", ROOT / "stegvis_server.py"):
        if hits := ids_in(path.read_text(encoding="utf-8"), ids):
            found[path.name] = hits
    assert not found, f"definition ids in code (move the behaviour into the definition files): {found}"


def test_the_check_finds_an_id_in_a_string_and_an_f_string():
    ids = {"kasam29", "intake"}
    assert ids_in('scale = "kasam29"', ids) and ids_in('key = f"{x}:intake"', ids)
    assert not ids_in('title = "KASAM"', ids)
    assert not ids_in('def f():\n    """As kasam29 does at intake."""', ids)
