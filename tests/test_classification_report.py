"""Tables and figures of classification-by-scale results."""

import numpy as np
import pytest

from keras_dss import evaluation

BUCKETS = [[0.3, 0.5], [0.5, 0.7], [0.7, 1.0]]
RESULTS = {
    "S-DenseNet": {"accuracy": 0.8, "buckets": BUCKETS,
                   "bucket_accuracy": [0.7, None, 0.9],
                   "unscaled_accuracy": 0.95},
    "DenseNet": {"accuracy": 0.75, "buckets": BUCKETS,
                 "bucket_accuracy": [0.6, 0.75, 0.85]},
}


def test_markdown_table_rows_are_models_and_gaps_print_as_dashes():
    table = evaluation.format_classification_table(RESULTS, markdown=True)
    lines = table.splitlines()
    assert lines[0] == ("| model | all scales | 0.3-0.5 | 0.5-0.7 | 0.7-1 "
                        "| unscaled |")
    assert lines[2] == "| S-DenseNet | 0.8000 | 0.7000 | - | 0.9000 | 0.9500 |"
    assert lines[3] == "| DenseNet | 0.7500 | 0.6000 | 0.7500 | 0.8500 | - |"
    plain = evaluation.format_classification_table(RESULTS, precision=2)
    assert plain.splitlines()[2].split() == [
        "S-DenseNet", "0.80", "0.70", "-", "0.90", "0.95"]


def test_plot_has_one_bar_per_model_and_group(tmp_path):
    path = tmp_path / "bars.png"
    figure = evaluation.plot_classification_by_scale(RESULTS, path=path)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "all scales", "0.3-0.5", "0.5-0.7", "0.7-1", "unscaled"]
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(
        heights, [0.8, 0.7, np.nan, 0.9, 0.95, 0.75, 0.6, 0.75, 0.85, np.nan])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("results,match", [
    ({}, "is empty"),
    ({"a": {"accuracy": 0.5}}, "no 'buckets'"),
    ({"a": RESULTS["DenseNet"],
      "b": dict(RESULTS["DenseNet"], buckets=[[0.3, 1.0]],
                bucket_accuracy=[0.5])}, "same buckets"),
])
def test_bad_results_are_rejected(results, match):
    with pytest.raises(ValueError, match=match):
        evaluation.format_classification_table(results)
