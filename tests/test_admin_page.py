"""The admin page renders every tab for an administrator and refuses anyone else."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from stegvis.accounts import create_user
from surveys.store import open_db, publish_definitions


def admin_page():
    from dashboards.admin import page

    page()


@pytest.mark.parametrize("role, refused", [("admin", False), ("coach", True), ("board", True)])
def test_admin_page_by_role(tmp_path, monkeypatch, role, refused):
    path = tmp_path / "a.db"
    db = open_db(path)
    publish_definitions(db)
    user = create_user(db, "someone", "ett långt lösenord", role)
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(admin_page, default_timeout=60)
    test.session_state["user"] = user
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    assert bool(test.exception) == refused
    if not refused:
        assert [t.label for t in test.tabs] == ["Användare", "Granskningslogg", "Deltagares data", "Licenser", "Import"]
