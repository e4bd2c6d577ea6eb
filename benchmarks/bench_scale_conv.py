"""`ScaleConv2D` against its ideal: S plain convolutions sharing one kernel.

The ideal does the arithmetic of a scale-convolution with none of its
overheads: one `keras.ops.conv` per level, dilation 1, on inputs that
already hold the `scale_size` levels side by side, `(B, H, W, Ks * C_in)`
(it always reads `Ks` levels, so it does slightly more arithmetic than the
truncated top levels of `ScaleConv2D`). With stride 2 the ideal has the
same output size: level 0 is a stride-2 convolution, levels >= 1 are
stride-1 convolutions on a `(H/2, W/2)` input. Both are small Keras models
with a trainable kernel and bias, timed for `predict_on_batch` and
`train_on_batch` (MSE, SGD), interleaved.

    KERAS_BACKEND=torch python benchmarks/bench_scale_conv.py [--quick]
"""

import sys

import keras
import numpy as np
from keras import ops

try:
    from benchmarks import timing
except ImportError:  # run as a script from anywhere
    import timing

from keras_dss import ScaleConv2D


class IdealScaleConv(keras.layers.Layer):
    """S plain convolutions, dilation 1, sharing one kernel.

    Args:
        filters: output channels.
        num_scales: levels S.
        strides: 1, or 2: then the inputs are `[level0, levels1_up]` with
            `level0` of shape `(B, H, W, Ks*C)` convolved at stride 2 and
            `levels1_up` of shape `(B, S-1, H/2, W/2, Ks*C)` at stride 1.
        **kwargs: base `Layer` arguments.
    """

    def __init__(self, filters, num_scales, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.num_scales = num_scales
        self.strides = strides

    def build(self, input_shape):
        channels = (input_shape[0] if self.strides > 1 else input_shape)[-1]
        self.kernel = self.add_weight(
            name="kernel", shape=(3, 3, channels, self.filters),
            initializer="he_normal",
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.filters,), initializer="zeros"
        )

    def call(self, inputs):
        k = self.kernel
        if self.strides == 1:
            outs = [
                ops.conv(inputs[:, i], k, padding="same")
                for i in range(self.num_scales)
            ]
        else:
            first, rest = inputs
            outs = [ops.conv(first, k, strides=self.strides, padding="same")]
            outs += [
                ops.conv(rest[:, i], k, padding="same")
                for i in range(self.num_scales - 1)
            ]
        return ops.stack(outs, axis=1) + self.bias


def cases(quick):
    sizes = [(2, 3, 16, 4, 4)] if quick else [
        (8, 4, 64, 32, 32),
        (8, 4, 128, 16, 16),
    ]
    for b, s, hw, cin, cout in sizes:
        for scale_size in (1, 2):
            for strides in (1, 2):
                yield dict(batch=b, scales=s, size=hw, cin=cin, cout=cout,
                           scale_size=scale_size, strides=strides)


def label(c):
    return (
        f"B{c['batch']} S{c['scales']} {c['size']}px {c['cin']}->{c['cout']} "
        f"Ks{c['scale_size']} s{c['strides']}"
    )


def build_pair(c, rng):
    """The two models and their `(x, y)` data for one case."""
    b, s, hw = c["batch"], c["scales"], c["size"]
    cin, cout, ks, st = c["cin"], c["cout"], c["scale_size"], c["strides"]
    inputs = keras.Input((s, hw, hw, cin))
    layer = ScaleConv2D(cout, 3, scale_size=ks, strides=st)
    candidate = keras.Model(inputs, layer(inputs), name="scale_conv")
    x = rng.standard_normal((b, s, hw, hw, cin)).astype("float32")
    out = hw // st
    y = np.zeros((b, s, out, out, cout), "float32")
    ideal = IdealScaleConv(cout, s, st)
    if st == 1:
        ins = keras.Input((s, hw, hw, ks * cin))
        baseline = keras.Model(ins, ideal(ins), name="ideal")
        xb = rng.standard_normal((b, s, hw, hw, ks * cin)).astype("float32")
    else:
        first = keras.Input((hw, hw, ks * cin))
        rest = keras.Input((s - 1, out, out, ks * cin))
        baseline = keras.Model([first, rest], ideal([first, rest]),
                               name="ideal")
        xb = [
            rng.standard_normal((b, hw, hw, ks * cin)).astype("float32"),
            rng.standard_normal((b, s - 1, out, out, ks * cin)).astype(
                "float32"),
        ]
    return candidate, baseline, {"candidate": (x, y), "baseline": (xb, y)}


def main(argv=None):
    args = timing.parser(__doc__.splitlines()[0]).parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)
    warmup = args.warmup or 1
    env = timing.environment()
    print("# ScaleConv2D vs ideal (S plain convolutions)\n")
    print(timing.format_environment(env))
    print(f"- repeats {repeats} (median), warm-up {warmup}, interleaved\n")
    rng = np.random.default_rng(0)
    results, rows = [], []
    for c in cases(args.quick):
        candidate, baseline, data = build_pair(c, rng)
        r = timing.compare_models(candidate, baseline, data, repeats, warmup)
        results.append({"case": c, **r})
        for phase in ("fwd", "train"):
            rows.append([label(c), phase, r[phase]["candidate_ms"],
                         r[phase]["baseline_ms"], r[phase]["ratio"],
                         r[phase]["min_ratio"]])
        print(f"  done: {label(c)}", file=sys.stderr, flush=True)
    print(timing.markdown_table(
        ["case", "phase", "ScaleConv2D ms", "ideal ms", "ratio",
         "ratio of minima"], rows))
    timing.save_json(args.json, env, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
