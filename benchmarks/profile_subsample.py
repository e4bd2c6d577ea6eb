"""Forward time of ways to take every second sample of a `(B, S, H, W, C)`
scale-space, each as a one-layer Keras model, with `jit_compile` True and
False: the profile behind `keras_dss.layers.subsample` (TensorFlow's CPU
graph kernel for a strided slice is slow; Keras does not XLA-compile
TensorFlow on a CPU-only machine).

    KERAS_BACKEND=tensorflow python benchmarks/profile_subsample.py
"""

import sys

import keras
import numpy as np
from keras import ops

from keras_dss.layers.subsample import strided_slice
from keras_dss.layers.subsample import subsample

try:
    from benchmarks import timing
except ImportError:  # run as a script from anywhere
    import timing


class Apply(keras.layers.Layer):
    """Applies `fn` to its input."""

    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn

    def call(self, x):
        return self.fn(x)


def variants(h):
    return {
        "strided slice x[:, :, ::2, ::2]": lambda x: strided_slice(x, 2, 2),
        "reshape + index (subsample)": lambda x: subsample(x, 2, 2),
        "take, twice": lambda x: ops.take(
            ops.take(x, np.arange(0, h, 2), axis=2), np.arange(0, h, 2),
            axis=3),
        "copy of the whole input (x * 1)": lambda x: x * 1.0,
    }


def main(argv=None):
    args = timing.parser(__doc__.splitlines()[0]).parse_args(argv)
    b, s, h, c = (2, 3, 16, 4) if args.quick else (8, 4, 64, 32)
    repeats = args.repeats or (2 if args.quick else 15)
    warmup = args.warmup or 3
    print(timing.format_environment(timing.environment()))
    print(f"- input ({b}, {s}, {h}, {h}, {c}); medians of {repeats} after "
          f"{warmup} warm-ups\n")
    x = np.random.default_rng(0).standard_normal((b, s, h, h, c)).astype(
        "float32")
    rows = []
    for jit in (True, False):
        for name, fn in variants(h).items():
            inputs = keras.Input(x.shape[1:])
            model = keras.Model(inputs, Apply(fn)(inputs))
            model.compile(jit_compile=jit)
            times = timing.interleaved(
                {name: lambda: model.predict_on_batch(x)}, repeats, warmup)
            rows.append([str(jit), name, timing.median_ms(times[name])])
    print(timing.markdown_table(["jit_compile", "variant", "forward ms"],
                                rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
