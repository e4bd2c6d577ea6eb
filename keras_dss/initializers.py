"""Initializers for scale-space layers."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_dss")
class Delta(keras.initializers.Initializer):
    """The DSS "delta" initializer (Yu & Koltun 2015).

    For every pair of input and output channels the centre tap of the filter
    (spatial offset 0 at the finest input level) is `center` and every other
    tap is Gaussian noise of standard deviation `stddev`. With the default
    `center=1` a layer starts close to summing its input channels, which
    keeps a deep stack of dilated convolutions near the identity.

    Works for `ScaleConv2D` kernels `(kh, kw, scale_size, in, out)` and for
    plain convolution kernels `(kh, kw, in, out)`. The centre of an even side
    is index `(size - 1) // 2`, the offset-0 tap of `ScaleConv2D`.

    Args:
        stddev: standard deviation of the noise on the other taps.
        center: value of the centre tap.
        seed: optional integer seed for reproducible noise.

    Example:

    >>> layer = ScaleConv2D(8, 3, scale_size=2, kernel_initializer=Delta())
    """

    def __init__(self, stddev=1e-2, center=1.0, seed=None):
        self.stddev = float(stddev)
        self.center = float(center)
        self.seed = seed
        self._generator = keras.random.SeedGenerator(seed)

    def __call__(self, shape, dtype=None):
        if len(shape) not in (4, 5):
            raise ValueError(
                "Delta: expected a convolution kernel of rank 4 "
                "(kh, kw, in, out) or 5 (kh, kw, scale_size, in, out), got "
                f"shape {tuple(shape)}."
            )
        dtype = dtype or keras.config.floatx()
        noise = keras.random.normal(
            shape, stddev=self.stddev, dtype=dtype, seed=self._generator
        )
        mask = [[0.0] * shape[1] for _ in range(shape[0])]
        mask[(shape[0] - 1) // 2][(shape[1] - 1) // 2] = 1.0
        mask = ops.convert_to_tensor(mask, dtype=dtype)
        index = (slice(None), slice(None)) + (None,) * (len(shape) - 2)
        mask = mask[index]
        if len(shape) == 5:
            # Only the finest input level (l = 0) gets the centre tap.
            first = ops.convert_to_tensor(
                [1.0] + [0.0] * (shape[2] - 1), dtype=dtype
            )
            mask = mask * first[None, None, :, None, None]
        return noise * (1.0 - mask) + self.center * mask

    def get_config(self):
        return {"stddev": self.stddev, "center": self.center, "seed": self.seed}


keras.utils.get_custom_objects()["delta"] = Delta
