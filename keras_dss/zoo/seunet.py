"""SEUNet: the Scale-Equivariant U-Net (Sangalli et al. 2022)."""

from keras_dss.zoo.encoder_decoder import build_encoder_decoder
from keras_dss.zoo.families import ScaleFamily
from keras_dss.zoo.loading import build_zoo_model

DEFAULTS = {
    "input_channels": 3,
    "num_classes": 3,
    "num_scales": 4,
    "filters": 16,
    "depth": 4,
    "scale_size": 2,
    "scale_padding": "replicate",
    "pooling": "max",
    "projection": "max",
    "dropout": 0.25,
}


def SEUNet(
    input_shape=None,
    num_classes=None,
    weights=None,
    include_top=True,
    classifier_activation=None,
    num_scales=None,
    filters=None,
    depth=None,
    scale_size=None,
    scale_padding=None,
    pooling=None,
    projection=None,
    dropout=None,
    name="seunet",
):
    """Scale-Equivariant U-Net for semantic segmentation.

    The image is lifted onto a `num_scales`-level Gaussian scale-space and
    every layer is a scale-equivariant layer of `keras_dss` (scale
    cross-correlations, batch norm shared over scales, dilated max pooling,
    bilinear upsampling, channel dropout) up to a projection over scales and
    a 1x1 classifier. Level `i` of the U has `filters * 2**i` channels; each
    block is a 3x3 scale-conv of scale size 1 then one of scale size
    `scale_size`.

    The model takes raw pixel values, uint8 or float in `[0, 255]`, and
    normalises them inside (`x / 127.5 - 1`), so `model.predict(image)` just
    works. Height and width must be multiples of `2**depth`.

    Architecture arguments left as `None` take the value the pretrained
    weights were trained with when `weights` is a registered name, else the
    default in brackets.

    Args:
        input_shape: `(height, width, channels)`; sides may be `None`.
            Default `(None, None, input_channels)` (3 channels).
        num_classes: number of output channels (3).
        weights: `None` (random initialisation), a registered name (see
            `keras_dss.zoo.list_weights()`), or a path to a `.weights.h5`
            file.
        include_top: whether to end with the 1x1 classifier; `False` returns
            the projected feature map, to put a new head on for fine-tuning.
        classifier_activation: activation of the classifier, `None` for
            logits (train with `from_logits=True`), or e.g. `"softmax"`.
        num_scales: levels of the scale-space (4).
        filters: width of the first level (16).
        depth: number of poolings (4).
        scale_size: scale size of the second conv of each block (2).
        scale_padding: `"replicate"` (SEU-Net) or `"zero"` (DSS).
        pooling: `"max"` (exactly equivariant dilated max), `"quadratic"`
            (SEU-Net's learnable morphological pooling) or `"subsample"`.
        projection: projection over scales, `"max"`, `"mean"`, ...
        dropout: channel dropout rate before the projection (0.25).
        name: model name.

    Returns:
        A Functional `keras.Model` mapping `(batch, H, W, C)` pixels to
        `(batch, H, W, num_classes)` logits.
    """
    given = {
        "num_classes": num_classes,
        "num_scales": num_scales,
        "filters": filters,
        "depth": depth,
        "scale_size": scale_size,
        "scale_padding": scale_padding,
        "pooling": pooling,
        "projection": projection,
        "dropout": dropout,
    }

    def build(config, shape):
        family = ScaleFamily(
            num_scales=config["num_scales"],
            scale_size=config["scale_size"],
            scale_padding=config["scale_padding"],
            pooling=config["pooling"],
            projection=config["projection"],
        )
        return build_encoder_decoder(
            family,
            shape,
            num_classes=config["num_classes"],
            filters=config["filters"],
            depth=config["depth"],
            dropout=config["dropout"],
            include_top=True,
            classifier_activation=classifier_activation,
            name=name,
            model_name="SEUNet",
        )

    return build_zoo_model(
        "SEUNet", DEFAULTS, given, input_shape, weights, include_top,
        build,
    )
