"""The participant's code page through AppTest: wrong codes from one browser slow down, and
the kind message never says whether a code exists."""

import pytest
from streamlit.testing.v1 import AppTest

from surveys.definitions import shipped_catalog
from surveys.sessions import open_visit
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent


def survey_page():
    from dashboards.survey import page

    page()


@pytest.fixture
def code(tmp_path, monkeypatch):
    import stegvis.visits

    from surveys.guessing import CodeGuard

    monkeypatch.setattr(stegvis.visits, "GUARD", CodeGuard())  # a fresh record for this test
    path = tmp_path / "p.db"
    db = open_db(path)
    publish_definitions(db)
    db["participants"].insert({"id": 1, "code": "S-1", "gender": "man", "created_at": "x"})
    record_consent(db, 1, "porten", "2026-01-01", "1", "s")
    monkeypatch.setenv("STEGVIS_DB", str(path))
    return open_visit(db, shipped_catalog(), programme_id="porten", occasion="exit",
                      instruments=["sjalvskattning"], participant_id=1)[1]


def attempt(test, typed):
    test.text_input(key="code_input").input(typed)
    test.button[0].click().run()
    return [e.value for e in test.error], [w.value for w in test.warning]


def test_repeated_wrong_codes_slow_down_and_then_even_the_right_code_waits(code):
    test = AppTest.from_function(survey_page, default_timeout=60)
    test.run()
    for _ in range(3):
        errors, warnings = attempt(test, "ZZZZZ2")
        assert errors and "Koden fungerar inte" in errors[0] and not warnings
    errors, warnings = attempt(test, code)  # right code, but this browser must wait a moment
    assert warnings and "Vänta en liten stund" in warnings[0]
    assert "visit" not in test.session_state or not test.session_state["visit"]


def test_right_code_opens_the_first_question(code):
    test = AppTest.from_function(survey_page, default_timeout=60)
    test.run()
    attempt(test, code.lower())
    assert test.session_state["visit"]
    assert any("Fråga 1 av 6" in str(p.value) or "Fråga 1 av 6" in getattr(p, "text", "") for p in test.progress) \
        or test.subheader


def test_own_results_are_titled_by_the_instrument_and_say_when_the_coach_shared_them():
    def titles():
        import streamlit as st

        from dashboards.survey import shared_title
        from surveys.definitions import shipped_catalog

        catalog = shipped_catalog()
        for instrument_id in ("kasam29", "sjalvskattning"):
            st.text(shared_title(catalog.instrument(instrument_id), "sv"))

    test = AppTest.from_function(titles).run()
    assert [t.value for t in test.text] == ["KASAM-29 (känsla av sammanhang), som din coach har delat med dig",
                                            shipped_catalog().instrument("sjalvskattning").title.sv]
