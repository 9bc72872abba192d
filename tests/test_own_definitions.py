"""A förbund's own definitions work on every page: an instrument whose scales are not KASAM's
(no scale called total), shared with the participant by the coach, in a programme whose
occasions are not called intake or exit, with its own duration bands. Everything is made
through the functions a user's clicks call (registering, opening a visit, answering with the
code, sharing, recording exits) and read through the pages."""

import time
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from stegvis import reports
from stegvis.access import Access
from stegvis.accounts import create_user, get_user
from stegvis.database import open_db
from stegvis.entrance import Entrance
from surveys.definitions import Catalog, load_file, shipped_catalog
from surveys.store import publish_definitions

OWN = Path(__file__).parent / "fixtures" / "definitions" / "own"
PEOPLE = 12
# ork (energy) starts low for everyone; at the last talk two thirds have more of it
FIRST = {"e1": 1, "e2": 2, "o1": 4, "o2": 4}
LAST_BETTER = {"e1": 4, "e2": 5, "o1": 2, "o2": 2}


def own_catalog() -> Catalog:
    shipped = shipped_catalog()
    catalog = shipped.copy()
    for path in sorted(OWN.glob("*.yaml")):
        catalog.add(load_file(path))
    return catalog


def answer(entrance: Entrance, code: str, values: dict) -> None:
    visit = entrance.open_code(code, "192.0.2.10")
    while (part := visit.current()) is not None:
        for item in part.questions:
            visit.give(part, item.id, values[item.id])
        visit.send_in(part)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("own") / "own.db"
    db = open_db(path)
    catalog = own_catalog()
    publish_definitions(db, catalog)
    create_user(db, "olle", "ett långt lösenord", "coach", coach_of=["stodlinjen"])
    create_user(db, "styrelsen", "ett långt lösenord", "board")
    coach = Access(db, get_user(db, "olle"), catalog)
    entrance = Entrance(path, catalog)
    codes = []
    for n in range(PEOPLE):
        code = f"SL-{n:03d}"
        pid = coach.register_participant(code, "kvinna" if n % 2 else "man", 1980 + n, "stodlinjen",
                                         f"2025-0{1 + n % 3}-1{n % 9}", "v1", "enkäter")
        answer(entrance, coach.open_visit(pid, "forsta_samtalet")[1], FIRST)
        answer(entrance, coach.open_visit(pid, "sista_samtalet")[1], LAST_BETTER if n % 3 else FIRST)
        if n % 2:
            coach.share_results(pid, "valmaende", True)
        enrolment = coach.participant(pid)["enrolments"][0]["id"]
        coach.record_exit(enrolment, f"2025-0{7 + n % 3}-2{n % 9}", "arbete" if n % 3 else "annat")
        codes.append((pid, code))
    return path, db, catalog, codes


def page_test(world, monkeypatch, page, username):
    path, db, *_ = world
    monkeypatch.setenv("STEGVIS_DB", str(path))
    # the pages read the published definitions of this database, the fixture's own included
    test = AppTest.from_function(page, default_timeout=60)
    test.session_state["user"] = get_user(db, username)
    test.session_state["last_seen"] = time.monotonic()
    return test


def coach_participant():
    from dashboards.coach import participant_page

    participant_page()


def coach_trends():
    from dashboards.coach import trends_page

    trends_page()


def coach_caseload():
    from dashboards.coach import caseload_page

    caseload_page()


def board():
    from dashboards.board import page

    page()


def survey():
    from dashboards.survey import page

    page()


def test_the_change_is_measured_between_the_programmes_own_anchors(world):
    catalog = world[2]
    assert catalog.programme("stodlinjen").change_occasions("valmaende") == ("forsta_samtalet", "sista_samtalet")


def test_coach_sees_a_tab_for_the_own_instrument_and_shares_it(world, monkeypatch):
    _, db, catalog, codes = world
    pid, code = codes[0]  # not shared yet
    test = page_test(world, monkeypatch, coach_participant, "olle").run()
    test.selectbox(key="coach_participant").select(code).run()
    assert not test.exception, test.exception
    labels = [t.label for t in test.tabs]
    assert "Välmående" in labels and not any("KASAM" in label for label in labels)
    assert len(test.get("plotly_chart")) >= 2  # the headline scale (ork) and the other scale (oro)
    toggle = test.toggle(key="share_results_valmaende")
    assert toggle.value is False
    toggle.set_value(True).run()
    assert not test.exception
    assert Access(db, get_user(db, "olle"), catalog).participant(pid)["shared_results"] == ["valmaende"]


def test_coach_trends_and_caseload_use_the_declared_scales(world, monkeypatch):
    for page in (coach_trends, coach_caseload):
        test = page_test(world, monkeypatch, page, "olle").run()
        assert not test.exception, (page.__name__, test.exception)
    trends = page_test(world, monkeypatch, coach_trends, "olle").run()
    assert any("Välmående" in str(s.value) for s in trends.header)


def test_the_participant_sees_their_shared_results(world, monkeypatch):
    path, db, catalog, codes = world
    pid, _ = codes[1]  # shared in the fixture
    coach = Access(db, get_user(db, "olle"), catalog)
    code = coach.open_visit(pid, "sista_samtalet", again=True)[1]
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(survey, default_timeout=60).run()
    test.text_input(key="code_input").input(code)
    test.button[0].click().run()
    for _ in range(4):
        next(b for b in test.button if b.label.startswith("3")).click().run()
    test.button(key="send").click().run()
    test.button(key="show_progress_btn").click().run()
    assert not test.exception, test.exception
    assert any("Välmående" in str(s.value) for s in test.subheader), "the shared instrument's results are shown"
    said = [str(p.proto.text) for p in test.get("progress")]
    assert any("Nu" in text or "Första gången" in text for text in said), said  # its band, in words


def test_board_report_page_pdf_and_workbook(world, monkeypatch):
    _, db, catalog, _ = world
    report = Access(db, get_user(db, "styrelsen"), catalog).board_report("stodlinjen", "2025")
    ids = {t.id for t in report.tables}
    assert "change/valmaende" in ids
    durations = next(t for t in report.tables if t.id.startswith("durations"))
    assert durations.rows == ["kort", "lang", "alla"]
    assert [g.id for g in report.goals] == ["mer_ork"]
    assert reports.pdf(report)[:4] == b"%PDF" and reports.xlsx(report)[:2] == b"PK"
    test = page_test(world, monkeypatch, board, "styrelsen").run()
    assert not test.exception, test.exception
    test.selectbox(key=test.selectbox[0].key).select("stodlinjen").run()
    assert not test.exception, test.exception


def test_the_all_programmes_report_keeps_each_programmes_own_bands(world):
    _, db, catalog, _ = world
    report = Access(db, get_user(db, "styrelsen"), catalog).board_report(None, "2025")
    durations = [t for t in report.tables if t.id.startswith("durations")]
    assert len(durations) >= 2  # the shipped programmes' bands (Porten has its own), and Stödlinjen's
    assert any(t.rows == ["kort", "lang", "alla"] for t in durations)
    assert date.today() > date(2025, 12, 31)
