"""`training.dtype_policy` of the recipes: mixed-precision training runs."""

import keras
import numpy as np
import pytest

from keras_dss import zoo
from keras_dss.training import train_recipe
from tests.test_datasets import make_pcam
from tests.test_lazy_tasks import write_recipe

MODEL_ARGS = {"input_shape": [96, 96, 3], "num_classes": 2, "num_scales": 2,
              "growth_rate": 2, "block_layers": [1]}


def pcam_recipe(folder, root, training):
    """Writes and loads a one-epoch PatchCamelyon recipe."""
    return write_recipe(folder, {
        "name": "pcam",
        "model": {"constructor": "SDenseNet", "args": MODEL_ARGS},
        "data": {"dataset": "patch_camelyon", "path": str(root)},
        "training": {"batch_size": 4, "epochs": 1, **training},
    })


@pytest.fixture
def pcam_root(tmp_path):
    root = tmp_path / "pcam"
    for split, n in (("train", 8), ("valid", 4), ("test", 4)):
        make_pcam(root, split=split, n=n)
    return root


def test_recipe_trains_under_mixed_bfloat16_and_restores_the_policy(
        pcam_root, tmp_path):
    folder = pcam_recipe(tmp_path / "r", pcam_root,
                         {"dtype_policy": "mixed_bfloat16"}).folder
    assert keras.config.dtype_policy().name == "float32"
    summary = train_recipe(folder, verbose=0)
    assert summary["dtype_policy"] == "mixed_bfloat16"
    assert summary["epochs_completed"] == 1
    assert np.isfinite(summary["best"]["loss"])
    # The global policy is the caller's again, and the weights, float32
    # variables, load into a float32 model.
    assert keras.config.dtype_policy().name == "float32"
    model = zoo.SDenseNet(weights=str(folder / "run" / "best.weights.h5"),
                          **MODEL_ARGS)
    images = np.random.default_rng(0).integers(0, 256, (2, 96, 96, 3))
    logits = model.predict(images.astype("uint8"), verbose=0)
    assert logits.dtype == np.float32 and np.all(np.isfinite(logits))


def test_default_policy_is_float32(pcam_root, tmp_path):
    recipe = pcam_recipe(tmp_path / "r", pcam_root, {})
    assert recipe.training["dtype_policy"] == "float32"


def test_unknown_policy_is_a_clear_error(pcam_root, tmp_path):
    with pytest.raises(ValueError, match="training.dtype_policy must be"):
        pcam_recipe(tmp_path / "r", pcam_root,
                    {"dtype_policy": "bfloat16_please"})
