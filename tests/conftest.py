"""Shared fixtures: a fresh database per test, the shipped catalog, fixture paths."""

from pathlib import Path

import pytest

from surveys.definitions import shipped_catalog
from stegvis.database import open_db
from surveys.store import publish_definitions

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "stegvis.db")
    publish_definitions(database)
    yield database
    database.close()


@pytest.fixture
def catalog():
    return shipped_catalog()


@pytest.fixture
def fixtures():
    return FIXTURES
