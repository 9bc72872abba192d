"""Small-number suppression: 1..k−1 hidden, and no hidden cell recoverable by subtraction."""

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from indicators.suppression import SUPPRESSED_TEXT, display, share, suppress, suppress_mask


def with_totals(inner: np.ndarray) -> np.ndarray:
    rows = np.vstack([inner, inner.sum(axis=0)])
    return np.hstack([rows, rows.sum(axis=1, keepdims=True)])


def test_primary_and_secondary_suppression():
    table = with_totals(np.array([[10, 3], [8, 9]]))
    mask = suppress_mask(table, 5)
    assert mask[0, 1], "3 is below k"
    assert mask[0, 0], "10 would give 3 back from the row total 13"
    assert mask[1, 1], "9 would give 3 back from the column total 12"
    assert not mask[2, 2]


def test_zero_is_shown_and_k_one_hides_nothing():
    table = with_totals(np.array([[0, 12], [7, 9]]))
    assert not suppress_mask(table, 5).any()
    assert not suppress_mask(with_totals(np.array([[1, 2], [3, 4]])), 1).any()


def test_suppressed_cells_are_nan_and_read_as_too_few():
    frame = suppress(pd.DataFrame(with_totals(np.array([[10, 3], [8, 9]]))), 5)
    assert np.isnan(frame.iloc[0, 1]) and display(frame.iloc[0, 1]) == SUPPRESSED_TEXT
    assert display(frame.iloc[2, 2]) == "30"


def test_share_hides_small_numerators_denominators_and_complements():
    assert share(28, 65, 5) == 28 / 65
    assert share(3, 65, 5) is None
    assert share(3, 4, 5) is None
    assert share(63, 65, 5) is None, "2 not reaching the goal would be singled out"
    assert share(0, 0, 5) is None


def recoverable(table: np.ndarray, mask: np.ndarray) -> bool:
    """A hidden cell is recoverable when it is the only hidden cell of its row or column."""
    return any((mask.sum(axis=axis) == 1).any() for axis in (0, 1))


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(2, 10), st.data())
def test_no_hidden_cell_is_recoverable_by_subtraction(rows, columns, k, data):
    inner = np.array(data.draw(st.lists(st.lists(st.integers(0, 30), min_size=columns, max_size=columns),
                                        min_size=rows, max_size=rows)))
    table = with_totals(inner)
    mask = suppress_mask(table, k)
    assert not ((table >= 1) & (table < k) & ~mask).any(), "every small count is hidden"
    for axis in (0, 1):
        counts = mask.sum(axis=axis)
        lines = table.T if axis == 0 else table
        for index, hidden in enumerate(counts):
            if hidden == 1:
                # only allowed when nothing else in the line could be hidden (all other cells zero)
                line_mask = (mask.T if axis == 0 else mask)[index]
                assert (lines[index][~line_mask] == 0).all()
