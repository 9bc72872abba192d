"""Properties of scoring (hypothesis): complete responses score within range; reversing
swaps the scale's ends and twice is the identity, on scales that do not start at 1 too;
prorated scores stay within range too."""

import numpy as np
import pandas as pd
from hypothesis import example, given, settings, strategies as st

from indicators.scoring import reverse, score
from surveys.definitions import parse_text, shipped_catalog

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


@st.composite
def scale_and_answers(draw):
    """A response scale whose low end is often not 1 (0–10, 2–6, ...) and answers on it. A
    scale that starts at 1 cannot tell `low + high − x` from `high + 1 − x`."""
    low = draw(st.integers(-2, 5))
    high = low + draw(st.integers(1, 10))
    values = draw(st.lists(st.one_of(st.integers(low, high).map(float), st.just(np.nan)), max_size=50))
    return low, high, np.array(values, dtype=float)


@example((0, 10, np.array([0.0, 3.0, 10.0, np.nan])))
@example((2, 6, np.array([2.0, 4.0, 6.0])))
@given(scale_and_answers())
def test_reversing_swaps_the_scale_ends_and_twice_is_the_identity(case):
    low, high, values = case
    assert reverse(np.array([low, high], dtype=float), low, high).tolist() == [high, low]
    reversed_ = reverse(values, low, high)
    assert np.array_equal(np.isnan(reversed_), np.isnan(values)), "a missing answer stays missing"
    answered = reversed_[~np.isnan(reversed_)]
    assert ((low <= answered) & (answered <= high)).all(), "a reversed answer stays on the scale"
    assert np.array_equal(reverse(reversed_, low, high), values, equal_nan=True)


ONE_REVERSED = """
id: vand
version: 1
title: {{sv: Vändning}}
response_scales:
  - {{id: skala, min: {low}, max: {high}}}
items:
  - {{id: a, kind: scale, scale: skala, text: {{sv: Fråga a}}}}
  - {{id: b, kind: scale, scale: skala, text: {{sv: Fråga b}}}}
scales:
  - {{id: vand, label: {{sv: Vänd}}, items: [b], reversed: [b]}}
  - {{id: summa, label: {{sv: Summa}}, items: [a, b], reversed: [b], max_missing: 1}}
"""


@example((0, 10, np.array([0.0, 10.0, 4.0])))
@example((2, 6, np.array([2.0, 6.0, 3.0])))
@settings(deadline=None)
@given(scale_and_answers())
def test_scoring_reverses_against_both_ends_of_the_scale(case):
    """The vectorised scoring folds reversal into a matrix product with its own constant
    (low + high per reversed item): the lowest answer must score the scale's highest value."""
    low, high, values = case
    instrument = parse_text(ONE_REVERSED.format(low=low, high=high))
    answers = pd.DataFrame({"a": np.full(len(values), np.nan), "b": values})
    scores = score(instrument, answers)
    expected = low + high - values
    assert np.array_equal(scores["vand"].to_numpy(), expected, equal_nan=True)
    assert np.allclose(scores["summa"].to_numpy(), 2 * expected, equal_nan=True), "prorated from b alone"
    ends = score(instrument, pd.DataFrame({"a": [low, high], "b": [low, high]}))
    assert ends["vand"].tolist() == [high, low]
    assert ends["summa"].tolist() == [low + high, low + high]
