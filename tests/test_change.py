"""Paired change per participant and Jacobson–Truax reliable change."""

import math

import pandas as pd
import pytest

from indicators.change import paired_change, reliable_change_index, summarise_change
from surveys.models import ReliableChange

KASAM29 = ReliableChange(alpha=0.85, sd=18)


def frame(rows):
    return pd.DataFrame(rows, columns=["participant_id", "occasion", "completed_at", "total"])


def test_reliable_change_thresholds_follow_the_declared_formula():
    # 1.96 × SD × √2 × √(1 − α). KASAM-29 (α .85, SD 18): 19.3 points. instruments.md says
    # "about 27", which its own formula and parameters do not give; the formula is implemented.
    assert 1.96 * 18 * math.sqrt(2) * math.sqrt(1 - 0.85) == pytest.approx(19.32, abs=0.01)
    assert reliable_change_index(19.4, KASAM29) >= 1.96 > reliable_change_index(19.2, KASAM29)
    # KASAM-13 (α .80, SD 11): about 14 points, as instruments.md says
    kasam13 = ReliableChange(alpha=0.80, sd=11)
    assert reliable_change_index(13.7, kasam13) >= 1.96 > reliable_change_index(13.5, kasam13)


def test_paired_change_is_per_participant_not_difference_of_means():
    scores = frame([
        (1, "intake", "2025-01-01", 100), (1, "exit", "2025-09-01", 130),
        (2, "intake", "2025-01-01", 120), (2, "exit", "2025-09-01", 110),
        (3, "intake", "2025-01-01", 90),  # no exit: not paired
        (4, "exit", "2025-09-01", 200),  # no intake: not paired
    ])
    pairs = paired_change(scores, "total", from_occasion="intake", to_occasion="exit", reliable=KASAM29)
    assert pairs["participant_id"].tolist() == [1, 2]
    assert pairs["change"].tolist() == [30, -10]
    assert pairs["improved"].tolist() == [True, False]
    assert pairs["reliably_improved"].tolist() == [True, False]
    summary = summarise_change(pairs)
    assert (summary.n, summary.improved, summary.reliably_improved) == (2, 1, 1)
    assert summary.share_improved == 0.5 and summary.mean_change == 10
    # the difference of group means would have been (200 + 130 + 110)/3 − (100 + 120 + 90)/3: not used


def test_latest_minus_first_without_occasions_and_missing_scores_skipped():
    scores = frame([
        (1, "intake", "2025-01-01", 100), (1, "followup", "2025-04-01", None), (1, "followup", "2025-07-01", 105),
        (2, "intake", "2025-01-01", 100),
    ])
    pairs = paired_change(scores, "total")
    assert pairs[["participant_id", "start", "end"]].values.tolist() == [[1, 100, 105]]
    assert pairs["reliably_improved"].isna().all()
    assert summarise_change(pairs).reliably_improved is None


def test_no_pairs_gives_an_empty_summary():
    assert summarise_change(paired_change(frame([]), "total")).n == 0
