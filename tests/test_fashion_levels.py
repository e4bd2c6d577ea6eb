"""`tools/fashion_levels.py`: one no-interaction weights file, several level counts."""

import json
import pathlib
import sys

import keras
import numpy as np
import pytest

from keras_dss.evaluation import classification_by_scale
from keras_dss.zoo import SDenseNet
from tests.test_datasets import make_fashion

TOOLS = pathlib.Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import fashion_levels  # noqa: E402

TINY = {"input_shape": [28, 28, 1], "num_classes": 10, "growth_rate": 2,
        "block_layers": [1, 1, 1], "multiscale_interaction": False}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = SDenseNet(num_scales=3, **TINY)
    path = tmp_path_factory.mktemp("w") / "tiny.weights.h5"
    model.save_weights(path)
    return model, path


def data(n=12):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (n, 28, 28, 1)).astype("uint8")
    labels = rng.integers(0, 10, n)
    scales = rng.uniform(0.3, 1.0, n)
    return images, labels, scales


def test_the_trained_level_count_reproduces_the_model(saved):
    model, path = saved
    images, labels, scales = data()
    got = fashion_levels.level_accuracies(
        path, TINY, [3], images, labels, scales, batch_size=5)[3]
    want = classification_by_scale(model, images, labels, scales,
                                   buckets=fashion_levels.BUCKETS)
    assert got == want


def test_fewer_levels_change_the_predictions(saved):
    # One level is the plain network on the image: its logits differ from
    # the max over three levels (random weights, so not equal by chance).
    model, path = saved
    images, labels, scales = data()
    one = SDenseNet(num_scales=1, **TINY)
    one.load_weights(path)
    three = model.predict(images, verbose=0)
    assert not np.allclose(one.predict(images, verbose=0), three)


def test_interacting_models_are_refused(saved):
    _, path = saved
    images, labels, scales = data()
    with pytest.raises(ValueError, match="multiscale_interaction=False"):
        fashion_levels.level_accuracies(
            path, dict(TINY, multiscale_interaction=True), [3], images,
            labels, scales)


def test_command_line_writes_json(saved, tmp_path, monkeypatch):
    _, path = saved
    root, _ = make_fashion(tmp_path / "fm", n_train=20, n_test=10)
    out = tmp_path / "levels.json"
    monkeypatch.setattr(fashion_levels, "SPLIT_SIZES", (10, 4, 16))
    assert fashion_levels.main([
        f"tiny={path}", "--levels", "1", "3", "--split", "val",
        "--data", str(root), "--model-args", json.dumps(TINY),
        "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["split"] == "val"
    runs = result["runs"]["tiny"]["by_levels"]
    assert set(runs) == {"1", "3"}
    assert all(r["num_images"] == 4 for r in runs.values())


def test_bad_weights_argument_is_a_clear_error():
    with pytest.raises(SystemExit, match="NAME=PATH"):
        fashion_levels.named_paths(["no_equals_sign"])
