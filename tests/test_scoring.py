"""KASAM and other scale scores: reversal, prorating at and beyond max_missing, bands, flags."""

import numpy as np
import pandas as pd
import pytest

from indicators.scoring import band, missing_reasons, prorate, reverse, score


def kasam29_row(value=4, **overrides):
    row = {f"q{n}": float(value) for n in range(1, 30)}
    row.update({k: (np.nan if v is None else float(v)) for k, v in overrides.items()})
    return row


def test_reverse_is_low_plus_high_minus_x():
    assert reverse(np.array([1.0, 7.0, np.nan]), 1, 7).tolist()[:2] == [7.0, 1.0]
    assert np.isnan(reverse(np.array([np.nan]), 1, 7)[0])


def test_all_ones_hand_computed(catalog):
    # begriplighet: 11 items, q1 and q5 reversed -> 7 + 7 + 9 × 1 = 23
    # hanterbarhet: 10 items, six reversed -> 6 × 7 + 4 × 1 = 46
    # meningsfullhet: 8 items, five reversed -> 5 × 7 + 3 × 1 = 38; total 23 + 46 + 38 = 107
    scores = score(catalog.instrument("kasam29"), pd.DataFrame([kasam29_row(1)]))
    assert scores.loc[0, ["begriplighet", "hanterbarhet", "meningsfullhet", "total"]].tolist() == [23, 46, 38, 107]
    assert scores.loc[0, "total_band"] == "low" and scores.loc[0, "n_missing"] == 0
    assert scores.loc[0, "flags"] == "porten_begriplighet_under_35"


def test_prorating_at_max_missing(catalog):
    # q1 missing, q2 = 1: begriplighet has 10 answers of 4 -> 4 × 11 = 44;
    # total: 27 × 4 + 1 = 109 over 28 answered -> 109 / 28 × 29 = 112.892857...
    scores = score(catalog.instrument("kasam29"), pd.DataFrame([kasam29_row(q1=None, q2=1)]))
    assert scores.loc[0, "begriplighet"] == 44
    assert scores.loc[0, "hanterbarhet"] == 37
    assert scores.loc[0, "total"] == pytest.approx(109 / 28 * 29)
    assert scores.loc[0, "n_missing"] == 1


def test_beyond_max_missing_is_missing_not_zero(catalog):
    kasam = catalog.instrument("kasam29")
    # two begriplighet items missing (max 1) -> begriplighet missing; total allows 2 -> scored
    frame = pd.DataFrame([kasam29_row(q1=None, q3=None), kasam29_row(q1=None, q3=None, q2=None)])
    scores = score(kasam, frame)
    assert np.isnan(scores.loc[0, "begriplighet"]) and scores.loc[0, "total"] == pytest.approx(116)
    assert np.isnan(scores.loc[1, "total"]) and pd.isna(scores.loc[1, "total_band"])
    assert scores.loc[1, "flags"] == "", "a missing score never fires a flag"
    reasons = missing_reasons(kasam, frame)
    assert reasons.loc[0, "begriplighet"] == "2 av 11 frågor obesvarade; högst 1 får saknas"
    assert reasons.loc[0, "total"] == ""


def test_kasam13_all_ones_hand_computed(catalog):
    # begriplighet q2 q6 q8 q9 q11, q2 reversed: 7 + 4 × 1 = 11; hanterbarhet q3 q5 q10 q13, q3 and
    # q10 reversed: 7 + 7 + 1 + 1 = 16; meningsfullhet q1 q4 q7 q12, q1 and q7 reversed: 16;
    # total: five reversed items → 5 × 7 + 8 × 1 = 43 = 11 + 16 + 16
    scores = score(catalog.instrument("kasam13"), pd.DataFrame([{f"q{n}": 1.0 for n in range(1, 14)}]))
    assert scores.loc[0, ["begriplighet", "hanterbarhet", "meningsfullhet", "total"]].tolist() == [11, 16, 16, 43]


def test_kasam13_has_no_missing_allowed_in_subscales(catalog):
    kasam = catalog.instrument("kasam13")
    row = {f"q{n}": 4.0 for n in range(1, 14)}
    row["q2"] = np.nan
    scores = score(kasam, pd.DataFrame([row]))
    assert np.isnan(scores.loc[0, "begriplighet"])
    assert scores.loc[0, "total"] == pytest.approx(4 * 13)


@pytest.mark.parametrize("total, expected", [(29, "low"), (140, "low"), (140.4, "low"), (141, "moderate"),
                                             (165, "moderate"), (165.9, "moderate"), (166, "high"), (203, "high")])
def test_langius_bjorvell_bands_at_their_boundaries(catalog, total, expected):
    bands = catalog.instrument("kasam29").scale("total").bands
    assert band(np.array([float(total)]), bands)[0] == expected


def test_band_of_missing_is_none(catalog):
    assert pd.isna(band(np.array([np.nan]), catalog.instrument("kasam29").scale("total").bands)[0])


def test_porten_flags_fire_below_their_thresholds(catalog):
    kasam = catalog.instrument("kasam29")
    # all answers 3 with reversed items 5 -> begriplighet 2 × 5 + 9 × 3 = 37 (no flag);
    # hanterbarhet 6 × 5 + 4 × 3 = 42; meningsfullhet 5 × 5 + 3 × 3 = 34; total 113 (no flag)
    scores = score(kasam, pd.DataFrame([kasam29_row(3)]))
    assert scores.loc[0, "flags"] == ""
    # all answers 2 -> reversed 6: B 2×6 + 9×2 = 30 (<35), H 6×6 + 4×2 = 44, M 5×6 + 3×2 = 36, total 110
    assert score(kasam, pd.DataFrame([kasam29_row(2)])).loc[0, "flags"] == "porten_begriplighet_under_35"


def test_total_below_100_flag(catalog):
    kasam = catalog.instrument("kasam29")
    # reversed items answered 7 (score 1) and the rest 1: every item scores 1 -> total 29
    row = kasam29_row(1, **{i: 7 for i in kasam.scale("total").reversed})
    flags = score(kasam, pd.DataFrame([row])).loc[0, "flags"].split(";")
    assert "porten_total_under_100" in flags and len(flags) == 4


def test_prorate_mean_method():
    scores, missing = prorate(np.array([[2.0, np.nan, 4.0]]), "mean", 1)
    assert scores.tolist() == [3.0] and missing.tolist() == [1]


def test_frame_index_and_extra_columns_are_kept(catalog):
    frame = pd.DataFrame([kasam29_row(4)], index=[42]).assign(participant_id=7)
    assert score(catalog.instrument("kasam29"), frame).index.tolist() == [42]


def test_chunked_scoring_equals_one_pass_and_reports_file_rows(catalog):
    from indicators.scoring import score_table
    from foundation.errors import StegvisError

    kasam = catalog.instrument("kasam13")
    rng = np.random.default_rng(3)
    values = rng.integers(1, 8, size=(1000, 13)).astype(float)
    values[rng.random(values.shape) < 0.05] = np.nan
    frame = pd.DataFrame(values, columns=[f"q{n}" for n in range(1, 14)])
    pd.testing.assert_frame_equal(score_table(kasam, frame, chunk_rows=170), score(kasam, frame),
                                  check_categorical=False, check_dtype=False)
    frame.loc[700, "q4"] = 9
    with pytest.raises(StegvisError, match="row 701, column q4: '9.0'"):
        score_table(kasam, frame, chunk_rows=170)
