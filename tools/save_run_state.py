"""Prepares a run in `runs/` to be committed at the end of a session.

    python tools/save_run_state.py runs/seunet_pets16 [--add]

A run's resume state is `run/backup/` (model, optimiser and epoch counter,
rewritten every epoch), `run/best.weights.h5` (the lowest validation loss
so far) and `run/log.csv` (see `runs/README.md`). This tool:

1. refuses unless the run is between two epochs: the backup's epoch must
   equal the number of rows of `log.csv` (stop the training process first);
2. rewrites `run/best.weights.h5` without the optimiser's state when it is
   not byte for byte the backup's file. Resuming needs only the backup's
   optimiser, and the model's weights are a third of the file; git stores
   the two files once when they are the same bytes;
3. with `--add`, stages the three with `git add -f` (the folder is
   git-ignored so that nothing is committed by accident).

Run it with any backend; the files are backend independent.
"""

import argparse
import filecmp
import json
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def check_between_epochs(run_dir):
    """The number of completed epochs; raises if the backup disagrees."""
    from keras_dss.training.trainer import read_log

    metadata = run_dir / "backup" / "training_metadata.json"
    if not metadata.is_file():
        raise FileNotFoundError(f"{metadata} is missing: nothing to save")
    state = json.loads(metadata.read_text())
    rows = len(read_log(run_dir))
    if state.get("epoch") != rows or state.get("batch", 0) != 0:
        raise RuntimeError(
            f"{run_dir}: the backup is at epoch {state.get('epoch')} batch "
            f"{state.get('batch')} but log.csv has {rows} rows; stop the "
            "training between two epochs and try again"
        )
    return rows


def strip_optimizer(recipe, path):
    """Rewrites a weights file of the recipe's model without the optimiser.

    Args:
        recipe: the `Recipe` whose model saved the file.
        path: the `.weights.h5` file, replaced in place.
    """
    from keras_dss.training.trainer import build_model

    model = build_model(recipe)  # uncompiled: no optimiser to save
    model.load_weights(str(path))
    tmp = path.with_name(path.name + ".tmp.weights.h5")
    model.save_weights(str(tmp))
    tmp.replace(path)


def save_run_state(folder, add=False):
    """Checks and shrinks a run's state; returns the paths to commit.

    Args:
        folder: the recipe folder, e.g. `runs/seunet_pets16`.
        add: stage the paths with `git add -f`.
    """
    from keras_dss.training.recipe import load_recipe

    recipe = load_recipe(folder)
    run_dir = recipe.run_dir
    epochs = check_between_epochs(run_dir)
    best = run_dir / "best.weights.h5"
    latest = run_dir / "backup" / "latest.weights.h5"
    paths = [run_dir / "backup", run_dir / "log.csv"]
    if best.is_file():
        if not filecmp.cmp(best, latest, shallow=False):
            strip_optimizer(recipe, best)
        paths.append(best)
    for p in paths:
        files = [p] if p.is_file() else sorted(p.iterdir())
        for f in files:
            print(f"{f.relative_to(REPO) if f.is_relative_to(REPO) else f}: "
                  f"{f.stat().st_size / 2**20:.1f} MiB")
    print(f"{folder}: {epochs} completed epochs")
    if add:
        subprocess.run(["git", "add", "-f", *map(str, paths)], cwd=REPO,
                       check=True)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="e.g. runs/seunet_pets16")
    parser.add_argument("--add", action="store_true",
                        help="stage the files with git add -f")
    args = parser.parse_args()
    save_run_state(pathlib.Path(args.folder).resolve(), add=args.add)


if __name__ == "__main__":
    main()
