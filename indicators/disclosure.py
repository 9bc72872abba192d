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

CANDIDATES = 6  # units tried as "participant A" for each count still to protect
ENDLESS = 1 << 30  # as many units as you like can be added


@dataclass(frozen=True)
class Protection:
    """k: the smallest number of people behind a shown figure; interval: how many whole numbers
    a hidden count must stay compatible with, whatever a reader combines."""

    k: int = 5
    interval: int = 3


class Family:
    """Counts over one set of units. Figures with the same units are the same figure, whatever
    their keys, so a total shown in two tables is protected once.

    Besides the real units (count 1) a family may hold *variants*: a real unit with one fact
    changed (another outcome, gender, age group, a start or exit a quarter earlier or later),
    with count 0. They count nowhere; they let a move say "had this person left with another
    outcome", which changes far fewer figures than swapping two real people who differ in
    everything else."""

    def __init__(self, size: int, origin=None):
        self.size = size
        self.origin = np.full(size, -1) if origin is None else np.asarray(origin, dtype=np.int64)  # -1: real
        self.counts = (self.origin < 0).astype(np.int64)
        self._masks: list[np.ndarray] = []
        self._rows: dict[bytes, int] = {}
        self.keys: dict[Hashable, int] = {}
        self._importance: list[float] = []
        self._parts: list[tuple[Hashable, Hashable]] = []  # (whole, part)
        self.magnitudes: dict[str, np.ndarray] = {}

    def add(self, key: Hashable, mask, importance: float = 1.0, parts=()) -> None:
        """Register a published count. `importance` weighs what hiding it costs the reader: a
        rest that is only there to decide whether a share may be shown weighs little. `parts`
        names the figures that split this one (a total's cells): a part shown as 0 beside a
        hidden whole would say that the few people in it all share the other parts' category,
        so such zeros are hidden with it."""
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
        self._parts += [(key, part) for part in parts]

    def magnitude(self, name: str, values) -> None:
        """Per-unit values (NaN where a unit has none) whose means the board sees."""
        self.magnitudes[name] = np.asarray(values, dtype=float)

    def protect(self, protection: Protection) -> "Protected":
        masks = np.array(self._masks, dtype=bool).reshape(len(self._masks), self.size)
        values = masks.astype(np.int64) @ self.counts
        if not len(masks) or not self.counts.any():
            return Protected(self, masks, values, np.zeros(len(masks), dtype=bool), protection)
        # units that every figure treats alike are one "cell"; a move works on cells
        # rows packed to bytes and compared as one value each: far faster than np.unique(axis=0)
        packed = np.ascontiguousarray(np.packbits(masks.T, axis=1))
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        cells, inverse = masks.T[first], inverse.reshape(-1)
        counts = np.bincount(inverse, weights=self.counts, minlength=len(cells)).astype(np.int64)
        variant = self.origin >= 0
        edits = np.unique(np.column_stack([inverse[variant], inverse[self.origin[variant]]]), axis=0) \
            if variant.any() else np.zeros((0, 2), dtype=int)
        edits = edits[edits[:, 0] != edits[:, 1]]  # a change no figure sees is no move
        parts = np.array([(self.keys[whole], self.keys[part]) for whole, part in self._parts
                          if whole in self.keys and part in self.keys], dtype=int).reshape(-1, 2)
        hidden = suppress(cells, counts, values, protection, np.array(self._importance), edits, parts)
        return Protected(self, masks, values, hidden, protection)


def suppress(cells: np.ndarray, counts: np.ndarray, values: np.ndarray, protection: Protection,
             importance: np.ndarray | None = None, edits: np.ndarray | None = None,
             parts: np.ndarray | None = None) -> np.ndarray:
    """Which figures to hide. `cells` is units-alike × figures (bool), `counts` how many real units
    each cell holds, `values` each figure's count, `importance` each figure's weight, `edits`
    pairs (variant cell, real cell) a unit may be changed between, `parts` pairs (whole, part)."""
    k = protection.k
    hidden = (values >= 1) & (values < k) if k > 1 else np.zeros(len(values), dtype=bool)
    if not hidden.any():
        return hidden
    weight = (1.0 + values) * (1.0 if importance is None else importance)  # hiding a large figure loses more
    moves = _Moves(cells, counts, np.where(hidden, 0.0, weight), protection.interval,
                   np.zeros((0, 2), dtype=int) if edits is None else edits)
    parts = np.zeros((0, 2), dtype=int) if parts is None else parts
    reachable = cells.any(axis=0)
    queue = sorted(np.flatnonzero(hidden), key=lambda f: values[f])  # the smallest first
    while queue:
        while queue:
            figure = queue.pop(0)
            if moves.certified(figure):
                continue
            for net, low, high in moves.best(figure):
                changed = net != 0
                moves.record(net, low, high)
                newly = changed & ~hidden
                moves.hide(newly)
                hidden |= changed
                queue += [f for f in np.flatnonzero(changed) if not moves.certified(f)]
        # a zero beside a hidden whole is hidden too, and needs its own protection
        # (a part no unit or variant can fall in says nothing about anyone: it stays 0)
        zeros = parts[hidden[parts[:, 0]] & ~hidden[parts[:, 1]] & (values[parts[:, 1]] == 0)
                      & reachable[parts[:, 1]], 1]
        if len(zeros):
            zeros = np.unique(zeros)
            moves.hide(np.isin(np.arange(len(values)), zeros))
            hidden[zeros] = True
            queue = list(zeros)
    return hidden


class _Moves:
    """Finds, for a hidden figure, the cheapest changes of the data that leave every shown
    figure as it is, the cost being the weight of the shown figures a change touches (a large
    figure weighs more). Two-way changes: one cell alone (add or remove units like A), a pair
    (+A −B) or a rectangle (+A −B −C +D) of real cells. One-way changes: a unit edited into
    another cell (a variant), alone or with a second edit that undoes its effect elsewhere. Each
    figure keeps how far the recorded changes can move it down and up."""

    def __init__(self, cells, counts, shown_weight, interval, edits):
        self.cells, self.counts, self.interval = cells, counts, interval
        self.real = np.flatnonzero(counts > 0)  # cells holding real units; variants have none
        self.member = cells.astype(np.float64)
        self.weight = shown_weight  # 0 for hidden figures
        self.cost = self.member @ shown_weight  # changing one cell alone
        self.edits = edits[counts[edits[:, 1]] > 0] if len(edits) else edits
        self.diff = (cells[self.edits[:, 0]].astype(np.int8) - cells[self.edits[:, 1]].astype(np.int8)) \
            if len(self.edits) else np.zeros((0, cells.shape[1]), dtype=np.int8)
        self.edit_cost = np.abs(self.diff).astype(np.float64) @ shown_weight
        self.down = np.zeros(cells.shape[1], dtype=np.int64)
        self.up = np.zeros(cells.shape[1], dtype=np.int64)
        # whole numbers each hidden figure must keep open; a zero counts nobody: it has to be able
        # to hold someone, so that no reader can tell that a group is all of one kind
        self.need = np.where(cells.any(axis=0) & ~(counts @ cells > 0), 2, interval)

    def certified(self, figure: int) -> bool:
        return self.down[figure] + self.up[figure] + 1 >= self.need[figure]

    def record(self, net: np.ndarray, low: int, high: int) -> None:
        """A change by δ·net for every δ from −low to +high is consistent with every shown figure."""
        step = np.abs(net)
        self.up = np.maximum(self.up, np.where(net > 0, step * high, step * low))
        self.down = np.maximum(self.down, np.where(net > 0, step * low, step * high))

    def hide(self, newly: np.ndarray) -> None:
        if newly.any():
            self.cost -= self.member[:, newly] @ self.weight[newly]
            self.edit_cost -= np.abs(self.diff[:, newly]).astype(np.float64) @ self.weight[newly]
            self.weight = np.where(newly, 0.0, self.weight)

    def _net(self, plus, minus) -> np.ndarray:
        return self.cells[plus].sum(axis=0, dtype=np.int64) - self.cells[minus].sum(axis=0, dtype=np.int64)

    def best(self, figure: int) -> list[tuple[np.ndarray, int, int]]:
        """The cheapest changes that together give `figure` its interval: (net, low, high) each."""
        options = self._two_way(figure)
        down, up = self._one_way(figure, -1), self._one_way(figure, +1)
        if down and up:
            options.append((down[0] + up[0], [down[1:], up[1:]]))
        options += [(one[0], [one[1:]]) for one in (down, up) if one]  # one direction may be all that is missing
        if not (self.cells[:, figure] & (self.counts > 0)).any():
            # nobody is in it: adding units like one of its variants, as many as you like
            for c in sorted(np.flatnonzero(self.cells[:, figure]), key=lambda c: self.cost[c])[:1]:
                options.append((self.cost[c], [(self.cells[c].astype(np.int64), 0, ENDLESS)]))
        enough = [o for o in options if self._certifies(figure, o[1])]
        if not enough:
            raise RuntimeError(f"no change protects figure {figure}")  # the fallbacks above always do
        return min(enough, key=lambda o: o[0])[1]

    def _certifies(self, figure: int, moves) -> bool:
        up, down = self.up[figure], self.down[figure]
        for net, low, high in moves:
            step = abs(int(net[figure]))
            up = max(up, step * (high if net[figure] > 0 else low))
            down = max(down, step * (low if net[figure] > 0 else high))
        return down + up + 1 >= self.need[figure]

    def _two_way(self, figure: int) -> list:
        real, counts = self.real, self.counts[self.real]
        cells, member = self.cells[real], self.member[real]
        cost = self.cost[real]
        inside = cells[:, figure]
        options = []
        for i in sorted(np.flatnonzero(inside), key=lambda i: cost[i])[:CANDIDATES]:
            a = real[i]
            options.append((cost[i], [(self._net([a], []), int(counts[i]), ENDLESS)]))
            touched = np.flatnonzero(cells[i])
            pair = cost[i] + cost - 2 * (member[:, touched] @ self.weight[touched])
            pair[inside | (counts + counts[i] + 1 < self.interval)] = np.inf
            partners = [int(j) for j in np.argsort(pair)[:CANDIDATES] if np.isfinite(pair[j])]
            options += [(pair[j], [(self._net([a], [real[j]]), int(counts[i]), int(counts[j]))])
                        for j in partners[:1]]
            for n, j in enumerate(partners):
                for m in partners[n + 1:]:
                    found = self._rectangle(figure, i, j, m, cells, member, counts)
                    if found is not None:
                        options.append(found)
        return options

    def _rectangle(self, figure: int, a: int, b: int, c: int, cells, member, counts):
        """+a −b −c +d for the best d (indices among the real cells, whose rows of `cells`,
        `member` and `counts` the caller took once): a move that can keep totals which a pair
        would change."""
        real = self.real
        d_net = cells[a].astype(int) - cells[b] - cells[c]
        base = self.weight[d_net != 0].sum()
        cost = base + member @ (self.weight * (d_net == 0)) - member @ (self.weight * (d_net == -1))
        # `figure` must change, and every cell must hold enough units for the interval
        changes_figure = (d_net[figure] + cells[:, figure]) != 0
        enough = np.minimum(counts, counts[a]) + min(counts[b], counts[c]) + 1 >= self.interval
        cost[~changes_figure | ~enough] = np.inf
        cost[[a, b, c]] = np.inf
        d = int(np.argmin(cost))
        if not np.isfinite(cost[d]):
            return None
        low, high = int(min(counts[a], counts[d])), int(min(counts[b], counts[c]))
        return cost[d], [(self._net([real[a], real[d]], [real[b], real[c]]), low, high)]

    def _one_way(self, figure: int, sign: int):
        """The cheapest edit, or two edits by different people, moving `figure` by `sign`."""
        if not len(self.edits):
            return None
        column = self.diff[:, figure]
        firsts = np.flatnonzero(np.sign(column) == sign)
        best = None
        for e in sorted(firsts, key=lambda e: self.edit_cost[e])[:CANDIDATES]:
            net, owner = self.diff[e].astype(np.int64), self.edits[e, 1]
            high = int(self.counts[owner])
            if best is None or self.edit_cost[e] < best[0]:
                best = (self.edit_cost[e], net, 0, high)
            touched = np.flatnonzero(net)
            # the cost of e and a second edit together: what the second touches that e does not,
            # plus what e touches that the second does not undo
            others = self.edit_cost - np.abs(self.diff[:, touched]).astype(np.float64) @ self.weight[touched]
            others += (self.diff[:, touched] != -net[touched]).astype(np.float64) @ self.weight[touched]
            together = net[figure] + self.diff[:, figure]
            others[(np.sign(together) != sign) | (self.edits[:, 1] == owner)] = np.inf
            second = int(np.argmin(others))
            if np.isfinite(others[second]) and others[second] < best[0]:
                pair_net = net + self.diff[second]
                best = (others[second], pair_net, 0, min(high, int(self.counts[self.edits[second, 1]])))
        return best


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
        return share_of(self.count(numerator), self.count(rest), self.count(denominator))

    def mean(self, key: Hashable, magnitude: str) -> float | None:
        """The mean of a magnitude over a shown count's units; None if the count is hidden or
        empty, or if any of its units lacks the magnitude."""
        row = self._row(key)
        if self.hidden[row] or not self.values[row]:
            return None
        values = self.family.magnitudes[magnitude][self.masks[row] & (self.family.counts > 0)]
        return None if np.isnan(values).any() else float(values.mean())


def share_of(numerator: int | None, rest: int | None, denominator: int | None) -> float | None:
    """numerator ÷ denominator, shown only when the numerator, the rest and the denominator are
    all shown (None: hidden): a share never tells about a group of fewer than k."""
    if None in (numerator, rest, denominator) or not denominator:
        return None
    return numerator / denominator
