"""The residual network body shared by `SResNet` (and usable plainly)."""

import keras

from keras_dss.zoo.families import BilinearUpSampling2D
from keras_dss.zoo.families import conv_bn_relu
from keras_dss.zoo.initialization import initializer
from keras_dss.zoo.pixels import pixel_inputs


def _residual_block(family, x, filters, strides, scale_size, name):
    """conv(3x3, scale size Ks) -> BN/ReLU -> conv(3x3, scale size 1) -> BN,
    plus a (projected) shortcut, then ReLU."""
    shortcut = x
    y = conv_bn_relu(family, x, filters, 3, f"{name}_a", scale_size=scale_size,
                     strides=strides)
    y = family.conv(y, filters, 3, f"{name}_b_conv", use_bias=False)
    y = keras.layers.BatchNormalization(axis=-1, name=f"{name}_b_bn")(y)
    if strides != 1 or shortcut.shape[-1] != filters:
        shortcut = family.conv(shortcut, filters, 1, f"{name}_shortcut_conv",
                               strides=strides, use_bias=False)
        shortcut = keras.layers.BatchNormalization(
            axis=-1, name=f"{name}_shortcut_bn"
        )(shortcut)
    y = keras.layers.Add(name=f"{name}_add")([y, shortcut])
    return keras.layers.ReLU(name=f"{name}_out")(y)


def build_residual_segmenter(
    family,
    input_shape,
    num_classes,
    filters,
    blocks_per_stage,
    multiscale_interaction,
    dropout,
    include_top,
    classifier_activation,
    name,
    model_name,
):
    """Builds a dense-prediction residual network.

    lift -> stem conv -> stages of residual blocks (stage `i > 0` starts
    with a stride-2 block) -> dropout -> projection -> 1x1 classifier ->
    bilinear upsampling back to the input size. The upsampling comes after
    the projection, outside the equivariant pipeline.

    Args:
        family: a `ScaleFamily` or `PlainFamily`.
        input_shape: `(height, width, channels)`.
        num_classes: number of output channels.
        filters: tuple of widths, one per stage.
        blocks_per_stage: residual blocks per stage.
        multiscale_interaction: if True the first conv of every other block
            has scale size `family.scale_size` (DSS's interleaving of scale
            sizes 2 and 1); if False every conv has scale size 1.
        dropout: channel dropout before the projection.
        include_top: whether to add the classifier and upsampling.
        classifier_activation: activation of the classifier.
        name: model name.
        model_name: constructor name for error messages.
    """
    stages = len(filters)
    multiple = 2 ** (stages - 1)
    inputs, x = pixel_inputs(
        input_shape, multiple, model_name,
        f"{stages} stages downsample {stages - 1} times",
    )
    x = family.lift(x, "lift")
    x = conv_bn_relu(family, x, filters[0], 3, "stem")
    block = 0
    for stage, width in enumerate(filters):
        for b in range(blocks_per_stage):
            interact = multiscale_interaction and block % 2 == 0
            x = _residual_block(
                family,
                x,
                width,
                strides=2 if (stage > 0 and b == 0) else 1,
                scale_size=family.scale_size if interact else 1,
                name=f"stage{stage}_block{b}",
            )
            block += 1
    x = family.dropout(x, dropout, "head_dropout")
    x = family.project(x, "projection")
    if include_top:
        x = keras.layers.Conv2D(
            num_classes, 1, kernel_initializer=initializer("glorot_uniform"),
            name="classifier",
        )(x)
        if multiple > 1:
            x = BilinearUpSampling2D(
                multiple, interpolation="bilinear", name="upsample"
            )(x)
        if classifier_activation is not None:
            x = keras.layers.Activation(
                classifier_activation, name="classifier_activation"
            )(x)
    return keras.Model(inputs, x, name=name)
