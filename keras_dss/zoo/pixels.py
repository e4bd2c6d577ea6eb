"""Model inputs that take raw pixel values and check their size."""

import keras

from keras_dss.layers import checks
from keras_dss.layers.sides import unknown_sides_if_partial


def nearest_multiples(side, multiple):
    """The multiples of `multiple` just below and above `side`."""
    below = max(multiple, (side // multiple) * multiple)
    above = -(-side // multiple) * multiple
    return sorted({below, above})


def size_error(model_name, shape, multiple, reason):
    """A ValueError naming the nearest valid sizes for a bad input size."""
    hints = []
    for axis, side in (("height", shape[0]), ("width", shape[1])):
        if side is not None and side % multiple:
            options = " or ".join(str(v) for v in nearest_multiples(side, multiple))
            hints.append(f"{axis} {side} -> {options}")
    return ValueError(
        f"{model_name}: input height and width must be multiples of "
        f"{multiple} ({reason}); got {shape[0]}x{shape[1]}. Nearest valid "
        f"sizes: {'; '.join(hints)}. Crop or pad the image, e.g. with "
        "`keras_dss.zoo.pad_to_multiple`."
    )


@keras.saving.register_keras_serializable(package="keras_dss")
class SideMultipleCheck(keras.layers.Layer):
    """Identity that rejects inputs whose sides are not multiples of `multiple`.

    Zoo models put it right after their input so that a bad image size gets
    one clear error naming the nearest valid sizes, instead of a failure deep
    inside a pooling layer. The check runs wherever the spatial size is
    known when the model is traced or called (always on PyTorch and JAX,
    eagerly and on the first trace on TensorFlow) and raises a `ValueError`.
    A TensorFlow graph traced with unknown sides (what `predict` and `fit`
    trace once they have seen two image sizes) checks when it runs instead
    and raises `tf.errors.InvalidArgumentError` with the same message; its
    output then has both sides unknown, even where one was known
    (`keras_dss.layers.sides.unknown_sides_if_partial`).

    Args:
        multiple: the required divisor of height and width.
        model_name: name used in the error message.
        reason: why the multiple is needed, for the error message.
        **kwargs: base `Layer` arguments.
    """

    def __init__(self, multiple, model_name="model", reason="", **kwargs):
        super().__init__(**kwargs)
        self.multiple = checks.check_positive_int(
            "SideMultipleCheck", "multiple", multiple
        )
        self.model_name = model_name
        self.reason = reason

    def _check(self, shape):
        if len(shape) != 4:
            raise ValueError(
                f"{self.model_name}: expected images of shape (batch, height, "
                f"width, channels), got shape {tuple(shape)}."
            )
        sides = (shape[1], shape[2])
        if any(s is not None and s % self.multiple for s in sides):
            raise size_error(self.model_name, sides, self.multiple, self.reason)

    def build(self, input_shape):
        self._check(input_shape)

    def call(self, inputs):
        self._check(inputs.shape)
        if keras.backend.backend() == "tensorflow" and any(
            s is None for s in tuple(inputs.shape)[1:3]
        ):
            return self._check_when_run_tf(inputs)
        return inputs

    def _check_when_run_tf(self, inputs):
        """The size check as a graph assertion, for unknown sides on TF."""
        import tensorflow as tf

        m = self.multiple
        shape = tf.shape(inputs)
        h, w = shape[1], shape[2]

        def hint(axis, side):
            return tf.where(
                tf.equal(side % m, 0),
                tf.strings.format(axis + " {} (valid)", (side,)),
                tf.strings.format(
                    axis + " {} -> {} or {}",
                    (side, tf.maximum(m, side // m * m), -(-side // m) * m),
                ),
            )

        message = tf.strings.join([
            tf.strings.format(
                f"{self.model_name}: input height and width must be "
                f"multiples of {m} ({self.reason}); got {{}}x{{}}. Nearest "
                "valid sizes: ",
                (h, w),
            ),
            hint("height", h),
            "; ",
            hint("width", w),
            ". Crop or pad the image, e.g. with "
            "`keras_dss.zoo.pad_to_multiple`.",
        ])
        ok = tf.logical_and(tf.equal(h % m, 0), tf.equal(w % m, 0))
        with tf.control_dependencies([tf.debugging.Assert(ok, [message])]):
            checked = tf.identity(inputs)
        # SEUNet(weights="pets") failed at 128x128 and then 192x128
        # ("padded_shape[0]=28 is not divisible by block_shape[0]=8").
        return unknown_sides_if_partial(checked)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "multiple": self.multiple,
                "model_name": self.model_name,
                "reason": self.reason,
            }
        )
        return config


def pixel_inputs(input_shape, multiple, model_name, reason):
    """An `Input` for raw pixels (0-255) and its normalised tensor.

    The returned tensor is `pixels / 127.5 - 1` in the compute dtype, so
    models take uint8 or float images in [0, 255] directly.

    Args:
        input_shape: `(height, width, channels)`, sides may be `None`.
        multiple: required divisor of the sides (checked when known).
        model_name: constructor name for error messages.
        reason: why the sides must be multiples, for error messages.

    Returns:
        `(inputs, normalised)`.
    """
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            f"{model_name}: `input_shape` must be (height, width, channels), "
            f"got {input_shape!r}."
        )
    if input_shape[-1] is None:
        raise ValueError(
            f"{model_name}: the channel count of `input_shape` must be known, "
            f"got {input_shape!r}."
        )
    if any(s is not None and s % multiple for s in input_shape[:2]):
        raise size_error(model_name, input_shape[:2], multiple, reason)
    inputs = keras.Input(shape=input_shape, name="pixels")
    x = SideMultipleCheck(
        multiple, model_name=model_name, reason=reason, name="size_check"
    )(inputs)
    x = keras.layers.Rescaling(1.0 / 127.5, offset=-1.0, name="normalize")(x)
    return inputs, x


def pad_to_multiple(image, multiple, mode="reflect"):
    """Pads a numpy image (H, W, C) or batch (B, H, W, C) to multiple sides.

    Args:
        image: numpy array with height and width on axes -3 and -2.
        multiple: required divisor of height and width.
        mode: `numpy.pad` mode for the added rows and columns.

    Returns:
        `(padded, (height, width))`: the padded array and the original size,
        so that predictions can be cropped back with `[..., :height, :width, :]`.
    """
    import numpy as np

    image = np.asarray(image)
    if image.ndim not in (3, 4):
        raise ValueError(
            f"pad_to_multiple: expected (H, W, C) or (B, H, W, C), got shape "
            f"{image.shape}."
        )
    h, w = image.shape[-3], image.shape[-2]
    pads = [(0, 0)] * image.ndim
    pads[-3] = (0, -h % multiple)
    pads[-2] = (0, -w % multiple)
    return np.pad(image, pads, mode=mode), (h, w)
