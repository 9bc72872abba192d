"""The pages reach data only through stegvis.access (staff) and stegvis.visits (a participant's
code). import-linter (`make test`) refuses their importing the database modules; this test
refuses what an import check cannot see: a connection fetched from an object and used."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "dashboards").glob("*.py")) + [ROOT / "streamlit_app.py"]
# What holding a connection looks like: sqlite3 / sqlite-utils attributes and pandas' SQL readers.
DATABASE_ATTRIBUTES = {"db", "_db", "conn", "execute", "executescript", "executemany", "query", "read_sql",
                       "read_sql_query", "read_sql_table", "table_names", "transaction"}
DATABASE_MODULES = ("sqlite3", "sqlite_utils", "foundation.db", "surveys.store", "stegvis.database")


def database_touches(source: str) -> list[str]:
    """Each place in a page's source that reaches the database directly, as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in DATABASE_ATTRIBUTES:
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in {"db", "sqlite3"}:
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [f"{node.lineno}: import {n}" for n in names if n.startswith(DATABASE_MODULES)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                node.value.lstrip().upper().startswith(("SELECT ", "UPDATE ", "INSERT ", "DELETE ")):
            found.append(f"{node.lineno}: SQL")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_never_touch_the_database(page):
    assert database_touches(page.read_text(encoding="utf-8")) == [], \
        f"{page.name} reaches the database; add a method to stegvis.access (or stegvis.visits) instead"


@pytest.mark.parametrize("source", [
    "rows = api.db.execute('SELECT 1')",
    "row = entrance()._db",
    "import sqlite3",
    "from surveys.store import load_catalog",
    "frame = pd.read_sql_query(q, con)",
    "q = 'SELECT code FROM participants'",
])
def test_the_check_finds_each_way_a_page_could_reach_the_database(source):
    assert database_touches(source)


def test_the_participant_page_reaches_one_visit_only():
    """The visit API takes no participant or session id from the page: its permission is the
    code that opened it."""
    import inspect

    from stegvis.visits import ParticipantVisit

    for name, method in inspect.getmembers(ParticipantVisit, inspect.isfunction):
        if name.startswith("_"):
            continue
        parameters = set(inspect.signature(method).parameters)
        assert not parameters & {"participant_id", "session_id", "db"}, name


def test_a_visit_refuses_a_part_of_another_visit(tmp_path):
    """Holding one code's visit does not let a page write into another's."""
    from foundation.errors import StegvisError
    from stegvis.database import open_db
    from stegvis.entrance import Entrance
    from surveys.definitions import shipped_catalog
    from surveys.sessions import open_visit
    from surveys.store import publish_definitions, record_consent

    path = tmp_path / "v.db"
    db = open_db(path)
    publish_definitions(db)
    catalog = shipped_catalog()
    codes = []
    for n in (1, 2):
        db["participants"].insert({"id": n, "code": f"V-{n}", "gender": "man", "created_at": "x"})
        record_consent(db, n, "jobbvagen_ar", "2026-01-01", "1", "s")
        codes.append(open_visit(db, catalog, programme_id="jobbvagen_ar", occasion="followup",
                                instruments=["nulage_onskat"], participant_id=n)[1])
    entrance = Entrance(path, catalog)
    mine, theirs = (entrance.open_code(code, "192.0.2.1") for code in codes)
    other_part = theirs.current()
    with pytest.raises(StegvisError):
        mine.give(other_part, other_part.questions[0].id, 5)
    with pytest.raises(StegvisError):
        mine.send_in(other_part)
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 0
