"""Data is shown as text, never as Markdown: a participant code, a text pack's wording and a
participant's free text that hold Markdown images, links or HTML come out as their characters
on the participant's summary and the coach's page (no element would make the browser fetch)."""

import time

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from stegvis.accounts import create_user
from surveys.definitions import shipped_catalog
from surveys.models import TextPack, TextPackItem
from surveys.sessions import open_visit
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent
from surveys.survey_flow import current, give, send_in
from surveys.textpacks import install_textpack, record_permission

HOSTILE = "![x](http://127.0.0.1:9/beacon) [klicka](http://example.org) <img src=x> $x^2$ **fet**"
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _active(tokens):
    """Images, links and HTML anywhere in the parsed tokens."""
    for token in tokens:
        if token.type in ("image", "link_open", "html_inline", "html_block"):
            yield token.type
        yield from _active(token.children or [])


def rendered(test) -> list[str]:
    """Every string the page hands to Streamlit's Markdown: bodies, headings, messages, labels."""
    bodies = [e.value for kind in ("markdown", "caption", "subheader", "header", "title", "info", "warning",
                                   "error", "success") for e in getattr(test, kind)
              if not getattr(e.proto, "allow_html", False)]  # the page's own CSS, never data
    labels = [e.label for kind in ("button", "checkbox", "expander", "tabs") for e in getattr(test, kind)]
    return [str(text) for text in bodies + labels if text]


def assert_inert(test, *originals):
    texts = rendered(test)
    for text in texts:
        assert not list(_active(PARSER.parse(text))), text
    visible = " ".join(PARSER.renderInline(t) for t in texts)
    for original in originals:  # shown, as its characters (HTML-escaped by the renderer)
        assert original.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in visible, original


def resume_token(visit_id: str) -> str:
    """What a browser holds once its code has opened the visit (dashboards/survey.py)."""
    import os

    from stegvis.visits import RESUMES

    return RESUMES.issue(str(os.environ.get("STEGVIS_DB")), visit_id)


def survey_page():
    from dashboards.survey import page

    page()


def participant_page():
    from dashboards.coach import participant_page

    participant_page()


@pytest.fixture
def setup(tmp_path, monkeypatch):
    path = tmp_path / "m.db"
    db = open_db(path)
    publish_definitions(db)
    coach = create_user(db, "anna", "ett långt lösenord", "coach", coach_of=["efterstod"])
    # a code stored before imports were checked (the issue's case): it must still show inert
    db["participants"].insert({"id": 1, "code": HOSTILE, "gender": "man", "coach_id": coach.id, "created_at": "x"})
    db["enrolments"].insert({"participant_id": 1, "programme_id": "efterstod", "started_on": "2026-01-01"})
    record_consent(db, 1, "efterstod", "2026-01-01", "1", "s")
    catalog = shipped_catalog()
    instrument = catalog.instrument("deltagare_avslut")
    pack = TextPack(instrument="deltagare_avslut", language="sv", title=f"Titel {HOSTILE}",
                    items={i.id: TextPackItem(text=f"{i.id} {HOSTILE}") for i in instrument.items})
    record_permission(db, instrument, "test")
    install_textpack(db, pack, instrument)
    monkeypatch.setenv("STEGVIS_DB", str(path))
    return db, catalog, coach


def test_wording_and_free_text_on_the_participants_summary_are_inert(setup):
    db, catalog, _ = setup
    visit, _ = open_visit(db, catalog, programme_id="efterstod", occasion="exit", participant_id=1)
    cur = current(db, catalog, visit.visit)
    for item in cur.questions:
        give(db, cur, item.id, f"Mitt svar {HOSTILE}" if item.kind == "free_text" else 4)
    test = AppTest.from_function(survey_page, default_timeout=60)
    test.session_state["resume"] = resume_token(visit.visit)
    test.run()
    assert not test.exception
    assert any("Skicka in" == b.label for b in test.button)  # the summary page
    assert_inert(test, f"kommentar {HOSTILE}", f"Mitt svar {HOSTILE}")


def test_wording_on_a_question_is_inert(setup):
    db, catalog, _ = setup
    visit, _ = open_visit(db, catalog, programme_id="efterstod", occasion="exit", participant_id=1)
    test = AppTest.from_function(survey_page, default_timeout=60)
    test.session_state["resume"] = resume_token(visit.visit)
    test.run()
    assert not test.exception
    assert_inert(test, f"stod_nytta {HOSTILE}", f"Titel {HOSTILE}")


def test_a_hostile_code_on_the_coachs_participant_page_is_inert(setup):
    db, catalog, coach = setup
    visit, _ = open_visit(db, catalog, programme_id="efterstod", occasion="exit", participant_id=1)
    cur = current(db, catalog, visit.visit)
    for item in cur.questions:
        give(db, cur, item.id, f"Mitt svar {HOSTILE}" if item.kind == "free_text" else 4)
    send_in(db, cur)
    test = AppTest.from_function(participant_page, default_timeout=60)
    test.session_state["user"] = coach
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    test.selectbox(key="coach_participant").select(HOSTILE).run()  # nobody is chosen until the coach chooses
    assert not test.exception, test.exception
    assert_inert(test, HOSTILE)
