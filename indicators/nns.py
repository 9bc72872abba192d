"""Indicator results from survey items tagged with an indicator id: the declared
aggregation per respondent group and period, with the number of respondents behind each."""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveys.models import Instrument

COLUMNS = ["indicator", "label", "respondent_group", "period", "n", "n_answers", "mean", "share",
           "aggregation", "cut"]


def indicator_results(instrument: Instrument, responses: pd.DataFrame, *, period_column: str | None = None) -> pd.DataFrame:
    """One row per indicator × respondent group × period.

    Each respondent counts once per indicator: their answered items of that indicator are
    averaged first, so a survey with two items on one indicator does not weigh its
    respondents twice. `n` is respondents with at least one valid answer ('vet ej' and
    skipped are excluded), `mean` the mean of their averages, `share` the share of them
    whose average is at or above the declared cut."""
    rows = []
    keys = ["respondent_group"] + ([period_column] if period_column else [])
    frame = responses.copy()
    if "respondent_group" not in frame:
        frame["respondent_group"] = instrument.respondent_group
    for indicator in instrument.indicators:
        items = [i.id for i in instrument.items if i.indicator == indicator.id and i.id in frame.columns]
        values = frame[items].to_numpy(dtype=float) if items else np.full((len(frame), 1), np.nan)
        answered = (~np.isnan(values)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            person = np.where(answered > 0, np.nansum(values, axis=1) / np.maximum(answered, 1), np.nan)
        data = frame[keys].assign(_value=person, _answers=answered)
        for key, group in data.groupby(keys, dropna=False, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            valid = group["_value"].dropna()
            share = float((valid >= indicator.cut).mean()) if indicator.cut is not None and len(valid) else None
            rows.append({
                "indicator": indicator.id, "label": indicator.label.sv, "respondent_group": key[0],
                "period": key[1] if period_column else None, "n": int(len(valid)),
                "n_answers": int(group["_answers"].sum()), "mean": float(valid.mean()) if len(valid) else None,
                "share": share, "aggregation": indicator.aggregation, "cut": indicator.cut,
            })
    return pd.DataFrame(rows, columns=COLUMNS)
