"""The lift from images to a discrete Gaussian scale-space."""

import keras
import numpy as np
from keras import ops

from keras_dss import scale_space
from keras_dss.layers import checks
from keras_dss.layers.padding import reflect_pad_axis
from keras_dss.layers.sides import unknown_sides_if_partial

BORDERS = ("reflect", "zeros")


@keras.saving.register_keras_serializable(package="keras_dss")
class ScaleSpaceLift(keras.layers.Layer):
    """Lifts images onto a discrete Gaussian scale-space.

    Level `k` is the input blurred with Lindeberg's discrete Gaussian
    `e^-t I_|n|(t)` of variance `t_k = zero_scale * (base**(2k) - 1)`, applied
    separably along height and width, truncated at
    `|n| <= ceil(truncate * sqrt(t_k))` and renormalised to sum one. Level 0
    is the input itself. The kernels are computed once in float64 and cast
    when called. Under a 16-bit compute dtype (mixed precision) the blurs run
    in float32 and their results are rounded to the compute dtype once.

    Border handling: `"reflect"` (default) mirrors the image about its edge
    samples; `"zeros"` pads with zeros as the DSS paper does. Reflection was
    measured to give the smaller whole-image equivariance error (see the
    README's lift table); the two agree away from the border.

    Args:
        num_scales: number of levels `S` of the output, >= 1.
        zero_scale: variance of the blur the pixel grid is assumed to carry
            already (1/4 in DSS).
        base: scale factor between consecutive levels (2 in DSS), > 1.
        truncate: kernel half-width in standard deviations.
        border: `"reflect"` or `"zeros"`.
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Input shape:
        4-D tensor `(batch, height, width, channels)`, any real or integer
        dtype (integers such as uint8 pixels are cast to the compute dtype).
        With `border="reflect"` each side must exceed the largest kernel
        radius, `ceil(truncate * sqrt(t_{S-1}))` (16 for the defaults).

    Output shape:
        5-D tensor `(batch, num_scales, height, width, channels)`.

    Example:

    >>> lift = ScaleSpaceLift(num_scales=4)
    >>> lift(np.zeros((2, 64, 64, 3))).shape
    (2, 4, 64, 64, 3)
    """

    def __init__(
        self,
        num_scales=4,
        zero_scale=0.25,
        base=2,
        truncate=4.0,
        border="reflect",
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = "ScaleSpaceLift"
        self.num_scales = checks.check_positive_int(
            name, "num_scales", num_scales
        )
        if not zero_scale > 0:
            raise ValueError(
                f"{name}: `zero_scale` must be > 0, got {zero_scale!r}."
            )
        if not base > 1:
            raise ValueError(f"{name}: `base` must be > 1, got {base!r}.")
        if not truncate > 0:
            raise ValueError(
                f"{name}: `truncate` must be > 0, got {truncate!r}."
            )
        self.zero_scale = float(zero_scale)
        self.base = base
        self.truncate = float(truncate)
        self.border = checks.check_choice(name, "border", border, BORDERS)
        self.variances = scale_space.level_variances(
            self.num_scales, self.zero_scale, self.base
        )
        self.kernels_1d = [
            scale_space.discrete_gaussian(t, self.truncate)
            for t in self.variances
        ]
        self.max_radius = (len(self.kernels_1d[-1]) - 1) // 2
        self._depthwise = []

    def build(self, input_shape):
        checks.check_rank("ScaleSpaceLift", input_shape, 4)
        channels = checks.check_known(
            "ScaleSpaceLift", input_shape, -1, "channels"
        )
        self._check_size(input_shape)
        # One (vertical, horizontal) pair of depthwise kernels per blurred
        # level, tiled over channels; float64 numpy, cast in call().
        self._depthwise = [
            (
                np.tile(g.reshape(-1, 1, 1, 1), (1, 1, channels, 1)),
                np.tile(g.reshape(1, -1, 1, 1), (1, 1, channels, 1)),
            )
            for g in self.kernels_1d[1:]
        ]

    def _check_size(self, shape):
        if self.border != "reflect":
            return
        for axis, side in ((1, "height"), (2, "width")):
            if shape[axis] is not None and shape[axis] <= self.max_radius:
                raise ValueError(
                    f"ScaleSpaceLift: border='reflect' needs an input "
                    f"{side} > {self.max_radius} (the largest kernel "
                    f"radius for num_scales={self.num_scales}), got "
                    f"{shape[axis]}. Use a larger image, fewer scales or "
                    f"border='zeros'."
                )

    def _blur(self, x, vertical, horizontal):
        radius = (vertical.shape[0] - 1) // 2
        v = ops.cast(vertical, x.dtype)
        h = ops.cast(horizontal, x.dtype)
        if self.border == "zeros":
            x = ops.depthwise_conv(x, v, padding="same")
            return ops.depthwise_conv(x, h, padding="same")
        x = reflect_pad_axis(x, 1, radius, radius)
        x = ops.depthwise_conv(x, v, padding="valid")
        x = reflect_pad_axis(x, 2, radius, radius)
        return ops.depthwise_conv(x, h, padding="valid")

    def call(self, inputs):
        self._check_size(inputs.shape)
        x = ops.cast(unknown_sides_if_partial(inputs), self.compute_dtype)
        # Under a 16-bit compute dtype the blurs run in float32 and round
        # once: a float16 / bfloat16 sum of tens of taps would lose about
        # two digits, and torch 2.13's CPU kernel for bfloat16 depthwise
        # convolutions in channels-last layout hangs on some shapes (e.g. a
        # 1x17 kernel over a (1, 32, 48, 3) image, as `num_scales=3` on a
        # 32 px image gives).
        blur_dtype = self.compute_dtype
        if blur_dtype in ("float16", "bfloat16"):
            blur_dtype = "float32"
        wide = ops.cast(x, blur_dtype)
        levels = [x] + [
            ops.cast(self._blur(wide, v, h), self.compute_dtype)
            for v, h in self._depthwise
        ]
        return ops.stack(levels, axis=1)

    def compute_output_shape(self, input_shape):
        # Symbolic calls of a built layer reach this method, not call().
        checks.check_rank("ScaleSpaceLift", input_shape, 4)
        self._check_size(input_shape)
        b, h, w, c = input_shape
        return (b, self.num_scales, h, w, c)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_scales": self.num_scales,
                "zero_scale": self.zero_scale,
                "base": self.base,
                "truncate": self.truncate,
                "border": self.border,
            }
        )
        return config
