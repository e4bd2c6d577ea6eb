"""The U-shaped encoder-decoder shared by `SEUNet` and `UNet`."""

import keras

from keras_dss.zoo.families import conv_bn_relu
from keras_dss.zoo.initialization import initializer
from keras_dss.zoo.pixels import pixel_inputs


def _double_conv(family, x, filters, name):
    """SEU-Net block: 3x3 conv (scale size 1) then 3x3 conv (scale size Ks)."""
    x = conv_bn_relu(family, x, filters, 3, f"{name}_a")
    return conv_bn_relu(family, x, filters, 3, f"{name}_b",
                        scale_size=family.scale_size)


def build_encoder_decoder(
    family,
    input_shape,
    num_classes,
    filters,
    depth,
    dropout,
    include_top,
    classifier_activation,
    name,
    model_name,
):
    """Builds the Functional encoder-decoder.

    lift -> stem conv -> `depth` x [double conv, skip, pool] -> bottleneck
    double conv -> `depth` x [upsample, concat skip, 1x1 conv, double conv]
    -> dropout -> projection -> 1x1 conv to `num_classes` logits.

    Args:
        family: a `ScaleFamily` or `PlainFamily`.
        input_shape: `(height, width, channels)`.
        num_classes: number of output channels of the head.
        filters: width of the first level; level `i` has `filters * 2**i`.
        depth: number of pooling steps (sides must be multiples of
            `2**depth`).
        dropout: channel dropout rate before the projection.
        include_top: whether to add the 1x1 classifier convolution.
        classifier_activation: activation of the head (`None` for logits).
        name: model name.
        model_name: constructor name used in error messages.

    Returns:
        A Functional `keras.Model`.
    """
    multiple = 2**depth
    inputs, x = pixel_inputs(
        input_shape, multiple, model_name, f"depth={depth} pools {depth} times"
    )
    x = family.lift(x, "lift")
    x = conv_bn_relu(family, x, filters, 3, "stem")
    skips = []
    for i in range(depth):
        x = _double_conv(family, x, filters * 2**i, f"down{i}")
        skips.append(x)
        x = family.pool(x, f"down{i}_pool")
    x = _double_conv(family, x, filters * 2**depth, "bottleneck")
    for i in reversed(range(depth)):
        x = family.upsample(x, f"up{i}_upsample")
        x = keras.layers.Concatenate(axis=-1, name=f"up{i}_concat")(
            [x, skips[i]]
        )
        x = conv_bn_relu(family, x, filters * 2**i, 1, f"up{i}_merge")
        x = _double_conv(family, x, filters * 2**i, f"up{i}")
    x = family.dropout(x, dropout, "head_dropout")
    x = family.project(x, "projection")
    if include_top:
        x = keras.layers.Conv2D(
            num_classes,
            1,
            activation=classifier_activation,
            kernel_initializer=initializer("glorot_uniform"),
            name="classifier",
        )(x)
    return keras.Model(inputs, x, name=name)

