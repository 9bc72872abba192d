"""Goals: population, numerator, share from counts, target and the declared breakdowns."""

import pandas as pd
import pytest

from indicators.goals import evaluate_goal, evaluate_goals, months_between
from indicators.scoring import scored as scores_beside
from stegvis.files import read_table


@pytest.fixture
def seed000(fixtures):
    return read_table(fixtures / "engine" / "seed000_exits.csv").rename(columns={"enrolled_on": "started_on"})


def test_seed000_goal_is_28_of_65_not_44_percent(catalog, seed000):
    programme = catalog.programme("jobbvagen_ar")
    result = evaluate_goal(programme, programme.goals[0], seed000.assign(programme_id="jobbvagen_ar"))
    assert (result.numerator, result.denominator) == (28, 65)
    assert result.share == pytest.approx(0.4308, abs=1e-4) and result.met is False
    gender = result.breakdowns["gender"]
    assert list(gender) == ["kvinna", "man"]
    assert (gender["kvinna"].numerator, gender["kvinna"].denominator) == (17, 35)
    assert (gender["man"].numerator, gender["man"].denominator) == (11, 30)
    assert set(result.breakdowns) == {"gender", "age_group", "time_in_programme"}
    assert sum(c.denominator for c in result.breakdowns["age_group"].values()) == 65


def test_period_selects_exits_within_it(catalog, seed000):
    programme = catalog.programme("jobbvagen_ar")
    frame = seed000.assign(programme_id="jobbvagen_ar")
    result = evaluate_goal(programme, programme.goals[0], frame, period=("2025-01-01", "2025-01-31"))
    assert result.denominator == int((frame["exited_on"].str[:7] == "2025-01").sum())


def test_kasam_goal_uses_paired_change(catalog):
    programme = catalog.programme("porten")
    kasam = catalog.instrument("kasam29")
    goal = next(g for g in programme.goals if g.id == "kasam_okat")
    answers = []
    for pid, intake, exit_ in [(1, 3, 4), (2, 4, 3), (3, 4, 5), (4, 4, None)]:
        answers.append({"participant_id": pid, "occasion": "intake", "completed_at": "2025-01-01",
                        **{f"q{n}": intake for n in range(1, 30)}})
        if exit_ is not None:
            answers.append({"participant_id": pid, "occasion": "exit", "completed_at": "2025-09-01",
                            **{f"q{n}": exit_ for n in range(1, 30)}})
    responses = pd.DataFrame(answers)
    scored = scores_beside(kasam, responses, ["participant_id", "occasion", "completed_at"])
    enrolments = pd.DataFrame({"participant_id": [1, 2, 3, 4], "gender": ["kvinna", "man", "kvinna", "man"],
                               "programme_id": "porten", "started_on": "2025-01-01", "exited_on": "2025-09-01",
                               "outcome": "annat", "birth_year": 1990})
    result = evaluate_goal(programme, goal, enrolments, scores={"kasam29": scored}, instruments={"kasam29": kasam})
    # answering 3 -> 4 everywhere: reversed items move down, plain ones up; totals are compared as scored
    pairs_changes = []
    for pid in (1, 2, 3):
        rows = scored[scored["participant_id"] == pid]
        pairs_changes.append(rows["total"].iloc[-1] - rows["total"].iloc[0])
    assert result.denominator == 3, "participant 4 has no exit score"
    assert result.numerator == sum(change > 0 for change in pairs_changes)


def test_months_between_counts_whole_months():
    start = pd.to_datetime(pd.Series(["2025-01-31", "2025-01-15", "2025-01-15"]))
    end = pd.to_datetime(pd.Series(["2025-02-28", "2025-07-14", "2025-07-15"]))
    assert months_between(start, end).tolist() == [0, 5, 6]


def test_every_declared_goal_evaluates_on_the_demo(demo_db, catalog):
    enrolments = pd.read_sql_query(
        "SELECT e.*, p.gender, p.birth_year FROM enrolments e JOIN participants p ON p.id = e.participant_id",
        demo_db.conn)
    for programme in catalog.latest_programmes():
        for result in evaluate_goals(programme, enrolments):
            if programme.goals[[g.id for g in programme.goals].index(result.id)].measure == "count":
                assert result.value is not None and result.denominator is None
            else:
                assert result.denominator is not None


def _people(rows, programme_id="jobbvagen_ar"):
    """rows: (started_on, exited_on or None)"""
    return pd.DataFrame({"participant_id": range(1, len(rows) + 1), "programme_id": programme_id,
                         "gender": "kvinna", "birth_year": 1990, "outcome": None,
                         "started_on": [r[0] for r in rows], "exited_on": [r[1] for r in rows]})


def test_count_goal_scales_its_number_to_the_period(catalog):
    """Seed 000: about 45 participants per twelve months; a tertial's share is 15."""
    programme = catalog.programme("jobbvagen_ar")
    goal = next(g for g in programme.goals if g.id == "antal_deltagare")
    year = _people([(f"2025-{m:02d}-10", None) for m in range(1, 13) for _ in range(4)])  # 48 started
    result = evaluate_goal(programme, goal, year, period=("2025-01-01", "2025-12-31"))
    assert (result.value, result.target, result.met, result.denominator) == (48, 45, True, None)
    tertial = evaluate_goal(programme, goal, year, period=("2025-01-01", "2025-04-30"))
    assert (tertial.value, tertial.target, tertial.met) == (16, 15, True)
    quarter = evaluate_goal(programme, goal, year.iloc[:10], period=("2025-01-01", "2025-03-31"))
    assert (quarter.value, quarter.target, quarter.met) == (10, 11, False)  # 45 × 3 / 12 = 11.25


def test_mean_goal_is_the_mean_months_of_those_who_left(catalog):
    programme = catalog.programme("jobbvagen_ar")
    goal = next(g for g in programme.goals if g.id == "tid_i_insatsen")
    people = _people([("2025-01-01", "2025-07-01"), ("2025-01-01", "2025-10-01"), ("2025-01-01", None),
                      ("2024-01-01", "2025-02-15")])
    result = evaluate_goal(programme, goal, people, period=("2025-01-01", "2025-12-31"))
    # 181, 273 and 411 days: 5.9, 9.0 and 13.5 months of 30.44 days; the one still in does not count
    assert result.denominator == 3
    assert result.value == pytest.approx((181 + 273 + 411) / 3 / 30.44)
    assert result.met is True and (result.target, result.target_max) == (6, 12)
    longer = people.assign(started_on="2023-01-01")
    assert evaluate_goal(programme, goal, longer, period=("2025-01-01", "2025-12-31")).met is False
    nobody = evaluate_goal(programme, goal, people, period=("2026-01-01", "2026-12-31"))
    assert (nobody.denominator, nobody.value, nobody.met) == (0, None, None)


GOAL_FILE = """id: p
version: 1
name: P
occasions:
  - {id: a, label: A}
outcomes:
  - {id: x, label: X}
goals:
  - id: g
    label: G
    numerator: %s
%s"""


@pytest.mark.parametrize("numerator, rest, line, words", [
    ("{kind: count, counts: enrolled, at_least: 45}", "    target: 0.5\n", 12, ["goal g", "not a target share"]),
    ("{kind: outcome_in, outcomes: [x]}", "", 9, ["goal g needs a target"]),
    ("{kind: duration_mean, min_months: 12, max_months: 6}", "", 11, ["min_months is above max_months"]),
    ("{kind: count, counts: enrolled, at_least: 45}", "    breakdowns: [gender]\n", 12,
     ["one count of the period", "no breakdowns"]),
    ("{kind: count, counts: started, at_least: 45}", "", 11, ["counts", "'enrolled' or 'exited'"]),
])
def test_goal_kinds_are_checked_with_file_and_line(numerator, rest, line, words):
    from foundation.errors import StegvisError
    from surveys.definitions import parse_text

    with pytest.raises(StegvisError) as caught:
        parse_text(GOAL_FILE % (numerator, rest), "p.yaml")
    message = str(caught.value)
    assert f"p.yaml:{line}:" in message, message
    for word in words:
        assert word in message, message
