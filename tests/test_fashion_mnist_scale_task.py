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


TINY_DENSENET = {"input_shape": [28, 28, 1], "num_classes": 10,
                 "growth_rate": 2, "block_layers": [1]}


def test_evaluate_with_buckets(small_task, tmp_path, capsys):
    import keras

    import keras_dss_cli
    from keras_dss import zoo

    keras.utils.set_random_seed(5)
    model = zoo.DenseNet(**TINY_DENSENET)
    weights = tmp_path / "tiny.weights.h5"
    model.save_weights(str(weights))
    args = ["evaluate", f"DenseNet:{weights}", "--data", str(small_task),
            "--dataset", "fashion_mnist_scale", "--out", str(tmp_path / "e"),
            "--no-progress", "--model-args", json.dumps(TINY_DENSENET)]
    assert keras_dss_cli.main(args + ["--buckets", "0.3", "0.6", "1"]) == 0
    result = json.loads((tmp_path / "e" / "DenseNet_tiny.json").read_text())
    assert result["buckets"] == [[0.3, 0.6], [0.6, 1.0]]
    # The same numbers computed here from the model's own predictions.
    test = datasets.load_fashion_mnist_scale(small_task, seed=0,
                                             split_sizes=SIZES)["test"]
    predicted = np.argmax(model.predict(test["images"], verbose=0), -1)
    right = predicted == test["labels"]
    for (low, high), accuracy, count in zip(
            result["buckets"], result["bucket_accuracy"],
            result["bucket_counts"]):
        inside = (test["scales"] >= low) & (
            test["scales"] < high if high < 1 else test["scales"] <= high)
        assert count == inside.sum()
        if count:
            assert accuracy == pytest.approx(right[inside].mean())
    assert sum(result["bucket_counts"]) == SIZES[2]
    # --reuse takes the file only for the same buckets.
    capsys.readouterr()
    assert keras_dss_cli.main(
        args + ["--reuse", "--buckets", "0.3", "0.6", "1"]) == 0
    assert "reusing" in capsys.readouterr().out
    assert keras_dss_cli.main(args + ["--reuse"]) == 0
    assert "reusing" not in capsys.readouterr().out
    again = json.loads((tmp_path / "e" / "DenseNet_tiny.json").read_text())
    assert again["buckets"] == [[0.3, 0.5], [0.5, 0.7], [0.7, 1.0]]


@pytest.mark.parametrize("edges, message", [
    (["0.5"], "at least two increasing"),
    (["0.5", "0.5"], "at least two increasing"),
])
def test_evaluate_rejects_bad_buckets(small_task, tmp_path, capsys, edges,
                                      message):
    import keras_dss_cli

    with pytest.raises(SystemExit) as exit_info:
        keras_dss_cli.main(
            ["evaluate", "DenseNet:x.weights.h5", "--data", str(small_task),
             "--dataset", "fashion_mnist_scale", "--out", str(tmp_path),
             "--buckets", *edges])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_buckets_need_known_scales(tmp_path, capsys):
    import keras_dss_cli

    with pytest.raises(SystemExit) as exit_info:
        keras_dss_cli.main(
            ["evaluate", "SEUNet:x.weights.h5", "--data", str(tmp_path),
             "--dataset", "oxford_iiit_pet", "--out", str(tmp_path),
             "--buckets", "0.3", "1"])
    assert exit_info.value.code == 2
    assert "no per-image rescale factors" in capsys.readouterr().err
