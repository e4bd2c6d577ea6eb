"""Per-level spatial upsampling of a scale-space."""

import keras
from keras import ops

from keras_dss.layers import checks

INTERPOLATIONS = ("bilinear", "nearest")


def _linear_upsample_axis(x, axis, factor):
    """Half-pixel-centre linear upsampling of `axis` by an integer factor.

    Output sample `o` reads the input at `(o + 0.5) / factor - 0.5`, clamped
    to the edge samples: the same as `ops.image.resize(..., "bilinear",
    antialias=False)`, but written with ops that accept an unknown size of
    `axis` (a TensorFlow graph with `None` spatial sides).
    """
    if factor == 1:
        return x
    rank = len(x.shape)

    def take(start, stop):
        index = [slice(None)] * rank
        index[axis] = slice(start, stop)
        return x[tuple(index)]

    before = ops.concatenate([take(0, 1), take(0, -1)], axis=axis)  # x[i-1]
    after = ops.concatenate([take(1, None), take(-1, None)], axis=axis)
    phases = []
    for p in range(factor):
        offset = (p + 0.5) / factor - 0.5
        if offset < 0:
            phases.append(x * (1.0 + offset) + before * (-offset))
        elif offset > 0:
            phases.append(x * (1.0 - offset) + after * offset)
        else:
            phases.append(x)
    y = ops.stack(phases, axis=axis + 1)
    dynamic = ops.shape(x)
    shape = [
        x.shape[i] if x.shape[i] is not None else dynamic[i]
        for i in range(rank)
    ]
    shape[axis] = -1
    return ops.reshape(y, shape)


@keras.saving.register_keras_serializable(package="keras_dss")
class ScaleUpSample(keras.layers.Layer):
    """Upsamples every level of a scale-space by an integer factor.

    `"nearest"` repeats each sample `size` times along height and width, so
    sample `z` lands on `size * z .. size * z + size - 1` and the phase-0
    subsampling of `ScaleMaxPool(mode="subsample")` undoes it exactly.
    `"bilinear"` is `keras.ops.image.resize` with half-pixel centres (as in
    SEU-Net). Upsampling is not scale-equivariant in general (SEU-Net,
    "partial equivariance of upsampling").

    Args:
        size: int or pair of ints, the upsampling factors.
        interpolation: `"bilinear"` or `"nearest"`.
        **kwargs: base `Layer` arguments.

    Input shape:
        5-D tensor `(batch, scales, height, width, channels)`.

    Output shape:
        5-D tensor `(batch, scales, height * size, width * size, channels)`.

    Example:

    >>> ScaleUpSample(2)(np.zeros((2, 4, 8, 8, 3))).shape
    (2, 4, 16, 16, 3)
    """

    def __init__(self, size=2, interpolation="bilinear", **kwargs):
        super().__init__(**kwargs)
        name = "ScaleUpSample"
        self.size = checks.check_pair(name, "size", size)
        self.interpolation = checks.check_choice(
            name, "interpolation", interpolation, INTERPOLATIONS
        )

    def build(self, input_shape):
        checks.check_rank("ScaleUpSample", input_shape, 5)

    def call(self, inputs):
        checks.check_rank("ScaleUpSample", inputs.shape, 5)
        sh, sw = self.size
        if self.interpolation == "nearest":
            x = ops.repeat(inputs, sh, axis=2)
            return ops.repeat(x, sw, axis=3)
        if (
            inputs.shape[2] is None
            or inputs.shape[3] is None
            or keras.backend.backend() == "jax"
        ):
            # `ops.image.resize` needs a static output size; on JAX it
            # contracts each axis with a dense weight matrix, 1.2-2.7x the
            # time of these two-tap sums (BENCHMARKS.md, 2026-12-07).
            x = _linear_upsample_axis(inputs, 2, sh)
            return _linear_upsample_axis(x, 3, sw)
        shape = ops.shape(inputs)
        b, s, h, w, c = (shape[i] for i in range(5))
        x = ops.reshape(inputs, (-1, h, w, c))
        x = ops.image.resize(
            x, (h * sh, w * sw), interpolation="bilinear", antialias=False
        )
        return ops.reshape(x, (-1, s, h * sh, w * sw, c))

    def compute_output_shape(self, input_shape):
        checks.check_rank("ScaleUpSample", input_shape, 5)
        b, s, h, w, c = input_shape
        sh, sw = self.size
        return (
            b,
            s,
            None if h is None else h * sh,
            None if w is None else w * sw,
            c,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "interpolation": self.interpolation})
        return config
