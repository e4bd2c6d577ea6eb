"""Projection from a scale-space back to an image."""

import keras
from keras import ops

from keras_dss.layers import checks

MODES = ("max", "mean", "sum", "min", "finest")


@keras.saving.register_keras_serializable(package="keras_dss")
class Projection(keras.layers.Layer):
    """Collapses the scale axis of a scale-space tensor.

    Modes: `"max"` (SEU-Net), `"mean"` (DSS S-ResNet), `"sum"`, `"min"`, or
    `"finest"` (keep level 0 only). `"max"`, `"mean"`, `"sum"` and `"min"`
    make the output invariant to a shift along the scale axis where no level
    falls off the truncation.

    Args:
        mode: one of `"max"`, `"mean"`, `"sum"`, `"min"`, `"finest"`.
        **kwargs: base `Layer` arguments.

    Input shape:
        5-D tensor `(batch, scales, height, width, channels)`.

    Output shape:
        4-D tensor `(batch, height, width, channels)`.

    Example:

    >>> Projection("max")(np.zeros((2, 4, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    def __init__(self, mode="max", **kwargs):
        super().__init__(**kwargs)
        self.mode = checks.check_choice("Projection", "mode", mode, MODES)

    def build(self, input_shape):
        checks.check_rank("Projection", input_shape, 5)

    def call(self, inputs):
        checks.check_rank("Projection", inputs.shape, 5)
        if self.mode == "finest":
            return inputs[:, 0]
        reduce = {
            "max": ops.max,
            "mean": ops.mean,
            "sum": ops.sum,
            "min": ops.min,
        }[self.mode]
        return reduce(inputs, axis=1)

    def compute_output_shape(self, input_shape):
        checks.check_rank("Projection", input_shape, 5)
        return (input_shape[0],) + tuple(input_shape[2:])

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode})
        return config
