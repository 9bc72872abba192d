"""The coach's to-do rules: due, overdue, near and past the maximum, expired codes."""

from datetime import date

import pandas as pd

from indicators.schedule import occasion_dates, todos

COLUMNS = ["visit", "programme_id", "occasion", "status", "completed_at", "expires_at", "created_at", "started"]


def sessions(*rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def kinds(result):
    return sorted((t.kind, t.occasion) for t in result)


def test_three_monthly_follow_up_dates_stop_at_the_maximum(catalog):
    programme = catalog.programme("jobbvagen_ar")
    dates = occasion_dates(programme, date(2025, 1, 15), None, date(2026, 6, 1))
    followups = [d for o, _, d in dates if o == "followup"]
    assert followups == [date(2025, 4, 15), date(2025, 7, 15), date(2025, 10, 15), date(2026, 1, 15)]


def test_intake_due_then_overdue(catalog):
    programme = catalog.programme("jobbvagen_ar")
    enrolment = {"participant_id": 1, "started_on": "2026-11-10", "exited_on": None}
    assert kinds(todos(programme, enrolment, sessions(), date(2026, 11, 20))) == [("due", "intake")]
    assert kinds(todos(programme, enrolment, sessions(), date(2026, 11, 30))) == [("overdue", "intake")]


def test_done_occasions_are_not_listed_and_next_follow_up_is(catalog):
    programme = catalog.programme("jobbvagen_ar")
    enrolment = {"participant_id": 1, "started_on": "2026-01-10", "exited_on": None}
    done = sessions(("v1", "jobbvagen_ar", "intake", "completed", "2026-01-10", None, "2026-01-10", True),
                    ("v2", "jobbvagen_ar", "followup", "completed", "2026-04-10", None, "2026-04-10", True),
                    ("v2", "jobbvagen_ar", "followup", "completed", "2026-04-10", None, "2026-04-10", True))
    result = todos(programme, enrolment, done, date(2026, 7, 5))
    assert kinds(result) == [("due", "followup")] and result[0].on == date(2026, 7, 10)


def test_near_and_past_the_maximum(catalog):
    programme = catalog.programme("jobbvagen_ar")
    enrolment = {"participant_id": 1, "started_on": "2025-12-01", "exited_on": None}
    assert ("near_max", None) in kinds(todos(programme, enrolment, sessions(), date(2026, 11, 15)))
    assert ("past_max", None) in kinds(todos(programme, enrolment, sessions(), date(2026, 12, 5)))
    exited = dict(enrolment, exited_on="2026-10-01")
    assert not [t for t in todos(programme, exited, sessions(), date(2026, 12, 5)) if "max" in t.kind]


def test_expired_unused_code(catalog):
    programme = catalog.programme("jobbvagen_ar")
    enrolment = {"participant_id": 1, "started_on": "2026-11-01", "exited_on": None}
    out = sessions(("v9", "jobbvagen_ar", "intake", "open", None, "2026-11-15T10:00:00+00:00", "2026-11-01", False))
    result = todos(programme, enrolment, out, date(2026, 11, 20))
    assert ("code_expired", "intake") in kinds(result)
    assert ("due", "intake") not in kinds(result), "a code is out for the intake"


def test_missing_exit_from_a_frame_is_not_a_date(catalog):
    programme = catalog.programme("jobbvagen_ar")
    enrolment = {"participant_id": 1, "started_on": "2026-11-10", "exited_on": float("nan")}
    assert kinds(todos(programme, enrolment, sessions(), date(2026, 11, 20))) == [("due", "intake")]
