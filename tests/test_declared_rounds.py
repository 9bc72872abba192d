"""Programmes and the förbund declare their yearly survey rounds; the administrator's to-do on
the Enkätomgångar page offers each from its month until it is made that year (one click makes
it, filled in from the declaration), and lists the rounds running with answered ÷ invited."""

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from foundation.errors import AccessDenied, StegvisError
from indicators.round_schedule import rounds_todo, suggested_closing
from stegvis.access import Access
from stegvis.accounts import create_user
from stegvis.database import open_db
from surveys.definitions import canonical_json, load_file, parse_text, shipped_catalog, validate_paths
from surveys.rounds import Round, create_round, list_rounds
from surveys.store import publish_definitions

ROUNDS = Path(__file__).parent / "fixtures" / "definitions" / "rounds"
PROGRAMME = """id: p
version: 1
name: P
occasions: [{id: a, label: A, instruments: [nulage_onskat]}]
outcomes: [{id: x, label: X}]
rounds:
"""


def with_rounds(*lines: str) -> str:
    return PROGRAMME + "".join(f"  - {line}\n" for line in lines)


# -- the declarations -----------------------------------------------------------------------------


def test_the_shipped_programmes_and_forbund_declare_rounds():
    catalog = shipped_catalog()
    jobbvagen = {r.id: r for r in catalog.declared_rounds("jobbvagen_ar")}
    assert {(r.group, r.month) for r in jobbvagen.values()} == {("insatspersonal", 11), ("styrelse", 11)}  # seed 000
    assert [r.group for r in catalog.declared_rounds("efterstod")] == ["arbetsgivare"]  # seed 004
    assert {r.group for r in catalog.declared_rounds(None)} == {"chefer", "remittenter"}


@pytest.mark.parametrize("line, expected", [
    ("{id: h, group: insatspersonal, instruments: [insatspersonal], month: 13}",
     r"p.yaml:7: rounds.0.month: Input should be less than or equal to 12"),
    ("{id: h, group: insatspersonal, instruments: [], month: 11}",
     r"p.yaml:7: rounds.0.instruments: List should have at least 1 item"),
    ("{id: h, group: insatspersonal, instruments: [insatspersonal, insatspersonal], month: 11}",
     r"p.yaml:7: rounds.0.instruments.1: duplicate instrument insatspersonal"),
    ("{id: h, group: insatspersonal, instruments: [insatspersonal], month: 11, when: hosten}",
     r"p.yaml:7: rounds.0.when: unknown field `when`"),
])
def test_a_bad_declaration_names_the_line_and_field(line, expected):
    with pytest.raises(StegvisError, match=expected):
        parse_text(with_rounds(line), "p.yaml")


def test_two_rounds_with_one_id_are_refused():
    text = with_rounds("{id: h, group: styrelse, instruments: [styrelse], month: 11}",
                       "{id: h, group: insatspersonal, instruments: [insatspersonal], month: 11}")
    with pytest.raises(StegvisError, match=r"p.yaml:8: rounds.1: duplicate round id h"):
        parse_text(text, "p.yaml")


@pytest.mark.parametrize("line, expected", [
    ("{id: h, group: grannar, instruments: [insatspersonal], month: 11}",
     "p.yaml: programme p, round h: group grannar is not declared in"),
    ("{id: h, group: deltagare, instruments: [deltagare_avslut], month: 11}",
     "p.yaml: programme p, round h: group deltagare answers with codes from a coach"),
    ("{id: h, group: styrelse, instruments: [finns_inte], month: 11}",
     "p.yaml: programme p, round h: unknown instrument finns_inte"),
    ("{id: h, group: styrelse, instruments: [insatspersonal], month: 11}",
     "p.yaml: programme p, round h: instrument insatspersonal is for the group insatspersonal, not styrelse"),
])
def test_the_catalogue_checks_group_and_instruments_of_a_programmes_round(tmp_path, line, expected):
    path = tmp_path / "p.yaml"
    path.write_text(with_rounds(line), encoding="utf-8")
    with pytest.raises(StegvisError, match=expected):
        validate_paths([path])


def test_the_catalogue_checks_the_forbunds_rounds_and_names_its_file(tmp_path):
    path = tmp_path / "forbund.yaml"
    path.write_text("rounds:\n  - {id: v, group: chefer, instruments: [styrelse], month: 3}\n", encoding="utf-8")
    with pytest.raises(StegvisError, match="forbund.yaml: förbund, round v: instrument styrelse is for the group "
                                           "styrelse, not chefer"):
        validate_paths([path])


def test_a_programme_without_rounds_is_stored_as_before():
    """Programmes published before rounds could be declared compare equal, so publishing does not
    refuse them; a programme that declares rounds carries them."""
    porten = shipped_catalog().programme("porten")
    assert not porten.rounds and '"rounds"' not in canonical_json(porten)
    assert '"rounds"' in canonical_json(shipped_catalog().programme("jobbvagen_ar"))


# -- the to-do ------------------------------------------------------------------------------------


def made(id_, programme, declared, opened, closes, closed=None, answered=0, invited=10):
    return Round(id_, "insatspersonal", ("insatspersonal",), programme, declared, invited, opened, closes, answered,
                 answered, closed)


def catalog_with_fixture():
    catalog = shipped_catalog().copy()
    catalog.add(load_file(ROUNDS / "arsrundan.yaml"))
    return catalog


def due_ids(todo):
    return [(d.programme_id, d.declared.id) for d in todo.due]


def test_a_round_is_due_from_its_month_until_made_that_year():
    catalog = shipped_catalog()
    assert due_ids(rounds_todo(catalog, [], date(2026, 2, 27))) == []
    assert due_ids(rounds_todo(catalog, [], date(2026, 3, 1))) == [(None, "chefer_varen")]
    november = rounds_todo(catalog, [], date(2026, 11, 2))
    assert due_ids(november) == [(None, "chefer_varen"), (None, "remittenter_hosten"),
                                 ("efterstod", "arbetsgivare_november"), ("jobbvagen_ar", "personal_november"),
                                 ("jobbvagen_ar", "styrelse_november")]  # oldest month first
    last_year = made(1, "jobbvagen_ar", "personal_november", "2025-11-01", "2025-11-30", "2025-12-01")
    this_year = made(2, None, "chefer_varen", "2026-03-02", "2026-03-31", "2026-04-01")
    other_programme = made(3, "efterstod", "personal_november", "2026-11-01", "2026-11-30")
    undeclared = made(4, "jobbvagen_ar", None, "2026-11-01", "2026-11-30")
    todo = rounds_todo(catalog, [last_year, this_year, other_programme, undeclared], date(2026, 11, 2))
    assert (None, "chefer_varen") not in due_ids(todo), "made this year"
    assert ("jobbvagen_ar", "personal_november") in due_ids(todo), "made last year, or made for another programme"
    assert [r.round.id for r in todo.running] == [3, 4]


def test_a_due_round_suggests_the_month_end_and_at_least_two_weeks():
    assert suggested_closing(11, date(2026, 11, 2)) == date(2026, 11, 30)
    assert suggested_closing(11, date(2026, 11, 20)) == date(2026, 12, 31)  # ten days left is too few
    assert suggested_closing(3, date(2026, 11, 2)) == date(2026, 11, 30)  # made late: this month
    todo = rounds_todo(shipped_catalog(), [], date(2026, 11, 2))
    chefer = todo.due[0]
    assert (chefer.due_since, chefer.closes_on, chefer.declared.invited) == (date(2026, 3, 1), date(2026, 11, 30), 24)


def test_running_rounds_show_days_left_soonest_first():
    todo = rounds_todo(shipped_catalog(), [
        made(1, None, None, "2026-11-01", "2026-12-20", answered=3, invited=8),
        made(2, None, None, "2026-11-01", "2026-11-10"),
        made(3, None, None, "2026-10-01", "2026-10-31", closed="2026-11-01"),
    ], date(2026, 11, 10))
    assert [(r.round.id, r.days_left) for r in todo.running] == [(2, 0), (1, 40)]


def test_a_round_made_from_a_declaration_must_be_that_round(db):
    catalog = shipped_catalog()
    closes = (date.today() + timedelta(days=20)).isoformat()
    with pytest.raises(StegvisError, match="Jobbvägen AR har ingen årlig omgång hosten"):
        create_round(db, catalog, group="insatspersonal", instruments=["insatspersonal"], invited=3,
                     closes_on=closes, programme_id="jobbvagen_ar", declared="hosten")
    with pytest.raises(StegvisError, match="förbundet har ingen årlig omgång personal_november"):
        create_round(db, catalog, group="insatspersonal", instruments=["insatspersonal"], invited=3,
                     closes_on=closes, declared="personal_november")
    with pytest.raises(StegvisError, match="omgången styrelse_november är deklarerad för gruppen styrelse"):
        create_round(db, catalog, group="insatspersonal", instruments=["insatspersonal"], invited=3,
                     closes_on=closes, programme_id="jobbvagen_ar", declared="styrelse_november")
    assert list_rounds(db) == []
    round_, _ = create_round(db, catalog, group="styrelse", instruments=["styrelse"], invited=3, closes_on=closes,
                             programme_id="jobbvagen_ar", declared="styrelse_november")
    assert round_.declared == "styrelse_november"


# -- the administrator's page ---------------------------------------------------------------------


def rounds_page():
    from dashboards.rounds import page

    page()


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A database with a programme whose round is due every day of the year (month 1)."""
    path = tmp_path / "todo.db"
    db = open_db(path)
    publish_definitions(db, catalog_with_fixture())
    admin = create_user(db, "admin", "ett långt lösenord", "admin")
    monkeypatch.setenv("STEGVIS_DB", str(path))
    yield db, admin  # the page reads this database's definitions, the fixture's included


def open_page(admin):
    test = AppTest.from_function(rounds_page, default_timeout=60)
    test.session_state["user"] = admin
    test.session_state["last_seen"] = time.monotonic()
    return test.run()


def test_the_page_makes_a_due_round_with_one_click(world):
    db, admin = world
    test = open_page(admin)
    assert not test.exception
    assert test.subheader[0].value == "Att göra"
    assert any("Årsrundan" in m.value and "svarar varje år i januari" in m.value for m in test.markdown)
    key = "todo_arsrundan_januari"
    assert test.number_input(key=f"{key}_invited").value == 7  # the declaration's suggestion
    test.number_input(key=f"{key}_invited").set_value(5)
    [button] = [b for b in test.button if b.proto.form_id == key]
    test = button.click().run()
    assert not test.exception
    [made] = [r for r in list_rounds(db) if r.programme_id == "arsrundan"]
    assert (made.declared, made.respondent_group, made.invited, made.instruments) == \
        ("januari", "insatspersonal", 5, ("insatspersonal",))
    assert made.closes_on >= (date.today() + timedelta(days=14)).isoformat()
    assert any("Omgång" in s.value and "5 koder" in s.value for s in test.success)
    assert not [b for b in test.button if b.proto.form_id == key], "made: no longer due"
    assert any("Årsrundan" in m.value and "0 av 5 har svarat" in m.value for m in test.markdown)


def test_the_todo_is_for_the_administrator_only(world):
    db, _ = world
    coach = create_user(db, "coach", "ett långt lösenord", "coach")
    assert open_page(coach).exception
    with pytest.raises(AccessDenied):
        Access(db, coach, catalog_with_fixture()).rounds_todo()


def test_cli_lists_due_rounds_and_makes_one_from_its_declaration(tmp_path, capsys, monkeypatch):
    from stegvis.cli import run

    monkeypatch.delenv("STEGVIS_CODE_KEY", raising=False)
    path = str(tmp_path / "c.db")
    assert run(["init", "--db", path]) == 0
    capsys.readouterr()
    assert run(["round", "due", "--db", path]) == 0
    due = capsys.readouterr().out
    expected = [r.id for r in shipped_catalog().declared_rounds(None) if r.month <= date.today().month]
    for declared in expected:
        assert f"stegvis round new --declared {declared} --invited" in due
    assert run(["round", "new", "--declared", "remittenter_hosten", "--invited", "42", "--db", path]) == 0
    [made] = list_rounds(open_db(path))
    assert (made.declared, made.respondent_group, made.instruments, made.programme_id) == \
        ("remittenter_hosten", "remittenter", ("remittenter",), None)
    assert made.closes_on >= (date.today() + timedelta(days=14)).isoformat()
    capsys.readouterr()
    assert run(["round", "due", "--db", path]) == 0
    assert "--declared remittenter_hosten" not in capsys.readouterr().out
    assert run(["round", "new", "--invited", "3", "--db", path]) == 1
    assert "name --group, --instrument, --closes, or a declared round" in capsys.readouterr().err
