"""Change over time, always paired: one participant's later score minus their own
earlier score, never a difference of group means; reliable change after Jacobson–Truax."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveys.models import ReliableChange

RCI_CUT = 1.96


def reliable_change_index(change, reliable: ReliableChange):
    """RCI = Δ / (SD · √2 · √(1 − α)); |RCI| ≥ 1.96 is a reliable change."""
    return change / (reliable.sd * math.sqrt(2) * math.sqrt(1 - reliable.alpha))


def paired_change(scores: pd.DataFrame, scale: str, *, from_occasion: str | None = None,
                  to_occasion: str | None = None, reliable: ReliableChange | None = None) -> pd.DataFrame:
    """Per participant with both ends scored: `start`, `end`, `change`, `improved`, `rci`,
    `reliably_improved`. `scores` has participant_id, occasion, completed_at and the scale.

    With occasions: the first response at `from_occasion` and the latest at `to_occasion`.
    Without: each participant's latest response minus their first."""
    columns = ["participant_id", "start", "end", "change", "improved", "rci", "reliably_improved"]
    data = scores[[c for c in ("participant_id", "occasion", "completed_at", scale) if c in scores]]  # not all
    data = data.dropna(subset=[scale, "participant_id"]).sort_values("completed_at", kind="stable")
    if from_occasion is not None:
        first = data[data["occasion"] == from_occasion].groupby("participant_id")[scale].first()
        last = data[data["occasion"] == (to_occasion or from_occasion)].groupby("participant_id")[scale].last()
    else:
        grouped = data.groupby("participant_id")[scale]
        counts = grouped.size()
        first, last = grouped.first()[counts > 1], grouped.last()[counts > 1]
    pairs = pd.concat({"start": first, "end": last}, axis=1, join="inner")
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    pairs["change"] = pairs["end"] - pairs["start"]
    pairs["improved"] = pairs["change"] > 0
    if reliable is not None:
        pairs["rci"] = reliable_change_index(pairs["change"], reliable)
        pairs["reliably_improved"] = pairs["rci"] >= RCI_CUT
    else:
        pairs["rci"] = np.nan
        pairs["reliably_improved"] = pd.array([pd.NA] * len(pairs), dtype="boolean")
    return pairs.reset_index()[columns]


@dataclass(frozen=True)
class ChangeSummary:
    n: int
    improved: int
    reliably_improved: int | None
    mean_change: float | None

    @property
    def share_improved(self) -> float | None:
        return self.improved / self.n if self.n else None

    @property
    def share_reliably_improved(self) -> float | None:
        return self.reliably_improved / self.n if self.n and self.reliably_improved is not None else None


def summarise_change(pairs: pd.DataFrame) -> ChangeSummary:
    """Counts behind 'share improved' and 'share reliably improved'; shares are derived from them."""
    n = len(pairs)
    if n == 0:
        return ChangeSummary(0, 0, None, None)
    reliable = pairs["reliably_improved"]
    reliably = None if reliable.isna().all() else int(reliable.fillna(False).astype(bool).sum())
    return ChangeSummary(n, int(pairs["improved"].astype(bool).sum()), reliably, float(pairs["change"].mean()))
