"""UNet: the plain U-Net baseline with SEUNet's structure."""

from keras_dss.zoo.encoder_decoder import build_encoder_decoder
from keras_dss.zoo.families import PlainFamily
from keras_dss.zoo.loading import build_zoo_model

DEFAULTS = {
    "input_channels": 3,
    "num_classes": 3,
    "filters": 16,
    "depth": 4,
    "dropout": 0.25,
}


def UNet(
    input_shape=None,
    num_classes=None,
    weights=None,
    include_top=True,
    classifier_activation=None,
    filters=None,
    depth=None,
    dropout=None,
    name="unet",
):
    """U-Net (Ronneberger et al. 2015) with exactly `SEUNet`'s structure.

    The same blocks, widths, skips, bilinear upsampling, dropout and head as
    `SEUNet`, built from `Conv2D`, `MaxPooling2D` and `UpSampling2D` on the
    image itself: the non-equivariant baseline.

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
        weights: `None`, a registered name (`keras_dss.zoo.list_weights()`)
            or a path to a `.weights.h5` file.
        include_top: whether to end with the 1x1 classifier; `False` returns
            the last feature map.
        classifier_activation: activation of the classifier, `None` for
            logits.
        filters: width of the first level (16).
        depth: number of poolings (4).
        dropout: channel dropout rate before the head (0.25).
        name: model name.

    Returns:
        A Functional `keras.Model` mapping `(batch, H, W, C)` pixels to
        `(batch, H, W, num_classes)` logits.
    """
    given = {
        "num_classes": num_classes,
        "filters": filters,
        "depth": depth,
        "dropout": dropout,
    }

    def build(config, shape):
        return build_encoder_decoder(
            PlainFamily(),
            shape,
            num_classes=config["num_classes"],
            filters=config["filters"],
            depth=config["depth"],
            dropout=config["dropout"],
            include_top=True,
            classifier_activation=classifier_activation,
            name=name,
            model_name="UNet",
        )

    return build_zoo_model(
        "UNet", DEFAULTS, given, input_shape, weights, include_top,
        build,
    )
