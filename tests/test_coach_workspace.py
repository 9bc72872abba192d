"""The coach's workspace through Streamlit's AppTest on demo data: only the coach's own
participants, the to-do list, registering, exits, and outcomes the programme does not have."""

import time
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.common import plain
from stegvis.accounts import get_user
from stegvis.demo import run_demo
from surveys.store import open_db


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from surveys.definitions import shipped_catalog

    path = tmp_path_factory.mktemp("coach") / "demo.db"
    db = open_db(path)
    run_demo(db, shipped_catalog(), today=date(2026, 11, 23))
    return path, db


def caseload_page():
    from dashboards.coach import caseload_page

    caseload_page()


def participant_page():
    from dashboards.coach import participant_page

    participant_page()


def register_page():
    from dashboards.coach import register_page

    register_page()


def trends_page():
    from dashboards.coach import trends_page

    trends_page()


PAGES = {f.__name__: f for f in (caseload_page, participant_page, register_page, trends_page)}


def as_user(demo, monkeypatch, name, username="anna"):
    path, db = demo
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(PAGES[name], default_timeout=60)
    test.session_state["user"] = get_user(db, username)
    test.session_state["last_seen"] = time.monotonic()
    return test


def all_text(test) -> str:
    parts = [str(e.value) for kind in ("markdown", "title", "subheader", "caption", "info", "warning", "error",
                                       "success") for e in getattr(test, kind)]
    parts += [frame.value.to_csv() for frame in test.dataframe]
    return "\n".join(parts)


def test_caseload_shows_only_the_coachs_own_participants(demo, monkeypatch):
    _, db = demo
    test = as_user(demo, monkeypatch, "caseload_page").run()
    assert not test.exception
    text = all_text(test)
    anna, cecilia = get_user(db, "anna"), get_user(db, "cecilia")
    own = {r[0] for r in db.execute("SELECT code FROM participants WHERE coach_id = ?", [anna.id])}
    others = {r[0] for r in db.execute("SELECT code FROM participants WHERE coach_id = ?", [cecilia.id])}
    assert any(code in text for code in own)
    assert not any(code in text for code in others)
    assert "Att göra" in text


def test_participant_page_renders_every_tab_and_logs_the_view(demo, monkeypatch):
    _, db = demo
    test = as_user(demo, monkeypatch, "participant_page", "cecilia").run()
    assert not test.exception, test.exception
    code = test.selectbox(key="coach_participant").value
    assert code.startswith("PO-")
    pid = db.execute("SELECT id FROM participants WHERE code = ?", [code]).fetchone()[0]
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'view_participant' AND participant_id = ?",
                      [pid]).fetchone()[0] >= 1
    for other in test.selectbox(key="coach_participant").options[:6]:
        test.selectbox(key="coach_participant").select(other).run()
        assert not test.exception, (other, test.exception)


def test_register_and_exit_with_an_outcome(demo, monkeypatch):
    _, db = demo
    test = as_user(demo, monkeypatch, "register_page").run()
    test.text_input(key="reg_code").input("JV-NY-1")
    test.checkbox(key="reg_consent").check()
    test.button[0].click().run()
    assert plain("JV-NY-1") + " är registrerad." in all_text(test)  # the code as text, not Markdown
    pid, coach = db.execute("SELECT id, coach_id FROM participants WHERE code = 'JV-NY-1'").fetchone()
    assert coach == get_user(db, "anna").id
    assert db.execute("SELECT count(*) FROM consents WHERE participant_id = ?", [pid]).fetchone()[0] == 1

    test = as_user(demo, monkeypatch, "participant_page").run()
    test.selectbox(key="coach_participant").select("JV-NY-1").run()
    exit_form = [s for s in test.selectbox if s.label == "Avslutsorsak"][0]
    assert set(exit_form.options) == {o.label.sv for o in __import__("surveys.definitions", fromlist=["x"])
                                      .shipped_catalog().programme("jobbvagen_ar").outcomes}
    exit_form.select("studier_csn")
    [b for b in test.button if b.label == "Registrera avslut"][0].click().run()
    assert db.execute("SELECT outcome FROM enrolments WHERE participant_id = ?", [pid]).fetchone()[0] == "studier_csn"


def test_outcome_not_in_the_programme_is_refused(demo):
    from stegvis.access import Access
    from stegvis.errors import StegvisError
    from surveys.definitions import shipped_catalog

    _, db = demo
    anna = Access(db, get_user(db, "anna"), shipped_catalog())
    enrolment = anna.caseload().query("exited_on.isna()").iloc[0]["enrolment_id"]
    with pytest.raises(StegvisError, match="avslutsorsaken 'studier' finns inte i Jobbvägen AR"):
        anna.record_exit(int(enrolment), "2026-11-20", "studier")  # a Porten outcome


def test_registering_without_consent_is_refused(demo, monkeypatch):
    _, db = demo
    test = as_user(demo, monkeypatch, "register_page").run()
    test.text_input(key="reg_code").input("JV-NY-2")
    test.button[0].click().run()
    assert "Samtycke krävs" in all_text(test)
    assert db.execute("SELECT count(*) FROM participants WHERE code = 'JV-NY-2'").fetchone()[0] == 0


def test_trends_page(demo, monkeypatch):
    test = as_user(demo, monkeypatch, "trends_page", "cecilia").run()
    assert not test.exception
    assert "Andel förbättrade" in [m.label for m in test.metric]
