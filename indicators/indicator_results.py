"""Indicator results from survey items tagged with an indicator id: the declared
aggregation per respondent group and period, with the number of respondents behind each."""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveys.models import Instrument

COLUMNS = ["indicator", "label", "respondent_group", "period", "n", "n_answers", "mean", "share",
           "aggregation", "cut"]


def respondent_means(instrument: Instrument, indicator, frame: pd.DataFrame) -> pd.Series:
    """Each response's own mean over its answered items of one indicator (NaN: none answered,
    'vet ej' and skipped are not answers). The board and `indicator_results` both count a
    respondent once per indicator through this."""
    items = [i.id for i in instrument.items if i.indicator == indicator.id and i.id in frame.columns]
    if not items:
        return pd.Series(np.nan, index=frame.index)
    return frame[items].astype(float).mean(axis=1, skipna=True)


def indicator_results(instrument: Instrument, responses: pd.DataFrame, *, period_column: str | None = None) -> pd.DataFrame:
    """One row per indicator × respondent group × period.

    Each respondent counts once per indicator: their answered items of that indicator are
    averaged first, so a survey with two items on one indicator does not weigh its
    respondents twice. `n` is respondents with at least one valid answer ('vet ej' and
    skipped are excluded), `mean` the mean of their averages, `share` the share of them
    whose average is at or above the declared cut."""
    keys = ["respondent_group"] + ([period_column] if period_column else [])
    frame = responses if "respondent_group" in responses else responses.assign(
        respondent_group=instrument.respondent_group)
    if not instrument.indicators or frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    # every respondent group × period present gets a row per indicator, in sorted order
    codes, groups = pd.MultiIndex.from_frame(frame[keys]).factorize(sort=True, use_na_sentinel=False)
    size = len(groups)
    rows = []
    for indicator in instrument.indicators:
        items = [i.id for i in instrument.items if i.indicator == indicator.id and i.id in frame.columns]
        answered = frame[items].notna().sum(axis=1).to_numpy() if items else np.zeros(len(frame), dtype=int)
        person = respondent_means(instrument, indicator, frame).to_numpy(dtype=float)
        valid = answered > 0
        n = np.bincount(codes[valid], minlength=size)
        n_answers = np.bincount(codes, weights=answered, minlength=size)
        sums = np.bincount(codes[valid], weights=person[valid], minlength=size)
        at_cut = (np.bincount(codes[valid], weights=person[valid] >= indicator.cut, minlength=size)
                  if indicator.cut is not None else None)
        for g, group in enumerate(groups):
            rows.append({
                "indicator": indicator.id, "label": indicator.label.sv, "respondent_group": group[0],
                "period": group[1] if period_column else None, "n": int(n[g]), "n_answers": int(n_answers[g]),
                "mean": float(sums[g] / n[g]) if n[g] else None,
                "share": float(at_cut[g] / n[g]) if n[g] and at_cut is not None else None,
                "aggregation": indicator.aggregation, "cut": indicator.cut,
            })
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)
