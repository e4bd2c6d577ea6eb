"""Continuing a recipe's training from its shipped weights.

A run's `run/` folder is not kept in the repository, but what the shipping
tool commits is: the weights of the shipped epoch, by default the best
(`weights/<recipe>.weights.h5`, registered), the log
(`zoo/<recipe>/training_log.csv`) and `training.json`. From those a new run
starts at the shipped epoch: the log up to it, its weights, its learning
rate. The optimiser's moment estimates are
not shipped and start again from zero.
"""

import csv
import json
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
        shipped epoch and that row: the best epoch (lowest `val_loss`)
        unless the recipe's `training.json` names another
        (`shipped_epoch`, from `tools/ship_weights.py --epoch last`).
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
    summary = recipe.folder / "training.json"
    if summary.is_file():
        shipped = json.loads(summary.read_text()).get("shipped_epoch")
        if shipped is not None:
            if not 1 <= shipped <= len(rows):
                raise ValueError(
                    f"{summary}: shipped_epoch {shipped} is not an epoch of "
                    f"{log} ({len(rows)} rows)")
            best = shipped - 1
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
