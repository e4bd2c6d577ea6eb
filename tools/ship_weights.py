"""Ships a trained recipe as registered pretrained weights.

    python tools/ship_weights.py zoo/seunet_pets --evaluation zoo/results/pets

Saves the recipe's trained weights (`run/final.weights.h5`, or with
`--allow-unfinished` the best epoch of a run that is still going; with
`--epoch last --selection WHY` the last epoch, `run/last.weights.h5`), without
the optimiser state, as `weights/<recipe>.weights.h5`, records its sha256 and full constructor
config in `weights/registry.json`, copies the training log and summary next
to the recipe, and (re)writes the recipe's model card `zoo/<recipe>/README.md`
(`tools/model_card.py`). Before writing anything it checks that the
registered config rebuilds a model that loads the file and gives the same
predictions as the run's model.

Run it with the backend the run used (`KERAS_BACKEND`); the weights file is
backend independent.
"""

import argparse
import dataclasses
import importlib
import json
import pathlib
import shutil
import sys

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

import model_card  # noqa: E402
from keras_dss import evaluation  # noqa: E402
from keras_dss import zoo  # noqa: E402
from keras_dss.training import load_recipe  # noqa: E402
from keras_dss.training.trainer import read_log  # noqa: E402
from keras_dss.zoo import registry  # noqa: E402
from keras_dss.zoo.loading import resolve_config  # noqa: E402
from keras_dss.zoo.weights_files import sha256_of  # noqa: E402
from keras_dss.zoo.weights_files import weights_dirs  # noqa: E402

WEIGHTS_DIR = REPO / "weights"

DATASETS = {
    "oxford_iiit_pet": ("Oxford-IIIT Pet", "CC BY-SA 4.0"),
    "dic_hela": ("DIC-C2DH-HeLa (Cell Tracking Challenge)",
                 "research use with citation (Cell Tracking Challenge terms)"),
    "fashion_mnist_scale": ("Fashion-MNIST-scale", "MIT"),
}


def full_config(constructor, args):
    """Every architecture argument of `constructor`, as trained (the
    constructors' own `resolve_config`, without registered weights)."""
    module = importlib.import_module(f"keras_dss.zoo.{constructor.lower()}")
    args = dict(args)
    shape = args.pop("input_shape", None)
    unknown = sorted(set(args) - set(module.DEFAULTS))
    if unknown:
        raise ValueError(f"{constructor}: unknown recipe arguments {unknown}")
    given = dict(args, input_channels=None if shape is None else shape[-1])
    config, _ = resolve_config(constructor, None, module.DEFAULTS, given)
    return {k: list(v) if isinstance(v, tuple) else v
            for k, v in config.items()}


def source_weights(recipe, allow_unfinished, epoch="best"):
    run = recipe.run_dir
    if epoch == "last":
        last = run / "last.weights.h5"
        if not last.exists():
            raise SystemExit(
                f"{recipe.folder}: no run/last.weights.h5 (written when "
                "`keras-dss train` returns); train or resume the run first")
        if not (run / "done").exists() and not allow_unfinished:
            raise SystemExit(
                f"{recipe.folder}: training has not finished (no run/done); "
                "pass --allow-unfinished to ship its last epoch so far")
        return last, (run / "done").exists()
    if (run / "done").exists():
        return run / "final.weights.h5", True
    if not allow_unfinished:
        raise SystemExit(
            f"{recipe.folder}: training has not finished (no run/done); "
            "finish it with `keras-dss train`, or pass --allow-unfinished to "
            "ship the best epoch so far (the model card says so)."
        )
    best = run / "best.weights.h5"
    if not best.exists():
        raise SystemExit(f"{recipe.folder}: no run/best.weights.h5 to ship")
    return best, False


def probe_input(config, args):
    rng = np.random.default_rng(0)
    shape = args.get("input_shape")
    if shape is None or None in shape[:2]:
        shape = (64, 64, config["input_channels"])
    return rng.uniform(0, 255, (2, *shape)).astype("float32")


def shipped_row(summary):
    """The log row of the shipped epoch (the best one unless `--epoch last`
    recorded another)."""
    return summary.get("shipped", summary["best"])


def headline_metrics(summary, evaluation_dir, constructor, name):
    """Validation metrics of the shipped epoch, plus test metrics if the
    evaluation folder holds this model's result."""
    best = shipped_row(summary)
    metrics = {k: round(best[k], 4) for k in ("val_loss", "val_mean_iou",
                                               "val_accuracy") if k in best}
    metrics["epochs"] = summary["epochs_completed"]
    result = model_card.load_result(evaluation_dir, constructor, name)
    if result is None:
        return metrics
    if "scales" in result:
        at_one = model_card.scale_index(result, 1.0)
        for key in ("mean_iou", "foreground_iou"):
            if key in result:
                metrics[f"test_{key}@1"] = round(result[key][at_one], 4)
        metrics["test_mean_iou_off_scale"] = round(
            evaluation.off_scale_mean(result, "mean_iou"), 4)
    else:
        metrics["test_accuracy"] = round(result["accuracy"], 4)
    return metrics


def update_registry(info, weights_dir):
    path = weights_dir / registry.REGISTRY_FILE
    entries = json.loads(path.read_text()) if path.exists() else []
    entries = [e for e in entries
               if (e["model"], e["name"]) != (info.model, info.name)]
    entries.append(dataclasses.asdict(info))
    entries.sort(key=lambda e: (e["model"], e["name"]))
    path.write_text(json.dumps(entries, indent=2) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", help="recipe folder, e.g. zoo/seunet_pets")
    parser.add_argument("--evaluation", type=pathlib.Path,
                        help="folder of `keras-dss evaluate` results "
                        "(JSON, comparison.md/.png) for the model card")
    parser.add_argument("--allow-unfinished", action="store_true",
                        help="ship the best epoch of a run still in progress")
    parser.add_argument("--epoch", choices=("best", "last"), default="best",
                        help="ship the epoch of lowest validation loss "
                        "(default) or the last epoch (run/last.weights.h5)")
    parser.add_argument("--selection",
                        help="with --epoch last: why that epoch, for the "
                        "model card (e.g. the validation result that chose "
                        "it)")
    parser.add_argument("--weights-dir", type=pathlib.Path,
                        default=WEIGHTS_DIR,
                        help="where the file and registry.json go (default: "
                        "the repository's weights/)")
    args = parser.parse_args(argv)
    if (args.epoch == "last") != (args.selection is not None):
        parser.error("--epoch last needs --selection (and --selection "
                     "applies to --epoch last only)")
    weights_dir = args.weights_dir.resolve()
    if weights_dir not in [d.resolve() for d in weights_dirs()]:
        raise SystemExit(
            f"{weights_dir} is not searched for weights files; set "
            f"KERAS_DSS_WEIGHTS_DIR={weights_dir} to ship there"
        )

    recipe = load_recipe(args.recipe)
    constructor = recipe.model["constructor"]
    source, finished = source_weights(recipe, args.allow_unfinished,
                                      args.epoch)
    summary = json.loads((recipe.run_dir / "summary.json").read_text())
    if args.epoch == "last":
        rows = read_log(recipe.run_dir)
        summary.update(shipped_epoch=len(rows), shipped=rows[-1],
                       selection=args.selection)
    config = full_config(constructor, recipe.model["args"])

    build = getattr(zoo, constructor)
    trained = build(weights=str(source), **recipe.model["args"])
    x = probe_input(config, recipe.model["args"])
    expected = np.asarray(trained.predict(x, verbose=0))

    file_name = f"{recipe.folder.name}.weights.h5"
    # Saved from an uncompiled model: the run's files also hold the
    # optimiser's state, three times the size and of no use to users.
    trained.save_weights(str(weights_dir / file_name))
    dataset_title, license_ = DATASETS[recipe.data["dataset"]]
    info = registry.WeightsInfo(
        model=constructor,
        name=recipe.name,
        config=config,
        file=file_name,
        sha256=sha256_of(weights_dir / file_name),
        dataset=recipe.data["dataset"],
        license=license_,
        recipe=f"zoo/{recipe.folder.name}",
        metrics=headline_metrics(summary, args.evaluation, constructor,
                                 recipe.name),
        description=recipe.description.split(":")[0],
    )
    registry.register_weights(info, overwrite=True)
    shipped = build(weights=recipe.name, input_shape=x.shape[1:])
    got = np.asarray(shipped.predict(x, verbose=0))
    if not np.array_equal(got, expected):
        (weights_dir / file_name).unlink()
        raise SystemExit(
            f"registered config {config} does not reproduce the run's "
            f"predictions (max diff {np.abs(got - expected).max():.3g}); "
            "nothing registered"
        )
    update_registry(info, weights_dir)
    shutil.copyfile(recipe.run_dir / "log.csv",
                    recipe.folder / "training_log.csv")
    summary["finished"] = finished
    summary["parameters"] = trained.count_params()
    (recipe.folder / "training.json").write_text(
        json.dumps(summary, indent=2) + "\n")
    card = model_card.write_card(recipe, info, summary, dataset_title,
                                 args.evaluation)
    print(f"shipped {weights_dir / file_name} (sha256 {info.sha256[:12]}...), "
          f"registered {constructor}:{recipe.name}, wrote {card}")


if __name__ == "__main__":
    main()
