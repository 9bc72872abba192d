"""Disclosure control: the one place that decides which figures the board may see.

Every count the board can reach is registered in a `Family` as the set of units (participants,
or survey sessions) it counts, whatever table, period or breakdown it belongs to. `protect`
then hides

* every count of 1 to k−1 (primary suppression; a share or a mean goes with its counts), and
* enough further counts that no hidden one can be worked out from the shown ones, however
  they are combined: totals, breakdowns, goal numerators, flows, nested and adjacent periods.

The second part is constructive. For each hidden count the engine picks a *move*: add a unit
like participant A and remove one like participant B (or, failing that, add or remove units
like A alone), and hides every figure that the move changes. Since the move leaves every shown
figure as it is, the published tables are equally consistent with the real data and with the
data after the move, taken once, twice, … as far as there are people to remove. So each hidden
count keeps at least `interval` possible whole values for any reader, whatever arithmetic they
do (Hundepool et al., *Statistical Disclosure Control*, 2012: protection intervals; the
hypercube method of secondary suppression). The tests check it independently with linear
programming over every report of the grid (`tests/test_disclosure_audit.py`)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

SUPPRESSED_TEXT = "för få svar"
SUPPRESSED_WHY = ("färre än {k} personer, eller så skulle en dold siffra kunna räknas fram ur de andra; "
                  "siffran visas därför inte (skydd av enskilda)")
CANDIDATES = 6  # units tried as "participant A" for each count still to protect


@dataclass(frozen=True)
class Protection:
    """k: the smallest number of people behind a shown figure; interval: how many whole numbers
    a hidden count must stay compatible with, whatever a reader combines."""

    k: int = 5
    interval: int = 3


class Family:
    """Counts over one set of units. Figures with the same units are the same figure, whatever
    their keys, so a total shown in two tables is protected once."""

    def __init__(self, size: int):
        self.size = size
        self._masks: list[np.ndarray] = []
        self._rows: dict[bytes, int] = {}
        self.keys: dict[Hashable, int] = {}
        self._importance: list[float] = []
        self.magnitudes: dict[str, np.ndarray] = {}

    def add(self, key: Hashable, mask, importance: float = 1.0) -> None:
        """Register a published count. `importance` weighs what hiding it costs the reader: a
        rest that is only there to decide whether a share may be shown weighs little."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (self.size,):
            raise ValueError(f"figure {key!r}: mask of {mask.shape} for {self.size} units")
        packed = np.packbits(mask).tobytes()
        row = self._rows.get(packed)
        if row is None:
            row = self._rows[packed] = len(self._masks)
            self._masks.append(mask)
            self._importance.append(importance)
        else:
            self._importance[row] = max(self._importance[row], importance)
        self.keys[key] = row

    def magnitude(self, name: str, values) -> None:
        """Per-unit values (NaN where a unit has none) whose means the board sees."""
        self.magnitudes[name] = np.asarray(values, dtype=float)

    def protect(self, protection: Protection) -> "Protected":
        masks = np.array(self._masks, dtype=bool).reshape(len(self._masks), self.size)
        if not len(masks) or not self.size:
            return Protected(self, masks, masks.sum(axis=1), np.zeros(len(masks), dtype=bool), protection)
        # units that every figure treats alike are one "cell"; a move works on cells
        cells, counts = np.unique(masks.T, axis=0, return_counts=True)
        values = counts @ cells
        hidden = suppress(cells, counts, values, protection, np.array(self._importance))
        return Protected(self, masks, values, hidden, protection)


def suppress(cells: np.ndarray, counts: np.ndarray, values: np.ndarray, protection: Protection,
             importance: np.ndarray | None = None) -> np.ndarray:
    """Which figures to hide. `cells` is units-alike × figures (bool), `counts` how many units
    each cell holds, `values` each figure's count, `importance` each figure's weight."""
    k = protection.k
    hidden = (values >= 1) & (values < k) if k > 1 else np.zeros(len(values), dtype=bool)
    if not hidden.any():
        return hidden
    weight = (1.0 + values) * (1.0 if importance is None else importance)  # hiding a large figure loses more
    moves = _Moves(cells, counts, np.where(hidden, 0.0, weight), protection.interval)
    certified = np.zeros(len(values), dtype=bool)
    for figure in sorted(np.flatnonzero(hidden), key=lambda f: values[f]):  # the smallest first
        if certified[figure]:
            continue
        changed = moves.best(figure)
        certified |= changed
        moves.hide(changed & ~hidden)
        hidden |= changed
    return hidden


class _Moves:
    """Finds, for a hidden figure, the cheapest change of the data that leaves every shown figure
    as it is: one cell (add or remove units like A), a pair (+A −B) or a rectangle (+A −B −C +D),
    the cost being the weight of the shown figures it would change (a large figure weighs more)."""

    def __init__(self, cells, counts, shown_weight, interval):
        self.cells, self.counts, self.interval = cells, counts, interval
        self.member = cells.astype(np.float64)
        self.weight = shown_weight  # 0 for hidden figures
        self.cost = self.member @ shown_weight  # changing one cell alone

    def hide(self, newly: np.ndarray) -> None:
        if newly.any():
            self.cost -= self.member[:, newly] @ self.weight[newly]
            self.weight = np.where(newly, 0.0, self.weight)

    def _pair_costs(self, a: int) -> np.ndarray:
        touched = np.flatnonzero(self.cells[a])
        return self.cost[a] + self.cost - 2 * (self.member[:, touched] @ self.weight[touched])

    def best(self, figure: int) -> np.ndarray:
        """The figures the cheapest valid move for `figure` changes (it changes `figure`)."""
        cells, counts = self.cells, self.counts
        inside = cells[:, figure]
        options = []
        for a in sorted(np.flatnonzero(inside), key=lambda c: self.cost[c])[:CANDIDATES]:
            options.append((self.cost[a], [a], []))
            pair = self._pair_costs(a)
            pair[inside | (counts + counts[a] + 1 < self.interval)] = np.inf
            partners = [int(b) for b in np.argsort(pair)[:CANDIDATES] if np.isfinite(pair[b])]
            options += [(pair[b], [a], [b]) for b in partners[:1]]
            for i, b in enumerate(partners):
                for c in partners[i + 1:]:
                    options.append(self._rectangle(figure, a, b, c))
        cost, plus, minus = min(options, key=lambda o: (o[0], -len(o[1]) - len(o[2])))
        net = cells[plus].sum(axis=0, dtype=int) - cells[minus].sum(axis=0, dtype=int)
        return net != 0

    def _rectangle(self, figure: int, a: int, b: int, c: int):
        """+a −b −c +d for the best d: a move that can keep totals which a pair would change."""
        cells, counts = self.cells, self.counts
        d_net = cells[a].astype(int) - cells[b] - cells[c]
        base = self.weight[d_net != 0].sum()
        cost = base + self.member @ (self.weight * (d_net == 0)) - self.member @ (self.weight * (d_net == -1))
        # `figure` must change, and every cell must hold enough units for the interval
        changes_figure = (d_net[figure] + cells[:, figure]) != 0
        enough = np.minimum(counts, counts[a]) + min(counts[b], counts[c]) + 1 >= self.interval
        cost[~changes_figure | ~enough] = np.inf
        cost[[a, b, c]] = np.inf
        d = int(np.argmin(cost))
        return (cost[d], [a, d], [b, c]) if np.isfinite(cost[d]) else (np.inf, [a], [])


class Protected:
    """The figures of a family after protection: counts, shares and means, None where hidden."""

    def __init__(self, family: Family, masks: np.ndarray, values: np.ndarray, hidden: np.ndarray,
                 protection: Protection):
        self.family, self.masks, self.values, self.hidden = family, masks, values, hidden
        self.protection = protection

    def _row(self, key: Hashable) -> int:
        try:
            return self.family.keys[key]
        except KeyError:
            raise KeyError(f"no figure {key!r} was registered") from None

    def has(self, key: Hashable) -> bool:
        return key in self.family.keys

    def true_count(self, key: Hashable) -> int:
        """The unprotected count; for tests and for the protection itself, never for display."""
        return int(self.values[self._row(key)])

    def count(self, key: Hashable) -> int | None:
        row = self._row(key)
        return None if self.hidden[row] else int(self.values[row])

    def share(self, numerator: Hashable, rest: Hashable, denominator: Hashable) -> float | None:
        """numerator ÷ denominator, shown only when the numerator, the rest and the denominator
        are all shown: a share never tells about a group of fewer than k."""
        counts = [self.count(numerator), self.count(rest), self.count(denominator)]
        if None in counts or not counts[2]:
            return None
        return counts[0] / counts[2]

    def mean(self, key: Hashable, magnitude: str) -> float | None:
        """The mean of a magnitude over a shown count's units; None if the count is hidden or
        empty, or if any of its units lacks the magnitude."""
        row = self._row(key)
        if self.hidden[row] or not self.values[row]:
            return None
        values = self.family.magnitudes[magnitude][self.masks[row]]
        return None if np.isnan(values).any() else float(values.mean())


def display(value, fmt: str = "{:.0f}") -> str:
    """A figure for screens and paper: the suppression text when hidden."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return SUPPRESSED_TEXT
    return fmt.format(value)


def percent(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return SUPPRESSED_TEXT
    return f"{value * 100:.0f} %"
