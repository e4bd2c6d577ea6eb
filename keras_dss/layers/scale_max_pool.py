"""Pooling on a scale-space: exactly equivariant or SEU-Net's quadratic."""

import keras
import numpy as np
from keras import ops

from keras_dss.layers import checks
from keras_dss.layers.padding import constant_pad_axes
from keras_dss.layers.subsample import subsample

MODES = ("max", "quadratic", "subsample")
# Backends on which `ops.max_pool` beats the shifted maxima for the "max"
# mode (benchmarks/bench_layers.py --only "fast path", 2-core CPU,
# 2026-12-02, B8 S4, BENCHMARKS.md: TensorFlow training step 0.42-0.43x,
# forward 0.24-0.25x; JAX training 1.29-1.45x slower, torch forward
# 1.4-4.1x slower).
FAST_MAX_POOL_BACKENDS = ("tensorflow",)


def _max_plus_1d(x, axis, offsets, weights, stride):
    """`out(z) = max_j x(stride * z + offsets[j]) + weights[j]` along `axis`.

    Positions outside the input are ignored (padded with -inf), so a border
    value never depends on anything but the image itself. The size of `axis`
    must be a multiple of `stride`.
    """
    before = max(0, -min(offsets))
    after = max(0, max(offsets) - stride + 1)
    padded = constant_pad_axes(x, {axis: (before, after)}, float("-inf"))
    out = None
    for offset, weight in zip(offsets, weights):
        index = [slice(None)] * len(x.shape)
        # Rows before + offset + stride * z for z < size / stride. The stop
        # counts from the end, so no dynamic size is read: TensorFlow's
        # graph optimiser folded that size to a wrong constant when the
        # level came from an unstack after a dilated convolution and the
        # model was retraced for a second image size.
        stop = offset - after  # (before + offset + size) - padded size
        index[axis] = slice(before + offset, stop if stop < 0 else None,
                            stride)
        term = padded[tuple(index)]
        if weight is not None:
            term = term + weight
        out = term if out is None else ops.maximum(out, term)
    return out


@keras.saving.register_keras_serializable(package="keras_dss")
class ScaleMaxPool(keras.layers.Layer):
    """Spatial pooling of every level of a scale-space.

    Modes:

    - `"max"` (default): level `k` takes the maximum over the `pool_size`
      window dilated by `base**k`,
      `out_k(z) = max_{a in [0, pool_size)^2} x_k(strides * z + base**k * a)`.
      This commutes exactly with `(R x)_k(z) = x_{k+1}(base * z)`.
    - `"quadratic"`: SEU-Net's morphological max-plus dilation with the
      quadratic structuring function `b_k(n) = -c * |n|^2 / s_k^2`,
      `s_k = 0.5 * (base**(k+1) - 1)`, over `|n_i| <= 3 * base**k`, then
      stride. `c` is learned per channel and clipped to `[1/9, 1]`. Only
      approximately equivariant.
    - `"subsample"`: `out_k(z) = x_k(strides * z)`, exactly equivariant.

    Every mode samples at `strides * z` (phase 0), as the strided
    `ScaleConv2D` does. Windows that cross the border only use the samples
    inside the image (the padding is -inf), so outputs never depend on the
    other images in the batch.

    Args:
        pool_size: window size (per axis) of the `"max"` mode.
        strides: subsampling factor; the input height and width must be
            multiples of it.
        mode: `"max"`, `"quadratic"` or `"subsample"`.
        base: integer scale factor between levels.
        quadratic_init: initial value of `c` for `"quadratic"`.
        **kwargs: base `Layer` arguments.

    Input shape:
        5-D tensor `(batch, scales, height, width, channels)`.

    Output shape:
        5-D tensor `(batch, scales, height // strides, width // strides,
        channels)`.

    Example:

    >>> ScaleMaxPool()(np.zeros((2, 4, 32, 32, 8))).shape
    (2, 4, 16, 16, 8)
    """

    def __init__(
        self,
        pool_size=2,
        strides=2,
        mode="max",
        base=2,
        quadratic_init=0.5,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = "ScaleMaxPool"
        self.pool_size = checks.check_positive_int(name, "pool_size", pool_size)
        self.strides = checks.check_positive_int(name, "strides", strides)
        self.mode = checks.check_choice(name, "mode", mode, MODES)
        self.base = checks.check_integer_base(name, base)
        if not 1 / 9 <= quadratic_init <= 1:
            raise ValueError(
                f"{name}: `quadratic_init` must lie in [1/9, 1], got "
                f"{quadratic_init!r}."
            )
        self.quadratic_init = float(quadratic_init)
        self.num_scales = None
        self.coefficient = None

    def build(self, input_shape):
        name = "ScaleMaxPool"
        checks.check_rank(name, input_shape, 5)
        self.num_scales = checks.check_known(name, input_shape, 1, "scales")
        checks.check_divisible(
            name, input_shape, self.strides, f"strides={self.strides}"
        )
        if self.mode == "quadratic":
            channels = checks.check_known(name, input_shape, -1, "channels")
            self.coefficient = self.add_weight(
                name="coefficient",
                shape=(channels,),
                initializer=keras.initializers.Constant(self.quadratic_init),
            )

    def _level_offsets(self, k):
        """Tap offsets and structuring-function weights of level `k`."""
        if self.mode == "max":
            d = self.base**k
            return [d * a for a in range(self.pool_size)], None
        radius = 3 * self.base**k
        offsets = list(range(-radius, radius + 1))
        s_k = 0.5 * (self.base ** (k + 1) - 1)
        return offsets, np.array(offsets, dtype="float64") ** 2 / s_k**2

    # A class attribute, so that a subclass (benchmarks/ab_subsample.py)
    # can sample by strided slices instead.
    _subsample = staticmethod(subsample)

    def _fast_max_level(self, x, k):
        """Level `k` of the `"max"` mode through `ops.max_pool`, or `None`.

        Same values as the generic path. Level 0 is a plain strided max pool
        when `pool_size <= strides`. For `k >= 1` with a dilation `d` that
        is a multiple of the stride, the input is sampled first (only
        sampled positions are read) and the remaining dilation `e = d /
        strides` becomes a stride-1 max pool on the `e * e` polyphase
        components (space-to-batch), padded at the end with -inf.
        """
        p, s, d = self.pool_size, self.strides, self.base**k
        if k == 0:
            return ops.max_pool(x, p, s, "valid") if p <= s else None
        if d % s:
            return None
        y = self._subsample(x, s, 1)
        e = d // s
        _, h, w, ch = y.shape
        if p == 1:
            return y
        if None in (h, w, ch) or h % e or w % e:
            return None
        if e > 1:
            y = ops.reshape(y, (-1, h // e, e, w // e, e, ch))
            y = ops.transpose(y, (0, 2, 4, 1, 3, 5))
            y = ops.reshape(y, (-1, h // e, w // e, ch))
        if p == 2:
            # "same" pads one position at the end, ignored by the max.
            y = ops.max_pool(y, 2, 1, "same")
        else:
            y = constant_pad_axes(y, {1: (0, p - 1), 2: (0, p - 1)},
                                  float("-inf"))
            y = ops.max_pool(y, p, 1, "valid")
        if e > 1:
            y = ops.reshape(y, (-1, e, e, h // e, w // e, ch))
            y = ops.transpose(y, (0, 3, 1, 4, 2, 5))
            y = ops.reshape(y, (-1, h, w, ch))
        return y

    def _use_fast_path(self):
        return keras.backend.backend() in FAST_MAX_POOL_BACKENDS

    def _pool_level(self, x, k, c):
        if self.mode == "max" and self._use_fast_path():
            fast = self._fast_max_level(x, k)
            if fast is not None:
                return fast
        offsets, squares = self._level_offsets(k)
        if squares is None:
            weights = [None] * len(offsets)
        else:
            squares = ops.cast(squares, x.dtype)
            weights = [-c * squares[j] for j in range(len(offsets))]
        x = _max_plus_1d(x, 1, offsets, weights, self.strides)
        return _max_plus_1d(x, 2, offsets, weights, self.strides)

    def _check_input(self, shape):
        """Rank, scale count and stride divisibility of an input shape."""
        checks.check_rank("ScaleMaxPool", shape, 5)
        checks.check_scales("ScaleMaxPool", self.num_scales, shape)
        checks.check_divisible(
            "ScaleMaxPool", shape, self.strides, f"strides={self.strides}"
        )

    def call(self, inputs):
        self._check_input(inputs.shape)
        s = self.strides
        if self.mode == "subsample":
            return self._subsample(inputs, s, 2)
        c = None
        if self.mode == "quadratic":
            c = ops.clip(ops.cast(self.coefficient, inputs.dtype), 1 / 9, 1.0)
        levels = [
            self._pool_level(level, k, c)
            for k, level in enumerate(self._split_levels(inputs))
        ]
        return ops.stack(levels, axis=1)

    def _split_levels(self, inputs):
        """The `(B, H, W, C)` levels of a 5-D input.

        One unstack, not a slice per level (whose gradients would be S
        zero-filled input-sized tensors: TensorFlow training step
        0.45-0.53x and torch 0.67-0.88x the slices' time, bench_layers.py).
        """
        return ops.unstack(inputs, axis=1)

    def compute_output_shape(self, input_shape):
        # Symbolic calls of a built layer reach this method, not call().
        self._check_input(input_shape)
        b, n, h, w, c = input_shape
        s = self.strides
        return (b, n, checks.ceil_div(h, s), checks.ceil_div(w, s), c)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "strides": self.strides,
                "mode": self.mode,
                "base": self.base,
                "quadratic_init": self.quadratic_init,
            }
        )
        return config
