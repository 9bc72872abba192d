"""The coach's to-do rules, from the programme's declared occasions: which survey occasion is
due or overdue, who is near the maximum time in the programme, whose code expired unused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from surveys.models import Programme

DUE_WINDOW = timedelta(days=14)  # an occasion is "due" from two weeks before its date
OVERDUE_AFTER = timedelta(days=14)  # and "overdue" two weeks after it
NEAR_MAX = timedelta(days=30)


@dataclass(frozen=True)
class Todo:
    participant_id: int
    kind: str  # due | overdue | near_max | past_max | code_expired | exit_unrecorded
    occasion: str | None
    on: date  # when it was due, the programme's longest time ends, or the code expired


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def occasion_dates(programme: Programme, started: date, exited: date | None, until: date,
                   extended_months: int = 0) -> list[tuple[str, int, date]]:
    """(occasion, repetition, date) for every occasion up to `until`, as the programme declares
    them; repetitions stop at exit and at the maximum duration (moved by extensions). The
    midpoint is half the planned period after the start."""
    end = exited or until + DUE_WINDOW
    limit = max_date(programme, started, extended_months)
    found = []
    for occasion in programme.occasions:
        if occasion.anchor == "exit":
            if exited:
                found.append((occasion.id, 0, add_months(exited, occasion.offset_months)))
            continue
        if occasion.anchor == "year_end":  # every 31 December the participant is still in
            for repetition, year in enumerate(range(started.year, (exited or until + DUE_WINDOW).year + 1)):
                turn = date(year, 12, 31)
                day = add_months(turn, occasion.offset_months)
                if turn < started or (exited and exited <= turn) or day > until + DUE_WINDOW:
                    break
                found.append((occasion.id, repetition, day))
            continue
        if occasion.anchor == "midpoint":
            day = started + timedelta(days=round(programme.midpoint_months * 30.44))
            if not exited or day <= exited:
                found.append((occasion.id, 0, add_months(day, occasion.offset_months)))
            continue
        months, repetition = occasion.offset_months, 0
        while True:
            day = add_months(started, months)
            if (months > 0 and day >= end) or (limit and day > limit) or day > until + DUE_WINDOW:
                break
            found.append((occasion.id, repetition, day))
            if not occasion.repeat_months:
                break
            months += occasion.repeat_months
            repetition += 1
    return sorted(found, key=lambda x: x[2])


def followup_dates(programme: Programme, started: date, exited: date | None, until: date) -> list[tuple]:
    """(occasion, year, day) of each follow-up whose status is recorded, as `occasion_dates`
    gives them: after exit (year 0: it happens once), and at each turn of the year the person was
    in at (that year). In the programme's order of occasions, then by day."""
    order = {o.id: n for n, o in enumerate(programme.occasions)}
    found = []
    for occasion_id, _, day in occasion_dates(programme, started, exited, until):
        occasion = programme.occasion(occasion_id)
        if occasion.records_status:
            year = add_months(day, -occasion.offset_months).year if occasion.anchor == "year_end" else 0
            found.append((occasion, year, day))
    return sorted(found, key=lambda f: (order[f[0].id], f[2]))


def max_date(programme: Programme, started: date, extended_months: int = 0) -> date | None:
    """The last day of the maximum time, moved by any extensions."""
    if not programme.max_duration_months:
        return None
    return add_months(started, programme.max_duration_months + int(extended_months or 0))


def todos(programme: Programme, enrolment: dict, sessions: pd.DataFrame, today: date,
          recorded=frozenset()) -> list[Todo]:
    """What the coach should do for one enrolment today. `sessions` are the participant's
    survey sessions (occasion, status, completed_at, expires_at, created_at, started);
    `recorded` the follow-up occasions whose status is recorded (done too): a set of occasion
    ids, or occasion id -> how many times (a year-end status, once a year). After exit only the
    follow-ups remain, until the last is done; `extended_months` in the enrolment moves the
    maximum time."""
    times = recorded if isinstance(recorded, dict) else dict.fromkeys(recorded, 1)
    pid = int(enrolment["participant_id"])
    started = date.fromisoformat(str(enrolment["started_on"])[:10])
    exited = None if pd.isna(enrolment.get("exited_on")) else date.fromisoformat(str(enrolment["exited_on"])[:10])
    mine = sessions[sessions["programme_id"] == programme.id] if len(sessions) else sessions
    result: list[Todo] = []
    visits = {}
    for occasion in programme.occasions:  # a visit counts once, however many instruments it had
        rows = mine[mine["occasion"] == occasion.id] if len(mine) else mine
        done = rows[rows["status"] == "completed"]["visit"].nunique() if len(rows) else 0
        pending = rows[rows["status"] == "open"]["visit"].nunique() if len(rows) else 0
        visits[occasion.id] = (done + times.get(occasion.id, 0), pending)
    reported = set()
    extended = int(enrolment.get("extended_months") or 0)
    for occasion_id, repetition, day in occasion_dates(programme, started, exited, today, extended):
        if exited and not programme.occasion(occasion_id).records_status and day <= exited:
            continue  # after exit only the follow-ups remain on the list
        done, pending = visits[occasion_id]
        if repetition < done + pending or occasion_id in reported:
            continue  # answered, or a code is out for it; only the next repetition is reported
        reported.add(occasion_id)
        if today > day + OVERDUE_AFTER:
            result.append(Todo(pid, "overdue", occasion_id, day))
        elif today >= day - DUE_WINDOW:
            result.append(Todo(pid, "due", occasion_id, day))
    if programme.max_duration_months and not exited:
        limit = max_date(programme, started, extended)
        if today > limit:
            result.append(Todo(pid, "past_max", None, limit))
        elif today >= limit - NEAR_MAX:
            result.append(Todo(pid, "near_max", None, limit))
    if len(mine):
        now = datetime.combine(today, datetime.min.time(), timezone.utc).isoformat()
        expired = mine[(mine["status"] == "open") & (mine["expires_at"].fillna("9999") < now)
                       & (~mine["started"].astype(bool))]
        for visit, rows in expired.groupby("visit"):
            day = date.fromisoformat(str(rows["expires_at"].iloc[0])[:10])
            result.append(Todo(pid, "code_expired", rows["occasion"].iloc[0], day))
        if not exited:  # the exit survey is answered but the exit itself was never recorded
            exits = {o.id for o in programme.occasions if o.anchor == "exit" and o.offset_months == 0}
            answered = mine[mine["occasion"].isin(exits) & (mine["status"] == "completed")]
            if len(answered):
                day = date.fromisoformat(str(answered["completed_at"].max())[:10])
                result.append(Todo(pid, "exit_unrecorded", answered["occasion"].iloc[0], day))
    return result
