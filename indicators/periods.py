"""The fixed grid of periods the board reports on: quarters with half years, or tertials,
calendar years, and the programme's whole time so far. Only completed periods are offered:
a period that still runs would change from one day to the next, and two reports a day apart
differ by the people who came or left that day. A grid instead of free dates is the first
half of the protection against differencing (the rest is in `indicators.disclosure`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from foundation.errors import StegvisError

QUARTER, TERTIAL, HALF, YEAR, WHOLE = "kvartal", "tertial", "halvar", "ar", "hela"
LEAF_KINDS = {3: QUARTER, 4: TERTIAL}
_LETTER = {QUARTER: "K", TERTIAL: "T", HALF: "H"}


@dataclass(frozen=True)
class Period:
    """One period of the grid; `id` is what the command line and the JSON use, and
    `stegvis.reports.period_label` says it in words."""

    kind: str
    id: str
    start: date
    end: date

    def contains(self, other: "Period") -> bool:
        return self.start <= other.start and other.end <= self.end


def _month_end(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


def _split(year: int, months: int, kind: str) -> list[Period]:
    return [Period(kind, f"{year}-{_LETTER[kind]}{i + 1}", date(year, 1 + i * months, 1),
                   _month_end(year, (i + 1) * months)) for i in range(12 // months)]


@dataclass(frozen=True)
class Grid:
    """Every period the board may pick for data from `first` on, as of `today`."""

    leaf_months: int
    leaves: tuple[Period, ...]
    periods: tuple[Period, ...]  # leaves, half years, years and the whole time, oldest first

    @property
    def leaf_kind(self) -> str:
        return LEAF_KINDS[self.leaf_months]

    def period(self, period_id: str) -> Period:
        found = {p.id: p for p in self.periods}.get(period_id)
        if found is None:
            offered = ", ".join(p.id for p in self.periods[-8:]) or "inga ännu"
            raise StegvisError(f"perioden {period_id!r} finns inte bland styrelsens perioder (till exempel {offered}); "
                               "styrelsen väljer avslutade år, halvår och kvartal eller tertial, eller 'hela'")
        return found

    def of_kind(self, kind: str) -> list[Period]:
        return [p for p in self.periods if p.kind == kind]

    def leaves_in(self, period: Period) -> list[Period]:
        return [leaf for leaf in self.leaves if period.contains(leaf)]

    def previous(self, period: Period) -> Period | None:
        """The period of the same kind just before, for 'change since the previous period'."""
        same = self.of_kind(period.kind)
        index = same.index(period)
        return same[index - 1] if index > 0 and period.kind != WHOLE else None


def build_grid(first: date | None, today: date, leaf_months: int = 3) -> Grid:
    """Completed periods from the one holding `first` up to the day before `today`."""
    if leaf_months not in LEAF_KINDS:
        raise StegvisError(f"rapportperioder om {leaf_months} månader finns inte; välj 3 (kvartal) eller 4 (tertial)")
    if first is None or first >= today:
        return Grid(leaf_months, (), ())
    kind = LEAF_KINDS[leaf_months]
    leaves = [p for year in range(first.year, today.year + 1) for p in _split(year, leaf_months, kind)
              if p.end >= first and p.end < today]
    if not leaves:
        return Grid(leaf_months, (), ())
    periods = list(leaves)
    years = range(leaves[0].start.year, leaves[-1].end.year + 1)
    if leaf_months == 3:
        periods += [p for year in years for p in _split(year, 6, HALF) if p.end < today and p.end >= first]
    periods += [Period(YEAR, str(year), date(year, 1, 1), date(year, 12, 31)) for year in years
                if date(year, 12, 31) < today]
    periods.append(Period(WHOLE, WHOLE, leaves[0].start, leaves[-1].end))
    periods.sort(key=lambda p: (p.end, (p.end - p.start).days))
    return Grid(leaf_months, tuple(leaves), tuple(periods))

