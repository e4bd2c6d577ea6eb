"""Mean and spread over training seeds of `keras-dss evaluate` results.

Each `--model LABEL JSON [JSON ...]` names one model and the evaluation
files of its runs, one per seed. For classifiers it prints (and with
`--out` writes, Markdown and JSON) a table of accuracy overall, per scale
bucket and unscaled: mean, sample standard deviation and the single runs.

    python tools/seed_table.py \
        --model SDenseNet run0/SDenseNet.json run1/SDenseNet.json ... \
        --model DenseNet run0/DenseNet.json ... \
        --out zoo/results/fashion_mnist_scale/seeds
"""

import argparse
import json
import pathlib

import numpy as np


def columns(result):
    """(name, value) pairs of one classification result."""
    pairs = [("all scales", result["accuracy"])]
    for (low, high), value in zip(result["buckets"],
                                  result["bucket_accuracy"]):
        pairs.append((f"{low:g}-{high:g}", value))
    pairs.append(("unscaled", result["unscaled_accuracy"]))
    return pairs


def summarize(results):
    """Per column: mean, sample std (0 for one run) and the runs."""
    if not results:
        raise ValueError("no results")
    names = [name for name, _ in columns(results[0])]
    for result in results[1:]:
        if [name for name, _ in columns(result)] != names:
            raise ValueError("results with different scale buckets")
        if result["num_images"] != results[0]["num_images"]:
            raise ValueError("results on different numbers of images")
    values = np.array([[v for _, v in columns(r)] for r in results])
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", action="append", required=True,
                        metavar=("LABEL", "JSON"))
    parser.add_argument("--out", help="write OUT.md and OUT.json")
    args = parser.parse_args(argv)
    summaries = {}
    for label, *paths in args.model:
        if not paths:
            parser.error(f"--model {label}: no result files")
        results = [json.loads(pathlib.Path(p).read_text()) for p in paths]
        summaries[label] = summarize(results)
        summaries[label]["files"] = paths
    text = markdown(summaries)
    print(text)
    if args.out:
        out = pathlib.Path(args.out)
        out.with_suffix(".md").write_text(text)
        out.with_suffix(".json").write_text(
            json.dumps(summaries, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
