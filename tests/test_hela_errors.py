"""`tools/hela_errors.py`: the error decomposition behind the HeLa notes."""

import pathlib
import sys

import numpy as np
import pytest

TOOLS = pathlib.Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import hela_errors  # noqa: E402


def test_breakdown_counts_near_and_far_false_positives():
    truth = np.zeros((40, 40), bool)
    truth[10:20, 10:20] = True  # one annotated cell, 100 px
    predicted = truth.copy()
    predicted[10:20, 10] = False  # 10 false negatives on its left edge
    predicted[10:20, 20:22] = True  # 20 false positives touching it
    predicted[30:35, 30:35] = True  # 25 false positives >= 10 px away
    counts = hela_errors.error_breakdown(predicted, truth, distances=(4, 8))
    assert counts == {"tp": 90, "fp": 45, "fn": 10,
                      "fp_beyond_4": 25, "fp_beyond_8": 25}
    summary = hela_errors.summarize(counts, distances=(4, 8))
    assert summary["foreground_iou"] == pytest.approx(90 / 145)
    assert summary["fp_beyond_8_of_fp"] == pytest.approx(25 / 45)
    assert summary["iou_without_fp_beyond_8"] == pytest.approx(90 / 120)


def test_distance_threshold_is_strict_and_empty_masks_count_all():
    truth = np.zeros((1, 12), bool)
    truth[0, 0] = True
    predicted = np.zeros((1, 12), bool)
    predicted[0, 4] = predicted[0, 5] = True  # 4 and 5 px away
    assert hela_errors.error_breakdown(predicted, truth, (4,))[
        "fp_beyond_4"] == 1
    empty = hela_errors.error_breakdown(predicted, np.zeros_like(truth), (4,))
    assert empty["fp_beyond_4"] == empty["fp"] == 2
    with pytest.raises(ValueError, match="shapes differ"):
        hela_errors.error_breakdown(predicted, truth[:, :6])
