"""`tools/save_run_state.py`: a run's resume state, checked and shrunk
before it is committed (runs/README.md)."""

import json
import pathlib
import sys

import h5py
import numpy as np
import pytest

from keras_dss.training.recipe import load_recipe
from keras_dss.training.trainer import build_model
from keras_dss.training.trainer import compile_model
from tests.test_ship_weights import trained_recipe  # noqa: F401 (fixture)

TOOLS = pathlib.Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import save_run_state  # noqa: E402

PROBE = np.random.default_rng(1).uniform(0, 255, (2, 16, 16, 3))


def predictions(recipe, path):
    model = build_model(recipe)
    model.load_weights(str(path))
    return np.asarray(model.predict(PROBE.astype("float32"), verbose=0))


def optimizer_values(path):
    """How many arrays a weights file holds for the optimiser."""
    count = []
    with h5py.File(path, "r") as f:
        if "optimizer" in f:
            f["optimizer"].visititems(
                lambda _, item: count.append(isinstance(item, h5py.Dataset)))
    return sum(count)


def test_identical_best_and_backup_are_left_alone(trained_recipe):  # noqa: F811
    run = trained_recipe / "run"
    before = (run / "best.weights.h5").read_bytes()
    assert before == (run / "backup" / "latest.weights.h5").read_bytes()
    paths = save_run_state.save_run_state(trained_recipe)
    assert set(paths) == {run / "backup", run / "log.csv",
                          run / "best.weights.h5"}
    assert (run / "best.weights.h5").read_bytes() == before


def test_a_different_best_loses_its_optimizer_state_only(
        trained_recipe):  # noqa: F811
    recipe = load_recipe(trained_recipe)
    best = recipe.run_dir / "best.weights.h5"
    # A best epoch other than the backup's: the same file with one weight
    # changed, saved by a compiled model, so with the optimiser's state.
    model = compile_model(build_model(recipe), recipe,
                          {"kind": "segmentation", "num_classes": 3})
    model.optimizer.build(model.trainable_variables)
    model.load_weights(str(best))
    kernel = model.trainable_variables[0]
    kernel.assign(kernel + 0.5)
    model.save_weights(str(best))
    expected = predictions(recipe, best)
    assert optimizer_values(best) > 0

    save_run_state.save_run_state(trained_recipe)

    assert optimizer_values(best) == 0
    np.testing.assert_array_equal(predictions(recipe, best), expected)
    # Still loadable by the training graph, as a warm start's best file is.
    model = compile_model(build_model(recipe), recipe,
                          {"kind": "segmentation", "num_classes": 3})
    model.load_weights(str(best))


def test_refuses_a_run_stopped_inside_an_epoch(trained_recipe):  # noqa: F811
    metadata = trained_recipe / "run" / "backup" / "training_metadata.json"
    metadata.write_text(json.dumps({"epoch": 0, "batch": 3}))
    with pytest.raises(RuntimeError, match="between two epochs"):
        save_run_state.save_run_state(trained_recipe)


def test_refuses_a_run_without_backup(tmp_path):
    folder = tmp_path / "runs" / "empty"
    folder.mkdir(parents=True)
    (folder / "recipe.json").write_text(json.dumps({
        "name": "x",
        "model": {"constructor": "UNet", "args": {"num_classes": 2}},
        "data": {"dataset": "oxford_iiit_pet", "path": str(tmp_path)},
        "training": {"epochs": 1},
    }))
    (folder / "run").mkdir()
    with pytest.raises(FileNotFoundError, match="nothing to save"):
        save_run_state.save_run_state(folder)
