"""The board's grid of periods: completed quarters (with half years) or tertials, years and the
whole time; never a period that still runs, never quarters and tertials side by side."""

from datetime import date

import pytest

from indicators.periods import build_grid
from foundation.errors import StegvisError
from stegvis.reports import period_label


def test_quarters_half_years_years_and_the_whole_time_completed_only():
    grid = build_grid(date(2024, 2, 10), date(2026, 11, 30))
    ids = [p.id for p in grid.periods]
    assert ids[:7] == ["2024-K1", "2024-K2", "2024-H1", "2024-K3", "2024-K4", "2024-H2", "2024"]
    assert "2026-K3" in ids and "2026-K4" not in ids and "2026" not in ids and "2026-H2" not in ids
    whole = grid.period("hela")
    assert (whole.start, whole.end) == (date(2024, 1, 1), date(2026, 9, 30))
    assert all(p.end < date(2026, 11, 30) for p in grid.periods)
    assert period_label(grid.period("2025-K2")) == "Kvartal 2 2025 (apr–jun)"
    assert period_label(grid.period("2025-H2")) == "Halvår 2 2025 (jul–dec)"
    assert [p.id for p in grid.leaves_in(grid.period("2025"))] == ["2025-K1", "2025-K2", "2025-K3", "2025-K4"]
    assert grid.previous(grid.period("2025-K1")).id == "2024-K4"
    assert grid.previous(whole) is None


def test_tertials_replace_quarters_and_half_years():
    """Both at once would let April be read off as a tertial minus a quarter."""
    grid = build_grid(date(2024, 2, 10), date(2026, 11, 30), leaf_months=4)
    kinds = {p.kind for p in grid.periods}
    assert kinds == {"tertial", "ar", "hela"}
    assert grid.period("2026-T2").end == date(2026, 8, 31)
    assert period_label(grid.period("2025-T3")) == "Tertial 3 2025 (sep–dec)"


def test_a_day_or_an_unknown_period_is_refused_by_name():
    grid = build_grid(date(2024, 2, 10), date(2026, 11, 30))
    for wrong in ("2026-11-13", "2026", "2026-K4", "2025-T1", "alla"):
        with pytest.raises(StegvisError, match="styrelsens perioder"):
            grid.period(wrong)
    with pytest.raises(StegvisError, match="3 \\(kvartal\\) eller 4 \\(tertial\\)"):
        build_grid(date(2024, 1, 1), date(2026, 1, 1), leaf_months=6)


def test_no_data_no_periods():
    assert build_grid(None, date(2026, 11, 30)).periods == ()
    assert build_grid(date(2026, 11, 1), date(2026, 11, 30)).periods == ()
