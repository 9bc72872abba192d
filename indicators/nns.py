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
    keys = ["respondent_group"] + ([period_column] if period_column else [])
    frame = responses if "respondent_group" in responses else responses.assign(
        respondent_group=instrument.respondent_group)
    if not instrument.indicators or frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    people = {}
    for indicator in instrument.indicators:
        items = [i.id for i in instrument.items if i.indicator == indicator.id and i.id in frame.columns]
        values = frame[items].to_numpy(dtype=float) if items else np.full((len(frame), 1), np.nan)
        answered = (~np.isnan(values)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            people[indicator.id] = (np.where(answered > 0, np.nansum(values, axis=1) / np.maximum(answered, 1),
                                             np.nan), answered)
    # one long table: a row per respondent and indicator, aggregated in one groupby
    long = pd.concat([frame[keys].assign(indicator=ident, value=value, answers=answered,
                                         cut=next(i.cut for i in instrument.indicators if i.id == ident))
                      for ident, (value, answered) in people.items()], ignore_index=True)
    long["at_cut"] = np.where(long["value"].notna() & long["cut"].notna(), long["value"] >= long["cut"], np.nan)
    grouped = long.groupby(["indicator", *keys], dropna=False, sort=True).agg(
        n=("value", "count"), n_answers=("answers", "sum"), mean=("value", "mean"), share=("at_cut", "mean"))
    result = grouped.reset_index()
    meta = {i.id: i for i in instrument.indicators}
    result["label"] = result["indicator"].map(lambda i: meta[i].label.sv)
    result["aggregation"] = result["indicator"].map(lambda i: meta[i].aggregation)
    result["cut"] = result["indicator"].map(lambda i: meta[i].cut)
    result["period"] = result[period_column] if period_column else None
    result["share"] = result["share"].where(result["cut"].notna() & (result["n"] > 0))
    result["mean"] = result["mean"].where(result["n"] > 0)
    order = {i.id: n for n, i in enumerate(instrument.indicators)}
    result = result.sort_values(["indicator"], key=lambda c: c.map(order), kind="stable")
    result["n"] = result["n"].astype(int)
    result["n_answers"] = result["n_answers"].astype(int)
    return result[COLUMNS].reset_index(drop=True).astype(object).where(result[COLUMNS].notna().to_numpy(), None)
