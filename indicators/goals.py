"""Declared goals evaluated for a programme and period: who counts (population), who
reached it (numerator), the share from counts, the target, and the declared breakdowns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from indicators.change import paired_change
from foundation.errors import StegvisError
from surveys.models import (GENDERS, AnswerAtLeast, CountIn, DurationWithin, EventDuring, Goal, Instrument,
                            OutcomeIn, PartiesAtLeast, Programme, ScaleBelow, ScaleChange, StatusAt)

GENDER_ORDER = list(GENDERS)
UNKNOWN = "okand"


@dataclass(frozen=True)
class Cell:
    """A count pair and its share."""

    numerator: int | None
    denominator: int | None
    share: float | None


@dataclass
class GoalResult:
    id: str
    label: str
    target: float
    numerator: int | None
    denominator: int | None
    share: float | None
    met: bool | None
    breakdowns: dict[str, dict[str, Cell]] = field(default_factory=dict)
    value: float | None = None  # a count goal's count, a mean goal's mean (months)
    target_max: float | None = None  # a mean goal's upper limit (`target` its lower)


def as_date(value) -> date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _dates(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_dtype(column):  # parsed once already (the board's frames)
        return column.dt.normalize()
    return pd.to_datetime(column, errors="coerce").dt.normalize()


def population(goal: Goal, enrolments: pd.DataFrame, period: tuple | None = None) -> pd.DataFrame:
    """The participants a goal counts: exited in the period, enrolled at some time in it, or
    active at its end."""
    return enrolments[in_population(goal, enrolments, period)]


def in_population(goal: Goal, enrolments: pd.DataFrame, period: tuple | None = None) -> np.ndarray:
    """Per row of `enrolments`, whether the goal counts it (see `population`)."""
    frame = enrolments
    start = _dates(frame["started_on"]).to_numpy("datetime64[ns]")
    exit_ = _dates(frame["exited_on"]).to_numpy("datetime64[ns]")
    low = np.datetime64(as_date(period[0]), "ns") if period and period[0] else None
    high = np.datetime64(as_date(period[1]), "ns") if period and period[1] else None
    exited = ~np.isnat(exit_)
    keep = np.ones(len(frame), dtype=bool)
    if goal.population == "exited":
        keep &= exited
        if low is not None:
            keep &= exit_ >= low
        if high is not None:
            keep &= exit_ <= high
    elif goal.population == "all":
        if high is not None:
            keep &= start <= high
        if low is not None:
            keep &= ~exited | (exit_ >= low)
    else:  # active at the period's end (or now)
        end = high if high is not None else np.datetime64(date.today(), "ns")
        keep &= (start <= end) & (~exited | (exit_ > end))
    return keep


def reached(goal: Goal, people: pd.DataFrame, scores: dict[str, pd.DataFrame] | None,
            instruments: dict[str, Instrument] | None = None,
            programme: Programme | None = None, path: dict[str, pd.DataFrame] | None = None,
            period: tuple | None = None) -> tuple[pd.Series, pd.Series]:
    """(in_denominator, in_numerator) per row of `people`. `scores` maps an instrument id to its
    scored responses (participant_id, occasion, completed_at, scale columns). A change goal
    without occasions named is measured between the programme's anchors (first and exit). A
    status at the year end counts the turns of the year within `period` (the latest, if several)."""
    num = goal.numerator
    everyone = pd.Series(True, index=people.index)
    if isinstance(num, OutcomeIn):
        return everyone, people["outcome"].isin(num.outcomes)
    if goal.over_answers or goal.measure != "share":  # answers (indicators.board's sessions figures),
        # or one count or mean of the period (`period_figure`): nobody reaches these one by one
        nobody = pd.Series(False, index=people.index)
        return nobody, nobody
    ids = people["participant_id"]
    if isinstance(num, EventDuring):  # any of the events between start and exit (or still in)
        events = (path or {}).get("events", pd.DataFrame(columns=["participant_id", "event", "happened_on"]))
        events = events[events["event"].isin(num.events)]
        if programme is not None and "programme_id" in events:
            events = events[events["programme_id"] == programme.id]
        joined = people[["participant_id", "started_on", "exited_on"]].reset_index().merge(
            events[["participant_id", "happened_on"]], on="participant_id")
        start, end = _dates(joined["started_on"]), _dates(joined["exited_on"])
        inside = (joined["happened_on"] >= start) & (end.isna() | (joined["happened_on"] <= end))
        hits = set(joined.loc[inside, "index"])
        return everyone, pd.Series(people.index.isin(hits), index=people.index)
    if isinstance(num, StatusAt):  # of those with a status recorded at the follow-up
        follow = (path or {}).get("followups", pd.DataFrame(columns=["participant_id", "occasion", "status"]))
        if programme is not None and "programme_id" in follow:
            follow = follow[follow["programme_id"] == programme.id]
        follow = follow[follow["occasion"] == num.occasion]
        if "year" in follow:
            if by_period(goal, programme):
                follow = follow[follow["year"].isin(year_ends_in(period, follow["year"]))]
            follow = follow.sort_values("year", kind="stable")
        follow = follow.drop_duplicates("participant_id", keep="last")
        status = ids.map(follow.set_index("participant_id")["status"])
        return status.notna(), status.isin(num.statuses)
    if isinstance(num, PartiesAtLeast):  # parties recorded as active around the person
        parties = (path or {}).get("parties", pd.DataFrame(columns=["participant_id", "programme_id", "party"]))
        if programme is not None and "programme_id" in parties:
            parties = parties[parties["programme_id"] == programme.id]
        counts = ids.map(parties.groupby("participant_id")["party"].nunique()).fillna(0)
        return everyone, counts >= num.at_least
    if isinstance(num, DurationWithin):  # months from start to exit, within the range
        months = months_between(_dates(people["started_on"]), _dates(people["exited_on"]))
        return months.notna(), (months >= num.min_months) & (months <= num.max_months)
    frame = (scores or {}).get(num.instrument)
    if frame is None or frame.empty:
        return pd.Series(False, index=people.index), pd.Series(False, index=people.index)
    if isinstance(num, ScaleChange):
        declared = instruments[num.instrument].scale(num.scale).reliable_change if num.reliable else None
        if num.reliable and declared is None:
            raise StegvisError(f"goal {goal.id}: scale {num.scale} of {num.instrument} declares no reliable_change")
        anchors = programme.change_occasions(num.instrument) if programme is not None else None
        from_occasion, to_occasion = num.from_occasion, num.to_occasion
        if from_occasion is None and anchors:
            from_occasion, to_occasion = anchors[0], to_occasion or anchors[1]
        pairs = paired_change(frame, num.scale, from_occasion=from_occasion, to_occasion=to_occasion,
                              reliable=declared)
        column = "reliably_improved" if num.reliable else "improved"
        hits = set(pairs.loc[pairs[column].fillna(False).astype(bool), "participant_id"])
        paired = set(pairs["participant_id"])
    elif isinstance(num, ScaleBelow):  # the latest score at the occasion, under the threshold
        instrument = (instruments or {}).get(num.instrument)
        at = frame[frame["occasion"] == num.occasion]
        if instrument is not None and num.scale not in at:
            from indicators.scoring import scored

            at = scored(instrument, at, ["participant_id", "occasion", "completed_at"])
        at = at.dropna(subset=[num.scale]).sort_values("completed_at", kind="stable").drop_duplicates(
            "participant_id", keep="last")
        paired = set(at["participant_id"])
        hits = set(at.loc[at[num.scale] < num.below, "participant_id"])
    else:
        assert isinstance(num, AnswerAtLeast)
        answers = frame if num.occasion is None else frame[frame["occasion"] == num.occasion]
        answers = answers.dropna(subset=[num.item]) if num.item in answers else answers.iloc[0:0]
        paired = set(answers["participant_id"])
        hits = set(answers.loc[answers[num.item] >= num.value, "participant_id"])
    ids = people["participant_id"]
    return ids.isin(paired), ids.isin(hits)


def by_period(goal: Goal, programme: Programme | None) -> bool:
    """Whether who reaches the goal depends on the period: a status at the turn of the year
    counts the year ends within the period."""
    num = goal.numerator
    return isinstance(num, StatusAt) and programme is not None and programme.occasion(num.occasion).anchor == "year_end"


def year_ends_in(period: tuple | None, years) -> list[int]:
    """The years whose 31 December lies within the period (all of `years` without one)."""
    low = as_date(period[0]) if period and period[0] else None
    high = as_date(period[1]) if period and period[1] else None
    return [int(y) for y in set(years) if (low is None or date(int(y), 12, 31) >= low)
            and (high is None or date(int(y), 12, 31) <= high)]


def period_months(start, end) -> int:
    """Calendar months a period spans, first and last included (a tertial: 4, a year: 12)."""
    start, end = as_date(start), as_date(end)
    return (end.year - start.year) * 12 + end.month - start.month + 1


def started_in(enrolments: pd.DataFrame, low, high) -> pd.Series:
    start = _dates(enrolments["started_on"])
    return (start >= pd.Timestamp(as_date(low))) & (start <= pd.Timestamp(as_date(high)))


def exited_in(enrolments: pd.DataFrame, low, high) -> pd.Series:
    exit_ = _dates(enrolments["exited_on"])
    return (exit_ >= pd.Timestamp(as_date(low))) & (exit_ <= pd.Timestamp(as_date(high)))


def months_in_programme(enrolments: pd.DataFrame) -> pd.Series:
    """Time from start to exit in months of 30.44 days, for means (NaN while still in)."""
    return (_dates(enrolments["exited_on"]) - _dates(enrolments["started_on"])).dt.days / 30.44


def period_figure(goal: Goal, enrolments: pd.DataFrame, period: tuple) -> GoalResult:
    """A count goal (started or left in the period, against its number scaled to the period's
    months) or a mean goal (mean months in the programme of those who left, within a range)."""
    num = goal.numerator
    low, high = period
    if isinstance(num, CountIn):
        count = int((started_in if num.counts == "enrolled" else exited_in)(enrolments, low, high).sum())
        target = num.target_for(period_months(low, high))
        return GoalResult(goal.id, goal.label.sv, target, count, None, None, count >= target, value=count)
    left = enrolments[exited_in(enrolments, low, high)]
    mean = float(months_in_programme(left).mean()) if len(left) else None
    return GoalResult(goal.id, goal.label.sv, num.min_months, None, len(left), None,
                      None if mean is None else num.min_months <= mean <= num.max_months,
                      value=mean, target_max=num.max_months)


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole months from start to end (a participant 6 months and 20 days in has been in 6)."""
    months = (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
    return months - (end.dt.day < start.dt.day).astype(int)


def groups(programme: Programme, people: pd.DataFrame, dimension: str, period_end=None) -> pd.Series:
    """The breakdown group of each participant for 'gender', 'age_group' or 'time_in_programme'."""
    if dimension == "gender":
        return people["gender"].fillna(UNKNOWN)
    start = _dates(people["started_on"])
    if dimension == "age_group":
        age = start.dt.year - pd.to_numeric(people.get("birth_year"), errors="coerce")
        result = pd.Series(UNKNOWN, index=people.index, dtype=object)
        for group in programme.age_groups:
            inside = age.notna()
            if group.min_age is not None:
                inside &= age >= group.min_age
            if group.max_age is not None:
                inside &= age <= group.max_age
            result[inside] = group.id
        return result
    end = _dates(people["exited_on"]).fillna(pd.Timestamp(as_date(period_end) or date.today()))
    months = months_between(start, end)
    result = pd.Series(UNKNOWN, index=people.index, dtype=object)
    for band in programme.duration_bands:
        inside = months.notna() & (months >= band.min_months)
        if band.max_months is not None:
            inside &= months <= band.max_months
        result[inside] = band.id
    return result


def group_order(programme: Programme, dimension: str, present) -> list[str]:
    present = set(present)
    if dimension == "gender":
        declared = GENDER_ORDER
    elif dimension == "age_group":
        declared = [g.id for g in programme.age_groups]
    else:
        declared = [b.id for b in programme.duration_bands]
    return [g for g in declared if g in present] + ([UNKNOWN] if UNKNOWN in present else [])


def evaluate_goal(programme: Programme, goal: Goal, enrolments: pd.DataFrame, *, period: tuple | None = None,
                  scores: dict[str, pd.DataFrame] | None = None,
                  instruments: dict[str, Instrument] | None = None,
                  path: dict[str, pd.DataFrame] | None = None) -> GoalResult:
    """Numerator, denominator, share (from counts), target and met, with the declared breakdowns.
    Unprotected: for analysts and tests. What the board sees goes through `indicators.board`."""
    if goal.measure != "share":
        mine = enrolments[enrolments["programme_id"] == programme.id] if "programme_id" in enrolments else enrolments
        if period is None or not (period[0] and period[1]):
            first = _dates(mine["started_on"]).min()
            period = (period[0] if period and period[0] else (first.date() if pd.notna(first) else date.today()),
                      period[1] if period and period[1] else date.today())
        return period_figure(goal, mine, period)
    people = population(goal, enrolments[enrolments["programme_id"] == programme.id]
                        if "programme_id" in enrolments else enrolments, period)
    in_denominator, in_numerator = reached(goal, people, scores, instruments, programme, path, period)
    in_numerator &= in_denominator
    numerator, denominator = int(in_numerator.sum()), int(in_denominator.sum())
    share = numerator / denominator if denominator else None
    breakdowns = {}
    for dimension in goal.breakdowns:
        labels = groups(programme, people, dimension, period[1] if period else None)
        cells = {}
        for group in group_order(programme, dimension, labels[in_denominator].unique()):
            mask = labels == group
            n, d = int((in_numerator & mask).sum()), int((in_denominator & mask).sum())
            cells[group] = Cell(n, d, n / d if d else None)
        breakdowns[dimension] = cells
    return GoalResult(goal.id, goal.label.sv, goal.target, numerator, denominator, share,
                      None if share is None else share >= goal.target, breakdowns)


def evaluate_goals(programme: Programme, enrolments: pd.DataFrame, **kwargs) -> list[GoalResult]:
    return [evaluate_goal(programme, goal, enrolments, **kwargs) for goal in programme.goals]
