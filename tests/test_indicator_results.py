"""Indicator results from tagged items: per respondent first, 'vet ej' excluded, with n."""

import numpy as np
import pandas as pd
import pytest

from indicators.indicator_results import indicator_results


def test_share_at_or_above_cut_per_group_and_period(catalog):
    survey = catalog.instrument("deltagare_avslut")
    responses = pd.DataFrame({
        "respondent_group": ["deltagare"] * 4,
        "year": ["2025", "2025", "2025", "2026"],
        "stod_nytta": [5, 3, np.nan, 4],        # np.nan: 'vet ej'
        "narmare_arbete": [4, 2, np.nan, np.nan],
    })
    result = indicator_results(survey, responses, period_column="year")
    nytta = result[result["indicator"] == "nns_d_nytta"].set_index("period")
    # 2025: respondent means 4.5 and 2.5 (the third answered nothing) -> n 2, share ≥ 4 = 1/2
    assert nytta.loc["2025", "n"] == 2 and nytta.loc["2025", "n_answers"] == 4
    assert nytta.loc["2025", "mean"] == pytest.approx(3.5) and nytta.loc["2025", "share"] == 0.5
    assert nytta.loc["2026", "n"] == 1 and nytta.loc["2026", "share"] == 1.0
    assert set(result["indicator"]) == {i.id for i in survey.indicators}
