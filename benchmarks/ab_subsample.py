"""Same-run A/B: phase-0 subsampling as a reshape (`keras_dss.layers.
subsample`, what the strided layers do) vs a strided slice `x[:, ::2, ::2]`
(what they did before), in the stride-2 `ScaleConv2D` cases of
`bench_scale_conv.py`, in a stride-2 `ScaleMaxPool("max")` on the same
inputs, and in the `bench_network.py` SEUNet (depth 4, 16 filters, 128 px,
batch 8, its `ScaleMaxPool` layers swapped; same weights).

    KERAS_BACKEND=tensorflow python benchmarks/ab_subsample.py [--quick]
"""

import sys

import keras
import numpy as np

try:
    from benchmarks import timing
    from benchmarks.ab_seunet import compare_seunets
except ImportError:  # run as a script from anywhere
    import timing
    from ab_seunet import compare_seunets

from keras_dss import ScaleConv2D
from keras_dss import ScaleMaxPool
from keras_dss.layers.subsample import strided_slice


# The strided slice the layers used before `subsample`.
class SlicingScaleConv2D(ScaleConv2D):
    _subsample = staticmethod(strided_slice)


class SlicingScaleMaxPool(ScaleMaxPool):
    _subsample = staticmethod(strided_slice)


def layer_cases(quick):
    sizes = [(2, 3, 16, 4)] if quick else [(8, 4, 64, 32), (8, 4, 128, 16)]
    for b, s, hw, c in sizes:
        label = f"B{b} S{s} {hw}px {c}ch"
        shape = (b, s, hw, hw, c)
        for ks in (1, 2):
            yield (f"ScaleConv2D {label} Ks{ks} s2", shape,
                   lambda cls, c=c, ks=ks: (ScaleConv2D if cls else
                                            SlicingScaleConv2D)(
                       c, 3, scale_size=ks, strides=2))
        yield (f"ScaleMaxPool max {label} s2", shape,
               lambda cls: (ScaleMaxPool if cls else SlicingScaleMaxPool)(
                   2, strides=2, mode="max"))


def main(argv=None):
    args = timing.parser(__doc__.splitlines()[0]).parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)
    warmup = args.warmup or (1 if args.quick else 3)
    print(timing.format_environment(timing.environment()))
    print(f"- layers: medians of {repeats} after {warmup} warm-ups, "
          "interleaved\n")
    rng = np.random.default_rng(0)
    rows = []
    for label, shape, make in layer_cases(args.quick):
        models = []
        for reshape in (True, False):
            inputs = keras.Input(shape[1:])
            models.append(keras.Model(inputs, make(reshape)(inputs)))
        models[1].set_weights(models[0].get_weights())
        x = rng.standard_normal(shape).astype("float32")
        y = np.zeros(models[0].output.shape[1:], "float32")[None].repeat(
            shape[0], 0)
        diff = np.max(np.abs(models[0].predict_on_batch(x)
                             - models[1].predict_on_batch(x)))
        r = timing.compare_models(*models, {"candidate": (x, y),
                                            "baseline": (x, y)},
                                  repeats, warmup)
        for phase in ("fwd", "train"):
            s = r[phase]
            rows.append([label, phase, s["candidate_ms"], s["baseline_ms"],
                         s["ratio"], s["min_ratio"], f"{diff:.1e}"])
        print(f"  done: {label}", file=sys.stderr, flush=True)
    print(timing.markdown_table(
        ["case", "phase", "reshape ms", "strided slice ms", "ratio",
         "ratio of minima", "largest difference"], rows))
    print("\n## SEUNet, ScaleMaxPool by reshape vs strided slice\n")
    compare_seunets(__doc__.splitlines()[0], ScaleMaxPool,
                    SlicingScaleMaxPool, "ScaleMaxPool",
                    ("reshape", "strided slice"), argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
