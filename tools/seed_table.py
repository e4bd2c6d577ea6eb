"""Mean and spread over training seeds of `keras-dss evaluate` results.

Each `--model LABEL JSON [JSON ...]` names one model and the evaluation
files of its runs, one per seed. For classifiers it prints (and with
`--out` writes, Markdown, JSON and a PNG figure) a table of accuracy
overall, per scale bucket and unscaled: mean, sample standard deviation and
the single runs.

    python tools/seed_table.py \
        --model SDenseNet run0/SDenseNet.json run1/SDenseNet.json ... \
        --model DenseNet run0/DenseNet.json ... \
        --out zoo/results/fashion_mnist_scale/seeds
"""

import argparse
import json
import pathlib

import numpy as np

from keras_dss.evaluation import load_json
from keras_dss.evaluation.classification_report import classification_columns


def summarize(results):
    """Per column: mean, sample std (0 for one run) and the runs."""
    if not results:
        raise ValueError("no results")
    for result in results[1:]:
        if result["num_images"] != results[0]["num_images"]:
            raise ValueError("results on different numbers of images")
    names, rows = classification_columns(
        "seed_table", {i: r for i, r in enumerate(results)})
    values = np.array(list(rows.values()))
    std = values.std(axis=0, ddof=1) if len(results) > 1 else 0 * values[0]
    return {
        "columns": names,
        "mean": values.mean(axis=0).tolist(),
        "std": std.tolist(),
        "runs": values.tolist(),
        "num_images": results[0]["num_images"],
    }


def markdown(summaries):
    names = next(iter(summaries.values()))["columns"]
    lines = ["| model | runs | " + " | ".join(names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for label, s in summaries.items():
        cells = [f"{m:.4f} ± {d:.4f}" for m, d in zip(s["mean"], s["std"])]
        lines.append(f"| {label} | {len(s['runs'])} | " + " | ".join(cells)
                     + " |")
    lines += ["", "Mean ± sample standard deviation over the runs. Single "
              "runs (same columns):", ""]
    for label, s in summaries.items():
        for i, run in enumerate(s["runs"]):
            lines.append(f"- {label} run {i}: "
                         + ", ".join(f"{v:.4f}" for v in run))
    return "\n".join(lines) + "\n"


def plot(summaries, path):
    """Bars of the means with +-1 std, the single runs as dots; a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = next(iter(summaries.values()))["columns"]
    figure = Figure(figsize=(10, 4), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    width = 0.8 / len(summaries)
    x = np.arange(len(names))
    lowest, highest = 1.0, 0.0
    for i, (label, s) in enumerate(summaries.items()):
        offset = x - 0.4 + width * (i + 0.5)
        axes.bar(offset, s["mean"], width, yerr=s["std"], capsize=4,
                 label=f"{label}, mean +- std", alpha=0.8)
        runs = np.array(s["runs"])
        for run in runs:
            axes.plot(offset, run, "k.", markersize=4)
        lowest = min(lowest, runs.min())
        highest = max(highest, runs.max())
    axes.set_xticks(x, names)
    axes.set_ylim(max(0.0, lowest - 0.05), min(1.0, highest + 0.04))
    axes.set_ylabel("accuracy")
    axes.set_xlabel("test images by rescale factor (dots: single runs)")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper right")
    figure.savefig(path, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", action="append", required=True,
                        metavar=("LABEL", "JSON"))
    parser.add_argument("--out", help="write OUT.md, OUT.json and OUT.png")
    args = parser.parse_args(argv)
    summaries = {}
    for label, *paths in args.model:
        if not paths:
            parser.error(f"--model {label}: no result files")
        results = [load_json(p) for p in paths]
        summaries[label] = summarize(results)
        summaries[label]["files"] = paths
    text = markdown(summaries)
    print(text)
    if args.out:
        out = pathlib.Path(args.out)
        out.with_suffix(".md").write_text(
            text + f"\n![mean and runs]({out.with_suffix('.png').name})\n")
        out.with_suffix(".json").write_text(
            json.dumps(summaries, indent=2) + "\n")
        plot(summaries, out.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
