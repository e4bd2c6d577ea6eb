"""Same-run A/B: the SEUNet of `bench_network.py` (depth 4, 16 filters,
128 px, batch 8) with `ScaleConv2D` dropping the kernel taps that only read
zero padding (what it does: level 3 at the 8 px bottleneck runs as a 1x1
convolution) vs computing every tap, same weights, interleaved training
steps and forwards.

    KERAS_BACKEND=tensorflow python benchmarks/ab_padding_taps.py [--quick]
"""

import keras
import numpy as np

try:
    from benchmarks import timing
    from benchmarks.ab_pool_levels import build
except ImportError:  # run as a script from anywhere
    import timing
    from ab_pool_levels import build

from keras_dss import ScaleConv2D


class AllTapsScaleConv2D(ScaleConv2D):
    """`ScaleConv2D` computing every tap, also those reading only padding."""

    _drop_padding_taps = staticmethod(lambda x, kernel, dilation: kernel)


def main(argv=None):
    p = timing.parser(__doc__.splitlines()[0])
    args = p.parse_args(argv)
    side, batch = (32, 2) if args.quick else (128, 8)
    repeats = args.repeats or (2 if args.quick else 5)
    warmup = args.warmup or (1 if args.quick else 2)
    print(timing.format_environment(timing.environment()))
    kwargs = dict(num_classes=3, filters=16, depth=4)
    keras.utils.set_random_seed(0)
    dropped = build(ScaleConv2D, "ScaleConv2D", **kwargs)
    every = build(AllTapsScaleConv2D, "ScaleConv2D", **kwargs)
    assert any(isinstance(l, AllTapsScaleConv2D) for l in every.layers)
    every.set_weights(dropped.get_weights())
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (batch, side, side, 3)).astype("float32")
    same = np.max(np.abs(dropped.predict_on_batch(x)
                         - every.predict_on_batch(x)))
    labels = rng.integers(0, 3, (batch, side, side))
    y = keras.utils.to_categorical(labels, 3).astype("float32")
    r = timing.compare_models(dropped, every,
                              {"candidate": (x, y), "baseline": (x, y)},
                              repeats, warmup)
    print(f"\nB{batch} {side} px, medians of {repeats} after {warmup} "
          f"warm-up; largest output difference {same:.2e}")
    print("| phase | padding taps dropped ms | every tap ms | ratio "
          "| ratio of minima |")
    print("|---|---:|---:|---:|---:|")
    for phase in ("fwd", "train"):
        s = r[phase]
        print(f"| {phase} | {s['candidate_ms']:.1f} | {s['baseline_ms']:.1f} "
              f"| {s['ratio']:.3f} | {s['min_ratio']:.3f} |")


if __name__ == "__main__":
    main()
