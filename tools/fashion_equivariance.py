"""DSS eq. 25 equivariance of Fashion-MNIST classifiers' scale-space features.

For each model, the first test images of the seed-0 Fashion-MNIST-scale
split, unscaled, are zero-padded from 28 to 40 pixels (so that the halved
image keeps an integral output grid and is larger than the lift's reflect
border needs). On the first `--error-images` of them,
`keras_dss.equivariance.equivariance_errors` is computed on the input of
the model's projection for `l = 1`, and the mean and median of `L(1, k)`
over the images are printed for every level `k`. For every model,
scale-space or not, also the accuracy on `--images` images, on their
`D_1` halves (20 px) and on the halves zero-padded back to 40 px, and how
often the predictions on a half agree with those on the image. Optionally
written as JSON.

Run it on random weights too (`SDenseNet` without `:WEIGHTS`): that is the
floor the architecture sets before any training.

Example:
    python tools/fashion_equivariance.py \
        SDenseNet SDenseNet:fashion_mnist_scale \
        --model-args '{"input_shape": [null, null, 1], "num_classes": 10,
                       "num_scales": 4, "growth_rate": 8,
                       "block_layers": [3, 3, 3]}' \
        --data ../shared/data/fashion_mnist --out equivariance.json
"""

import argparse
import json
import pathlib
import sys

import numpy as np

SPLIT_SIZES = (10000, 2000, 50000)  # train, val, test: the shipped recipes
PAD = 6  # 28 + 2 * 6 = 40: a multiple of 2 * the output stride 4, and
# its half, 20, is larger than the lift's largest kernel radius (16, 4 scales).


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", metavar="MODEL[:WEIGHTS]")
    parser.add_argument("--model-args", default="{}", metavar="JSON",
                        help="constructor arguments for every model")
    parser.add_argument("--data", required=True, type=pathlib.Path,
                        help="folder with the four Fashion-MNIST idx files")
    parser.add_argument("--images", type=int, default=1000,
                        help="test images for the accuracies and agreement")
    parser.add_argument("--error-images", type=int, default=200,
                        help="the first N of them for L(1, k), one model "
                        "call each (slow)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random weights (keras.utils.set_random_seed)")
    parser.add_argument("--out", type=pathlib.Path)
    return parser.parse_args(argv)


def test_images(folder, count, split_sizes=SPLIT_SIZES):
    """The first `count` unscaled test images of the seed-0 Fashion-MNIST-
    scale split (never trained on), zero-padded to 40 px, and their labels."""
    from keras_dss.datasets import load_fashion_mnist_scale

    test = load_fashion_mnist_scale(folder, seed=0, split_sizes=split_sizes)[
        "test_unscaled"]
    images = test["images"][:count]
    padded = np.pad(images, ((0, 0), (PAD, PAD), (PAD, PAD), (0, 0)))
    return padded.astype(np.float32), test["labels"][:count]


def build(spec, model_args):
    """The zoo model of a `MODEL[:WEIGHTS]` spec, as the CLI builds it."""
    from keras_dss.cli import models

    return models.build_model(models.parse_model_spec(spec), model_args)


def model_errors(model, images):
    """`L(1, k)` per image, shape `(images, num_scales)`, on the input of
    the model's projection."""
    import keras

    from keras_dss.equivariance import equivariance_errors

    features = keras.Model(model.input, model.get_layer("projection").input)
    rows = [
        equivariance_errors(features.predict_on_batch, image, max_level=1,
                            border="reflect")[0]
        for image in images
    ]
    return np.stack(rows)


def halving_predictions(model, images):
    """Predicted classes of the images, of their `D_1` halves (the whole
    canvas shrinks: the object keeps its share of the image), and of the
    halves zero-padded back to the images' size (the object's share
    shrinks, as in Fashion-MNIST-scale). Any classifier, scale-space or not.

    Returns:
        A dict `"full"`, `"halved"`, `"halved_padded"` of arrays `(images,)`.
    """
    from keras_dss.equivariance import downscale

    halves = np.stack([downscale(image, 1, border="reflect")
                       for image in images]).astype(np.float32)
    side, half = images.shape[1], halves.shape[1]
    before = (side - half) // 2
    after = side - half - before
    padded = np.pad(halves, ((0, 0), (before, after), (before, after), (0, 0)))
    return {name: np.asarray(model.predict_on_batch(x).argmax(-1))
            for name, x in (("full", images), ("halved", halves),
                            ("halved_padded", padded))}


COLUMNS = ("accuracy", "accuracy_halved", "accuracy_halved_padded",
           "agreement", "agreement_padded")


def measure(model, images, labels, error_images=None):
    """A JSON-ready summary for one model; `L(1, k)` on the first
    `error_images` images (all if `None`)."""
    p = halving_predictions(model, images)
    result = {
        "accuracy": float((p["full"] == labels).mean()),
        "accuracy_halved": float((p["halved"] == labels).mean()),
        "accuracy_halved_padded": float((p["halved_padded"] == labels).mean()),
        "agreement": float((p["full"] == p["halved"]).mean()),
        "agreement_padded": float((p["full"] == p["halved_padded"]).mean()),
    }
    try:
        model.get_layer("projection")
    except ValueError:
        return result  # no scale-space features
    errors = model_errors(model, images[:error_images])
    measured = errors[:, ~np.isnan(errors).all(axis=0)]
    result["mean"] = measured.mean(axis=0).tolist()
    result["median"] = np.median(measured, axis=0).tolist()
    return result


def row(spec, result):
    cells = [f"{result[k]:.3f}" for k in COLUMNS]
    cells += [f"{m:.3f} ({d:.3f})" for m, d in
              zip(result.get("mean", []), result.get("median", []))]
    return f"| {spec} | " + " | ".join(cells) + " |"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import keras

    keras.utils.set_random_seed(args.seed)
    images, labels = test_images(args.data, args.images)
    model_args = json.loads(args.model_args)
    results = {}
    print("| model | accuracy | accuracy, D_1 | accuracy, D_1 padded | "
          "agreement | agreement, padded | L(1, k) mean (median), "
          "k = 0, 1, ... |")
    for spec in args.models:
        results[spec] = measure(build(spec, model_args), images, labels,
                                args.error_images)
        print(row(spec, results[spec]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(
            {"images": args.images, "error_images": args.error_images,
             "level": 1,
             "backend": keras.backend.backend(), "results": results},
            indent=2) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
