"""SDenseNet: the scale-equivariant DenseNet classifier of DSS."""

from keras_dss.zoo.dense import build_dense_classifier
from keras_dss.zoo.families import ScaleFamily
from keras_dss.zoo.loading import build_zoo_model

DEFAULTS = {
    "input_channels": 3,
    "num_classes": 2,
    "num_scales": 4,
    "growth_rate": 12,
    "block_layers": (4, 4, 4),
    "compression": 0.5,
    "multiscale_interaction": True,
    "scale_size": 2,
    "pooling": "max",
    "projection": "max",
    "dropout": 0.2,
    "global_pooling": "avg",
}


def SDenseNet(
    input_shape=None,
    num_classes=None,
    weights=None,
    include_top=True,
    classifier_activation=None,
    num_scales=None,
    growth_rate=None,
    block_layers=None,
    compression=None,
    multiscale_interaction=None,
    scale_size=None,
    pooling=None,
    projection=None,
    dropout=None,
    global_pooling=None,
    name="sdensenet",
):
    """Scale-equivariant DenseNet classifier (DSS).

    The image is lifted onto a scale-space; dense blocks of pre-activation
    scale-convs (every other one of scale size `scale_size` when
    `multiscale_interaction`) are separated by transitions with
    exactly-equivariant scale pooling; the scale axis is projected out
    (max), then global pooling (average unless `global_pooling="max"`)
    and a dense classifier.

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
        classifier_activation: activation of the classifier, `None` for
            logits, or `"softmax"`.
        num_scales: levels of the scale-space (4).
        growth_rate: channels added per dense layer (12).
        block_layers: layers per dense block ((4, 4, 4)).
        compression: channel factor of the transitions (0.5).
        multiscale_interaction: interleave scale sizes (True).
        scale_size: scale size of the interacting convs (2).
        pooling: `ScaleMaxPool` mode of the transitions (`"max"`).
        projection: projection over scales (`"max"`).
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
        "num_scales": num_scales,
        "growth_rate": growth_rate,
        "block_layers": block_layers,
        "compression": compression,
        "multiscale_interaction": multiscale_interaction,
        "scale_size": scale_size,
        "pooling": pooling,
        "projection": projection,
        "dropout": dropout,
        "global_pooling": global_pooling,
    }

    def build(config, shape):
        family = ScaleFamily(
            num_scales=config["num_scales"],
            scale_size=config["scale_size"],
            scale_padding="zero",
            pooling=config["pooling"],
            projection=config["projection"],
        )
        return build_dense_classifier(
            family,
            shape,
            num_classes=config["num_classes"],
            growth_rate=config["growth_rate"],
            block_layers=tuple(config["block_layers"]),
            compression=config["compression"],
            multiscale_interaction=config["multiscale_interaction"],
            dropout=config["dropout"],
            include_top=True,
            global_pooling=config["global_pooling"],
            classifier_activation=classifier_activation,
            name=name,
            model_name="SDenseNet",
        )

    return build_zoo_model(
        "SDenseNet", DEFAULTS, given, input_shape, weights, include_top,
        build,
    )
