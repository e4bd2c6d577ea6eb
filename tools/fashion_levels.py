"""Which scale levels a trained no-interaction S-DenseNet uses.

An `SDenseNet` with `multiscale_interaction=False` has the same weights for
any `num_scales`: every scale-conv has scale size 1, so each level runs the
same network and the levels meet only in the max projection. This tool
loads one weights file into the same architecture with 1, 2, ... levels
and measures the Fashion-MNIST-scale accuracy, overall and per scale
bucket, on the validation or test split (seed 0). Dropping a level that the
projection never picks leaves the accuracy unchanged; adding one beyond it
could only help where that level would be picked.

Example:
    python tools/fashion_levels.py \
        s0=weights/sdensenet_fashion_mnist_scale_no_interaction.weights.h5 \
        --levels 1 2 3 4 --split val --data ../shared/data/fashion_mnist \
        --out levels_val.json
"""

import argparse
import json
import pathlib
import sys
import time

SPLIT_SIZES = (10000, 2000, 50000)  # train, val, test: the shipped recipes
BUCKETS = ((0.3, 0.5), (0.5, 0.7), (0.7, 1.0))
# The shipped no-interaction recipe's architecture
# (zoo/sdensenet_fashion_mnist_scale_no_interaction/recipe.json).
MODEL_ARGS = {"input_shape": [28, 28, 1], "num_classes": 10,
              "growth_rate": 9, "block_layers": [3, 3, 3],
              "multiscale_interaction": False}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", nargs="+", metavar="NAME=PATH",
                        help="weights files of the no-interaction recipe")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--split", choices=("val", "test"), default="val")
    parser.add_argument("--data", required=True, type=pathlib.Path,
                        help="folder with the four Fashion-MNIST idx files")
    parser.add_argument("--model-args", default=json.dumps(MODEL_ARGS),
                        metavar="JSON", help="SDenseNet arguments other "
                        "than num_scales (default: the shipped recipe's)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--out", type=pathlib.Path)
    return parser.parse_args(argv)


def named_paths(items):
    """`NAME=PATH` strings as an ordered dict; a clear error otherwise."""
    pairs = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"fashion_levels: expected NAME=PATH, got {item!r}")
        pairs[name] = pathlib.Path(path)
    return pairs


def level_accuracies(weights_path, model_args, levels, images, labels,
                     scales, buckets=BUCKETS, batch_size=500):
    """Accuracy of one weights file with each number of levels.

    Args:
        weights_path: a `.weights.h5` file of a no-interaction SDenseNet.
        model_args: SDenseNet arguments other than `num_scales`; must set
            `multiscale_interaction=False`.
        levels: the `num_scales` values to try.
        images, labels, scales: the split (`load_fashion_mnist_scale`).
        buckets: scale ranges for the per-bucket accuracy.
        batch_size: images per model call.

    Returns:
        `{num_scales: classification_by_scale result}`.
    """
    from keras_dss.evaluation import classification_by_scale
    from keras_dss.zoo import SDenseNet

    if model_args.get("multiscale_interaction", True):
        raise ValueError(
            "fashion_levels: the weights of an S-DenseNet depend on "
            "num_scales unless multiscale_interaction=False; got "
            f"{model_args!r}."
        )
    results = {}
    for num_scales in levels:
        model = SDenseNet(num_scales=num_scales, **model_args)
        model.load_weights(weights_path)
        results[num_scales] = classification_by_scale(
            model, images, labels, scales, buckets=buckets,
            batch_size=batch_size,
        )
    return results


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from keras_dss.datasets import load_fashion_mnist_scale

    model_args = json.loads(args.model_args)
    split = load_fashion_mnist_scale(
        args.data, seed=0, split_sizes=SPLIT_SIZES)[args.split]
    out = {"split": args.split, "levels": args.levels,
           "model_args": model_args, "buckets": [list(b) for b in BUCKETS],
           "runs": {}}
    print(f"| weights | levels | all | "
          + " | ".join(f"{lo}-{hi}" for lo, hi in BUCKETS) + " | seconds |")
    print("|---|---:|---:|" + "---:|" * len(BUCKETS) + "---:|")
    for name, path in named_paths(args.weights).items():
        start = time.perf_counter()
        results = level_accuracies(
            path, model_args, args.levels, split["images"], split["labels"],
            split["scales"], batch_size=args.batch_size)
        seconds = time.perf_counter() - start
        out["runs"][name] = {"weights": str(path),
                             "by_levels": {str(k): v for k, v in results.items()}}
        for k, r in results.items():
            cells = " | ".join("-" if a is None else f"{a:.4f}"
                               for a in r["bucket_accuracy"])
            print(f"| {name} | {k} | {r['accuracy']:.4f} | {cells} | "
                  f"{seconds / len(results):.0f} |", flush=True)
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
