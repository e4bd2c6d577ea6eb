"""Continuing a recipe's training from its shipped weights.

A run's `run/` folder is not kept in the repository, but what the shipping
tool commits is: the weights of the best epoch (`weights/<recipe>.weights.h5`,
registered) and the log (`zoo/<recipe>/training_log.csv`). From those a new
run starts where the shipped one was best: the log up to that epoch, those
weights, that epoch's learning rate. The optimiser's moment estimates are
not shipped and start again from zero.
"""

import csv
import shutil

from keras_dss.zoo import registry
from keras_dss.zoo.weights_files import find_weights_file
from keras_dss.zoo.weights_files import verify_checksum


def shipped_start(recipe):
    """The shipped state of a recipe: `(weights_path, rows, best_row)`.

    Args:
        recipe: a `Recipe` whose weights were shipped with
            `tools/ship_weights.py`.

    Returns:
        The verified weights file, the log rows up to and including the
        best epoch (lowest `val_loss`) and that row.
    """
    log = recipe.folder / "training_log.csv"
    info = registry.get_weights_info(recipe.model["constructor"], recipe.name)
    if not log.is_file():
        raise FileNotFoundError(
            f"{recipe.folder}: no training_log.csv; only recipes shipped with "
            "tools/ship_weights.py can continue from their shipped weights."
        )
    path = verify_checksum(find_weights_file(info.file), info.sha256)
    with open(log, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{log} is empty")
    best = min(range(len(rows)), key=lambda i: float(rows[i]["val_loss"]))
    return path, rows[: best + 1], rows[best]


def prepare_run(recipe, run_dir):
    """Fills a new `run_dir` from the shipped state; returns
    `(weights_path, initial_epoch, learning_rate)`."""
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ValueError(
            f"{run_dir} already holds a run; resume it with the same command "
            "without --from-shipped, or pass --fresh to discard it."
        )
    path, rows, best = shipped_start(recipe)
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "log.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    shutil.copyfile(path, run_dir / "best.weights.h5")
    return path, len(rows), float(best["learning_rate"])
