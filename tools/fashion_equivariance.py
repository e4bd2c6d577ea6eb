"""DSS eq. 25 equivariance of Fashion-MNIST classifiers' scale-space features.

For each model, the first `--images` unscaled Fashion-MNIST test images are
zero-padded from 28 to 40 pixels (so that the halved image keeps an integral
output grid and is larger than the lift's reflect border needs) and `keras_dss.equivariance.equivariance_errors` is computed on the
input of the model's projection, for `l = 1`. Prints the mean and the median
of `L(1, k)` over the images for every level `k`, and writes them as JSON.

Run it on random weights too (`SDenseNet` without `:WEIGHTS`): that is the
floor the architecture sets before any training.

Example:
    python tools/fashion_equivariance.py \
        SDenseNet SDenseNet:fashion_mnist_scale \
        --model-args '{"input_shape": [null, null, 1], "num_classes": 10}' \
        --data ../shared/data/fashion_mnist --out equivariance.json
"""

import argparse
import json
import pathlib
import sys

import numpy as np

PAD = 6  # 28 + 2 * 6 = 40: a multiple of 2 * the output stride 4, and
# its half, 20, is larger than the lift's largest kernel radius (16, 4 scales).


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", metavar="MODEL[:WEIGHTS]")
    parser.add_argument("--model-args", default="{}", metavar="JSON",
                        help="constructor arguments for every model")
    parser.add_argument("--data", required=True, type=pathlib.Path,
                        help="folder with t10k-images-idx3-ubyte.gz")
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random weights (keras.utils.set_random_seed)")
    parser.add_argument("--out", type=pathlib.Path)
    return parser.parse_args(argv)


def test_images(folder, count):
    """The first `count` Fashion-MNIST test images, zero-padded to 40 px."""
    from keras_dss.datasets.idx import read_idx

    images = read_idx(folder / "t10k-images-idx3-ubyte.gz", ndim=3)[:count]
    padded = np.pad(images, ((0, 0), (PAD, PAD), (PAD, PAD)))
    return padded[..., None].astype(np.float32)


def model_errors(spec, model_args, images):
    """`L(1, k)` per image, shape `(images, num_scales)`."""
    import keras

    from keras_dss.cli import models
    from keras_dss.equivariance import equivariance_errors

    model = models.build_model(models.parse_model_spec(spec), model_args)
    features = keras.Model(model.input, model.get_layer("projection").input)
    rows = [
        equivariance_errors(features.predict_on_batch, image, max_level=1,
                            border="reflect")[0]
        for image in images
    ]
    return np.stack(rows)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import keras

    keras.utils.set_random_seed(args.seed)
    images = test_images(args.data, args.images)
    model_args = json.loads(args.model_args)
    results = {}
    for spec in args.models:
        errors = model_errors(spec, model_args, images)
        measured = errors[:, ~np.isnan(errors).all(axis=0)]
        results[spec] = {
            "mean": measured.mean(axis=0).tolist(),
            "median": np.median(measured, axis=0).tolist(),
        }
        cells = " | ".join(
            f"{m:.3f} ({d:.3f})" for m, d in
            zip(results[spec]["mean"], results[spec]["median"])
        )
        print(f"| {spec} | {cells} |", flush=True)
    if args.out:
        args.out.write_text(json.dumps(
            {"images": args.images, "level": 1, "backend": keras.backend.backend(),
             "results": results}, indent=2) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
