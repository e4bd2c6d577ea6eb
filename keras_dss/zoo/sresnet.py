"""SResNet: the scale-equivariant residual network of DSS for dense prediction."""

from keras_dss.zoo.families import ScaleFamily
from keras_dss.zoo.loading import build_zoo_model
from keras_dss.zoo.residual import build_residual_segmenter

DEFAULTS = {
    "input_channels": 3,
    "num_classes": 2,
    "num_scales": 4,
    "filters": (32, 64, 128),
    "blocks_per_stage": 2,
    "multiscale_interaction": True,
    "scale_size": 2,
    "projection": "mean",
    "dropout": 0.1,
}


def SResNet(
    input_shape=None,
    num_classes=None,
    weights=None,
    include_top=True,
    classifier_activation=None,
    num_scales=None,
    filters=None,
    blocks_per_stage=None,
    multiscale_interaction=None,
    scale_size=None,
    projection=None,
    dropout=None,
    name="sresnet",
):
    """Scale-equivariant residual network for dense prediction (DSS).

    The image is lifted onto a scale-space; stages of residual blocks of
    scale-convs (stage `i > 0` starts with a stride-2 block, exact on every
    level) run at decreasing resolution with no upsampling inside the
    equivariant pipeline; the scale axis is projected out (mean by default,
    as in the SEU-Net paper's S-ResNet baseline), a 1x1 classifier gives
    logits, and plain bilinear upsampling brings them back to the input
    size. With `multiscale_interaction=True` the first conv of every other
    block has scale size `scale_size` (DSS's interleaving of scale sizes 2
    and 1); otherwise levels never mix.

    The model takes raw pixel values, uint8 or float in `[0, 255]`, and
    normalises them inside (`x / 127.5 - 1`). Height and width must be
    multiples of `2**(len(filters) - 1)`.

    Architecture arguments left as `None` take the registered weights'
    value when `weights` is a registered name, else the default in brackets.

    Args:
        input_shape: `(height, width, channels)`, sides may be `None`
            (default `(None, None, 3)`).
        num_classes: output channels (2).
        weights: `None`, a registered name or a `.weights.h5` path.
        include_top: whether to end with the classifier and upsampling;
            `False` returns the projected feature map at the coarsest
            resolution.
        classifier_activation: activation applied to the logits, or `None`.
        num_scales: levels of the scale-space (4).
        filters: widths of the stages ((32, 64, 128)).
        blocks_per_stage: residual blocks per stage (2).
        multiscale_interaction: interleave scale sizes (True).
        scale_size: scale size of the interacting convs (2).
        projection: `"mean"` or `"max"` (mean).
        dropout: channel dropout rate before the projection (0.1).
        name: model name.

    Returns:
        A Functional `keras.Model` mapping `(batch, H, W, C)` pixels to
        `(batch, H, W, num_classes)` logits.
    """
    given = {
        "num_classes": num_classes,
        "num_scales": num_scales,
        "filters": filters,
        "blocks_per_stage": blocks_per_stage,
        "multiscale_interaction": multiscale_interaction,
        "scale_size": scale_size,
        "projection": projection,
        "dropout": dropout,
    }

    def build(config, shape):
        family = ScaleFamily(
            num_scales=config["num_scales"],
            scale_size=config["scale_size"],
            scale_padding="zero",
            projection=config["projection"],
        )
        return build_residual_segmenter(
            family,
            shape,
            num_classes=config["num_classes"],
            filters=tuple(config["filters"]),
            blocks_per_stage=config["blocks_per_stage"],
            multiscale_interaction=config["multiscale_interaction"],
            dropout=config["dropout"],
            include_top=True,
            classifier_activation=classifier_activation,
            name=name,
            model_name="SResNet",
        )

    return build_zoo_model(
        "SResNet", DEFAULTS, given, input_shape, weights, include_top,
        build,
    )
