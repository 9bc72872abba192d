"""Status after exit and at the turn of each year: recorded by the coach or read from the short
follow-up survey's answer (the occasion's `status_item`), due on the coach's list until done,
and counted by the goals of the period that holds the year end."""

from datetime import date

import pandas as pd
import pytest

from foundation.db import clock
from foundation.errors import StegvisError
from indicators.goals import evaluate_goal
from indicators.schedule import occasion_dates, todos
from stegvis.access import Access
from stegvis.accounts import create_user, get_user
from stegvis.aggregates import read_inputs
from stegvis.database import open_db
from stegvis.visits import ParticipantVisit
from surveys.definitions import parse_text, shipped_catalog
from surveys.path import followup_year, record_followup
from surveys.sessions import open_visit
from surveys.store import publish_definitions

from datetime import datetime, timezone

CATALOG = shipped_catalog()
EFTERSTOD = CATALOG.programme("efterstod")


@pytest.fixture
def world(tmp_path):
    db = open_db(tmp_path / "followups.db")
    publish_definitions(db)
    create_user(db, "coach", "ett långt lösenord", "coach", coach_of=["efterstod", "jobbvagen_ar"])
    return db, Access(db, get_user(db, "coach"), CATALOG)


def enrol(api, code, started, exited=None, outcome=None, gender="kvinna") -> int:
    pid = api.register_participant(code, gender, 1985, "efterstod", started, "seed", "seed")
    if exited:
        api.record_exit(api.participant(pid)["enrolments"][0]["id"], exited, outcome)
    return pid


def answer_follow_up(db, pid, occasion, status, day):
    """The person opens the code the coach sent and answers on their phone, on `day`."""
    with clock(datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)):
        _, code = open_visit(db, CATALOG, programme_id="efterstod", occasion=occasion, participant_id=pid)
        from surveys.sessions import visit_for_code

        visit = ParticipantVisit(db, CATALOG, visit_for_code(db, code).visit)
        parts = visit.parts()
        cur = parts[0]
        if status is not None:
            visit.give(cur, "gor_nu", status)
        visit.give(cur, "behover_stod", "nej")
        visit.send_in_all(parts)  # one "Skicka in" for the whole visit, as the page does


def statuses(db):
    return db.execute("SELECT occasion, year, status, source FROM followups ORDER BY id").fetchall()


def test_the_survey_answer_is_the_status_and_a_skipped_one_records_none(world):
    db, api = world
    pid = enrol(api, "EF-1", "2025-01-10", "2025-06-30", "behallit_arbete")
    answer_follow_up(db, pid, "uppfoljning_6m", "studier", date(2026, 1, 5))
    assert statuses(db) == [("uppfoljning_6m", 0, "studier", "survey")]
    api.record_followup(pid, "efterstod", "uppfoljning_6m", "arbete")  # the coach called since: it replaces
    assert statuses(db) == [("uppfoljning_6m", 0, "arbete", "coach")]
    other = enrol(api, "EF-2", "2025-01-10", "2025-06-30", "behallit_arbete")
    answer_follow_up(db, other, "uppfoljning_6m", None, date(2026, 1, 5))
    assert len(statuses(db)) == 1, "a survey with the status question skipped records no status"
    assert db.execute("SELECT count(*) FROM survey_sessions WHERE status = 'completed'").fetchone()[0] == 2


def test_a_year_end_status_is_for_those_in_at_the_turn_of_the_year(world):
    """Recorded for a turn of the year the person was in at, never for one still to come."""
    db, api = world
    stays = enrol(api, "EF-3", "2025-03-01")
    left = enrol(api, "EF-4", "2025-03-01", "2025-11-30", "annat")
    answer_follow_up(db, stays, "arsskifte", "arbete", date(2026, 1, 8))
    assert statuses(db) == [("arsskifte", 2025, "arbete", "survey")], "answered in January: last year's turn"
    with clock(datetime(2027, 1, 5, 9, tzinfo=timezone.utc)):  # the turn of 2026 has come
        api.record_followup(stays, "efterstod", "arsskifte", "studier", year=2026)
    with pytest.raises(StegvisError, match="inte inskriven vid årsskiftet 2025"):
        api.record_followup(left, "efterstod", "arsskifte", "arbete", year=2025)
    with pytest.raises(StegvisError, match="inte inskriven vid årsskiftet 2024"):
        api.record_followup(stays, "efterstod", "arsskifte", "arbete", year=2024)
    assert [(o, y) for o, y, *_ in statuses(db)] == [("arsskifte", 2025), ("arsskifte", 2026)]
    with clock(datetime(2026, 11, 30, 9, tzinfo=timezone.utc)), \
            pytest.raises(StegvisError, match="årsskiftet 2026 har inte kommit än"):
        api.record_followup(stays, "efterstod", "arsskifte", "arbete", year=2026)
    with pytest.raises(StegvisError, match="årsskiftet 2031 har inte kommit än"):
        api.record_followup(stays, "efterstod", "arsskifte", "arbete", year=2031)
    arsskifte = EFTERSTOD.occasion("arsskifte")
    assert followup_year(arsskifte, date(2026, 12, 20)) == 2026 and followup_year(arsskifte, date(2026, 3, 1)) == 2025
    assert followup_year(EFTERSTOD.occasion("uppfoljning_6m"), date(2026, 3, 1)) == 0


def test_the_turn_of_each_year_is_due_while_in_and_done_once_recorded(world):
    db, api = world
    days = [d for o, _, d in occasion_dates(EFTERSTOD, date(2024, 5, 1), None, date(2027, 1, 5)) if o == "arsskifte"]
    assert days == [date(2024, 12, 31), date(2025, 12, 31), date(2026, 12, 31)]
    left = occasion_dates(EFTERSTOD, date(2024, 5, 1), date(2025, 6, 1), date(2027, 1, 5))
    assert [d for o, _, d in left if o == "arsskifte"] == [date(2024, 12, 31)], "not after the exit"
    enrolment = {"participant_id": 1, "started_on": "2024-05-01", "exited_on": None}
    empty = pd.DataFrame(columns=["visit", "programme_id", "occasion", "status", "completed_at", "expires_at",
                                  "created_at", "started"])
    due = [t for t in todos(EFTERSTOD, enrolment, empty, date(2025, 1, 5), {"arsskifte": 0}) if t.occasion == "arsskifte"]
    assert [(t.kind, t.on) for t in due] == [("due", date(2024, 12, 31))]
    done = [t for t in todos(EFTERSTOD, enrolment, empty, date(2025, 1, 5), {"arsskifte": 1}) if t.occasion == "arsskifte"]
    assert done == []
    next_year = todos(EFTERSTOD, enrolment, empty, date(2026, 1, 20), {"arsskifte": 1})
    assert [(t.kind, t.on) for t in next_year if t.occasion == "arsskifte"] == [("overdue", date(2025, 12, 31))]


def test_seed_004_all_eight_in_work_or_studies_at_the_turn_of_the_year(world):
    """Seed 004: eleven enrolled from August 2018, three left early; at the year-end check the
    eight still in were all in work or studies. The goal counts the turns of the year within
    the period, so a half-year without one has nobody to count."""
    db, api = world
    for n in range(8):
        pid = enrol(api, f"S4-{n}", "2018-08-20", gender="kvinna" if n < 3 else "man")
        if n < 5:  # by mail or SMS: the short survey
            answer_follow_up(db, pid, "arsskifte", "arbete" if n % 2 else "studier", date(2019, 1, 7))
        else:  # the coach called
            record_followup(db, EFTERSTOD, pid, "arsskifte", "arbete", "2019-01-10", year=2018)
    for n in range(3):
        enrol(api, f"S4-x{n}", "2018-08-20", "2018-11-15", "annat", gender="man")
    inputs = read_inputs(db, CATALOG, "efterstod", None)
    frame = inputs["enrolments"].assign(
        started_on=lambda f: f["started_on"].dt.date.astype(str),
        exited_on=lambda f: f["exited_on"].dt.date.astype(str).where(f["exited_on"].notna()))
    goal = next(g for g in EFTERSTOD.goals if g.id == "vid_arsskiftet")

    def result(period):
        return evaluate_goal(EFTERSTOD, goal, frame, period=period, path=inputs["path"])

    year = result(("2018-01-01", "2018-12-31"))
    assert (year.numerator, year.denominator, year.met) == (8, 8, True)
    assert (year.breakdowns["gender"]["kvinna"].denominator, year.breakdowns["gender"]["man"].denominator) == (3, 5)
    assert result(("2019-01-01", "2019-06-30")).denominator == 0, "no turn of the year in the first half of 2019"


def test_status_item_must_be_a_choice_of_the_statuses():
    from surveys.definitions import Catalog

    programme = parse_text("""id: p
version: 1
name: P
occasions:
  - {id: a, label: A}
  - {id: f, label: F, anchor: year_end, records_status: true, instruments: [sysselsattning], status_item: behover_stod}
outcomes:
  - {id: x, label: X}
""", "p.yaml")
    catalog = Catalog()
    for instrument in CATALOG.latest_instruments():
        catalog.add(instrument)
    catalog.add(programme)
    assert any("status_item behover_stod must be a single choice of arbete, studier, varken" in p
               for p in catalog.problems())
    with pytest.raises(StegvisError, match=r"p.yaml:6: occasions.1.status_item: .*needs records_status"):
        parse_text("""id: p
version: 1
name: P
occasions:
  - {id: a, label: A}
  - {id: f, label: F, anchor: exit, instruments: [sysselsattning], status_item: gor_nu}
outcomes:
  - {id: x, label: X}
""", "p.yaml")


def test_a_round_survey_with_the_status_question_records_no_status(world):
    """Only a participant's own follow-up records a status: an anonymous answer is nobody's."""
    db, _ = world
    from surveys.path import status_from_survey
    from surveys.answers import Answer

    answers = {"gor_nu": Answer("gor_nu", value_text="arbete", value_type="text")}
    assert status_from_survey(db, EFTERSTOD, None, "arsskifte", "sysselsattning", answers) is None
    assert status_from_survey(db, EFTERSTOD, 1, "arsskifte", "efterstod_uppfoljning", answers) is None, \
        "an instrument the occasion does not read its status from"
    assert statuses(db) == []
