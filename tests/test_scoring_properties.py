"""Properties of scoring (hypothesis): complete responses score within range; reversing
twice is the identity; prorated scores stay within range too."""

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from indicators.scoring import reverse, score
from surveys.definitions import shipped_catalog

CATALOG = shipped_catalog()
SCALED = [i for i in CATALOG.latest_instruments() if i.scales]


@st.composite
def response(draw, complete=True):
    instrument = draw(st.sampled_from(SCALED))
    row = {}
    for item in instrument.items:
        if item.kind == "scale":
            low, high = instrument.item_range(item.id)
            value = draw(st.integers(low, high))
            row[item.id] = float(value) if complete or draw(st.booleans()) else np.nan
    return instrument, row


def scale_range(instrument, scale):
    lows, highs = zip(*(instrument.item_range(i) for i in scale.items))
    if scale.method == "mean":
        return min(lows), max(highs)
    return sum(lows), sum(highs)


@settings(max_examples=200, deadline=None)
@given(response())
def test_complete_response_scores_within_the_scale_range(case):
    instrument, row = case
    scores = score(instrument, pd.DataFrame([row]))
    for scale in instrument.scales:
        low, high = scale_range(instrument, scale)
        assert low <= scores.loc[0, scale.id] <= high


@settings(max_examples=200, deadline=None)
@given(response(complete=False))
def test_prorated_scores_stay_within_range_or_are_missing(case):
    instrument, row = case
    scores = score(instrument, pd.DataFrame([row]))
    for scale in instrument.scales:
        value = scores.loc[0, scale.id]
        low, high = scale_range(instrument, scale)
        assert np.isnan(value) or low - 1e-9 <= value <= high + 1e-9


@given(st.lists(st.one_of(st.integers(1, 7).map(float), st.just(np.nan)), max_size=50), st.integers(0, 5),
       st.integers(1, 10))
def test_reversing_twice_is_the_identity(values, low, width):
    array = np.array(values, dtype=float)
    assert np.array_equal(reverse(reverse(array, low, low + width), low, low + width), array, equal_nan=True)
