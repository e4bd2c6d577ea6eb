"""The PatchCamelyon and Cityscapes tasks, on generated stand-ins: a recipe
of each trains for an epoch and evaluates (no real data exists here)."""

import json

import numpy as np
import pytest

from keras_dss import zoo
from keras_dss.training import load_recipe
from keras_dss.training import train_recipe
from keras_dss.training.data import make_datasets
from keras_dss.training.trainer import compile_model
from keras_dss.training.tasks import get_task
from tests.test_datasets import make_cityscapes
from tests.test_datasets import make_hela_folder
from tests.test_datasets import make_pcam


def write_recipe(folder, body):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "recipe.json").write_text(json.dumps(body))
    return load_recipe(folder)


@pytest.fixture
def pcam_recipe(tmp_path):
    root = tmp_path / "pcam"
    for split, n in (("train", 8), ("valid", 4), ("test", 6)):
        make_pcam(root, split=split, n=n)
    return write_recipe(tmp_path / "sdensenet_pcam", {
        "name": "pcam",
        "model": {"constructor": "SDenseNet", "args": {
            "input_shape": [96, 96, 3], "num_classes": 2, "num_scales": 2,
            "growth_rate": 2, "block_layers": [1]}},
        "data": {"dataset": "patch_camelyon", "path": str(root)},
        "augmentation": {"flip": True},
        "training": {"batch_size": 4, "epochs": 1},
    }), root


def test_patch_camelyon_recipe_trains_and_evaluates(pcam_recipe):
    recipe, root = pcam_recipe
    train_seq, val_seq, info = make_datasets(recipe)
    assert info == {"kind": "classification", "num_classes": 2,
                    "ignore_class": None}
    assert len(train_seq) == 2 and len(val_seq) == 1
    x, y = train_seq[0]
    assert x.shape == (4, 96, 96, 3) and set(np.unique(y)) <= {0, 1}
    summary = train_recipe(recipe.folder, verbose=0)
    assert summary["epochs_completed"] == 1

    task = get_task("patch_camelyon")
    test = task.load_test(root, limit=5)
    assert len(test) == 5
    model = zoo.SDenseNet(weights=str(recipe.run_dir / "best.weights.h5"),
                          **recipe.model["args"])
    result = task.evaluate(model, test, progress=False)
    images, labels = test[np.arange(5)]
    expected = np.mean(np.argmax(model.predict(images, verbose=0), -1)
                       == labels)
    assert result["num_images"] == 5 and result["buckets"] == []
    assert result["accuracy"] == pytest.approx(expected)
    # Read in chunks of 2 (3 chunks, the last one short): same accuracy.
    task.eval_chunk = 2
    chunked = task.evaluate(model, test, progress=False)
    assert chunked["num_images"] == 5
    assert chunked["accuracy"] == pytest.approx(expected)


def test_patch_camelyon_rejects_unsupported_augmentation(pcam_recipe):
    recipe, _ = pcam_recipe
    recipe.augmentation["rotation"] = 10
    with pytest.raises(ValueError, match="only the `flip`"):
        make_datasets(recipe)


def test_cityscapes_recipe_ignores_label_255_and_evaluates(tmp_path):
    root = make_cityscapes(tmp_path / "cityscapes")
    # A tiny S-ResNet, as in the shipped recipe (zoo/sresnet_cityscapes).
    recipe = write_recipe(tmp_path / "sresnet_city", {
        "name": "city",
        "model": {"constructor": "SResNet", "args": {
            "input_shape": [None, None, 3], "num_classes": 19,
            "num_scales": 2, "filters": [2, 4], "blocks_per_stage": 1}},
        "data": {"dataset": "cityscapes", "path": str(root),
                 "image_size": [16, 16]},
        "augmentation": {"crop_size": 16, "rotation": 0, "contrast": 0},
        "training": {"batch_size": 3, "validation_batch_size": 1,
                     "epochs": 1},
    })
    train_seq, val_seq, info = make_datasets(recipe)
    assert info["ignore_class"] == 255 and info["num_classes"] == 19
    x, y = train_seq[0]
    assert x.shape == (3, 16, 16, 3) and 255 in y
    summary = train_recipe(recipe.folder, verbose=0)
    assert np.isfinite(summary["best"]["loss"])

    task = get_task("cityscapes")
    task.image_size = (16, 32)
    images, masks = task.load_test(root)
    assert images.shape == (1, 16, 32, 3) and masks.shape == (1, 16, 32)
    model = zoo.SResNet(weights=str(recipe.run_dir / "best.weights.h5"),
                     **recipe.model["args"])
    result = task.evaluate(model, (images, masks), scales=[0.5, 1.0],
                           multiple=4, progress=False)
    assert result["scales"] == [0.5, 1.0]
    assert "ignore_index=255" in result["protocol"]

    # The compiled loss is the cross-entropy of the labelled pixels only.
    compile_model(model, recipe, info)
    x = images[:, :16, :16].astype("float32")
    y = np.full((1, 16, 16), 255, np.int32)
    y[0, :8] = np.arange(16) % 19
    logits = np.asarray(model.predict(x, verbose=0), np.float64)[0, :8]
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -np.take_along_axis(log_p, y[0, :8, :, None], -1).mean()
    loss = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    assert loss == pytest.approx(expected, rel=1e-4)


def test_segmentation_repeat_draws_each_training_frame_several_times(
        tmp_path):
    root = make_hela_folder(tmp_path / "hela", frames=30)
    body = {
        "name": "hela",
        "model": {"constructor": "UNet", "args": {"num_classes": 2}},
        "data": {"dataset": "dic_hela", "path": str(root), "repeat": 3},
        "augmentation": {"crop_size": 8, "rotation": 0, "contrast": 0},
        "training": {"batch_size": 2},
    }
    train_seq, val_seq, _ = make_datasets(write_recipe(tmp_path / "r", body))
    # hela_split(30): frames 0..1 train, 2..9 validation (not repeated).
    assert len(train_seq) == 3 and len(val_seq) == 4  # batches of 2
    body["data"]["repeat"] = 0
    with pytest.raises(ValueError, match="data.repeat must be an int >= 1"):
        make_datasets(write_recipe(tmp_path / "bad", body))
