"""The administrator's to-do for survey rounds, from the rounds the programmes and the förbund
declare: which are due this year and not made yet, and which are running with how many answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from indicators.schedule import add_months
from surveys.definitions import Catalog
from surveys.models import DeclaredRound
from surveys.rounds import Round

MIN_OPEN = timedelta(days=14)  # a round made late still gets two weeks to be answered


@dataclass(frozen=True)
class DueRound:
    """A declared round whose month has come this year and that has not been made this year."""

    programme_id: str | None  # None: the förbund's own round
    declared: DeclaredRound
    due_since: date  # the first day of its month this year
    closes_on: date  # the suggested last day to answer


@dataclass(frozen=True)
class RunningRound:
    round: Round
    days_left: int  # 0 on the closing day itself


@dataclass(frozen=True)
class RoundsTodo:
    due: list[DueRound]
    running: list[RunningRound]


def month_end(day: date) -> date:
    return add_months(day.replace(day=1), 1) - timedelta(days=1)


def suggested_closing(month: int, today: date) -> date:
    """The last day of the round's month this year; when that leaves less than two weeks (a round
    made late, or at the end of its month), the last day of the month two weeks from today."""
    end = month_end(date(today.year, month, 1))
    return end if end >= today + MIN_OPEN else month_end(today + MIN_OPEN)


def rounds_todo(catalog: Catalog, rounds: list[Round], today: date) -> RoundsTodo:
    """Due: every round the förbund or a programme declares whose month has been reached this year
    and of which no round was made this year (for that programme, or the förbund), oldest month
    first. Running: the open rounds, the one closing soonest first. A declared round made last
    year is due again when its month comes."""
    made = {(r.programme_id, r.declared) for r in rounds
            if r.declared and date.fromisoformat(r.opened_on).year == today.year}
    due = []
    for owner in [None] + [p.id for p in catalog.latest_programmes()]:
        for declared in catalog.declared_rounds(owner):
            if declared.month <= today.month and (owner, declared.id) not in made:
                due.append(DueRound(owner, declared, date(today.year, declared.month, 1),
                                    suggested_closing(declared.month, today)))
    due.sort(key=lambda d: (d.due_since, d.programme_id or "", d.declared.id))
    running = sorted((RunningRound(r, (date.fromisoformat(r.closes_on) - today).days)
                      for r in rounds if r.is_open(today)), key=lambda r: (r.days_left, r.round.id))
    return RoundsTodo(due, running)
