"""A dilated 3x3 convolution three ways, per backend: as is, polyphase, taps.

For each map side and dilation `d` of the SEU-Net's levels (B8, channels as
at that depth of the 16-filter network with `scale_size` 2), times the
forward and the training step (input and kernel gradients) of

- native: `ops.conv(..., dilation_rate=d)`;
- polyphase: the `d * d` phases of the map folded into the batch, one
  dilation-1 convolution, unfolded (exact when `d` divides the side); where
  `d` reaches the side, the kernel's padding-only taps dropped instead
  (`keras_dss.layers.scale_conv2d.drop_padding_taps`, what `ScaleConv2D`
  does), which leaves a 1x1 convolution.

Prints one line per case with the training-step ratio (polyphase / native,
< 1 is faster) and the relative difference of the outputs. Medians of 7
after 2 warm-ups; Keras' default compilation (`jit_compile="auto"`: XLA on
JAX, none on a CPU TensorFlow, eager torch), as in `bench_network.py`.

    KERAS_BACKEND=tensorflow python benchmarks/bench_dilated_conv.py
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from keras_dss.layers.polyphase import polyphase_conv  # noqa: E402
from keras_dss.layers.scale_conv2d import drop_padding_taps  # noqa: E402

CASES = [(8, 256, 128), (16, 128, 64), (32, 64, 32), (64, 32, 16),
         (128, 32, 16)]


def native(x, kernel, d):
    return ops.conv(x, kernel, padding="same", dilation_rate=d)


def polyphase(x, kernel, d):
    _, h, w, c = x.shape
    if d >= h and d >= w:
        return ops.conv(x, drop_padding_taps(x, kernel, d), padding="same")
    return polyphase_conv(x, kernel, d)


class GainConv(keras.layers.Layer):
    """`fn(x * g, kernel, d)`: the gain makes the step compute the input
    gradient, as inside a network."""

    def __init__(self, fn, dilation, filters, **kwargs):
        super().__init__(**kwargs)
        self.fn, self.dilation, self.filters = fn, dilation, filters

    def build(self, shape):
        self.kernel = self.add_weight(shape=(3, 3, shape[-1], self.filters))
        self.g = self.add_weight(shape=(shape[-1],), initializer="ones")

    def call(self, x):
        return self.fn(x * self.g, self.kernel, self.dilation)


def model(fn, shape, dilation, filters):
    inputs = keras.Input(shape[1:])
    m = keras.Model(inputs, GainConv(fn, dilation, filters)(inputs))
    m.compile(optimizer=keras.optimizers.SGD(1e-6), loss="mse")
    return m


def median_ms(fn, repeats=7, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3


def main():
    rng = np.random.default_rng(0)
    backend = keras.backend.backend()
    for side, cin, cout in CASES:
        for d in (2, 4, 8):
            x = rng.standard_normal((8, side, side, cin)).astype("float32")
            models = {name: model(fn, x.shape, d, cout)
                      for name, fn in (("native", native),
                                       ("poly", polyphase))}
            models["poly"].set_weights(models["native"].get_weights())
            a = models["native"].predict_on_batch(x)
            b = models["poly"].predict_on_batch(x)
            err = float(np.max(np.abs(a - b)) / np.max(np.abs(a)))
            y = np.zeros_like(a)
            res = {name: (median_ms(lambda m=m: m.predict_on_batch(x)),
                          median_ms(lambda m=m: m.train_on_batch(x, y)))
                   for name, m in models.items()}
            (nf, nt), (pf, pt) = res["native"], res["poly"]
            print(f"{backend} h={side} {cin}->{cout} d={d}: native fwd "
                  f"{nf:.1f} train {nt:.1f} | poly fwd {pf:.1f} train "
                  f"{pt:.1f} | train ratio {pt / nt:.2f} relerr {err:.1e}",
                  flush=True)


if __name__ == "__main__":
    main()
