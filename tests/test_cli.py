"""End-to-end tests of the `keras-dss` command line on the current backend.

Subcommands run in-process through `keras_dss_cli.main` (the backend is the
one of this pytest process); `--backend` and the console-script module are
checked in subprocesses. Data are tiny fixtures in the 128-px Pets folder
layout, written here.
"""

import csv
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import keras_dss_cli
from keras_dss import zoo
from keras_dss.zoo.weights_files import sha256_of

TINY = {"filters": 2, "depth": 1, "num_scales": 2}


@pytest.fixture(scope="module")
def pets_folder(tmp_path_factory):
    """A Pets folder (`{split}/images/NNNN.jpg`, `{split}/trimaps/NNNN.png`)."""
    root = tmp_path_factory.mktemp("pets")
    rng = np.random.default_rng(0)
    for split, count in (("train", 10), ("test", 3)):
        (root / split / "images").mkdir(parents=True)
        (root / split / "trimaps").mkdir(parents=True)
        for i in range(count):
            image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
            trimap = rng.integers(1, 4, (32, 32), dtype=np.uint8)
            Image.fromarray(image).save(root / split / "images" / f"{i:04d}.jpg")
            Image.fromarray(trimap).save(root / split / "trimaps" / f"{i:04d}.png")
    return root


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    """A tiny SEUNet's weights file."""
    keras.utils.set_random_seed(3)
    model = zoo.SEUNet(**TINY)
    path = tmp_path_factory.mktemp("weights") / "tiny.weights.h5"
    model.save_weights(str(path))
    return path


def run_cli(*argv):
    return keras_dss_cli.main([str(a) for a in argv])


def test_list_prints_the_registry(capsys):
    assert run_cli("list") == 0
    out = capsys.readouterr().out
    assert "registered" in out or "weights" in out


def test_predict_writes_masks_and_overlays(pets_folder, tiny_weights, tmp_path,
                                           capsys):
    image = pets_folder / "test" / "images" / "0000.jpg"
    code = run_cli("predict", f"SEUNet:{tiny_weights}", image, "--scales", 0.5,
                   1, 2, "--out", tmp_path, "--model-args", json.dumps(TINY))
    assert code == 0
    for scale, side in (("0.5", 16), ("1", 32), ("2", 64)):
        mask = Image.open(tmp_path / f"0000_x{scale}_mask.png")
        over = Image.open(tmp_path / f"0000_x{scale}_overlay.png")
        assert mask.size == over.size == (side, side)
    assert "class fractions" in capsys.readouterr().out


def test_predict_rejects_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_cli("predict", "NoSuchNet", "x.png", "--out", tmp_path)
    assert exit_info.value.code == 2
    assert "unknown model" in capsys.readouterr().err
    assert run_cli("predict", "SEUNet", tmp_path / "missing.png", "--out",
                   tmp_path, "--model-args", json.dumps(TINY)) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli("predict", "SEUNet", "x.png", "--out", tmp_path,
                "--model-args", "[1, 2]")
    assert "JSON object" in capsys.readouterr().err


def test_evaluate_writes_json_plot_and_table(pets_folder, tiny_weights,
                                             tmp_path, capsys):
    code = run_cli("evaluate", f"SEUNet:{tiny_weights}", "--data", pets_folder,
                   "--dataset", "oxford_iiit_pet", "--scales", 0.5, 1, 2,
                   "--limit", 2, "--out", tmp_path, "--no-progress",
                   "--model-args", json.dumps(TINY))
    assert code == 0
    result = json.loads((tmp_path / "SEUNet_tiny.json").read_text())
    assert result["scales"] == [0.5, 1.0, 2.0]
    assert result["num_images"] == 2 and result["limit"] == 2
    assert len(result["mean_iou"]) == len(result["consistency"]) == 3
    # Factor 1 is the reference of the consistency metric.
    assert result["consistency"][1] == 1.0
    assert (tmp_path / "SEUNet_tiny.png").stat().st_size > 1000
    assert "mean_iou" in capsys.readouterr().out


def test_evaluate_several_models_writes_a_comparison(pets_folder, tiny_weights,
                                                     tmp_path):
    other = tmp_path / "other.weights.h5"
    keras.utils.set_random_seed(4)
    zoo.SEUNet(**TINY).save_weights(str(other))
    code = run_cli("evaluate", f"SEUNet:{tiny_weights}", f"SEUNet:{other}",
                   "--data", pets_folder, "--dataset", "oxford_iiit_pet",
                   "--scales", 0.5, 1, "--limit", 2, "--out", tmp_path,
                   "--no-progress", "--model-args", json.dumps(TINY))
    assert code == 0
    first = json.loads((tmp_path / "SEUNet_tiny.json").read_text())
    second = json.loads((tmp_path / "SEUNet_other.json").read_text())
    assert first["mean_iou"] != second["mean_iou"]  # two different models
    table = (tmp_path / "comparison.md").read_text()
    assert "### mean_iou" in table and "### consistency" in table
    header = [line for line in table.splitlines()
              if line.startswith("| scale")][0]
    assert f"SEUNet:{tiny_weights}" in header and f"SEUNet:{other}" in header
    assert (tmp_path / "comparison.png").stat().st_size > 1000
    # --reuse takes a saved result with the same protocol instead of
    # recomputing it (a changed file proves which was used).
    first["mean_iou"] = [0.123, 0.456]
    (tmp_path / "SEUNet_tiny.json").write_text(json.dumps(first))
    common = ["--data", pets_folder, "--dataset", "oxford_iiit_pet",
              "--limit", 2, "--out", tmp_path, "--no-progress",
              "--model-args", json.dumps(TINY), "--reuse"]
    assert run_cli("evaluate", f"SEUNet:{tiny_weights}", f"SEUNet:{other}",
                   "--scales", 0.5, 1, *common) == 0
    assert "| 0.5 | -1.00 | 0.5 | 0.1230 |" in (
        tmp_path / "comparison.md").read_text()
    # Other scales: recomputed.
    assert run_cli("evaluate", f"SEUNet:{tiny_weights}", "--scales", 1,
                   *common) == 0
    again = json.loads((tmp_path / "SEUNet_tiny.json").read_text())
    assert again["scales"] == [1.0] and again["mean_iou"][0] != 0.456


def test_evaluate_reuse_requires_the_same_weights_file(
        pets_folder, tiny_weights, tmp_path, capsys):
    weights = tmp_path / "tiny.weights.h5"  # a copy: the fixture is shared
    weights.write_bytes(tiny_weights.read_bytes())
    common = ["evaluate", f"SEUNet:{weights}", "--data", pets_folder,
              "--dataset", "oxford_iiit_pet", "--scales", 1, "--limit", 2,
              "--out", tmp_path, "--no-progress",
              "--model-args", json.dumps(TINY), "--reuse"]
    assert run_cli(*common) == 0
    saved = json.loads((tmp_path / "SEUNet_tiny.json").read_text())
    assert saved["weights_sha256"] == sha256_of(weights)
    capsys.readouterr()
    assert run_cli(*common) == 0
    assert "reusing" in capsys.readouterr().out
    # Weights retrained into the same path: the saved result is stale.
    keras.utils.set_random_seed(11)
    zoo.SEUNet(**TINY).save_weights(str(weights))
    assert run_cli(*common) == 0
    out = capsys.readouterr().out
    assert "reusing" not in out and "computed from other weights" in out
    again = json.loads((tmp_path / "SEUNet_tiny.json").read_text())
    assert again["weights_sha256"] == sha256_of(weights)
    assert again["weights_sha256"] != saved["weights_sha256"]


def test_evaluate_leaves_no_partial_file_and_refuses_a_foreign_one(
        pets_folder, tiny_weights, tmp_path, capsys):
    from keras_dss.evaluation.checkpoint import EvaluationCheckpoint

    args = ["evaluate", f"SEUNet:{tiny_weights}", "--data", pets_folder,
            "--dataset", "oxford_iiit_pet", "--scales", 1, "--limit", 2,
            "--out", tmp_path, "--no-progress", "--model-args",
            json.dumps(TINY)]
    assert run_cli(*args) == 0
    partial = tmp_path / "SEUNet_tiny.partial.npz"
    assert not partial.exists()
    EvaluationCheckpoint(partial, {"other": "evaluation"}).save(
        {"cms": np.zeros((1, 3, 3), np.int64)}, 1)
    capsys.readouterr()
    assert run_cli(*args) == 1
    captured = capsys.readouterr()
    assert "resuming from" not in captured.out
    assert "different evaluation" in captured.err and "Delete it" in captured.err


def test_evaluate_requires_weights(tmp_path, capsys):
    with pytest.raises(SystemExit):
        run_cli("evaluate", "SEUNet", "--data", tmp_path)
    assert "names no weights" in capsys.readouterr().err


def test_equivariance_table(tmp_path, capsys):
    code = run_cli("equivariance", "SEUNet", "--size", 32, "--max-level", 1,
                   "--model-args", json.dumps(TINY))
    assert code == 0
    out = capsys.readouterr().out
    row = [line for line in out.splitlines() if line.startswith("| 1 |")][0]
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    assert len(cells) == TINY["num_scales"]
    assert cells[-1] == "-"  # level k + 1 is past the truncation
    # Every level of so small a net meets the truncation: only finiteness
    # is checked here (eq. 25 itself is tested in test_equivariance.py).
    assert np.isfinite(float(cells[0])) and float(cells[0]) > 0


def test_equivariance_rejects_plain_models(capsys):
    with pytest.raises(SystemExit):
        run_cli("equivariance", "UNet", "--size", 32, "--model-args",
                json.dumps({"filters": 2, "depth": 1}))
    assert "no scale-space" in capsys.readouterr().err


def _tiny_recipe(folder, pets_folder, epochs=2):
    folder.mkdir(parents=True, exist_ok=True)
    recipe = {
        "name": "tiny",
        "model": {"constructor": "SEUNet", "args": dict(TINY, num_classes=3)},
        "data": {"dataset": "oxford_iiit_pet", "path": str(pets_folder),
                 "val_fraction": 0.2},
        "augmentation": {"crop_size": 16, "rotation": 5, "contrast": 0.1},
        "training": {"batch_size": 2, "epochs": epochs,
                     "early_stopping_patience": 5},
    }
    (folder / "recipe.json").write_text(json.dumps(recipe))
    return folder


def test_train_with_crop_sizes(pets_folder, tmp_path):
    # One crop size per batch (on TensorFlow through `as_tf_dataset`).
    recipe = _tiny_recipe(tmp_path / "tiny_sizes", pets_folder, epochs=2)
    body = json.loads((recipe / "recipe.json").read_text())
    body["augmentation"] = {"crop_sizes": [16, 32], "rotation": 0,
                            "contrast": 0}
    # With seed 1 the first two batches share a size and a later one has
    # the other: without `as_tf_dataset`, TensorFlow's fit fails here.
    body["training"]["seed"] = 1
    (recipe / "recipe.json").write_text(json.dumps(body))
    # Stopped after the first epoch and resumed, as a long run would be.
    assert run_cli("train", recipe, "--max-minutes", 1e-6, "--quiet") == 0
    assert _log_epochs(recipe / "run") == [0]
    assert run_cli("train", recipe, "--quiet") == 0
    assert _log_epochs(recipe / "run") == [0, 1]


def _log_epochs(run_dir):
    with open(run_dir / "log.csv", newline="") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def test_train_checkpoints_and_resumes(pets_folder, tmp_path):
    recipe = _tiny_recipe(tmp_path / "tiny_recipe", pets_folder)
    run_dir = recipe / "run"
    # A time limit this small stops after the first epoch, resumably.
    assert run_cli("train", recipe, "--max-minutes", 1e-6, "--quiet") == 0
    assert _log_epochs(run_dir) == [0]
    assert (run_dir / "backup").is_dir()
    assert not (run_dir / "done").exists()
    assert run_cli("train", recipe, "--quiet") == 0
    assert _log_epochs(run_dir) == [0, 1]  # resumed at epoch 2, not 1
    assert (run_dir / "done").exists()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["epochs_completed"] == 2 and summary["finished"]
    # The exported weights load into the recipe's architecture.
    model = zoo.SEUNet(weights=str(run_dir / "final.weights.h5"), **TINY)
    assert model.predict(np.zeros((1, 16, 16, 3)), verbose=0).shape == (
        1, 16, 16, 3)
    # Finished: the same command does nothing; a larger --epochs continues.
    assert run_cli("train", recipe, "--quiet") == 0
    assert _log_epochs(run_dir) == [0, 1]
    assert run_cli("train", recipe, "--epochs", 3, "--quiet") == 0
    assert _log_epochs(run_dir) == [0, 1, 2]
    assert (run_dir / "done").exists()


def test_train_rejects_bad_recipes(tmp_path, capsys):
    assert run_cli("train", tmp_path / "nowhere") == 1
    assert "no recipe" in capsys.readouterr().err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "recipe.json").write_text('{"name": "x", "oops": 1}')
    assert run_cli("train", tmp_path / "bad") == 1
    assert "unknown keys" in capsys.readouterr().err


@pytest.mark.skipif(keras.backend.backend() != "jax",
                    reason="keras.distribution data parallelism is JAX-only; "
                    "this test runs in the JAX pass of the suite")
def test_train_data_parallel_on_two_host_devices(pets_folder, tmp_path):
    recipe = _tiny_recipe(tmp_path / "dp_recipe", pets_folder, epochs=1)
    env = dict(os.environ, KERAS_BACKEND="jax",
               XLA_FLAGS="--xla_force_host_platform_device_count=2")
    proc = subprocess.run(
        [sys.executable, "-m", "keras_dss_cli", "train", str(recipe),
         "--data-parallel", "--quiet"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "data-parallel over 2 devices" in proc.stdout
    assert _log_epochs(recipe / "run") == [0]


def test_demo_without_weights_exits_with_a_message(tmp_path, capsys,
                                                   monkeypatch):
    from keras_dss.zoo import registry

    monkeypatch.setattr(registry, "_REGISTRY", {})
    out = tmp_path / "demo.png"
    assert run_cli("demo", "--out", out) == 1
    assert "not registered yet" in capsys.readouterr().out
    assert not out.exists()


def test_demo_writes_its_figure(tmp_path, capsys):
    from keras_dss.cli import demo

    if demo.missing_weights():
        pytest.skip(f"weights {demo.missing_weights()} are not registered")
    out = tmp_path / "demo.png"
    assert run_cli("demo", "--out", out, "--scales", 0.5, 1) == 0
    assert out.stat().st_size > 10000
    assert "wrote" in capsys.readouterr().out


@pytest.mark.cross_backend  # starts one process per backend: run once
def test_backend_flag_sets_keras_backend_in_a_new_process():
    for backend in ("torch", "jax"):
        env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
        proc = subprocess.run(
            [sys.executable, "-c",
             "import sys, keras_dss_cli; "
             "keras_dss_cli.main(sys.argv[1:]); import keras; "
             "print('BACKEND', keras.backend.backend())",
             "--backend", backend, "list"],
            env=env, capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert f"BACKEND {backend}" in proc.stdout


def test_every_subcommand_has_help(capsys):
    for command in ("list", "predict", "evaluate", "equivariance", "train",
                    "demo"):
        with pytest.raises(SystemExit) as exit_info:
            run_cli(command, "--help")
        assert exit_info.value.code == 0
        assert "usage: keras-dss" in capsys.readouterr().out
    assert run_cli("--backend", "theano", "list") == 2
    assert "must be one of" in capsys.readouterr().err


def test_evaluate_dataset_choices_are_the_training_tasks():
    from keras_dss.cli import evaluate
    from keras_dss.training.tasks import TASKS

    assert evaluate.DATASETS == tuple(sorted(TASKS))


def test_evaluate_with_padding(pets_folder, tiny_weights, tmp_path, capsys):
    # 32 px test images at factor 0.5 are 16 px, padded to 64 px.
    args = ("evaluate", f"SEUNet:{tiny_weights}", "--data", pets_folder,
            "--dataset", "oxford_iiit_pet", "--scales", 0.5, 1,
            "--limit", 2, "--out", tmp_path, "--no-progress",
            "--model-args", json.dumps(TINY))
    assert run_cli(*args, "--pad-to", 64) == 0
    result = json.loads((tmp_path / "SEUNet_tiny.json").read_text())
    assert result["pad_to"] == 64
    assert "padded to 64 px" in result["protocol"]
    capsys.readouterr()
    # A saved result with other padding is not reused.
    assert run_cli(*args, "--reuse") == 0
    assert "reusing" not in capsys.readouterr().out
    assert json.loads(
        (tmp_path / "SEUNet_tiny.json").read_text())["pad_to"] is None
    assert run_cli(*args, "--reuse") == 0
    assert "reusing" in capsys.readouterr().out


def test_evaluate_in_tiles(pets_folder, tiny_weights, tmp_path, capsys):
    # 32 px test images at factor 2 are 64 px: four 32 px tiles (overlap 0).
    code = run_cli("evaluate", f"SEUNet:{tiny_weights}", "--data", pets_folder,
                   "--dataset", "oxford_iiit_pet", "--scales", 1, 2,
                   "--limit", 2, "--out", tmp_path, "--no-progress",
                   "--tile", 32, "--tile-overlap", 0,
                   "--model-args", json.dumps(TINY))
    assert code == 0
    result = json.loads((tmp_path / "SEUNet_tiny.json").read_text())
    assert result["tile"] == 32 and result["tile_overlap"] == 0
    assert "32 px tiles" in result["protocol"]
    with pytest.raises(SystemExit) as exit_info:
        run_cli("evaluate", f"SEUNet:{tiny_weights}", "--data", pets_folder,
                "--dataset", "oxford_iiit_pet", "--tile", 32,
                "--tile-overlap", 32, "--out", tmp_path)
    assert exit_info.value.code == 2
    assert "--tile-overlap must be in [0, --tile)" in capsys.readouterr().err


def test_evaluate_on_the_validation_split(pets_folder, tiny_weights, tmp_path,
                                          capsys):
    from keras_dss import datasets
    from keras_dss import evaluation
    from keras_dss.cli.models import required_multiple
    from keras_dss.training.tasks import get_task

    code = run_cli("evaluate", f"SEUNet:{tiny_weights}", "--data", pets_folder,
                   "--dataset", "oxford_iiit_pet", "--scales", 0.5, 1,
                   "--split", "validation", "--out", tmp_path,
                   "--no-progress", "--model-args", json.dumps(TINY))
    assert code == 0
    result = json.loads((tmp_path / "SEUNet_tiny.json").read_text())
    # The recipes' split of the 10 training images: 2 held out.
    images, masks = datasets.load_oxford_iiit_pet(pets_folder, "train")
    _, val = datasets.train_val_split(len(images), 0.2, seed=0)
    assert result["split"] == "validation"
    assert result["num_images"] == len(val) == 2
    model = zoo.SEUNet(**TINY)
    model.load_weights(str(tiny_weights))
    task = get_task("oxford_iiit_pet")
    expected = evaluation.scale_generalization(
        model, images[val], masks[val], scales=[0.5, 1], num_classes=3,
        foreground_class=0, multiple=required_multiple(model),
        progress=False)
    np.testing.assert_allclose(result["mean_iou"], expected["mean_iou"])
    assert len(task.load_validation(pets_folder)[0]) == 2
    # A test-split result is not reused for the validation split.
    capsys.readouterr()
    args = ("evaluate", f"SEUNet:{tiny_weights}", "--data", pets_folder,
            "--dataset", "oxford_iiit_pet", "--scales", 0.5, 1, "--out",
            tmp_path, "--no-progress", "--model-args", json.dumps(TINY),
            "--reuse")
    assert run_cli(*args) == 0
    assert "reusing" not in capsys.readouterr().out
    assert json.loads(
        (tmp_path / "SEUNet_tiny.json").read_text())["split"] == "test"
    with pytest.raises(SystemExit) as exit_info:
        run_cli("evaluate", f"SEUNet:{tiny_weights}", "--data", tmp_path,
                "--dataset", "fashion_mnist_scale", "--split", "validation",
                "--out", tmp_path, "--model-args", json.dumps(TINY))
    assert exit_info.value.code == 2
    assert "not available for fashion_mnist_scale" in capsys.readouterr().err
