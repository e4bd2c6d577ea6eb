"""Produces what `tests/test_cross_backend_zoo.py` compares.

Run in its own process per backend (a process never imports two Keras
backends). Two commands:

    KERAS_BACKEND=torch python tests/cross_backend/zoo_produce.py build --out DIR

builds a tiny `SEUNet`, `UNet`, `SResNet` and `SDenseNet`, sets every
weight from a fixed numpy seed, and writes `DIR/<model>.weights.h5`
(`save_weights`), the fixed uint8 input batch `DIR/input.npy`, the builder's
own predictions `DIR/built.npz` and `DIR/manifest.json` (constructor,
config, file name and sha256 of each model);

    KERAS_DSS_WEIGHTS_DIR=DIR KERAS_BACKEND=jax \\
        python tests/cross_backend/zoo_produce.py predict --weights DIR --out OUT

registers every model of `DIR/manifest.json` as test-only weights
(`keras_dss.zoo.register_weights`; the files are found through
`KERAS_DSS_WEIGHTS_DIR` and verified by sha256), builds it with
`Constructor(weights=<name>)` and writes its predictions on `DIR/input.npy`
and its weights to `OUT/predictions.npz`, plus `OUT/meta.json`.
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np
from zoo_weights import randomize
from zoo_weights import zero_kernels

SEED = 20240611
BATCH = 2
SIZE = 32
NAME = "cross-backend-test"

# Tiny configurations; 3 scales (the lift's radius, 8 px, is below 32 px).
MODELS = {
    "SEUNet": dict(filters=4, depth=2, num_scales=3, num_classes=3),
    "UNet": dict(filters=4, depth=2, num_classes=3),
    "SResNet": dict(filters=(4, 8), blocks_per_stage=1, num_scales=3,
                    num_classes=2),
    "SDenseNet": dict(growth_rate=4, block_layers=(2, 2), num_scales=3,
                      num_classes=4),
}


def _backend():
    import keras

    return keras.backend.backend()


def _predict(model, x):
    return np.asarray(model.predict(x, batch_size=BATCH, verbose=0),
                      dtype=np.float32)


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _input():
    rng = np.random.default_rng(SEED)
    return rng.integers(0, 256, size=(BATCH, SIZE, SIZE, 3), dtype=np.uint8)


def build(out):
    import keras

    from keras_dss import zoo

    keras.utils.set_random_seed(SEED)
    x = _input()
    np.save(os.path.join(out, "input.npy"), x)
    manifest = {"backend": _backend(), "name": NAME, "models": {}}
    built = {}
    for i, (constructor, config) in enumerate(MODELS.items()):
        with zero_kernels():
            model = getattr(zoo, constructor)(**config)
        randomize(model, np.random.default_rng([SEED, i]))
        file = f"{constructor.lower()}.weights.h5"
        path = os.path.join(out, file)
        model.save_weights(path)
        built[constructor] = _predict(model, x)
        manifest["models"][constructor] = {
            "config": {**config, "input_channels": 3},
            "file": file,
            "sha256": _sha256(path),
        }
    np.savez(os.path.join(out, "built.npz"), **built)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def predict(weights_dir, out):
    from keras_dss import zoo
    from keras_dss.zoo import weights_files

    folder = os.environ.get(weights_files.ENV_DIR)
    if not folder or os.path.realpath(folder) != os.path.realpath(weights_dir):
        raise SystemExit(
            f"zoo_produce.py predict: set {weights_files.ENV_DIR}={weights_dir}"
        )
    with open(os.path.join(weights_dir, "manifest.json")) as f:
        manifest = json.load(f)
    x = np.load(os.path.join(weights_dir, "input.npy"))
    arrays = {}
    for constructor, entry in manifest["models"].items():
        info = zoo.WeightsInfo(
            model=constructor,
            name=manifest["name"],
            config=entry["config"],
            file=entry["file"],
            sha256=entry["sha256"],
            dataset="random numbers (test only)",
            license="Apache-2.0",
            recipe="tests/cross_backend/zoo_produce.py",
        )
        zoo.register_weights(info)
        try:
            with zero_kernels():
                model = getattr(zoo, constructor)(weights=manifest["name"])
        finally:
            zoo.unregister_weights(constructor, manifest["name"])
        arrays[f"{constructor}.output"] = _predict(model, x)
        for i, w in enumerate(model.get_weights()):
            arrays[f"{constructor}.weight.{i}"] = np.asarray(w)
    np.savez(os.path.join(out, "predictions.npz"), **arrays)


def write_meta(out):
    import importlib

    import keras

    backend = _backend()
    lib = importlib.import_module(backend)
    meta = {
        "backend": backend,
        "keras": keras.__version__,
        "backend_version": getattr(lib, "__version__", "?"),
        "python": sys.version.split()[0],
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build")
    build_parser.add_argument("--out", required=True)
    predict_parser = commands.add_parser("predict")
    predict_parser.add_argument("--weights", required=True)
    predict_parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if _backend() == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
    if args.command == "build":
        build(args.out)
    else:
        predict(args.weights, args.out)
    write_meta(args.out)
    print(f"zoo_produce.py {args.command} [{_backend()}]: wrote "
          f"{sorted(os.listdir(args.out))}")


if __name__ == "__main__":
    main()
