"""Training-step time of a zoo model at a recipe's size, on this backend.

    KERAS_BACKEND=jax python benchmarks/bench_recipe_step.py SEUNet \\
        '{"num_classes": 3, "filters": 8, "depth": 4}' --side 64 --batch 8

Builds the model, compiles it with AdamW and sparse cross-entropy (as the
recipes do), runs two warm-up `train_on_batch` calls on random pixels and
prints the median of `--repeats` timed calls. Run it once per backend to
choose the fastest for a recipe (BENCHMARKS.md).
"""

import argparse
import json
import time

import keras
import numpy as np

from keras_dss import zoo

CLASSIFIERS = ("SDenseNet", "DenseNet")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="zoo constructor, e.g. SEUNet")
    parser.add_argument("args", type=json.loads,
                        help="constructor arguments as JSON")
    parser.add_argument("--side", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--max-pool-path", choices=("auto", "fast", "generic"),
        default="auto",
        help="ScaleMaxPool('max') implementation: the backend's default, "
             "ops.max_pool, or shifted maxima (same values)")
    parser.add_argument(
        "--jit-compile", choices=("auto", "true", "false"), default="auto",
        help="compile()'s jit_compile: Keras' default (XLA on JAX, and on "
             "TensorFlow only when it sees a GPU), XLA, or none (TensorFlow "
             "graph / eager torch)")
    args = parser.parse_args()
    jit_compile = {"auto": "auto", "true": True, "false": False}[
        args.jit_compile]
    if args.max_pool_path != "auto":
        from keras_dss.layers import scale_max_pool

        scale_max_pool.FAST_MAX_POOL_BACKENDS = (
            (keras.backend.backend(),) if args.max_pool_path == "fast"
            else ())

    model = getattr(zoo, args.model)(
        input_shape=(None, None, args.channels), **args.args)
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (args.batch, args.side, args.side, args.channels))
    classes = args.args.get("num_classes", 3)
    label_shape = ((args.batch,) if args.model in CLASSIFIERS
                   else (args.batch, args.side, args.side))
    y = rng.integers(0, classes, label_shape)
    for _ in range(2):
        model.train_on_batch(x, y)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    median = float(np.median(times))
    print(f"{keras.backend.backend()} {args.model} {json.dumps(args.args)} "
          f"side {args.side} batch {args.batch}: {median * 1000:.0f} ms/step, "
          f"{args.batch / median:.1f} images/s, {model.count_params()} "
          f"parameters, max-pool path {args.max_pool_path}, jit_compile "
          f"{args.jit_compile}")


if __name__ == "__main__":
    main()
