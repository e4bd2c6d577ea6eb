"""Input handling shared by the data-pipeline augmentation layers."""

from keras import ops


def split_pipeline_data(layer_name, data):
    """Images and masks of a pipeline layer's input, checked, as float32.

    Args:
        layer_name: the layer's class name, for error messages.
        data: a batch `(B, H, W, C)` of images, or a dict with `"images"`
            and optionally `"segmentation_masks"` `(B, H, W, 1)`.

    Returns:
        `(images, masks)`; `masks` is `None` when `data` has none.
    """
    is_dict = isinstance(data, dict)
    images = data["images"] if is_dict else data
    images = ops.cast(ops.convert_to_tensor(images), "float32")
    if len(images.shape) != 4:
        raise ValueError(
            f"{layer_name}: expected images of rank 4 (batch, height, width, "
            f"channels), got shape {tuple(images.shape)}."
        )
    masks = data.get("segmentation_masks") if is_dict else None
    if masks is not None:
        masks = ops.cast(ops.convert_to_tensor(masks), "float32")
        if tuple(masks.shape[:3]) != tuple(images.shape[:3]):
            raise ValueError(
                f"{layer_name}: segmentation_masks of shape "
                f"{tuple(masks.shape)} do not match images of shape "
                f"{tuple(images.shape)}."
            )
    return images, masks


def merge_pipeline_data(data, images, masks):
    """The output of a pipeline layer in the structure of its input `data`."""
    if not isinstance(data, dict):
        return images
    data = dict(data)
    data["images"] = images
    if masks is not None:
        data["segmentation_masks"] = masks
    return data
