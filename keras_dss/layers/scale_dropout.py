"""Channel dropout for scale-space tensors."""

import keras
from keras import ops

from keras_dss.layers import checks


@keras.saving.register_keras_serializable(package="keras_dss")
class ScaleDropout(keras.layers.Layer):
    """Drops whole channels at every scale and position at once.

    During training each (sample, channel) pair is zeroed with probability
    `rate` across all levels and pixels, and kept channels are scaled by
    `1 / (1 - rate)`. Dropping per-level maps instead would treat the levels
    differently and break scale equivariance during training. At inference
    the layer is the identity.

    Args:
        rate: fraction of channels to drop, in `[0, 1)`.
        seed: optional integer seed.
        **kwargs: base `Layer` arguments.

    Input shape:
        5-D tensor `(batch, scales, height, width, channels)`.

    Output shape:
        Same as the input.

    Example:

    >>> ScaleDropout(0.25)(np.ones((2, 4, 8, 8, 16)), training=True).shape
    (2, 4, 8, 8, 16)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(
                f"ScaleDropout: `rate` must lie in [0, 1), got {rate!r}."
            )
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        checks.check_rank("ScaleDropout", input_shape, 5)

    def call(self, inputs, training=False):
        checks.check_rank("ScaleDropout", inputs.shape, 5)
        if not training or self.rate == 0:
            return inputs
        shape = ops.shape(inputs)
        noise_shape = (shape[0], 1, 1, 1, shape[4])
        return keras.random.dropout(
            inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator
        )

    def compute_output_shape(self, input_shape):
        checks.check_rank("ScaleDropout", input_shape, 5)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
