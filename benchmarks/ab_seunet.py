"""Same-run A/B of two SEUNets that differ in one layer class: shared by
the `ab_*.py` scripts (not a benchmark by itself)."""

import keras
import numpy as np

try:
    from benchmarks import timing
except ImportError:  # run as a script from anywhere
    import timing

from keras_dss import zoo
from keras_dss.zoo import families


def build(layer_class, replaces="ScaleMaxPool", **kwargs):
    """A SEUNet whose `replaces` layers (a `keras_dss` class name) are
    `layer_class`."""
    original = getattr(families, replaces)
    setattr(families, replaces, layer_class)
    try:
        return zoo.SEUNet(**kwargs)
    finally:
        setattr(families, replaces, original)


def compare_seunets(description, candidate, baseline, replaces, names,
                    argv=None):
    """Times a SEUNet built with `candidate` against one built with
    `baseline` in place of the `replaces` layers (same weights) and prints
    the table; `names` label the two columns."""
    args = timing.parser(description).parse_args(argv)
    side, batch = (32, 2) if args.quick else (128, 8)
    repeats = args.repeats or (2 if args.quick else 5)
    warmup = args.warmup or (1 if args.quick else 2)
    print(timing.format_environment(timing.environment()))
    kwargs = dict(num_classes=3, filters=16, depth=4)
    keras.utils.set_random_seed(0)
    models = [build(cls, replaces, **kwargs) for cls in (candidate, baseline)]
    for model, cls in zip(models, (candidate, baseline)):
        assert any(type(l) is cls for l in model.layers), cls
    models[1].set_weights(models[0].get_weights())
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (batch, side, side, 3)).astype("float32")
    diff = np.max(np.abs(models[0].predict_on_batch(x)
                         - models[1].predict_on_batch(x)))
    labels = rng.integers(0, 3, (batch, side, side))
    y = keras.utils.to_categorical(labels, 3).astype("float32")
    r = timing.compare_models(*models,
                              {"candidate": (x, y), "baseline": (x, y)},
                              repeats, warmup)
    print(f"\nB{batch} {side} px, medians of {repeats} after {warmup} "
          f"warm-up; largest output difference {diff:.2e}")
    print(f"| phase | {names[0]} ms | {names[1]} ms | ratio "
          "| ratio of minima |")
    print("|---|---:|---:|---:|---:|")
    for phase in ("fwd", "train"):
        s = r[phase]
        print(f"| {phase} | {s['candidate_ms']:.1f} | {s['baseline_ms']:.1f} "
              f"| {s['ratio']:.3f} | {s['min_ratio']:.3f} |")
