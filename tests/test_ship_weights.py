"""`tools/ship_weights.py` and `tools/model_card.py`: a trained recipe
becomes a registered, checksummed weights file with a model card."""

import csv
import json
import pathlib
import sys

import numpy as np
import pytest
from PIL import Image

from keras_dss import zoo
from keras_dss.training import train_recipe
from keras_dss.zoo import registry
from keras_dss.zoo.weights_files import sha256_of

TOOLS = pathlib.Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import ship_weights  # noqa: E402

TINY = {"num_classes": 3, "filters": 2, "depth": 1, "num_scales": 2}
NAME = "ship-test"


@pytest.fixture
def trained_recipe(tmp_path):
    """A tiny SEUNet recipe on generated Pets-layout data, trained 1 epoch."""
    rng = np.random.default_rng(0)
    data = tmp_path / "pets"
    for split, count in (("train", 10), ("test", 2)):
        (data / split / "images").mkdir(parents=True)
        (data / split / "trimaps").mkdir(parents=True)
        for i in range(count):
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), np.uint8)).save(
                data / split / "images" / f"{i:04d}.jpg")
            Image.fromarray(rng.integers(1, 4, (32, 32), np.uint8)).save(
                data / split / "trimaps" / f"{i:04d}.png")
    folder = tmp_path / "zoo" / "seunet_tiny"
    folder.mkdir(parents=True)
    (folder / "recipe.json").write_text(json.dumps({
        "name": NAME,
        "description": "tiny SEU-Net: a test of the shipping tool",
        "model": {"constructor": "SEUNet", "args": TINY},
        "data": {"dataset": "oxford_iiit_pet", "path": str(data),
                 "val_fraction": 0.2, "seed": 0},
        "augmentation": {"crop_size": 16, "flip": True},
        "training": {"batch_size": 4, "epochs": 1},
    }))
    train_recipe(folder, verbose=0)
    return folder


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    folder.mkdir()
    monkeypatch.setenv("KERAS_DSS_WEIGHTS_DIR", str(folder))
    yield folder
    registry.unregister_weights("SEUNet", NAME)


def test_ship_registers_a_loadable_checksummed_file(trained_recipe,
                                                    weights_dir):
    ship_weights.main([str(trained_recipe), "--weights-dir", str(weights_dir)])
    entries = json.loads((weights_dir / "registry.json").read_text())
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["model"], entry["name"]) == ("SEUNet", NAME)
    assert entry["sha256"] == sha256_of(weights_dir / entry["file"])
    assert entry["license"] == "CC BY-SA 4.0"
    # The full config: defaults filled in, the recipe's values kept.
    assert entry["config"]["filters"] == 2
    assert entry["config"]["input_channels"] == 3
    assert entry["config"]["pooling"] == "max"
    assert entry["metrics"]["epochs"] == 1
    # A fresh registry read from the file loads the same weights as the run.
    registry.unregister_weights("SEUNet", NAME)
    assert registry.load_shipped_entries() == 1
    x = np.random.default_rng(1).uniform(0, 255, (1, 32, 32, 3))
    shipped = zoo.SEUNet(weights=NAME)
    run = zoo.SEUNet(weights=str(trained_recipe / "run/final.weights.h5"),
                     **TINY)
    np.testing.assert_array_equal(shipped.predict(x, verbose=0),
                                  run.predict(x, verbose=0))
    card = (trained_recipe / "README.md").read_text()
    assert f'# SEUNet "{NAME}"' in card
    assert entry["sha256"] in card
    assert "Not evaluated yet." in card
    # 1 epoch of a 1-epoch recipe, no early stopping: the budget ended it.
    assert "stopped by the recipe's epoch budget (1)" in card
    assert (trained_recipe / "training_curve.png").stat().st_size > 1000
    assert (trained_recipe / "training_log.csv").exists()


def test_unfinished_runs_need_an_explicit_flag(trained_recipe, weights_dir):
    (trained_recipe / "run" / "done").unlink()
    with pytest.raises(SystemExit, match="has not finished"):
        ship_weights.main([str(trained_recipe), "--weights-dir",
                           str(weights_dir)])
    assert not (weights_dir / "registry.json").exists()
    ship_weights.main([str(trained_recipe), "--weights-dir", str(weights_dir),
                       "--allow-unfinished"])
    assert "Not converged" in (trained_recipe / "README.md").read_text()


def test_refuses_a_folder_the_loader_does_not_search(trained_recipe,
                                                     tmp_path):
    with pytest.raises(SystemExit, match="KERAS_DSS_WEIGHTS_DIR"):
        ship_weights.main([str(trained_recipe), "--weights-dir",
                           str(tmp_path)])


def test_training_continues_from_the_shipped_weights(trained_recipe,
                                                     weights_dir):
    ship_weights.main([str(trained_recipe), "--weights-dir", str(weights_dir)])
    shipped_log = (trained_recipe / "training_log.csv").read_text()
    run = trained_recipe / "run"
    with pytest.raises(ValueError, match="already holds a run"):
        train_recipe(trained_recipe, epochs=2, from_shipped=True, verbose=0)
    # No epoch left to run: the exported weights are the shipped ones.
    train_recipe(trained_recipe, epochs=1, from_shipped=True, fresh=True,
                 verbose=0)
    assert (run / "log.csv").read_text() == shipped_log
    x = np.random.default_rng(2).uniform(0, 255, (1, 32, 32, 3))
    shipped = zoo.SEUNet(weights=NAME)
    restarted = zoo.SEUNet(weights=str(run / "final.weights.h5"), **TINY)
    np.testing.assert_array_equal(shipped.predict(x, verbose=0),
                                  restarted.predict(x, verbose=0))
    # One more epoch is appended after the shipped one.
    summary = train_recipe(trained_recipe, epochs=2, verbose=0)
    assert summary["epochs_completed"] == 2
    assert (run / "log.csv").read_text().startswith(shipped_log)


def test_continued_run_can_start_at_a_lower_learning_rate(trained_recipe,
                                                          weights_dir):
    ship_weights.main([str(trained_recipe), "--weights-dir", str(weights_dir)])
    with pytest.raises(ValueError, match="from_shipped"):
        train_recipe(trained_recipe, epochs=2, learning_rate=1e-5, verbose=0)
    with pytest.raises(ValueError, match="> 0"):
        train_recipe(trained_recipe, epochs=2, from_shipped=True,
                     learning_rate=0.0, verbose=0)
    train_recipe(trained_recipe, epochs=2, from_shipped=True, fresh=True,
                 learning_rate=1.5e-5, verbose=0)
    with open(trained_recipe / "run" / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    shipped_rate = float(rows[0]["learning_rate"])
    assert shipped_rate != pytest.approx(1.5e-5)
    assert float(rows[1]["learning_rate"]) == pytest.approx(1.5e-5)


def test_ship_the_last_epoch_instead_of_the_best(trained_recipe,
                                                 weights_dir):
    from keras_dss.training.recipe import load_recipe
    from keras_dss.training.trainer import summarize

    run = trained_recipe / "run"
    first = zoo.SEUNet(weights=str(run / "final.weights.h5"), **TINY)
    train_recipe(trained_recipe, epochs=2, verbose=0)
    # Make epoch 1 the best by validation loss, so that "last" differs.
    with open(run / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[1]["val_loss"] = "99.0"
    with open(run / "log.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summarize(load_recipe(trained_recipe), run)
    common = [str(trained_recipe), "--weights-dir", str(weights_dir)]
    with pytest.raises(SystemExit):
        ship_weights.main(common + ["--epoch", "last"])
    ship_weights.main(common + ["--epoch", "last", "--selection",
                                "a test asked for it"])
    x = np.random.default_rng(3).uniform(0, 255, (1, 32, 32, 3))
    shipped = zoo.SEUNet(weights=NAME)
    last = zoo.SEUNet(weights=str(run / "last.weights.h5"), **TINY)
    np.testing.assert_array_equal(shipped.predict(x, verbose=0),
                                  last.predict(x, verbose=0))
    assert not np.array_equal(first.predict(x, verbose=0),
                              last.predict(x, verbose=0))
    summary = json.loads((trained_recipe / "training.json").read_text())
    assert summary["shipped_epoch"] == 2 and summary["best_epoch"] == 1
    card = (trained_recipe / "README.md").read_text()
    assert ("epoch 2, the last one (validation loss 99.0000; the lowest"
            in card)
    assert "chosen because a test asked for it" in card
    # A continued run starts at the shipped epoch, not at the best one.
    train_recipe(trained_recipe, epochs=2, from_shipped=True, fresh=True,
                 verbose=0)
    with open(run / "log.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 2
    restarted = zoo.SEUNet(weights=str(run / "final.weights.h5"), **TINY)
    np.testing.assert_array_equal(shipped.predict(x, verbose=0),
                                  restarted.predict(x, verbose=0))


@pytest.mark.parametrize("shape,expected", [
    (None, (2, 64, 64, 3)),
    ([None, None, 1], (2, 64, 64, 1)),
    ([28, 28, 1], (2, 28, 28, 1)),
])
def test_probe_input_has_a_concrete_size(shape, expected):
    config = {"input_channels": 3 if shape is None else shape[-1]}
    args = {} if shape is None else {"input_shape": shape}
    probe = ship_weights.probe_input(config, args)
    assert probe.shape == expected and probe.dtype == np.float32


def test_card_says_whether_the_whole_test_split_was_evaluated():
    import model_card

    assert model_card.evaluated_images({"num_images": 20, "limit": None}) \
        == "all 20 test images"
    limited = "the first 200 test images (`--limit 200`)"
    assert model_card.evaluated_images({"num_images": 200,
                                        "limit": 200}) == limited
    # Saved before `limit` was recorded: those runs were all limited.
    assert model_card.evaluated_images({"num_images": 200}) == limited
