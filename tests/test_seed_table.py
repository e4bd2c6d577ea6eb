"""`tools/seed_table.py`: mean and spread over seeds of evaluation files."""

import json
import pathlib
import sys

import numpy as np
import pytest

TOOLS = pathlib.Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import seed_table  # noqa: E402


def result(accuracy, buckets, unscaled, num_images=100):
    return {"accuracy": accuracy, "num_images": num_images,
            "buckets": [[0.3, 0.5], [0.5, 0.7], [0.7, 1.0]],
            "bucket_accuracy": buckets, "unscaled_accuracy": unscaled}


def test_mean_and_sample_std_per_column():
    runs = [result(0.80, [0.7, 0.8, 0.9], 0.75),
            result(0.84, [0.6, 0.8, 0.95], 0.79),
            result(0.82, [0.8, 0.8, 0.85], 0.77)]
    s = seed_table.summarize(runs)
    assert s["columns"] == ["all scales", "0.3-0.5", "0.5-0.7", "0.7-1",
                            "unscaled"]
    np.testing.assert_allclose(s["mean"], [0.82, 0.7, 0.8, 0.9, 0.77])
    # sample std of (0.80, 0.84, 0.82) is 0.02; of (0.7, 0.6, 0.8) 0.1
    np.testing.assert_allclose(s["std"], [0.02, 0.1, 0.0, 0.05, 0.02],
                               atol=1e-12)


def test_one_run_has_zero_spread():
    s = seed_table.summarize([result(0.8, [0.7, 0.8, 0.9], 0.75)])
    assert s["std"] == [0.0] * 5


def test_refuses_results_on_different_test_sets():
    with pytest.raises(ValueError, match="numbers of images"):
        seed_table.summarize([result(0.8, [0.7, 0.8, 0.9], 0.75, 100),
                              result(0.8, [0.7, 0.8, 0.9], 0.75, 50)])


def test_cli_writes_markdown_and_json(tmp_path):
    paths = []
    for i, acc in enumerate((0.8, 0.9)):
        path = tmp_path / f"run{i}.json"
        path.write_text(json.dumps(result(acc, [acc] * 3, acc)))
        paths.append(str(path))
    out = tmp_path / "seeds"
    assert seed_table.main(["--model", "A", *paths, "--out", str(out)]) == 0
    text = (tmp_path / "seeds.md").read_text()
    assert "| A | 2 | 0.8500 ± 0.0707 |" in text
    saved = json.loads((tmp_path / "seeds.json").read_text())
    assert saved["A"]["files"] == paths
    assert (tmp_path / "seeds.png").stat().st_size > 1000
