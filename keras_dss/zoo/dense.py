"""The DenseNet classifier body shared by `SDenseNet` and `DenseNet`."""

import keras

from keras_dss.layers import checks
from keras_dss.zoo.families import bn_relu
from keras_dss.zoo.initialization import initializer
from keras_dss.zoo.pixels import pixel_inputs

GLOBAL_POOLING = {
    "avg": keras.layers.GlobalAveragePooling2D,
    "max": keras.layers.GlobalMaxPooling2D,
}


def build_dense_classifier(
    family,
    input_shape,
    num_classes,
    growth_rate,
    block_layers,
    compression,
    multiscale_interaction,
    dropout,
    include_top,
    classifier_activation,
    name,
    model_name,
    global_pooling="avg",
):
    """Builds a DenseNet classifier (Huang et al. 2017, pre-activation).

    lift -> 3x3 stem conv (2 * growth_rate) -> dense blocks, each layer
    `BN-ReLU-conv3x3(growth_rate)` concatenated to its input, separated by
    transitions `BN-ReLU-conv1x1(compression * C)` + pooling -> BN-ReLU ->
    projection -> global average (or max) pooling -> dropout -> dense
    classifier.

    Args:
        family: a `ScaleFamily` or `PlainFamily`.
        input_shape: `(height, width, channels)`.
        num_classes: number of classes.
        growth_rate: channels added by each dense layer.
        block_layers: tuple, number of layers per dense block.
        compression: channel factor of the transitions.
        multiscale_interaction: if True every other dense layer has scale
            size `family.scale_size`, else all have scale size 1.
        dropout: dropout rate before the classifier.
        global_pooling: `"avg"` or `"max"`, the spatial pooling before the
            classifier.
        include_top: whether to add the classifier; `False` returns the
            pooled features.
        classifier_activation: activation of the classifier (`None` for
            logits).
        name: model name.
        model_name: constructor name for error messages.
    """
    multiple = 2 ** (len(block_layers) - 1)
    inputs, x = pixel_inputs(
        input_shape, multiple, model_name,
        f"{len(block_layers) - 1} transitions pool by 2",
    )
    x = family.lift(x, "lift")
    x = family.conv(x, 2 * growth_rate, 3, "stem_conv", use_bias=False)
    for b, layers in enumerate(block_layers):
        for i in range(layers):
            interact = multiscale_interaction and i % 2 == 1
            y = bn_relu(x, f"block{b}_layer{i}")
            y = family.conv(
                y, growth_rate, 3, f"block{b}_layer{i}_conv",
                scale_size=family.scale_size if interact else 1,
                use_bias=False,
            )
            x = keras.layers.Concatenate(axis=-1, name=f"block{b}_layer{i}_concat")(
                [x, y]
            )
        if b < len(block_layers) - 1:
            x = bn_relu(x, f"transition{b}")
            x = family.conv(
                x, max(1, int(x.shape[-1] * compression)), 1,
                f"transition{b}_conv", use_bias=False,
            )
            x = family.pool(x, f"transition{b}_pool")
    x = bn_relu(x, "final")
    x = family.project(x, "projection")
    pooling = checks.check_choice(model_name, "global_pooling",
                                  global_pooling, GLOBAL_POOLING)
    x = GLOBAL_POOLING[pooling](name="global_pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    x = keras.layers.Dense(
        num_classes, activation=classifier_activation,
        kernel_initializer=initializer("glorot_uniform"), name="classifier",
    )(x)
    return keras.Model(inputs, x, name=name)
