"""Scores from answers, vectorised over a frame with one row per response and one
column per item: reversal, prorating under `max_missing`, sum or mean, bands, flags.
Missing answers (blank, skipped, 'vet ej') are NaN and never count as 0."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from foundation.errors import StegvisError
from surveys.models import Band, Flag, Instrument, Scale


def reverse(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """A reversed item scores low + high − x (KASAM: 8 − x); NaN stays NaN."""
    return (low + high) - values


def prorate(matrix: np.ndarray, method: str, max_missing: int) -> tuple[np.ndarray, np.ndarray]:
    """Score each row of an (n, items) matrix already reversed. Missing items take the mean of
    the answered ones, so a sum is mean(answered) × items; with more than `max_missing`
    missing the score is NaN. Returns (scores, missing counts)."""
    missing = np.isnan(matrix)
    n_missing = missing.sum(axis=1)
    answered = matrix.shape[1] - n_missing
    totals = np.where(missing, 0.0, matrix).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = totals / answered
    scores = mean * matrix.shape[1] if method == "sum" else mean
    scores[n_missing > max_missing] = np.nan
    return scores, n_missing


def band(scores: np.ndarray, bands: list[Band]) -> pd.Categorical:
    """Band id per score (missing when the score is missing or outside every band). Bands
    carry inclusive bounds as published; a prorated score between two bands (140.4) belongs
    to the lower one."""
    ordered = sorted(bands, key=lambda b: -np.inf if b.min is None else b.min)
    lows = np.array([-np.inf if b.min is None else b.min for b in ordered])
    top = ordered[-1].max if ordered else None
    with np.errstate(invalid="ignore"):
        index = np.searchsorted(lows, scores, side="right") - 1  # NaN sorts last: caught below
        valid = ~np.isnan(scores) & (index >= 0) & (scores <= (np.inf if top is None else top))
    codes = np.where(valid, index, -1)
    return pd.Categorical.from_codes(codes, categories=[b.id for b in ordered])


def fires(scores: np.ndarray, flag: Flag) -> np.ndarray:
    """Whether a flag fires for each score; a missing score never fires."""
    with np.errstate(invalid="ignore"):
        if flag.below is not None:
            return scores < flag.below
        return scores >= flag.at_least


def scale_matrix(instrument: Instrument, scale: Scale, values: pd.DataFrame) -> np.ndarray:
    """The scale's item columns as floats, reversed where the scale says so."""
    matrix = values.reindex(columns=scale.items).to_numpy(dtype=float, copy=True)
    for position, item_id in enumerate(scale.items):
        if item_id in scale.reversed:
            low, high = instrument.item_range(item_id)
            matrix[:, position] = reverse(matrix[:, position], low, high)
    return matrix


def scored_items(instrument: Instrument) -> list[str]:
    """Items that feed any scale, in definition order."""
    used = {i for s in instrument.scales for i in s.items}
    return [item.id for item in instrument.items if item.id in used]


def score(instrument: Instrument, frame: pd.DataFrame) -> pd.DataFrame:
    """Scores for every row of `frame` (item columns; other columns are ignored).

    Returns a frame with the same index: one float column per scale (unrounded),
    `<scale>_band` for scales with bands, `flags` (ids that fired, ';'-joined) and
    `n_missing` (items of the instrument's scales not answered)."""
    items = scored_items(instrument)
    values = frame.reindex(columns=items).to_numpy(dtype=np.float32, copy=True)
    return score_matrix(instrument, values, items, index=frame.index)


def scored(instrument: Instrument, responses: pd.DataFrame, keep: list[str]) -> pd.DataFrame:
    """The response columns named in `keep` (participant, occasion, when …) beside the scores."""
    return pd.concat([responses[keep], score(instrument, responses)], axis=1)


def score_matrix(instrument: Instrument, values: np.ndarray, items: list[str], index=None) -> pd.DataFrame:
    """`score` on an (n, items) float32 matrix that the caller hands over: it is overwritten,
    because with a million responses every extra copy costs more than the arithmetic.
    Answers are small whole numbers, so float32 sums are exact; division is in float64.

    Equivalent to `reverse` then `prorate` per scale: a reversed item contributes
    (low + high) − x, that is −x plus the constant whenever the item is answered, so each
    scale's total is one matrix product plus per-item constants."""
    column = {item_id: n for n, item_id in enumerate(items)}
    scales = instrument.scales
    sign = np.zeros((len(items), len(scales)), dtype=np.float32)
    # per answered item: the reversal constant of each scale, then membership, then "any item"
    per_answer = np.zeros((len(items), 2 * len(scales) + 1), dtype=np.float32)
    per_answer[:, -1] = 1.0
    for j, scale in enumerate(scales):
        for item_id in scale.items:
            i = column[item_id]
            per_answer[i, len(scales) + j] = 1.0
            if item_id in scale.reversed:
                low, high = instrument.item_range(item_id)
                sign[i, j], per_answer[i, j] = -1.0, low + high
            else:
                sign[i, j] = 1.0
    present = (~np.isnan(values)).astype(np.float32)
    if min((instrument.item_range(i)[0] for i in items), default=0) >= 0:
        np.fmax(values, 0.0, out=values)  # NaN → 0 in one pass (fmax ignores NaN); no answer is negative
    else:
        values[present == 0] = 0.0
    constants = np.einsum("ij,jk->ik", present, per_answer, optimize=True).astype(np.float64)
    totals = np.einsum("ij,jk->ik", values, sign, optimize=True).astype(np.float64) + constants[:, :len(scales)]
    counts = constants[:, len(scales):-1]
    out = {}
    flag_masks: list[tuple[str, np.ndarray]] = []
    for j, scale in enumerate(scales):
        size = len(scale.items)
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = totals[:, j] / counts[:, j]
        if scale.method == "sum":
            scores *= size
        scores[size - counts[:, j] > scale.max_missing] = np.nan
        out[scale.id] = scores
        if scale.bands:
            out[f"{scale.id}_band"] = band(scores, scale.bands)
        flag_masks.extend((flag.id, fires(scores, flag)) for flag in scale.flags)
    result = pd.DataFrame(out, index=index)
    result["flags"] = join_flags(flag_masks, len(values))
    result["n_missing"] = (len(items) - constants[:, -1]).astype("int64")
    return result


def flag_lists(flags: pd.Series) -> pd.Series:
    """The `flags` column as a list of flag ids per row ([] when none fired or unscored); the
    joined text is the export format, and is split once per distinct value, not per row."""
    text = flags if isinstance(flags.dtype, pd.CategoricalDtype) else flags.astype("category")
    lists = [[f for f in str(c).split(";") if f] for c in text.cat.categories]
    return pd.Series([lists[code] if code >= 0 else [] for code in text.cat.codes], index=flags.index, dtype=object)


def join_flags(masks: list[tuple[str, np.ndarray]], rows: int) -> pd.Categorical:
    """';'-joined flag ids per row ('' when none fired). Each row's flags form a bit pattern,
    and the text is built once per pattern, not once per row."""
    pattern = np.zeros(rows, dtype=np.int64)
    for bit, (_, mask) in enumerate(masks):
        pattern |= mask.astype(np.int64) << bit
    if len(masks) <= 12:
        patterns = np.arange(2 ** len(masks))
    else:  # too many flags to list every combination: only those that occur
        patterns, pattern = np.unique(pattern, return_inverse=True)
    labels = [";".join(fid for bit, (fid, _) in enumerate(masks) if p >> bit & 1) for p in patterns]
    return pd.Categorical.from_codes(pattern, categories=labels)


def missing_reasons(instrument: Instrument, frame: pd.DataFrame) -> pd.DataFrame:
    """Why each scale is missing, in words a coach understands ('' when scored)."""
    out = {}
    for scale in instrument.scales:
        counts = frame.reindex(columns=scale.items).isna().sum(axis=1)
        out[scale.id] = [
            f"{n} av {len(scale.items)} frågor obesvarade; högst {scale.max_missing} får saknas"
            if n > scale.max_missing else "" for n in counts
        ]
    return pd.DataFrame(out, index=frame.index)


def checked_matrix(instrument: Instrument, frame: pd.DataFrame, *, first_row: int = 1,
                   limit: int = 20) -> tuple[np.ndarray, list[str]]:
    """The scored items present in `frame` as one float matrix (blank = NaN), or StegvisError
    naming each bad row and column (up to `limit`): not a number, not a whole step, or
    outside the item's range."""
    items = [i for i in scored_items(instrument) if i in frame.columns]
    numeric = [i for i in items if pd.api.types.is_numeric_dtype(frame[i])]
    if numeric == items:
        values = frame[items].to_numpy(dtype=np.float32, na_value=np.nan, copy=True)
    else:
        values = np.empty((len(frame), len(items)), dtype=np.float32)
        for position, item_id in enumerate(items):
            column = frame[item_id]
            if item_id in numeric:
                values[:, position] = column.to_numpy(dtype=float, na_value=np.nan)
                continue
            # a column pandas could not read as numbers: blanks are missing, the rest must parse
            text = column.astype(str).str.strip().where(column.notna(), "")
            parsed = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce").to_numpy(dtype=float, copy=True)
            bad_text = np.isnan(parsed) & text.ne("").to_numpy()
            parsed[bad_text] = np.inf  # out of every range: reported below with the original value
            values[:, position] = parsed
    lows = np.array([instrument.item_range(i)[0] for i in items], dtype=float)
    highs = np.array([instrument.item_range(i)[1] for i in items], dtype=float)
    # One cast to the narrowest integer type that holds every bound checks both "whole step"
    # (a value that changes when cast is not whole, or was out of the type's range) and the
    # range, on 1-byte integers: several times faster than float comparisons on a million rows.
    kind = np.int8 if max(abs(lows).max(initial=0), abs(highs).max(initial=0)) < 127 else np.int32
    with np.errstate(invalid="ignore"):
        whole = values.astype(kind)
        blank = np.isnan(values)
        bad = ~blank & ((whole != values) | (whole < lows.astype(kind)) | (whole > highs.astype(kind)))
    if bad.any():
        rows, cols = np.nonzero(bad)  # row-major: sorted by row, then column
        lines = [f"row {r + first_row}, column {items[c]}: '{frame[items[c]].iloc[r]}' is not a whole number "
                 f"from {lows[c]:.0f} to {highs[c]:.0f}" for r, c in zip(rows[:limit], cols[:limit])]
        more = len(rows) - limit
        raise StegvisError("\n".join(lines + ([f"... and {more} more"] if more > 0 else [])))
    return values, items


def check_values(instrument: Instrument, frame: pd.DataFrame, *, first_row: int = 1, limit: int = 20) -> pd.DataFrame:
    """`checked_matrix` as a frame of floats with the items as columns."""
    values, items = checked_matrix(instrument, frame, first_row=first_row, limit=limit)
    return pd.DataFrame(values, columns=items, index=frame.index)


def score_table(instrument: Instrument, frame: pd.DataFrame, *, chunk_rows: int = 250_000) -> pd.DataFrame:
    """Check and score a whole table of responses, as `stegvis score` does: row chunks run on
    all cores (numpy releases the GIL), and a bad value anywhere is reported with its row
    number in the file, the earliest rows first."""
    if len(frame) <= chunk_rows:
        values, items = checked_matrix(instrument, frame)
        return score_matrix(instrument, values, items, index=frame.index)
    from concurrent.futures import ThreadPoolExecutor

    starts = range(0, len(frame), chunk_rows)

    def part(start: int):
        chunk = frame.iloc[start:start + chunk_rows]
        try:
            values, items = checked_matrix(instrument, chunk, first_row=start + 1)
        except StegvisError as exc:
            return exc
        return score_matrix(instrument, values, items, index=chunk.index)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        parts = list(pool.map(part, starts))
    errors = [p for p in parts if isinstance(p, StegvisError)]
    if errors:
        raise errors[0]
    return pd.concat(parts)  # same categories in every chunk, so bands and flags stay categorical
