"""The other `keras_dss` layers against plain Keras doing the same work.

- `ScaleSpaceLift` (both borders) vs one separable depthwise convolution
  pair per level with the same kernel widths ("same" zero padding).
- `ScaleMaxPool` ("max", "quadratic", "subsample") vs `MaxPooling2D(2)` on
  the `(B*S, H, W, C)`-folded tensor; `ScaleMaxPool("max")`'s
  `ops.max_pool` path vs its generic path (which of the two a backend
  uses is `scale_max_pool.FAST_MAX_POOL_BACKENDS`); its levels read with
  one `ops.unstack` (what it does) vs one slice per level.
- `ScaleUpSample` (bilinear) vs `UpSampling2D` (bilinear) on the folded
  tensor.
- `Projection("max")` vs `ops.max` over the scale axis.

Every model starts with a trainable per-channel gain so that the training
step (`train_on_batch`, MSE, SGD) back-propagates through the layer.

    KERAS_BACKEND=torch python benchmarks/bench_layers.py [--quick] [--only pool]
"""

import sys

import keras
import numpy as np
from keras import ops

try:
    from benchmarks import timing
except ImportError:  # run as a script from anywhere
    import timing

from keras_dss import Projection
from keras_dss import ScaleMaxPool
from keras_dss import ScaleSpaceLift
from keras_dss import ScaleUpSample
from keras_dss import scale_space


class Gain(keras.layers.Layer):
    """`x * g` with a trainable per-channel `g`: gives the step a weight."""

    def build(self, input_shape):
        self.g = self.add_weight(name="g", shape=(input_shape[-1],),
                                 initializer="ones")

    def call(self, x):
        return x * self.g


class IdealLift(keras.layers.Layer):
    """Level 0 plus one separable depthwise Gaussian pair per level.

    Args:
        num_scales: levels S, with the kernel widths of `ScaleSpaceLift`.
        **kwargs: base `Layer` arguments.
    """

    def __init__(self, num_scales, **kwargs):
        super().__init__(**kwargs)
        variances = scale_space.level_variances(num_scales)
        self.kernels = [scale_space.discrete_gaussian(t)
                        for t in variances[1:]]

    def build(self, input_shape):
        c = input_shape[-1]
        self.pairs = [
            (np.tile(g.reshape(-1, 1, 1, 1), (1, 1, c, 1)).astype("float32"),
             np.tile(g.reshape(1, -1, 1, 1), (1, 1, c, 1)).astype("float32"))
            for g in self.kernels
        ]

    def call(self, x):
        levels = [x]
        for v, h in self.pairs:
            y = ops.depthwise_conv(x, v, padding="same")
            levels.append(ops.depthwise_conv(y, h, padding="same"))
        return ops.stack(levels, axis=1)


class FastScaleMaxPool(ScaleMaxPool):
    """`ScaleMaxPool` forced onto its `ops.max_pool` path on any backend."""

    def _use_fast_path(self):
        return True


class GenericScaleMaxPool(ScaleMaxPool):
    """`ScaleMaxPool` forced onto its generic shifted-maximum path (same
    values); the fast path is used only on `FAST_MAX_POOL_BACKENDS`."""

    def _use_fast_path(self):
        return False


class SlicedScaleMaxPool(ScaleMaxPool):
    """`ScaleMaxPool` reading its levels with a slice `inputs[:, k]` per
    level (its code before 2026-12-03) instead of one `ops.unstack`: same
    values; measures what the slices' gradients cost."""

    def _split_levels(self, inputs):
        return [inputs[:, k] for k in range(self.num_scales)]


class ReduceMax(keras.layers.Layer):
    """`ops.max(x, axis=1)`."""

    def call(self, x):
        return ops.max(x, axis=1)


def model(layer, shape, name):
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(Gain()(inputs)), name=name)


def cases(quick):
    """`(label, candidate, baseline, x_shape_c, x_shape_b)` per case."""
    sizes = [(2, 3, 32, 4)] if quick else [(8, 4, 64, 32), (8, 4, 128, 16)]
    for b, s, hw, c in sizes:
        tag = f"B{b} S{s} {hw}px C{c}"
        five = (b, s, hw, hw, c)
        folded = (b * s, hw, hw, c)
        for border in ("reflect", "zeros"):
            yield (f"lift {border} {tag}",
                   lambda s=s, border=border: ScaleSpaceLift(s, border=border),
                   lambda s=s: IdealLift(s), (b, hw, hw, c), (b, hw, hw, c))
        for mode in ("max", "quadratic", "subsample"):
            yield (f"pool {mode} {tag}",
                   lambda mode=mode: ScaleMaxPool(mode=mode),
                   lambda: keras.layers.MaxPooling2D(2), five, folded)
        yield (f"pool max, fast path vs generic {tag}",
               FastScaleMaxPool, GenericScaleMaxPool,
               five, five)
        yield (f"pool max, levels by unstack vs slices {tag}",
               ScaleMaxPool, SlicedScaleMaxPool, five, five)
        half = hw // 2
        yield (f"upsample bilinear B{b} S{s} {half}->{hw}px C{c}",
               lambda: ScaleUpSample(2),
               lambda: keras.layers.UpSampling2D(2, interpolation="bilinear"),
               (b, s, half, half, c), (b * s, half, half, c))
        yield (f"projection max {tag}", lambda: Projection("max"),
               ReduceMax, five, five)


def main(argv=None):
    p = timing.parser(__doc__.splitlines()[0])
    p.add_argument("--only", metavar="TEXT", default=None,
                   help="run only the cases whose name contains TEXT")
    args = p.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 9)
    warmup = args.warmup or 1
    env = timing.environment()
    print("# keras_dss layers vs plain Keras\n")
    print(timing.format_environment(env))
    print(f"- repeats {repeats} (median), warm-up {warmup}, interleaved\n")
    rng = np.random.default_rng(0)
    results, rows = [], []
    for name, make_c, make_b, shape_c, shape_b in cases(args.quick):
        if args.only and args.only not in name:
            continue
        cand = model(make_c(), shape_c[1:], "candidate")
        base = model(make_b(), shape_b[1:], "baseline")
        data = {}
        for key, m, shape in (("candidate", cand, shape_c),
                              ("baseline", base, shape_b)):
            x = rng.standard_normal(shape).astype("float32")
            out = m.compute_output_shape(shape)
            data[key] = (x, np.zeros(out, "float32"))
        r = timing.compare_models(cand, base, data, repeats, warmup)
        results.append({"case": name, **r})
        for phase in ("fwd", "train"):
            rows.append([name, phase, r[phase]["candidate_ms"],
                         r[phase]["baseline_ms"], r[phase]["ratio"],
                         r[phase]["min_ratio"]])
        print(f"  done: {name}", file=sys.stderr, flush=True)
    print(timing.markdown_table(
        ["case", "phase", "keras_dss ms", "baseline ms", "ratio",
         "ratio of minima"], rows))
    timing.save_json(args.json, env, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
