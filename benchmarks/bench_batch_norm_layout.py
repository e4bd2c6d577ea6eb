"""BatchNormalization training step on a scale-space tensor: 5-D as it is,
folded to 4-D, or to 2-D (does the scale axis make batch norm slow?).

    KERAS_BACKEND=tensorflow python benchmarks/bench_batch_norm_layout.py [--no-jit]

One `BatchNormalization(axis=-1)` between reshapes, SGD on an MSE loss,
`(8, 4, 128, 128, 16)` float32; prints the median of 5 interleaved
`train_on_batch` calls after 2 warm-ups, per layout, in ms.
"""

import argparse
import time

import keras
import numpy as np

SHAPE = (4, 128, 128, 16)
LAYOUTS = {"5-D": None, "4-D": (4 * 128, 128, 16), "2-D": (4 * 128 * 128, 16)}


def make(fold, jit):
    inputs = keras.Input(SHAPE)
    x = keras.layers.Reshape(fold)(inputs) if fold else inputs
    x = keras.layers.BatchNormalization(axis=-1)(x)
    x = keras.layers.Reshape(SHAPE)(x)
    model = keras.Model(inputs, x)
    model.compile("sgd", "mse", jit_compile=jit)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-jit", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    x = np.random.default_rng(0).standard_normal((8, *SHAPE), "float32")
    models = {name: make(fold, not args.no_jit)
              for name, fold in LAYOUTS.items()}
    for model in models.values():
        for _ in range(2):
            model.train_on_batch(x, x)
    times = {name: [] for name in models}
    for _ in range(args.repeats):
        for name, model in models.items():
            start = time.perf_counter()
            model.train_on_batch(x, x)
            times[name].append(time.perf_counter() - start)
    print(f"backend {keras.backend.backend()}, jit {not args.no_jit}")
    for name, t in times.items():
        print(f"{name}: {1000 * np.median(t):.1f} ms")


if __name__ == "__main__":
    main()
