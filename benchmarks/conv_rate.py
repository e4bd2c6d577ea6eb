"""The machine's plain-convolution rate: what a network's rate is read against.

A plain `Conv2D` (3x3, "same", bias) is trained on its own at a few shapes
that hold as many values as the SEU-Net's levels folded into the batch
(`batch * num_scales` maps of 128x128x16 down to 16x16x128, the widths of a
depth-4 SEU-Net). The fastest of them, in forward FLOPs (as
`keras_dss.flops.count_flops` counts them) times training steps per second,
is the rate reported. A network's fraction of it is then its own forward
FLOPs times training steps per second over that rate: both sides count a
training step as the same multiple of the forward, so the multiple cancels.
"""

import keras
import numpy as np

try:
    from benchmarks import timing
except ImportError:  # run as a script from anywhere
    import timing

from keras_dss.flops import count_flops

# (side, channels) of the SEU-Net's encoder levels at 128 px input.
SHAPES = ((128, 16), (64, 32), (32, 64), (16, 128))
# The `--quick` network's (32 px, 4 filters, depth 2).
QUICK_SHAPES = ((32, 4), (16, 8))


def conv_model(side, channels):
    """One compiled 3x3 `Conv2D`, `channels` -> `channels`."""
    inputs = keras.Input((side, side, channels))
    outputs = keras.layers.Conv2D(channels, 3, padding="same")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse")
    return model


def plain_conv_rate(batch, repeats, warmup, shapes=SHAPES):
    """Training rate of a plain `Conv2D` at each shape.

    Args:
        batch: maps per step (the SEU-Net's batch times its scales).
        repeats: timed steps per shape (median).
        warmup: untimed steps first.
        shapes: `(side, channels)` pairs.

    Returns:
        A list of dicts, one per shape: `side`, `channels`, `batch`,
        `forward_flops` (per step), `step_ms` (median) and
        `gflops_per_s` (forward FLOPs per step / step time).
    """
    rows = []
    for side, channels in shapes:
        model = conv_model(side, channels)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((batch, side, side, channels)).astype("float32")
        y = rng.standard_normal((batch, side, side, channels)).astype("float32")
        flops = count_flops(model).per_image * batch
        times = timing.interleaved(
            {"conv": lambda m=model: m.train_on_batch(x, y)}, repeats, warmup
        )
        step_ms = timing.median_ms(times["conv"])
        rows.append({
            "side": side,
            "channels": channels,
            "batch": batch,
            "forward_flops": flops,
            "step_ms": step_ms,
            "gflops_per_s": flops / step_ms / 1e6,
        })
    return rows
