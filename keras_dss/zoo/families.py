"""The layer families a zoo architecture is built from: scale-space or plain.

An architecture is written once against this small interface and built
either on 5-D scale-space tensors `(batch, scales, H, W, C)` with the
`keras_dss` layers, or on ordinary 4-D images with the Keras layers that do
the same job. That keeps a scale-equivariant model and its baseline
structurally identical.
"""

import keras

from keras_dss.layers import Projection
from keras_dss.layers import ScaleConv2D
from keras_dss.layers import ScaleDropout
from keras_dss.layers import ScaleMaxPool
from keras_dss.layers import ScaleSpaceLift
from keras_dss.layers import ScaleUpSample
from keras_dss.layers.scale_up_sample import _linear_upsample_axis
from keras_dss.zoo.initialization import initializer


@keras.saving.register_keras_serializable(package="keras_dss")
class BilinearUpSampling2D(keras.layers.UpSampling2D):
    """`keras.layers.UpSampling2D` that also takes unknown heights and widths.

    Keras' bilinear `UpSampling2D` fails in a TensorFlow graph traced with
    `None` spatial sides, which is what `predict` and `fit` trace once a
    model has seen two image sizes. With an unknown side, and on JAX (where
    it is faster), this layer uses the same half-pixel-centre linear
    interpolation as `ScaleUpSample` (equal to
    `keras.ops.image.resize(..., "bilinear")`); otherwise it is Keras' layer.

    Args:
        size: int or pair of ints, the upsampling factors.
        data_format: `"channels_last"` or `"channels_first"`.
        interpolation: `"bilinear"` (default) or any mode of
            `keras.layers.UpSampling2D`.
        **kwargs: base `Layer` arguments.
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="bilinear",
                 **kwargs):
        super().__init__(size=size, data_format=data_format,
                         interpolation=interpolation, **kwargs)

    def call(self, inputs):
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        if self.interpolation == "bilinear" and (
            any(inputs.shape[a] is None for a in axes)
            or keras.backend.backend() == "jax"
        ):
            x = _linear_upsample_axis(inputs, axes[0], self.size[0])
            return _linear_upsample_axis(x, axes[1], self.size[1])
        return super().call(inputs)


class ScaleFamily:
    """Builds scale-space layers (DSS / SEU-Net).

    Args:
        num_scales: number of levels of the lift.
        scale_size: scale size of the layers that mix levels.
        scale_padding: `"zero"` or `"replicate"` (see `ScaleConv2D`).
        pooling: `ScaleMaxPool` mode: `"max"`, `"quadratic"` or
            `"subsample"`.
        projection: `Projection` mode used by `project`.
        lift_border: `ScaleSpaceLift` border mode.
    """

    is_scale = True

    def __init__(
        self,
        num_scales,
        scale_size=2,
        scale_padding="replicate",
        pooling="max",
        projection="max",
        lift_border="reflect",
    ):
        self.num_scales = num_scales
        self.scale_size = min(scale_size, num_scales)
        self.scale_padding = scale_padding
        self.pooling = pooling
        self.projection = projection
        self.lift_border = lift_border

    def lift(self, x, name):
        return ScaleSpaceLift(
            num_scales=self.num_scales, border=self.lift_border, name=name
        )(x)

    def conv(self, x, filters, kernel_size, name, scale_size=1, strides=1,
             use_bias=True):
        return ScaleConv2D(
            filters,
            kernel_size,
            scale_size=min(scale_size, self.num_scales),
            strides=strides,
            scale_padding=self.scale_padding,
            use_bias=use_bias,
            kernel_initializer=initializer("he_normal"),
            name=name,
        )(x)

    def pool(self, x, name):
        return ScaleMaxPool(mode=self.pooling, name=name)(x)

    def upsample(self, x, name):
        return ScaleUpSample(2, interpolation="bilinear", name=name)(x)

    def dropout(self, x, rate, name):
        return ScaleDropout(rate, name=name)(x) if rate else x

    def project(self, x, name):
        return Projection(self.projection, name=name)(x)


class PlainFamily:
    """Builds the ordinary 2-D layers of the non-equivariant baselines.

    Args:
        pooling: `"max"` (2x2 max pool) or `"subsample"` (stride-2 slicing
            as an average-free equivalent of `ScaleMaxPool("subsample")`).
    """

    is_scale = False
    scale_size = 1

    def __init__(self, pooling="max"):
        self.pooling = pooling

    def lift(self, x, name):
        return x

    def conv(self, x, filters, kernel_size, name, scale_size=1, strides=1,
             use_bias=True):
        return keras.layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=initializer("he_normal"),
            name=name,
        )(x)

    def pool(self, x, name):
        if self.pooling == "subsample":
            return keras.layers.MaxPooling2D(1, strides=2, name=name)(x)
        return keras.layers.MaxPooling2D(2, name=name)(x)

    def upsample(self, x, name):
        return BilinearUpSampling2D(2, interpolation="bilinear", name=name)(x)

    def dropout(self, x, rate, name):
        return keras.layers.SpatialDropout2D(rate, name=name)(x) if rate else x

    def project(self, x, name):
        return x


def conv_bn_relu(family, x, filters, kernel_size, name, scale_size=1,
                 strides=1):
    """Convolution (no bias), batch norm over channels, ReLU."""
    x = family.conv(x, filters, kernel_size, f"{name}_conv",
                    scale_size=scale_size, strides=strides, use_bias=False)
    x = keras.layers.BatchNormalization(axis=-1, name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def bn_relu(x, name):
    """Batch norm over channels then ReLU (pre-activation blocks)."""
    x = keras.layers.BatchNormalization(axis=-1, name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)
