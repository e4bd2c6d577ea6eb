"""`data.train_scales` of the Fashion-MNIST-scale recipes."""

import json

import numpy as np
import pytest

from keras_dss import datasets
from keras_dss.training import load_recipe
from keras_dss.training.tasks import FashionMnistScaleTask
from tests.test_datasets import make_fashion

SIZES = (24, 8, 8)


@pytest.fixture
def small_task(tmp_path, monkeypatch):
    root, _ = make_fashion(tmp_path / "fm")

    def load(self, path, seed):
        return datasets.load_fashion_mnist_scale(path, seed=seed,
                                                 split_sizes=SIZES)

    monkeypatch.setattr(FashionMnistScaleTask, "_load", load)
    return root


def recipe(folder, root, data):
    folder.mkdir()
    (folder / "recipe.json").write_text(json.dumps({
        "name": "t",
        "model": {"constructor": "DenseNet", "args": {}},
        "data": {"dataset": "fashion_mnist_scale", "path": str(root),
                 **data},
        "training": {"batch_size": 4},
    }))
    return load_recipe(folder)


def images_of(sequence):
    return np.concatenate([sequence[i][0] for i in range(len(sequence))])


def test_train_scales_keeps_only_that_range(small_task, tmp_path):
    root = small_task
    splits = datasets.load_fashion_mnist_scale(root, seed=0,
                                               split_sizes=SIZES)
    low, high = 0.6, 1.0
    train, val = FashionMnistScaleTask().train_val(
        recipe(tmp_path / "r", root, {"train_scales": [low, high]}))
    for sequence, name in ((train, "train"), (val, "val")):
        s = splits[name]
        keep = (s["scales"] >= low) & (s["scales"] <= high)
        assert 0 < keep.sum() < len(keep)  # the filter must drop some
        got = images_of(sequence)
        want = s["images"][keep].astype(np.float32)
        # The training sequence is shuffled: compare as sorted sets.
        order = lambda a: a[np.lexsort(a.reshape(len(a), -1).T)]
        np.testing.assert_array_equal(order(got), order(want))

    everything, _ = FashionMnistScaleTask().train_val(
        recipe(tmp_path / "all", root, {}))
    assert len(images_of(everything)) == SIZES[0]


@pytest.mark.parametrize("value", [[0.5], [0.8, 0.6], [0, 1], "0.5", [True, 1]])
def test_train_scales_rejects_bad_values(small_task, tmp_path, value):
    with pytest.raises(ValueError, match="train_scales"):
        FashionMnistScaleTask().train_val(
            recipe(tmp_path / "r", small_task, {"train_scales": value}))


def test_train_scales_without_images_is_an_error(small_task, tmp_path):
    with pytest.raises(ValueError, match="no train image"):
        FashionMnistScaleTask().train_val(
            recipe(tmp_path / "r", small_task, {"train_scales": [0.1, 0.2]}))
