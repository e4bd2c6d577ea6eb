"""Joint image / mask augmentation built from Keras preprocessing layers."""

import keras

from keras_dss.datasets.checks import check_size
from keras_dss.datasets.random_affine_crop import RandomAffineCrop
from keras_dss.datasets.random_elastic_deformation import RandomElasticDeformation

FLIPS = {
    True: "horizontal",
    "horizontal": "horizontal",
    "vertical": "vertical",
    "horizontal_and_vertical": "horizontal_and_vertical",
}


def segmentation_augmentation(
    crop_size=None,
    crop_sizes=None,
    flip=True,
    rotation=10,
    contrast=0.1,
    scale_jitter=None,
    elastic=None,
    seed=None,
):
    """A pipeline that augments images and segmentation masks jointly.

    Call it on `{"images": (B, H, W, C), "segmentation_masks": (B, H, W,
    1)}`, both float32 (raw pixels 0..255, labels as floats); it returns
    the same dict, as tensors of the active Keras backend (convert them
    with `keras.ops.convert_to_numpy`). Steps, in order, each left out when
    disabled:

    1. `keras.layers.RandomFlip`;
    2. `RandomAffineCrop`: per example, rotation by up to `rotation`
       degrees, rescale by a factor in `scale_jitter`, random crop to
       `crop_size`, or each batch to one of `crop_sizes` (reflection
       fills what comes from outside the image);
       one affine map, bilinear for images and nearest for masks, so masks
       keep their label values (an ignore value such as 255 included);
    3. `RandomElasticDeformation` (when `elastic` is given): a smooth
       random displacement field, the same for images (linear) and masks
       (nearest);
    4. `keras.layers.RandomContrast` on the images only, value range
       0..255. Pixels are not normalised: the models normalise inside.

    Args:
        crop_size: int or `(height, width)` of the output, or `None` to
            keep the input size.
        crop_sizes: `None`, or a list of crop sizes (ints or `(height,
            width)`), one drawn per batch: training on several canvas
            sizes at one scale. Excludes `crop_size`.
        flip: `True` (= `"horizontal"`), `"vertical"`,
            `"horizontal_and_vertical"`, or `False`.
        rotation: largest rotation angle in degrees, in [0, 180] (0
            disables).
        contrast: `RandomContrast` factor in [0, 1) (0 disables).
        scale_jitter: `None` or `(low, high)` scale factors.
        elastic: `None` (no deformation), the displacement magnitude in
            pixels, or a dict of `RandomElasticDeformation` arguments,
            e.g. `{"magnitude": 10, "grid": 3}`.
        seed: int seed for reproducible augmentation, or `None`.

    Returns:
        A `keras.layers.Pipeline`.
    """
    name = "segmentation_augmentation"
    crop = check_size(name, "crop_size", crop_size)
    if crop_sizes is not None and crop is not None:
        raise ValueError(
            f"{name}: give `crop_size` or `crop_sizes`, not both (got "
            f"{crop_size!r} and {crop_sizes!r})."
        )
    if flip is not False and flip not in FLIPS:
        raise ValueError(
            f"{name}: `flip` must be True, False or one of "
            f"{sorted(k for k in FLIPS if isinstance(k, str))}, got {flip!r}."
        )
    if not isinstance(rotation, (int, float)) or not 0 <= rotation <= 180:
        raise ValueError(
            f"{name}: `rotation` must be a number of degrees in [0, 180], "
            f"got {rotation!r}."
        )
    if not isinstance(contrast, (int, float)) or not 0 <= contrast < 1:
        raise ValueError(
            f"{name}: `contrast` must be in [0, 1), got {contrast!r}."
        )

    def layer_seed(k):
        return None if seed is None else seed + k

    layers = []
    if flip is not False:
        layers.append(
            keras.layers.RandomFlip(
                FLIPS[flip], seed=layer_seed(0), dtype="float32"
            )
        )
    if (
        rotation or crop is not None or crop_sizes is not None
        or scale_jitter is not None
    ):
        height, width = crop if crop is not None else (None, None)
        layers.append(
            RandomAffineCrop(
                height, width, rotation, scale_jitter, sizes=crop_sizes,
                seed=layer_seed(1),
            )
        )
    if elastic is not None:
        kwargs = elastic if isinstance(elastic, dict) else {
            "magnitude": elastic}
        unknown = sorted(set(kwargs) - {"magnitude", "grid"})
        if unknown:
            raise ValueError(
                f"{name}: `elastic` takes `magnitude` and `grid`, got "
                f"{unknown}."
            )
        layers.append(RandomElasticDeformation(**kwargs, seed=layer_seed(3)))
    if contrast:
        layers.append(
            keras.layers.RandomContrast(
                contrast,
                value_range=(0, 255),
                seed=layer_seed(2),
                dtype="float32",
            )
        )
    return keras.layers.Pipeline(layers, name="segmentation_augmentation")
