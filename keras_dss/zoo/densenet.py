"""DenseNet: the plain baseline of `SDenseNet`, matched in parameter count."""

from keras_dss.zoo.dense import build_dense_classifier
from keras_dss.zoo.families import PlainFamily
from keras_dss.zoo.loading import build_zoo_model

DEFAULTS = {
    "input_channels": 3,
    "num_classes": 2,
    "growth_rate": 15,
    "block_layers": (4, 4, 4),
    "compression": 0.5,
    "dropout": 0.2,
    "global_pooling": "avg",
}


def DenseNet(
    input_shape=None,
    num_classes=None,
    weights=None,
    include_top=True,
    classifier_activation=None,
    growth_rate=None,
    block_layers=None,
    compression=None,
    dropout=None,
    global_pooling=None,
    name="densenet",
):
    """DenseNet classifier with `SDenseNet`'s structure on plain images.

    The same stem, dense blocks, transitions (2x2 max pooling), global
    pooling and head as `SDenseNet`, built from `Conv2D`. Its default
    `growth_rate` (15) matches the parameter count of the default
    `SDenseNet` (growth 12, every other layer of scale size 2) within 5%,
    the DSS protocol for a fair baseline.

    The model takes raw pixel values, uint8 or float in `[0, 255]`, and
    normalises them inside (`x / 127.5 - 1`). Height and width must be
    multiples of `2**(len(block_layers) - 1)`.

    Architecture arguments left as `None` take the registered weights'
    value when `weights` is a registered name, else the default in brackets.

    Args:
        input_shape: `(height, width, channels)`, sides may be `None`
            (default `(None, None, 3)`).
        num_classes: number of classes (2).
        weights: `None`, a registered name or a `.weights.h5` path.
        include_top: whether to end with the classifier; `False` returns the
            pooled features.
        classifier_activation: activation of the classifier, or `None`.
        growth_rate: channels added per dense layer (15).
        block_layers: layers per dense block ((4, 4, 4)).
        compression: channel factor of the transitions (0.5).
        dropout: dropout before the classifier (0.2).
        global_pooling: spatial pooling before the classifier, `"avg"` or
            `"max"` (`"avg"`).
        name: model name.

    Returns:
        A Functional `keras.Model` mapping `(batch, H, W, C)` pixels to
        `(batch, num_classes)` logits.
    """
    given = {
        "num_classes": num_classes,
        "growth_rate": growth_rate,
        "block_layers": block_layers,
        "compression": compression,
        "dropout": dropout,
        "global_pooling": global_pooling,
    }

    def build(config, shape):
        return build_dense_classifier(
            PlainFamily(),
            shape,
            num_classes=config["num_classes"],
            growth_rate=config["growth_rate"],
            block_layers=tuple(config["block_layers"]),
            compression=config["compression"],
            multiscale_interaction=False,
            dropout=config["dropout"],
            include_top=True,
            global_pooling=config["global_pooling"],
            classifier_activation=classifier_activation,
            name=name,
            model_name="DenseNet",
        )

    return build_zoo_model(
        "DenseNet", DEFAULTS, given, input_shape, weights, include_top,
        build,
    )
