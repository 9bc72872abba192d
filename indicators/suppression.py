"""Small-number suppression for everything the board sees: counts of 1 to k−1 are hidden,
and so is the next smallest cell wherever a hidden one could be recovered by subtraction."""

from __future__ import annotations

import numpy as np
import pandas as pd

SUPPRESSED_TEXT = "för få svar"
SUPPRESSED_WHY = "färre än {k} personer ligger bakom siffran, så den visas inte (skydd av enskilda)"


def primary(counts: np.ndarray, k: int) -> np.ndarray:
    """Cells with 1 to k−1 people. Zero is shown: it reveals no one."""
    if k <= 1:
        return np.zeros(counts.shape, dtype=bool)
    return (counts >= 1) & (counts < k)


def suppress_mask(counts: np.ndarray, k: int) -> np.ndarray:
    """Which cells of a 2-D count table to hide. Pass the table as published, totals
    included: a total is a cell of its line too. One hidden cell in a row or column could be
    recovered by subtraction, so the smallest other nonzero cell there is hidden as well,
    until no line has exactly one hidden cell."""
    counts = np.asarray(counts, dtype=float)
    hidden = primary(counts, k)
    if not hidden.any():
        return hidden
    while True:
        changed = False
        for axis in (0, 1):
            lines = hidden.T if axis == 0 else hidden
            values = counts.T if axis == 0 else counts
            for index in range(lines.shape[0]):
                line, vals = lines[index], values[index]
                if line.sum() != 1:
                    continue
                candidates = np.where(~line & (vals > 0), vals, np.inf)
                if not np.isfinite(candidates).any():
                    continue  # everything else is zero: the hidden cell equals the total anyway
                line[int(np.argmin(candidates))] = True
                changed = True
        if not changed:
            return hidden


def suppress(counts: pd.DataFrame, k: int) -> pd.DataFrame:
    """The count table with hidden cells as NaN (null in JSON, 'för få svar' on screens)."""
    mask = suppress_mask(counts.to_numpy(dtype=float), k)
    return counts.astype("float").mask(mask)


def share(numerator: int, denominator: int, k: int) -> float | None:
    """A share for the board: None when its denominator is too small to show, or when the
    numerator or the rest (denominator − numerator) would single out fewer than k people."""
    if denominator == 0 or hidden_count(denominator, k):
        return None
    if hidden_count(numerator, k) or hidden_count(denominator - numerator, k):
        return None
    return numerator / denominator


def hidden_count(count: int, k: int) -> bool:
    return k > 1 and 1 <= count < k


def display(value, fmt: str = "{:.0f}") -> str:
    """A figure for screens and paper: the suppression text when hidden."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return SUPPRESSED_TEXT
    return fmt.format(value)
