"""Everything the board sees, for one programme or all, for one period of the grid: goals, the
outcome table, KASAM change, time in the programme, the flow of participants and indicator
results. Every count of every period is registered as the set of people (or survey sessions)
behind it and protected together (`indicators.disclosure`), so the page, the PDF, the workbook
and the JSON show the same figures, and no period, breakdown or programme can be subtracted
from another to reveal a hidden one. No row in here describes one person. Tables are ids and
figures; the words (titles, labels, notes) are put to them by `stegvis.reports`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from indicators.change import paired_change
from indicators.disclosure import Family, Protected, Protection, share_of
from indicators.indicator_results import respondent_means
from indicators.national import figures_of_year, year_for
from indicators.goals import GENDER_ORDER, by_period, groups, in_population, period_months, reached
from indicators.periods import HALF, TERTIAL, WHOLE, YEAR, Grid, Period, build_grid
from surveys.definitions import Catalog

ALL = "alla"
CHANGE_COLUMNS = ["n", "forbattrade", "ej_forbattrade", "tillforlitligt", "ej_tillforlitligt"]
STATUS_ROWS = ["uppnatt", "ej_uppnatt", ALL]
# What each kind of period shows. A quarter holds a handful of people per programme: its goals and
# breakdowns would be mostly hidden, and protecting them would hide the year's figures as well.
GOALS = (TERTIAL, HALF, YEAR, WHOLE)  # goal attainment, in all
DETAILED = (YEAR, WHOLE)  # breakdowns by gender, outcome, age and duration, and KASAM change
RESTS, TOTALS = 0.3, 10.0  # what hiding a figure costs the reader: a rest only decides whether a share shows
FLOW_COLUMNS = ["nya", "aktiva", "avslutade"]
# Column (and unit) of the national share beside the indicator results: not this förbund's figure
NATIONAL_SHARE = "riket_andel"


@dataclass
class Column:
    id: str
    unit: str = "antal"  # antal, andel, medel, förändring, månader, procentenheter
    total: bool = False


@dataclass
class Table:
    """A published table: rows and columns by id, values None where hidden. What it is about
    is in its id (`outcomes/<programme>`, `change/<instrument>`, `goal/<programme>/<goal>`,
    `durations[/<programme>+...]`, ...); a change table names the occasions it spans, per
    programme, in `spans` (programme, from occasion, to occasion)."""

    id: str
    rows: list[str]
    columns: list[Column]
    values: list[list]
    total_row: str | None = None
    programme: str | None = None
    spans: list[tuple[str, str, str]] = field(default_factory=list)
    national_year: int | None = None  # indicator tables: the year of the national figures beside them

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.values, index=self.rows, columns=[c.id for c in self.columns])


@dataclass
class BoardGoal:
    """A goal as the board sees it: protected counts, and shares by group; None where hidden."""

    programme: str
    id: str
    target: float
    numerator: int | None
    denominator: int | None
    share: float | None
    met: bool | None
    breakdowns: dict[str, dict[str, float | None]] = field(default_factory=dict)  # dimension -> group -> share
    measure: str = "share"  # share | count | mean (Goal.measure)
    value: float | None = None  # a count goal's count, a mean goal's mean in months; None where hidden
    target_max: float | None = None  # a mean goal's upper limit (`target` its lower; a count's: its number)
    previous: "BoardGoal | None" = None  # the same goal in the period of the same kind before

    @property
    def figure(self) -> float | None:
        """The one number set against the target: the share, the count or the mean."""
        return self.share if self.measure == "share" else self.value

    @property
    def change(self) -> float | None:
        """Since the previous period (a share's in percentage points, 0–1); None when either
        figure is hidden or there is no previous period."""
        before = self.previous.figure if self.previous is not None else None
        return None if before is None or self.figure is None else self.figure - before


@dataclass
class BoardReport:
    programmes: list  # Programme definitions covered
    period: Period
    grid: Grid
    protection: Protection
    goals: list[BoardGoal] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    mean_months: float | None = None
    programme_id: str | None = None
    catalog: Catalog | None = None  # the definitions the ids refer to
    views: dict = field(default_factory=dict)  # programme id -> its protected counts, for shares

    @property
    def previous_period(self) -> Period | None:
        """The period the goals' change is measured from (None for the whole time)."""
        return self.grid.previous(self.period)

    @property
    def k(self) -> int:
        return self.protection.k

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def end(self) -> date:
        return self.period.end

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)


def instruments_used(catalog: Catalog) -> set[str]:
    """The instruments the board's figures come from, as declared: those with indicators,
    with a reliable-change scale (KASAM change), and those a goal names."""
    used = {i.id for i in catalog.latest_instruments()
            if i.indicators or any(s.reliable_change for s in i.scales)}
    for programme in catalog.latest_programmes():
        used |= {g.numerator.instrument for g in programme.goals if hasattr(g.numerator, "instrument")}
    return used


def board_grid(inputs: dict, today: date, leaf_months: int) -> Grid:
    started = inputs["enrolments"]["started_on"]
    first = None if started.dropna().empty else started.min().date()
    return build_grid(first, today, leaf_months)


# -- registering every figure of every period ------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A scale whose paired change the board sees, in one programme: between the occasions the
    programme's anchors name (the earliest giving the instrument, and the exit)."""

    instrument: object
    scale: object
    from_occasion: str
    to_occasion: str


def _changes(catalog: Catalog, programme) -> list[Change]:
    found = []
    for instrument in catalog.latest_instruments():
        scale = next((s for s in instrument.scales if s.reliable_change), None)
        occasions = programme.change_occasions(instrument.id) if scale else None
        if occasions:
            found.append(Change(instrument, scale, *occasions))
    return found


def _genders(frame: pd.DataFrame) -> list[str]:
    present = set(frame["gender"].dropna())
    return [g for g in GENDER_ORDER if g in present]


VARIANTS_UP_TO = 2000  # above this many people real partners abound, and variants would cost memory


def _variants(people: pd.DataFrame, programme, grid: Grid) -> pd.DataFrame:
    """Each participant with one fact changed: gender, outcome, age group, or a start or exit one
    period earlier or later. `_origin` is the row of the real participant."""
    real = people.assign(_origin=-1)
    if len(people) > VARIANTS_UP_TO or not grid.leaves:
        return real
    base = people.assign(_origin=people.index)
    parts = [real]
    for gender in set(people["gender"].dropna()):  # a gender nobody has would add a column of its own
        parts.append(base[base["gender"] != gender].assign(gender=gender))
    exited = base["outcome"].notna()
    for outcome in programme.outcomes:
        parts.append(base[exited & (base["outcome"] != outcome.id)].assign(outcome=outcome.id))
    ages = groups(programme, base, "age_group").to_numpy(dtype=object)
    for group in programme.age_groups:
        age = group.min_age if group.min_age is not None else group.max_age
        if age is not None:
            other = base[ages != group.id]
            parts.append(other.assign(birth_year=(other["started_on"].dt.year - age).to_numpy()))
    shift = pd.DateOffset(months=grid.leaf_months)
    last = pd.Timestamp(grid.leaves[-1].end)
    first = pd.Timestamp(grid.leaves[0].start)
    for step in (-1, 1):
        # a start before the grid's first period cannot be: the grid begins with the first start,
        # and a reader knows that everyone active over the whole time started in it
        moved = base["started_on"] + step * shift
        parts.append(base.assign(started_on=moved)[(moved <= base["exited_on"].fillna(last)) & (moved <= last)
                                                   & (moved >= first)])
        moved = base["exited_on"] + step * shift
        parts.append(base.assign(exited_on=moved)[base["exited_on"].notna() & (moved >= base["started_on"])
                                                  & (moved <= last)])
    return pd.concat(parts, ignore_index=True)


def _goal_flip(goal, paired_by: dict) -> str:
    """The variant that turns a person's reach of a goal. A goal on the same paired change as a
    change table (same scale, same occasions) is the same fact as that table's improvement: the
    two must turn together, or a reader who knows they are equal could undo the protection."""
    num = goal.numerator
    found = paired_by.get(getattr(num, "instrument", None))
    if num.kind == "scale_change" and found is not None:
        change = found[0]
        same = num.scale == change.scale.id and num.from_occasion in (None, change.from_occasion) \
            and num.to_occasion in (None, change.to_occasion)
        if same:
            return f"{'reliably' if num.reliable else 'improved'}:{num.instrument}"
    return f"goal:{goal.id}"


def _outcome_flips(base: pd.DataFrame, paired_by: dict, programme, scores: dict, instruments: dict,
                   path: dict | None = None) -> pd.DataFrame:
    """One-way variants for facts the other variants do not move: each paired participant with
    their improvement (and, apart, their reliable improvement) turned the other way, and each
    person a survey-based goal counts with the goal's reach turned. Without them a zero beside a
    hidden group ("0 not improved") could not be protected, and would say everyone improved."""
    if len(base) > VARIANTS_UP_TO:
        return base.iloc[0:0]
    parts = []
    for change, _, pairs in paired_by.values():
        who = base[base["participant_id"].isin(pairs.index)]
        for fact in ("improved", "reliably"):
            parts.append(who.assign(_origin=who.index, _flip=f"{fact}:{change.instrument.id}"))
    for goal in programme.goals:
        if goal.numerator.kind == "outcome_in" or goal.over_answers or goal.measure != "share" \
                or _goal_flip(goal, paired_by) != f"goal:{goal.id}":
            continue  # outcome goals: the outcome variants move them; answer goals are not people's;
            # a goal on the change table's own improvement turns with that table's variant
        in_den, _ = reached(goal, base, scores, instruments, programme, path)
        who = base[in_den.to_numpy()]
        parts.append(who.assign(_origin=who.index, _flip=f"goal:{goal.id}"))
    return pd.concat(parts, ignore_index=True) if parts else base.iloc[0:0]


def people_family(catalog: Catalog, programme, enrolments: pd.DataFrame, scores: dict, grid: Grid,
                  path: dict | None = None) -> Family:
    """Every count about participants of one programme, for every period of the grid."""
    base = enrolments.reset_index(drop=True)
    instruments = {i.id: i for i in catalog.latest_instruments()}
    paired_by = {}
    for change in _changes(catalog, programme):
        frame = scores.get(change.instrument.id)
        frame = frame[frame["programme_id"] == programme.id] if frame is not None else None
        pairs = paired_change(frame, change.scale.id, from_occasion=change.from_occasion,
                              to_occasion=change.to_occasion, reliable=change.scale.reliable_change) \
            if frame is not None else pd.DataFrame()
        if not pairs.empty:
            paired_by[change.instrument.id] = (change, frame, pairs.set_index("participant_id"))
    people = _variants(base, programme, grid).assign(_flip=None)
    at_occasions = _occasion_scores(catalog, programme, scores)
    flips = pd.concat([_outcome_flips(base, paired_by, programme, scores, instruments, path),
                       _score_flips(base, _at_rows(at_occasions, base))], ignore_index=True)
    if len(flips):
        people = pd.concat([people, flips], ignore_index=True)
    origin = people.pop("_origin").to_numpy()
    flip = people.pop("_flip").to_numpy(dtype=object)
    family = Family(len(people), origin)
    real = people[origin < 0]
    start, exit_ = people["started_on"], people["exited_on"]
    genders = _genders(real)
    gender = people["gender"].to_numpy(dtype=object)
    outcome = people["outcome"].to_numpy(dtype=object)
    # the programme's own bands; only exited people are counted, so the end is their exit
    band = groups(programme, people, "time_in_programme").to_numpy(dtype=object)
    family.magnitude("months", ((exit_ - start).dt.days / 30.44).to_numpy(dtype=float))
    changes = []
    for change, frame, pairs in paired_by.values():
        instrument, total = change.instrument, change.scale
        ids = people["participant_id"]
        paired = ids.isin(pairs.index).to_numpy()
        improved = ids.map(pairs["improved"]).fillna(False).astype(bool).to_numpy() \
            ^ (flip == f"improved:{instrument.id}")
        reliably = ids.map(pairs["reliably_improved"]).fillna(False).astype(bool).to_numpy() \
            ^ (flip == f"reliably:{instrument.id}")
        family.magnitude(f"change:{instrument.id}:{total.id}", ids.map(pairs["change"]).to_numpy(dtype=float))
        for scale in instrument.scales:
            if scale.id != total.id:
                sub = paired_change(frame, scale.id, from_occasion=change.from_occasion, to_occasion=change.to_occasion)
                family.magnitude(f"change:{instrument.id}:{scale.id}",
                                 ids.map(sub.set_index("participant_id")["change"]).to_numpy(dtype=float))
        changes.append((instrument, paired, improved, reliably))
    ages = groups(programme, people, "age_group").to_numpy(dtype=object)
    age_groups = _declared_groups(programme, "age_group", set(ages[origin < 0]))
    at_occasions = _at_rows(at_occasions, people)
    occasion_days = _occasion_days(at_occasions, flip, grid.leaf_months)
    for instrument, occasion, _, values in at_occasions:
        for scale in instrument.scales:
            family.magnitude(f"occasion:{instrument.id}:{occasion.id}:{scale.id}", values[scale.id])
    goal_status = []
    for goal in programme.goals:
        if goal.over_answers or goal.measure != "share":
            continue  # counted over answers (sessions_family), or the period's flow figures
        goal_status.append(_reach(goal, people, scores, instruments, programme, path, flip, paired_by))

    with np.errstate(invalid="ignore"):
        for period in grid.periods:
            low, high = pd.Timestamp(period.start), pd.Timestamp(period.end)
            exited = ((exit_ >= low) & (exit_ <= high)).to_numpy()
            family.add(("flow", period.id, "nya"), ((start >= low) & (start <= high)).to_numpy())
            family.add(("flow", period.id, "avslutade"), exited)
            family.add(("flow", period.id, "aktiva"), ((start <= high) & (exit_.isna() | (exit_ >= low))).to_numpy())
            if period.kind in GOALS:
                for goal, in_den, in_num in goal_status:
                    if in_den is None:  # reached in each period anew (a status at the year end)
                        _, in_den, in_num = _reach(goal, people, scores, instruments, programme, path, flip,
                                                   paired_by, (period.start.isoformat(), period.end.isoformat()))
                    _goal_figures(family, programme, goal, people, period, in_den, in_num, origin < 0)
            if period.kind not in DETAILED:
                continue
            family.add(("durations", period.id, ALL), exited, TOTALS)
            for duration in programme.duration_bands:
                family.add(("durations", period.id, duration.id), exited & (band == duration.id))
            _outcome_figures(family, programme, period, exited & pd.notna(outcome), outcome, gender, genders)
            _age_figures(family, programme, period, exited, outcome, band, ages, age_groups)
            _occasion_figures(family, period, at_occasions, occasion_days, flip)
            for instrument, paired, improved, reliably in changes:
                for g in genders + [ALL]:
                    rows = exited & paired & (gender == g if g != ALL else True)
                    key = ("change", instrument.id, period.id, g)
                    family.add((*key, "n"), rows, parts=[(*key, c) for c in CHANGE_COLUMNS[1:]] +
                               ([("change", instrument.id, period.id, h, "n") for h in genders] if g == ALL else []))
                    family.add((*key, "forbattrade"), rows & improved)
                    family.add((*key, "ej_forbattrade"), rows & ~improved, RESTS)
                    family.add((*key, "tillforlitligt"), rows & reliably)
                    family.add((*key, "ej_tillforlitligt"), rows & ~reliably, RESTS)
    return family


def _reach(goal, people, scores, instruments, programme, path, flip, paired_by, period=None) -> tuple:
    """(goal, in the denominator, reached) per row, the goal's own variant turned; (goal, None,
    None) for a goal reached anew in each period until `period` is given."""
    if period is None and by_period(goal, programme):
        return goal, None, None
    in_den, in_num = reached(goal, people, scores, instruments, programme, path, period)
    in_num = in_num.to_numpy() ^ (flip == _goal_flip(goal, paired_by))
    return goal, in_den.to_numpy(), in_num & in_den.to_numpy()


def _occasion_scores(catalog: Catalog, programme, scores: dict) -> list[tuple]:
    """(instrument, occasion, responses) for each instrument the board follows over occasions
    (those with a reliable-change scale: KASAM) at each occasion of the programme that gives it:
    each person's latest response there scored on every scale, by participant. A person counts
    once per occasion, in the period of that response, so a year is the sum of its quarters."""
    found = []
    for instrument in catalog.latest_instruments():
        if not any(s.reliable_change for s in instrument.scales):
            continue
        frame = scores.get(instrument.id)
        if frame is None:
            continue  # nobody has answered it
        for occasion in programme.occasions:
            if instrument.id not in occasion.instruments:
                continue
            at = frame[(frame["programme_id"] == programme.id) & (frame["occasion"] == occasion.id)]
            at = at.dropna(subset=[s.id for s in instrument.scales]).sort_values("completed_at", kind="stable") \
                .drop_duplicates("participant_id", keep="last").set_index("participant_id")
            found.append((instrument, occasion, at))
    return found


def _at_rows(at_occasions: list[tuple], people: pd.DataFrame) -> list[tuple]:
    """(instrument, occasion, day, scores) per row of `people`: the day of the person's response
    (NaT without one) and its score on each scale."""
    ids = people["participant_id"]
    rows = []
    for instrument, occasion, at in at_occasions:
        day = pd.to_datetime(ids.map(at["completed_at"]).astype("string").str[:10], errors="coerce")
        values = {s.id: ids.map(at[s.id]).to_numpy(dtype=float) for s in instrument.scales}
        rows.append((instrument, occasion, day.to_numpy(), values))
    return rows


def _thresholds(instrument) -> list[tuple]:
    """(scale, flag) for each threshold a score can be under (flags with `below`)."""
    return [(scale, flag) for scale in instrument.scales for flag in scale.flags if flag.below is not None]


def _score_flips(base: pd.DataFrame, at_occasions: list[tuple]) -> pd.DataFrame:
    """One-way variants: each person scored at an occasion with their being under a threshold
    turned, so a shown 0 under it beside a hidden n is protected too."""
    if len(base) > VARIANTS_UP_TO:
        return base.iloc[0:0].assign(_origin=[], _flip=[])
    parts = []
    for instrument, occasion, day, _ in at_occasions:
        who = base[pd.notna(day)]
        facts = [f"under:{instrument.id}:{occasion.id}:{scale.id}:{flag.id}" for scale, flag in _thresholds(instrument)]
        # and the response itself: not given, or given a period earlier or later
        facts += [f"{fact}:{instrument.id}:{occasion.id}" for fact in ("unscored", "earlier", "later")]
        for fact in facts:
            parts.append(who.assign(_origin=who.index, _flip=fact))
    return pd.concat(parts, ignore_index=True) if parts else base.iloc[0:0].assign(_origin=[], _flip=[])


def _occasion_days(at_occasions, flip, leaf_months: int) -> list[np.ndarray]:
    """Each occasion's response days, with the variants' turned: no response, or one a period
    of the grid earlier or later."""
    days = []
    shift = pd.DateOffset(months=leaf_months)
    for instrument, occasion, day, _ in at_occasions:
        series = pd.Series(day)
        which = f"{instrument.id}:{occasion.id}"
        moved = np.where(flip == f"earlier:{which}", (series - shift).to_numpy(),
                         np.where(flip == f"later:{which}", (series + shift).to_numpy(), day))
        days.append(np.where(flip == f"unscored:{which}", np.datetime64("NaT"), moved).astype("datetime64[ns]"))
    return days


def _occasion_figures(family, period, at_occasions, days, flip) -> None:
    """Per occasion: those scored there in the period, and how many are under each threshold."""
    low, high = np.datetime64(period.start), np.datetime64(period.end)
    for (instrument, occasion, _, values), day in zip(at_occasions, days):
        rows = (day >= low) & (day <= high)
        key = ("occasion", instrument.id, occasion.id, period.id)
        family.add((*key, "n"), rows, TOTALS, parts=[(*key, f"under:{s.id}:{f.id}") for s, f in _thresholds(instrument)])
        for scale, flag in _thresholds(instrument):
            turned = flip == f"under:{instrument.id}:{occasion.id}:{scale.id}:{flag.id}"
            under = rows & ((values[scale.id] < flag.below) ^ turned)
            family.add((*key, f"under:{scale.id}:{flag.id}"), under)
            family.add((*key, f"over:{scale.id}:{flag.id}"), rows & ~under, RESTS)


def _age_figures(family, programme, period, exited, outcome, band, ages, age_groups) -> None:
    """Those who left in the period by age group: by outcome, and by time in the programme."""
    for a in age_groups + [ALL]:
        column = exited & (ages == a if a != ALL else True)
        beside = [("by_age", period.id, ALL, b) for b in age_groups] if a == ALL else []
        family.add(("by_age", period.id, ALL, a), column, TOTALS,
                   parts=[("by_age", period.id, o.id, a) for o in programme.outcomes] + beside)
        for o in programme.outcomes:
            family.add(("by_age", period.id, o.id, a), column & (outcome == o.id),
                       parts=[("by_age", period.id, o.id, b) for b in age_groups] if a == ALL else ())
        for duration in programme.duration_bands:
            family.add(("durations_age", period.id, duration.id, a), column & (band == duration.id),
                       parts=[("durations_age", period.id, duration.id, b) for b in age_groups] if a == ALL else ())


def _outcome_figures(family, programme, period, exited, outcome, gender, genders) -> None:
    for g in genders + [ALL]:
        column = exited & (gender == g if g != ALL else True)
        family.add(("outcomes", period.id, ALL, g), column, TOTALS,
                   parts=[("outcomes", period.id, o.id, g) for o in programme.outcomes])
        for o in programme.outcomes:  # a row's total has the genders as its parts
            family.add(("outcomes", period.id, o.id, g), column & (outcome == o.id),
                       parts=[("outcomes", period.id, o.id, h) for h in genders] if g == ALL else ())
            family.add(("outcomes_rest", period.id, o.id, g), column & (outcome != o.id), RESTS)


def _goal_figures(family, programme, goal, people, period, in_den, in_num, real) -> None:
    """The goal's reached and not reached, in all and (for years and the whole time) by each
    declared breakdown."""
    members = in_population(goal, people, (period.start.isoformat(), period.end.isoformat()))
    hit, den = members & in_num, members & in_den
    statuses = {"uppnatt": hit, "ej_uppnatt": den & ~hit, ALL: den}
    columns = {ALL: np.ones(len(people), dtype=bool)}
    if period.kind in DETAILED:
        for dimension in goal.breakdowns:
            labels = groups(programme, people, dimension, period.end.isoformat()).to_numpy(dtype=object)
            # every declared group, present or not: a column left out would say 0 just as well
            for group in _declared_groups(programme, dimension, set(labels[real])):
                columns[f"{dimension}:{group}"] = labels == group
    key = ("goal", goal.id, period.id)
    headline = TOTALS if period.kind in DETAILED else 1.0  # a year's or the whole time's attainment
    for column, where in columns.items():
        family.add((*key, ALL, column), statuses[ALL] & where, TOTALS if column == ALL else 1.0,
                   parts=[(*key, "uppnatt", column), (*key, "ej_uppnatt", column)])
        for status in ("uppnatt", "ej_uppnatt"):
            family.add((*key, status, column), statuses[status] & where, headline if column == ALL else 1.0,
                       parts=[(*key, status, c) for c in columns if c != ALL] if column == ALL else ())


def asked(catalog: Catalog, programme, sessions: pd.DataFrame, enrolments: pd.DataFrame, rounds: pd.DataFrame,
          today: date) -> pd.DataFrame:
    """The sessions, plus one row for each person asked who did not answer, with `asked_on` (the
    day that decides the period) and `asked` (part of a response rate's denominator):

    - a survey round asked its `invited`, a number the administrator declared and the board may
      know (not a set of people, so not protected): its completed sessions answered, dated by
      the round's start; `round_invited` sums the invited per programme's rounds;
    - participants were asked at each occasion due to them (enrolled, not exited before it, as
      the programme's schedule says): a due occasion with a completed session answered, one
      without did not; dated by the day it was due. Never codes opened: a code nobody opened
      is someone who was not asked to answer only in the database, not in life.
    """
    from indicators.schedule import occasion_dates

    measured = {i.id for i in catalog.latest_instruments() if i.indicators}
    frame = sessions.assign(asked_on=pd.NaT, asked=False).astype({"asked_on": "datetime64[ns]"})
    completed = frame["completed_on"].notna()
    in_round = frame["round_id"].notna()
    if in_round.any():
        frame.loc[in_round & completed, "asked"] = True
        started = rounds.drop_duplicates("round_id").set_index("round_id")["opened_on"]
        frame.loc[in_round, "asked_on"] = frame.loc[in_round, "round_id"].map(started).to_numpy()
    missing = []
    participant = frame["participant_id"].notna() & completed & frame["instrument_id"].isin(measured)
    answered = frame[participant].sort_values("completed_on", kind="stable")
    by_occasion: dict[tuple, list] = {}  # in order of completion (a groupby's chop took 0.6 s at 10,000 people)
    for key, row in zip(zip(answered["participant_id"].tolist(), answered["occasion"].tolist(),
                            answered["instrument_id"].tolist()), answered.index.tolist()):
        by_occasion.setdefault(key, []).append(row)
    matched_rows, matched_days = [], []
    measured_at = {o.id: [(i, catalog.instrument(i).respondent_group) for i in o.instruments if i in measured]
                   for o in programme.occasions}
    due_days: dict[tuple, list] = {}  # (started, exited) -> the occasions due by today: people share start days
    for participant_id, started, exited in zip(  # whole columns at once: a row at a time iterates Arrow text slowly
            enrolments["participant_id"].tolist(), enrolments["started_on"].tolist(), enrolments["exited_on"].tolist()):
        started, exited = started.date(), None if pd.isna(exited) else exited.date()
        due_by_today = due_days.get((started, exited))
        if due_by_today is None:
            due_by_today = due_days[started, exited] = [
                (occasion_id, pd.Timestamp(due)) for occasion_id, _, due in occasion_dates(programme, started, exited, today)
                if due <= today]
        for occasion_id, due in due_by_today:
            for instrument_id, group in measured_at[occasion_id]:
                matched = by_occasion.get((participant_id, occasion_id, instrument_id))
                if matched:
                    matched_rows.append(matched.pop(0))
                    matched_days.append(due)
                else:
                    missing.append((instrument_id, group, due))
    if matched_rows:  # one assignment: a row at a time costs seconds at 10,000 participants
        frame.loc[matched_rows, "asked"] = True
        frame.loc[matched_rows, "asked_on"] = matched_days
    phantoms = pd.DataFrame(missing, columns=["instrument_id", "respondent_group", "asked_on"]).assign(
        asked=True, completed_on=pd.NaT)
    return pd.concat([frame, phantoms], ignore_index=True) if missing else frame


def round_invited(rounds: pd.DataFrame, grid: Grid) -> dict[tuple, int]:
    """(instrument, period, group) -> how many the rounds started in the period invited."""
    invited: dict[tuple, int] = {}
    if rounds.empty:
        return invited
    opened = rounds["opened_on"].to_numpy("datetime64[ns]")
    keys = list(zip(rounds["instrument_id"], rounds["respondent_group"]))
    counts = rounds["invited"].to_numpy()
    for period in grid.periods:
        inside = (opened >= np.datetime64(period.start, "ns")) & (opened <= np.datetime64(period.end, "ns"))
        for row in np.flatnonzero(inside):
            instrument_id, group = keys[row]
            key = (instrument_id, period.id, group)
            invited[key] = invited.get(key, 0) + int(counts[row])
    return invited


def sessions_family(catalog: Catalog, programme_id: str, sessions: pd.DataFrame, scores: dict, grid: Grid,
                    choices: dict | None = None) -> Family:
    """Every count about survey sessions of one programme: indicator results by respondent group
    (from completed sessions), response rates (answered of those asked, see `asked`), and the
    options chosen in the choice questions an instrument shows the board."""
    sessions = sessions.reset_index(drop=True)
    means = pd.concat([_indicator_means(catalog, sessions, scores), _chosen(catalog, sessions, choices or {})], axis=1)
    sessions, means = _session_variants(catalog, sessions, means)
    family = Family(len(sessions), sessions.pop("_origin").to_numpy())
    # numpy arrays once: a pandas comparison inside these loops cost more than the counting
    completed = sessions["completed_on"].to_numpy("datetime64[ns]")
    done = ~np.isnat(completed)
    asked_on = (sessions["asked_on"] if "asked_on" in sessions else sessions["created_on"]).to_numpy("datetime64[ns]")
    was_asked = sessions["asked"].fillna(False).astype(bool).to_numpy() if "asked" in sessions else \
        np.ones(len(sessions), dtype=bool)
    from_round = sessions["round_id"].notna().to_numpy() if "round_id" in sessions else np.zeros(len(sessions), bool)
    answer_goals: dict[tuple, list] = {}  # (instrument, indicator, group) -> the programme's goals over it
    for goal in catalog.programme(programme_id).goals if programme_id in {p.id for p in catalog.latest_programmes()} else ():
        if goal.over_answers:
            num = goal.numerator
            group_of = catalog.instrument(num.instrument).respondent_group
            answer_goals.setdefault((num.instrument, num.indicator, group_of), []).append(goal)
    group = sessions["respondent_group"].to_numpy(dtype=object)
    in_group = {g: group == g for g in set(group)}
    windows = []  # per period: asked in it, answered in it
    for period in grid.periods:
        low, high = np.datetime64(period.start, "ns"), np.datetime64(period.end, "ns")
        windows.append((period, was_asked & (asked_on >= low) & (asked_on <= high), (completed >= low) & (completed <= high)))
    instrument_ids = sessions["instrument_id"].to_numpy(dtype=object)
    for instrument in catalog.latest_instruments():
        if not instrument.indicators:
            continue
        mine = instrument_ids == instrument.id
        status = {}
        for indicator in instrument.indicators:
            person = means[(instrument.id, indicator.id)].to_numpy(dtype=float)
            valid = ~np.isnan(person)
            agree = (person >= indicator.cut) if indicator.cut is not None else np.zeros(len(person), bool)
            family.magnitude(f"indicator:{instrument.id}:{indicator.id}", person)
            status[indicator.id] = (valid, agree & valid)
        groups_here = sorted(set(group[mine]))
        declared = {g: from_round[mine & in_group[g]].any() for g in groups_here}  # a round's invited is declared, public
        for period, asked_in, answered_in in windows:
            opened = mine & asked_in
            answered = mine & answered_in
            for g in groups_here:
                key = ("sessions", instrument.id, period.id, g)
                opened_here = opened & in_group[g]
                family.add((*key, "svar"), opened_here & done)
                if not declared[g]:
                    family.add((*key, "inbjudna"), opened_here)
                    family.add((*key, "ej_svar"), opened_here & ~done, RESTS)
                answered_here = answered & in_group[g]
                for indicator_id, (valid, agree) in status.items():
                    key = ("indicator", instrument.id, indicator_id, period.id, g)
                    rows = answered_here & valid
                    family.add((*key, "n"), rows, parts=[(*key, "instammer"), (*key, "ej_instammer")])
                    family.add((*key, "instammer"), rows & agree)
                    family.add((*key, "ej_instammer"), rows & ~agree, RESTS)
                    for goal in answer_goals.get((instrument.id, indicator_id, g), ()) if period.kind in GOALS else ():
                        # the goal is its indicator's share of the group's respondents, reached or not
                        goal_key = ("goal", goal.id, period.id)
                        family.add((*goal_key, ALL, ALL), rows, TOTALS,
                                   parts=[(*goal_key, "uppnatt", ALL), (*goal_key, "ej_uppnatt", ALL)])
                        family.add((*goal_key, "uppnatt", ALL), rows & agree, TOTALS)
                        family.add((*goal_key, "ej_uppnatt", ALL), rows & ~agree, TOTALS)
    _choice_figures(catalog, family, sessions, means, grid)
    return family


def _chosen(catalog: Catalog, sessions: pd.DataFrame, choices: dict) -> pd.DataFrame:
    """Per session, each option of each board choice question: 1 chosen, 0 not, NaN when the
    question was not answered; columns (instrument, "choice:<item>:<option>"), beside the
    indicators' (instrument, indicator): an indicator id has no colon."""
    columns = {}
    for instrument in catalog.latest_instruments():
        frame = choices.get(instrument.id)
        for item in (instrument.item(i) for i in instrument.board_choices):
            answers = frame[frame["item"] == item.id] if frame is not None else pd.DataFrame(columns=["session_id"])
            answered = sessions["session_id"].isin(set(answers["session_id"]))
            for option in item.options():
                picked = sessions["session_id"].isin(set(answers.loc[answers["choice"] == option.id, "session_id"]))
                columns[_choice_column(instrument.id, item.id, option.id)] = picked.astype(float).where(answered)
    return pd.DataFrame(columns, index=sessions.index)


def _choice_column(instrument_id: str, item_id: str, option_id: str) -> tuple[str, str]:
    return instrument_id, f"choice:{item_id}:{option_id}"


def _choice_figures(catalog: Catalog, family, sessions: pd.DataFrame, means: pd.DataFrame, grid: Grid) -> None:
    """For a year and the whole time: of those who answered a board choice question, how many
    chose each option (a person may choose several in a multiple choice)."""
    completed = sessions["completed_on"]
    for instrument in catalog.latest_instruments():
        mine = (sessions["instrument_id"] == instrument.id).to_numpy()
        if not instrument.board_choices or not mine.any():
            continue
        for period in (p for p in grid.periods if p.kind in DETAILED):
            answered = mine & ((completed >= pd.Timestamp(period.start)) & (completed <= pd.Timestamp(period.end))).to_numpy()
            for item in (instrument.item(i) for i in instrument.board_choices):
                key = ("choices", instrument.id, item.id, period.id)
                options = [o.id for o in item.options()]
                rows = answered & means[_choice_column(instrument.id, item.id, options[0])].notna().to_numpy()
                family.add((*key, ALL), rows, parts=[(*key, o) for o in options])
                for option in options:
                    picked = rows & (means[_choice_column(instrument.id, item.id, option)] >= 0.5).to_numpy()
                    family.add((*key, option), picked)
                    family.add(("choices_rest", *key[1:], option), rows & ~picked, RESTS)


def _indicator_means(catalog: Catalog, sessions: pd.DataFrame, scores: dict) -> pd.DataFrame:
    """Each session's own mean per indicator (NaN: not answered), columns (instrument, indicator)."""
    columns = {}
    for instrument in catalog.latest_instruments():
        if not instrument.indicators:
            continue
        frame = scores.get(instrument.id)
        if frame is None or frame.empty:
            for indicator in instrument.indicators:
                columns[(instrument.id, indicator.id)] = np.full(len(sessions), np.nan)
            continue
        frame = frame.set_index("session_id")
        rows = frame.index.get_indexer(sessions["session_id"])  # -1: a session with no scores
        for indicator in instrument.indicators:
            means = respondent_means(instrument, indicator, frame).to_numpy(dtype=float)
            columns[(instrument.id, indicator.id)] = np.where(rows >= 0, means[rows], np.nan)
    return pd.DataFrame(columns, index=sessions.index)


def _session_variants(catalog: Catalog, sessions: pd.DataFrame, means: pd.DataFrame):
    """Each completed session with one indicator's answer on the other side of its cut, with one
    option of a multiple choice turned, or with another option of a single choice chosen (a
    single choice's options add up to those who answered, so one cannot turn alone)."""
    if len(sessions) > VARIANTS_UP_TO:
        return sessions.assign(_origin=-1), means
    cuts = {(i.id, d.id): d.cut for i in catalog.latest_instruments() for d in i.indicators}
    single = {}  # (instrument, item) -> its options' columns, for the single choices
    for instrument in catalog.latest_instruments():
        for item in (instrument.item(i) for i in instrument.board_choices):
            columns = [_choice_column(instrument.id, item.id, o.id) for o in item.options()]
            if item.kind != "multiple_choice" and columns[0] in means:
                single[(instrument.id, item.id)] = columns
    one_of = {c for columns in single.values() for c in columns}
    # one matrix and row numbers, not a copied frame per column (a tenth of the time)
    values = means.to_numpy(dtype=float)
    at = {column: k for k, column in enumerate(means.columns)}
    rows, blocks = [np.arange(len(sessions))], [values]
    for column in means.columns:
        if column in one_of:
            continue
        # an indicator's cut; an option of a multiple choice is chosen at 1, not at 0 (cut 0.5)
        cut = cuts.get(column, 0.5)
        if cut is None:
            continue
        answered = np.flatnonzero(~np.isnan(values[:, at[column]]))
        flipped = values[answered]
        flipped[:, at[column]] = np.where(flipped[:, at[column]] >= cut, cut - 0.5, cut)
        rows.append(answered)
        blocks.append(flipped)
    for columns in single.values():
        for chosen in columns:
            answered = np.flatnonzero(values[:, at[chosen]] < 0.5)  # answered with another option
            switched = values[answered]
            switched[:, [at[c] for c in columns]] = 0.0
            switched[:, at[chosen]] = 1.0
            rows.append(answered)
            blocks.append(switched)
    labels = sessions.index.to_numpy()
    origin = np.concatenate([np.full(len(sessions), -1)] + [labels[r] for r in rows[1:]])
    units = sessions.iloc[np.concatenate(rows)].reset_index(drop=True).assign(_origin=origin)
    return units, pd.DataFrame(np.vstack(blocks), columns=means.columns)


@dataclass
class ProtectedProgramme:
    people: Protected
    sessions: Protected
    invited: dict = field(default_factory=dict)  # (instrument, period, group) -> declared by rounds
    referrals: Protected | None = None


FUNNEL = ("remitterade", "inskrivna", "ej_inskrivna", "vantar", "avslutade")


def referrals_family(programme, referrals: pd.DataFrame, enrolments: pd.DataFrame, grid: Grid) -> Family:
    """The referral funnel, per period of the referral: referred, enrolled, not enrolled,
    awaiting a decision, and of those enrolled, exited (by the grid's end), by referring party
    and by gender. A unit is one referral; each has variants with its party, gender or decision
    changed, so a shown zero beside a hidden count says nothing about anyone."""
    real = referrals.reset_index(drop=True).assign(_origin=-1)
    exited = set(enrolments.loc[enrolments["exited_on"].notna(), "participant_id"])
    real["avslutad"] = real["participant_id"].isin(exited)
    parts = [real]
    if len(real) <= VARIANTS_UP_TO:
        base = real.assign(_origin=real.index)
        for party in programme.referral_parties:
            parts.append(base[base["party"] != party.id].assign(party=party.id))
        for gender in set(real["gender"]):
            parts.append(base[base["gender"] != gender].assign(gender=gender))
        for decision in ("inskriven", "ej_inskriven", "vantar"):
            parts.append(base[base["decision"] != decision].assign(decision=decision, avslutad=False))
        parts.append(base[base["decision"] == "inskriven"].assign(avslutad=~base["avslutad"]))
    units = pd.concat(parts, ignore_index=True)
    family = Family(len(units), units.pop("_origin").to_numpy())
    day, decision = units["referred_on"], units["decision"].to_numpy(dtype=object)
    masks = {"remitterade": np.ones(len(units), bool), "inskrivna": decision == "inskriven",
             "ej_inskrivna": decision == "ej_inskriven", "vantar": decision == "vantar",
             "avslutade": (decision == "inskriven") & units["avslutad"].to_numpy(dtype=bool)}
    rows = {f"party:{p.id}": (units["party"] == p.id).to_numpy() for p in programme.referral_parties}
    rows |= {f"gender:{g}": (units["gender"] == g).to_numpy() for g in GENDER_ORDER if g in set(real["gender"])}
    for period in grid.periods:
        if period.kind not in DETAILED:
            continue
        inside = ((day >= pd.Timestamp(period.start)) & (day <= pd.Timestamp(period.end))).to_numpy()
        for column, mask in masks.items():
            family.add(("referrals", period.id, ALL, column), inside & mask, TOTALS,
                       parts=[("referrals", period.id, r, column) for r in rows])
            for row, where in rows.items():
                family.add(("referrals", period.id, row, column), inside & mask & where)
    return family


def protect_programme(catalog: Catalog, programme, inputs: dict, grid: Grid,
                      protection: Protection) -> ProtectedProgramme:
    enrolments = inputs["enrolments"]
    scores = inputs["scores"]
    mine = enrolments[enrolments["programme_id"] == programme.id]
    sessions = inputs["sessions"]
    sessions = sessions[sessions["programme_id"] == programme.id]
    rounds = inputs["rounds"]
    sessions = asked(catalog, programme, sessions, mine, rounds[rounds["programme_id"] == programme.id],
                     grid.leaves[-1].end if grid.leaves else date.today())
    path = inputs.get("path") or {}
    referrals = path.get("referrals")
    return ProtectedProgramme(
        people_family(catalog, programme, mine, scores, grid, path).protect(protection),
        sessions_family(catalog, programme.id, sessions, scores, grid, inputs.get("choices")).protect(protection),
        round_invited(rounds[rounds["programme_id"] == programme.id], grid),
        referrals_family(programme, referrals[referrals["programme_id"] == programme.id], mine, grid)
        .protect(protection) if referrals is not None else None)


# -- one report: a view of the protected figures -------------------------------------------


class _View:
    """Counts of one programme, or all summed; a sum is hidden when any part is."""

    def __init__(self, parts: list[Protected]):
        self.parts = parts

    def count(self, key) -> int | None:
        total = 0
        for part in self.parts:
            if part.has(key):
                value = part.count(key)
                if value is None:
                    return None
                total += value
        return total

    def share(self, numerator, rest, denominator) -> float | None:
        return share_of(self.count(numerator), self.count(rest), self.count(denominator))

    def mean(self, key, magnitude: str) -> float | None:
        n, total = 0, 0.0
        for part in self.parts:
            if not part.has(key) or not part.true_count(key):
                continue
            value = part.mean(key, magnitude)
            if value is None:
                return None
            count = part.count(key)
            n, total = n + count, total + value * count
        return total / n if n else None


def board_report(catalog: Catalog, protected: dict[str, ProtectedProgramme], programme_id: str | None,
                 period: Period, grid: Grid, protection: Protection,
                 national: pd.DataFrame | None = None) -> BoardReport:
    """`national`: the NNS's published figures (`indicators.national.read_figures`), shown beside
    the indicator results; other people's aggregates, so they take no part in the protection."""
    programmes = [catalog.programme(programme_id)] if programme_id else catalog.latest_programmes()
    report = BoardReport(programmes, period, grid, protection, programme_id=programme_id, catalog=catalog)
    people = _View([protected[p.id].people for p in programmes if p.id in protected])
    sessions = _View([protected[p.id].sessions for p in programmes if p.id in protected])
    for programme in programmes:
        if programme.id not in protected:
            continue
        mine = report.views[programme.id] = _View([protected[programme.id].people])
        answers = _View([protected[programme.id].sessions])
        if period.kind in GOALS:
            before = grid.previous(period)
            for goal in programme.goals:
                view = answers if goal.over_answers else mine
                # a count's figure is the flow table's, a mean's rests on it: no goal table of their own
                figure = _goal if goal.measure == "share" else _period_goal
                shown = figure(programme, goal, view, period)
                if before is not None:  # the previous period's own published figure, for the change
                    shown.previous = figure(programme, goal, view, before)
                report.goals.append(shown)
                if goal.measure == "share":
                    report.tables.append(_goal_table(programme, goal, view, period))
        if period.kind in DETAILED:
            report.tables.append(_outcome_table(programme, protected[programme.id].people, mine, period))
            report.tables += _age_tables(programme, protected[programme.id].people, mine, period)
            report.tables += _occasion_tables(catalog, programme, protected[programme.id].people, mine, period)
            report.tables += _referral_tables(programme, protected[programme.id].referrals, period)
            report.tables += _choice_tables(catalog, programme, protected[programme.id].sessions, period)
    if period.kind in DETAILED:
        covered = [p for p in programmes if p.id in protected]  # in the order of people's parts
        report.tables += _change_tables(catalog, covered, people, period)
        report.tables += _durations_tables(covered, people, period)
        report.mean_months = people.mean(("durations", period.id, ALL), "months")
    report.tables.append(_flow_table(people, period, grid))
    invited: dict[tuple, int] = {}
    for programme in programmes:
        for key, count in getattr(protected.get(programme.id), "invited", {}).items():
            invited[key] = invited.get(key, 0) + count
    report.tables += _indicator_tables(catalog, sessions, invited, period, grid, national)
    report.tables = [t for t in report.tables if t is not None]
    return report


def _goal(programme, goal, view: _View, period: Period) -> BoardGoal:
    key = ("goal", goal.id, period.id)
    share = view.share((*key, "uppnatt", ALL), (*key, "ej_uppnatt", ALL), (*key, ALL, ALL))
    breakdowns = {}
    for dimension in goal.breakdowns:
        breakdowns[dimension] = {}
        for group in _declared_groups(programme, dimension):
            column = f"{dimension}:{group}"
            if _registered(view, (*key, ALL, column)) and view.count((*key, ALL, column)) != 0:  # 0: nobody
                breakdowns[dimension][group] = view.share((*key, "uppnatt", column), (*key, "ej_uppnatt", column),
                                                          (*key, ALL, column))
    # a hidden share never stands beside its own numerator
    numerator = None if share is None else view.count((*key, "uppnatt", ALL))
    return BoardGoal(programme.id, goal.id, goal.target, numerator, view.count((*key, ALL, ALL)),
                      share, None if share is None else share >= goal.target, breakdowns)


def _period_goal(programme, goal, view: _View, period: Period) -> BoardGoal:
    """A count goal: the programme's protected count of those who started (or left) in the
    period, the flow table's figure. A mean goal: the mean months of those who left, shown only
    where their count is, like every mean."""
    num = goal.numerator
    if goal.measure == "count":
        count = view.count(("flow", period.id, "nya" if num.counts == "enrolled" else "avslutade"))
        target = num.target_for(period_months(period.start, period.end))
        return BoardGoal(programme.id, goal.id, target, count, None, None,
                         None if count is None else count >= target, measure="count", value=count)
    key = ("flow", period.id, "avslutade")
    n = view.count(key)
    mean = view.mean(key, "months") if n else None
    return BoardGoal(programme.id, goal.id, num.min_months, None, n, None,
                     None if mean is None else num.min_months <= mean <= num.max_months,
                     measure="mean", value=mean, target_max=num.max_months)


def _registered(view: _View, key) -> bool:
    return any(part.has(key) for part in view.parts)


def _declared_groups(programme, dimension, present=None) -> list[str]:
    """A breakdown's groups as declared (genders: those of the programme's participants), and
    'okand' where someone's group is unknown."""
    if dimension == "gender":
        declared = [g for g in GENDER_ORDER if present is None or g in present]
    else:
        declared = [g.id for g in (programme.age_groups if dimension == "age_group" else programme.duration_bands)]
    return declared + (["okand"] if present is None or "okand" in present else [])


def _goal_table(programme, goal, view: _View, period: Period) -> Table:
    key = ("goal", goal.id, period.id)
    columns = [Column(ALL, total=True)]
    for dimension in goal.breakdowns:
        columns += [Column(f"{dimension}:{g}")
                    for g in _declared_groups(programme, dimension)
                    if _registered(view, (*key, ALL, f"{dimension}:{g}"))]
    values = [[view.count((*key, status, c.id)) for c in columns] for status in STATUS_ROWS]
    return Table(f"goal/{programme.id}/{goal.id}", STATUS_ROWS, columns, values, total_row=ALL, programme=programme.id)


def _outcome_table(programme, part: Protected, view: _View, period: Period) -> Table | None:
    genders = [g for g in GENDER_ORDER if part.has(("outcomes", period.id, ALL, g))]
    if not part.true_count(("outcomes", period.id, ALL, ALL)):
        return None
    rows = [o.id for o in programme.outcomes] + [ALL]
    columns = [Column(g) for g in genders] + [Column(ALL, total=True)]
    values = [[view.count(("outcomes", period.id, r, c.id)) for c in columns] for r in rows]
    return Table(f"outcomes/{programme.id}", rows, columns, values,
                 total_row=ALL, programme=programme.id)


def _age_tables(programme, part: Protected, view: _View, period: Period) -> list[Table]:
    """Those who left in the period by age group (seed 002): their outcomes, their time in the
    programme in its own bands, and the mean time in days and months."""
    if not part.true_count(("by_age", period.id, ALL, ALL)):
        return []
    ages = [g for g in _declared_groups(programme, "age_group") if part.has(("by_age", period.id, ALL, g))]
    columns = [Column(g) for g in ages] + [Column(ALL, total=True)]
    rows = [o.id for o in programme.outcomes] + [ALL]
    outcomes = Table(f"outcomes_by_age/{programme.id}", rows, columns,
                     [[view.count(("by_age", period.id, r, c.id)) for c in columns] for r in rows],
                     total_row=ALL, programme=programme.id)
    bands = [b.id for b in programme.duration_bands]
    count = lambda band, age: view.count(("by_age", period.id, ALL, age)) if band == ALL \
        else view.count(("durations_age", period.id, band, age))  # noqa: E731
    durations = Table(f"durations_by_age/{programme.id}", bands + [ALL], columns,
                      [[count(r, c.id) for c in columns] for r in bands + [ALL]], total_row=ALL, programme=programme.id)
    means = []
    for age in ages + [ALL]:
        key = ("by_age", period.id, ALL, age)
        months = view.mean(key, "months") if view.count(key) else None
        means.append([view.count(key), None if months is None else months * 30.44, months])
    time = Table(f"time_by_age/{programme.id}", ages + [ALL],
                 [Column("n"), Column("dagar", "medel"), Column("manader", "månader")], means,
                 total_row=ALL, programme=programme.id)
    return [outcomes, durations, time]


def _occasion_tables(catalog, programme, part: Protected, view: _View, period: Period) -> list[Table]:
    """For each instrument followed over occasions (KASAM), per occasion of the programme: n,
    the mean of every scale, and how many (and which share) are under each threshold (seed 002:
    111 / 109 / 118 at intake, midpoint and exit; the share under 100)."""
    tables = []
    for instrument in catalog.latest_instruments():
        occasions = [o.id for o in programme.occasions
                     if part.has(("occasion", instrument.id, o.id, period.id, "n"))]
        if not occasions or not any(part.true_count(("occasion", instrument.id, o, period.id, "n")) for o in occasions):
            continue
        thresholds = _thresholds(instrument)
        columns = [Column("n")] + [Column(f"medel:{s.id}", "medel") for s in instrument.scales]
        columns += [c for s, f in thresholds
                    for c in (Column(f"under:{s.id}:{f.id}"), Column(f"andel_under:{s.id}:{f.id}", "andel"))]
        values = []
        for occasion in occasions:
            key = ("occasion", instrument.id, occasion, period.id)
            n = view.count((*key, "n"))
            row = [n] + [view.mean((*key, "n"), f"occasion:{instrument.id}:{occasion}:{s.id}") if n else None
                         for s in instrument.scales]
            for scale, flag in thresholds:
                under = f"{scale.id}:{flag.id}"
                row += [view.count((*key, f"under:{under}")),
                        view.share((*key, f"under:{under}"), (*key, f"over:{under}"), (*key, "n"))]
            values.append(row)
        tables.append(Table(f"occasions/{programme.id}/{instrument.id}", occasions, columns, values,
                            programme=programme.id))
    return tables


def _choice_tables(catalog, programme, part: Protected, period: Period) -> list[Table]:
    """Per board choice question of a follow-up survey: how many chose each option, and the share
    of those who answered it. A single choice's options add up to those who answered."""
    view, tables = _View([part]), []
    for instrument in catalog.latest_instruments():
        for item in (instrument.item(i) for i in instrument.board_choices):
            key = ("choices", instrument.id, item.id, period.id)
            if not part.has((*key, ALL)) or not part.true_count((*key, ALL)):
                continue
            options = [o.id for o in item.options()]
            values = [[view.count((*key, o)), view.share((*key, o), ("choices_rest", *key[1:], o), (*key, ALL))]
                      for o in options] + [[view.count((*key, ALL)), None]]
            tables.append(Table(f"choices/{programme.id}/{instrument.id}/{item.id}", options + [ALL],
                                [Column("antal"), Column("andel_svarande", "andel")], values,
                                total_row=ALL if item.kind != "multiple_choice" else None, programme=programme.id))
    return tables


def _referral_tables(programme, part: Protected | None, period: Period) -> list[Table]:
    """The funnel by referring party, and by gender: referred → enrolled → exited."""
    if part is None or not part.true_count(("referrals", period.id, ALL, "remitterade")):
        return []
    view = _View([part])
    columns = [Column(c) for c in FUNNEL]
    tables = []
    for suffix, prefix in (("", "party:"), ("/kon", "gender:")):
        rows = [k[2] for k in part.family.keys if k[0] == "referrals" and k[1] == period.id
                and k[3] == "remitterade" and str(k[2]).startswith(prefix)] + [ALL]
        values = [[view.count(("referrals", period.id, r, c.id)) for c in columns] for r in rows]
        tables.append(Table(f"referrals/{programme.id}{suffix}", rows, columns, values, total_row=ALL,
                            programme=programme.id))
    return tables


def outcome_shares(table: Table, view_or_part, period: Period) -> list[list]:
    """Each outcome's share of its column, shown only with its count, the rest and the total."""
    view = view_or_part if isinstance(view_or_part, _View) else _View([view_or_part])
    return [[view.share(("outcomes", period.id, r, c.id), ("outcomes_rest", period.id, r, c.id),
                        ("outcomes", period.id, ALL, c.id)) if r != ALL else None for c in table.columns]
            for r in table.rows]


def _change_tables(catalog, programmes, view: _View, period: Period) -> list[Table]:
    tables = []
    spans: dict[str, list] = {}
    for programme in programmes:
        for change in _changes(catalog, programme):
            spans.setdefault(change.instrument.id, []).append((programme.id, change.from_occasion, change.to_occasion))
    for instrument in catalog.latest_instruments():
        if instrument.id not in spans:
            continue
        total = ("change", instrument.id, period.id, ALL, "n")
        if not any(part.has(total) and part.true_count(total) for part in view.parts):
            continue  # nobody with a pair: no table (a 0 tells nothing about anyone)
        present = [g for g in GENDER_ORDER if _registered(view, ("change", instrument.id, period.id, g, "n"))]
        rows = present + [ALL]
        columns = [Column(c) for c in CHANGE_COLUMNS]
        columns += [Column("andel_forbattrade", "andel"), Column("andel_tillforlitligt", "andel")]
        columns += [Column(f"medel:{s.id}", "förändring") for s in instrument.scales]
        values = []
        for g in rows:
            key = ("change", instrument.id, period.id, g)
            row = [view.count((*key, c)) for c in CHANGE_COLUMNS]
            row += [view.share((*key, "forbattrade"), (*key, "ej_forbattrade"), (*key, "n")),
                    view.share((*key, "tillforlitligt"), (*key, "ej_tillforlitligt"), (*key, "n"))]
            row += [view.mean((*key, "n"), f"change:{instrument.id}:{s.id}") for s in instrument.scales]
            values.append(row)
        tables.append(Table(f"change/{instrument.id}", rows, columns, values, total_row=ALL,
                            spans=spans[instrument.id]))
    return tables


def _durations_tables(programmes, view: _View, period: Period) -> list[Table]:
    """Time in the programme by the programme's own bands. Programmes that declare the same
    bands share one table (summed); with different bands each group gets a table of its own."""
    by_bands: dict[tuple, list] = {}
    for programme in programmes:
        by_bands.setdefault(tuple(programme.duration_bands), []).append(programme)
    tables = []
    for bands, members in by_bands.items():
        alone = len(by_bands) > 1
        part = _View([p for p, programme in zip(view.parts, programmes) if programme in members]) if alone else view
        rows = [b.id for b in bands] + [ALL]
        values = [[part.count(("durations", period.id, b))] for b in rows]
        # the programmes are in the id when they need naming: "durations/porten+jobbvagen_ar"
        tables.append(Table("durations" + (f"/{'+'.join(p.id for p in members)}" if alone else ""),
                            rows, [Column("antal")], values, total_row=ALL))
    return tables


def _flow_table(view: _View, period: Period, grid: Grid) -> Table:
    leaves = grid.leaves_in(period)
    whole = [period.id] if period.kind != grid.leaf_kind else []  # the whole period's row
    rows = [leaf.id for leaf in leaves] + whole
    columns = [Column(c) for c in FLOW_COLUMNS]
    values = [[view.count(("flow", r, c.id)) for c in columns] for r in rows]
    # "aktiva" does not add up over time: the period's row is a total only for new and exited
    return Table("flow", rows, columns, values,
                 total_row=period.id if period.kind != grid.leaf_kind else None)


def _indicator_tables(catalog, view: _View, invited: dict, period: Period, grid: Grid,
                      national: pd.DataFrame | None = None) -> list[Table]:
    previous = grid.previous(period)
    years = set() if national is None or national.empty else {int(y) for y in national["year"]}
    national_year = year_for(period, years)
    published = figures_of_year(national, national_year)
    tables = []
    for instrument in catalog.latest_instruments():
        if not instrument.indicators:
            continue
        groups_present = sorted({key[3] for part in view.parts for key in part.family.keys
                                 if key[0] == "sessions" and key[1] == instrument.id and key[2] == period.id})
        rows, values = [], []
        for indicator in instrument.indicators:
            for g in groups_present:
                key = ("indicator", instrument.id, indicator.id, period.id, g)
                asked = ("sessions", instrument.id, period.id, g)
                # a row for every group asked in the period, answered or not (its asked count adds
                # up over periods only if no period leaves it out)
                if not any(part.has(k) and part.true_count(k) for part in view.parts
                           for k in ((*key, "n"), (*asked, "inbjudna"), (*asked, "svar"))) \
                        and (instrument.id, period.id, g) not in invited:
                    continue
                share = view.share((*key, "instammer"), (*key, "ej_instammer"), (*key, "n"))
                before = None
                if previous is not None:
                    old = ("indicator", instrument.id, indicator.id, previous.id, g)
                    before = view.share((*old, "instammer"), (*old, "ej_instammer"), (*old, "n"))
                rows.append(f"{indicator.id}:{g}")
                # Asked: a round's invited (declared, public), or the participants the occasion
                # was due to (protected, like every count of people). The rate is answered of
                # asked; beside a hidden n it would say how many answered.
                declared = invited.get((instrument.id, period.id, g))
                if declared is not None:
                    answered = view.count((*asked, "svar"))
                    asked_count, rate = declared, None if answered is None else answered / declared
                else:
                    asked_count = view.count((*asked, "inbjudna"))
                    rate = view.share((*asked, "svar"), (*asked, "ej_svar"), (*asked, "inbjudna"))
                values.append([view.count((*key, "n")), view.count((*key, "instammer")), view.count((*key, "ej_instammer")),
                               asked_count, None if view.count((*key, "n")) is None else rate,
                               share, view.mean((*key, "n"), f"indicator:{instrument.id}:{indicator.id}"), before,
                               None if share is None or before is None else share - before])
        if rows:
            columns = [Column("n"), Column("instammer"), Column("ej_instammer"), Column("tillfragade"),
                       Column("svarsfrekvens", "andel"), Column("andel", "andel"), Column("medel", "medel"),
                       Column("foregaende", "andel"), Column("forandring", "procentenheter")]
            # The national share of the same indicator and group, when that year has any for
            # this table. Public figures about other förbund, with a unit of their own, so no
            # reader (and no auditor) takes them for counts or shares of this förbund's.
            beside = [published.get(tuple(r.split(":", 1))) for r in rows]
            shown_year = national_year if any(f is not None and f[0] is not None for f in beside) else None
            if shown_year is not None:
                columns.append(Column(NATIONAL_SHARE, NATIONAL_SHARE))
                for row, figure in zip(values, beside):
                    row.append(figure[0] if figure else None)
            tables.append(Table(f"indicators/{instrument.id}", rows, columns, values, national_year=shown_year))
    return tables
