"""Writes a recipe's model card, `zoo/<recipe>/README.md`, from its facts.

Everything in the card comes from files: `recipe.json`, the run's summary
and `training_log.csv`, the registry entry, the `keras-dss evaluate` results
and, verbatim, an optional hand-written `zoo/<recipe>/notes.md` (findings,
caveats). `tools/ship_weights.py` calls it; run it alone to refresh a card:

    python tools/model_card.py zoo/seunet_pets --evaluation zoo/results/pets
"""

import json
import math
import os
import pathlib

from keras_dss import evaluation
from keras_dss.training.trainer import read_log


def load_result(folder, constructor, name):
    """The `keras-dss evaluate` JSON of `constructor:name` in `folder`."""
    if folder is None:
        return None
    path = pathlib.Path(folder) / f"{constructor}_{name.split('.')[0]}.json"
    return evaluation.load_json(path) if path.exists() else None


def scale_index(result, scale):
    return min(range(len(result["scales"])),
               key=lambda i: abs(math.log(result["scales"][i] / scale)))


def plot_training_curve(rows, path):
    """Loss and validation metric per epoch, saved as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.4), layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    epochs = [int(r["epoch"]) + 1 for r in rows]
    for key in ("loss", "val_loss"):
        left.plot(epochs, [r.get(key, math.nan) for r in rows], marker=".",
                  label=key)
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy")
    left.legend()
    left.grid(alpha=0.3)
    metric = "mean_iou" if "val_mean_iou" in rows[0] else "accuracy"
    for key in (metric, f"val_{metric}"):
        right.plot(epochs, [r.get(key, math.nan) for r in rows], marker=".",
                   label=key)
    right.set_xlabel("epoch")
    right.set_ylabel(metric.replace("_", " "))
    right.legend()
    right.grid(alpha=0.3)
    figure.savefig(path, dpi=110)


def _training_section(recipe, summary, rows):
    hours = summary["train_seconds"] / 3600
    best = summary["best"]
    last_best = summary["best_epoch"]
    shipped = summary.get("shipped", best)
    if "shipped_epoch" in summary and summary["shipped_epoch"] != last_best:
        which = (
            f"epoch {summary['shipped_epoch']}, the last one (validation "
            f"loss {shipped.get('val_loss', math.nan):.4f}; the lowest, "
            f"{best.get('val_loss', math.nan):.4f}, was at epoch "
            f"{last_best}), chosen because {summary['selection']}")
    else:
        which = (f"epoch {last_best}, the lowest validation loss "
                 f"({best.get('val_loss', math.nan):.4f})")
    lines = [
        "## Training",
        "",
        f"- Command: `keras-dss --backend {summary['backend']} train "
        f"zoo/{recipe.folder.name}` (resumable; `--max-minutes` stops after "
        "an epoch and the same command continues).",
        f"- Hardware: {summary['processor']}, "
        f"{summary.get('cpu_count', '?')} cores; devices "
        f"{', '.join(summary.get('devices') or ['unknown'])} "
        f"({summary['machine']}); Keras {summary['keras']}, backend "
        f"{summary['backend']}.",
        f"- Epochs: {summary['epochs_completed']} in {hours:.2f} h of "
        "training (validation included); shipped weights are those of "
        f"{which}.",
    ]
    if summary.get("early_stopped"):
        lines.append(
            f"- Converged: early stopping ended the run "
            f"{recipe.training['early_stopping_patience']} epochs without "
            "a lower validation loss after the best epoch.")
    else:
        if not summary.get("finished"):
            why = "a time limit (`--max-minutes`)"
        elif summary["epochs_completed"] >= recipe.training["epochs"]:
            why = f"the recipe's epoch budget ({recipe.training['epochs']})"
        else:
            why = "the epoch count given on the command line"
        lines.append(
            f"- **Not converged.** The run was stopped by {why}, not by "
            f"early stopping; the best epoch was {last_best} of "
            f"{len(rows)}"
            + (", so validation was still improving." if last_best == len(rows)
               else f" (no lower validation loss in the "
               f"{len(rows) - last_best} epoch(s) after it, fewer than the "
               f"patience of {recipe.training['early_stopping_patience']}).")
            + f" `keras-dss train zoo/{recipe.folder.name} --from-shipped` "
            "continues from these weights.")
    for key in ("val_mean_iou", "val_accuracy"):
        if key in shipped:
            lines.append(f"- Validation {key[4:].replace('_', ' ')} at the "
                         f"shipped epoch: {shipped[key]:.4f}.")
    lines += ["", "![training curve](training_curve.png)", ""]
    return lines


def evaluated_images(result):
    """Which test images a result covers: all of the split, or the first
    N (`--limit`). Results saved before `keras-dss evaluate` recorded its
    `limit` were all limited runs."""
    n = result["num_images"]
    if "limit" in result and result["limit"] is None:
        return f"all {n} test images"
    return f"the first {n} test images (`--limit {n}`)"


def _evaluation_section(recipe, info, evaluation_dir):
    result = load_result(evaluation_dir, info.model, info.name)
    if result is None:
        return ["## Evaluation", "", "Not evaluated yet.", ""]
    rel = os.path.relpath(evaluation_dir, recipe.folder)
    comparison = pathlib.Path(evaluation_dir) / "comparison.md"
    label = f"{info.model}:{info.name}"
    lines = ["## Evaluation", ""]
    if "scales" in result:
        protocol = result.get("protocol", "SEU-Net scale protocol")
        lines += [
            f"`keras-dss evaluate` on {evaluated_images(result)}; results "
            f"in [`{rel}`]({rel}/comparison.md). Protocol: "
            f"{protocol.rstrip('.')}.",
            "",
        ]
        alone = [f"### {metric}\n\n" + evaluation.format_table(
            {label: result}, metric, markdown=True)
            for metric in ("mean_iou", "foreground_iou", "consistency")
            if metric in result]
    else:
        lines += [
            f"`keras-dss evaluate` on {result['num_images']} test images "
            f"(results in [`{rel}`]({rel}/comparison.md)): accuracy on all "
            "of them, per range of the factor each was rescaled by, and on "
            "the same images unscaled.",
            "",
        ]
        alone = [evaluation.format_classification_table({label: result},
                                                        markdown=True)]
    if comparison.exists():
        lines += [comparison.read_text().strip(), "",
                  f"![comparison]({rel}/comparison.png)", ""]
    else:
        lines += ["\n\n".join(alone), ""]
    return lines


def write_card(recipe, info, summary, dataset_title, evaluation_dir=None):
    """Writes `recipe.folder/README.md` (and `training_curve.png`).

    Args:
        recipe: the `Recipe`.
        info: the registered `WeightsInfo`.
        summary: the run summary (`training.json`).
        dataset_title: human name of the data set.
        evaluation_dir: folder of `keras-dss evaluate` results, or `None`.

    Returns:
        The card's path.
    """
    rows = read_log(recipe.folder, "training_log.csv")
    plot_training_curve(rows, recipe.folder / "training_curve.png")
    args = json.dumps(recipe.model["args"])
    lines = [
        f"# {info.model} \"{info.name}\"",
        "",
        recipe.description,
        "",
        "```python",
        "import keras_dss",
        "",
        f"model = keras_dss.zoo.{info.model}(weights={info.name!r})",
        "# raw pixels in (uint8 or float, 0-255), logits out",
        "```",
        "",
        f"- Architecture: `{info.model}(**{json.dumps(info.config)})` "
        f"(recipe arguments `{args}`), {summary.get('parameters', '?')} "
        "parameters.",
        f"- File: `weights/{info.file}`, sha256 `{info.sha256}` (verified "
        "on every load).",
        f"- Data: {dataset_title}, `{recipe.data.get('path')}`; "
        f"split {json.dumps({k: v for k, v in recipe.data.items() if k not in ('dataset', 'path')})}.",
        f"- License: {info.license} (the weights follow the data's license).",
        f"- Recipe: [`recipe.json`](recipe.json); augmentation "
        f"`{json.dumps(recipe.augmentation)}`, training "
        f"`{json.dumps(recipe.training)}`.",
        "",
    ]
    lines += _training_section(recipe, summary, rows)
    lines += _evaluation_section(recipe, info, evaluation_dir)
    notes = recipe.folder / "notes.md"
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    path = recipe.folder / "README.md"
    path.write_text("\n".join(lines))
    return path


def main(argv=None):
    import argparse
    import sys

    repo = pathlib.Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(repo))
    from keras_dss.training import load_recipe
    from keras_dss.zoo import registry

    parser = argparse.ArgumentParser(description="Rewrites a model card.")
    parser.add_argument("recipe")
    parser.add_argument("--evaluation", type=pathlib.Path)
    args = parser.parse_args(argv)
    recipe = load_recipe(args.recipe)
    info = registry.get_weights_info(recipe.model["constructor"], recipe.name)
    summary = json.loads((recipe.folder / "training.json").read_text())
    import ship_weights

    title = ship_weights.DATASETS[recipe.data["dataset"]][0]
    print(write_card(recipe, info, summary, title, args.evaluation))


if __name__ == "__main__":
    main()
