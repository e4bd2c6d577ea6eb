"""Rescaling images, masks and logits for the scale-generalisation test.

Images are resized with Pillow's bilinear filter on 32-bit float planes
(mode `"F"`, one channel at a time, accumulated in float64). When shrinking,
Pillow widens the triangle filter by the reduction factor, which is the
antialiasing of `tf.image.resize(..., antialias=True)` (measured: they agree
to float32 rounding). Upscaling is plain half-pixel bilinear. Masks use
nearest neighbour with half-pixel centres, computed exactly in integers, so
no label is ever invented. Everything is numpy and deterministic.
"""

import math

import numpy as np
from PIL import Image


def _check_factor(fn, factor):
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError(
            f"{fn}: `factor` must be a positive finite number, got {factor!r}."
        )


def _check_multiple(fn, multiple):
    if isinstance(multiple, bool) or not isinstance(
        multiple, (int, np.integer)
    ) or multiple < 1:
        raise ValueError(
            f"{fn}: `multiple` must be a positive integer, got {multiple!r}."
        )


def scaled_size(size, factor, multiple=1):
    """Target `(height, width)` of a rescaled image.

    Each side becomes `floor(side * factor / multiple) * multiple`, at least
    `multiple`. A relative tolerance of 1e-9 absorbs floating-point error,
    so `64 * 2**-0.5 * 2**0.5` still gives 64.

    Args:
        size: `(height, width)` of the input.
        factor: positive scale factor.
        multiple: positive integer the output sides must be multiples of
            (`2**depth` for a U-Net).

    Returns:
        A tuple of two ints.
    """
    _check_factor("scaled_size", factor)
    _check_multiple("scaled_size", multiple)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(
            "scaled_size: `size` must be (height, width) with positive "
            f"sides, got {tuple(size)}."
        )
    out = []
    for side in size:
        steps = math.floor(side * factor / multiple * (1 + 1e-9))
        out.append(max(steps, 1) * int(multiple))
    return tuple(out)


def applied_factor(size, factor, multiple=1):
    """The factor an image of `size` is really rescaled by.

    Flooring the sides to a multiple of `multiple` changes the factor, and
    on small images several nominal factors give the same size (a 128 px
    image at 0.25, 0.297 and 0.354 becomes 32 px when `multiple` is 16).
    This is the geometric mean of the two side ratios.

    Args:
        size: `(height, width)` of the input.
        factor: the nominal factor.
        multiple: as in `scaled_size`.

    Returns:
        A float, `sqrt(height' * width' / (height * width))`.
    """
    height, width = scaled_size(size, factor, multiple)
    return math.sqrt(height * width / (size[0] * size[1]))


def _resize_planes(array, size):
    """Pillow bilinear (antialiased when shrinking) on an `(H, W, C)` array."""
    height, width = size
    if array.shape[:2] == (height, width):
        return array.astype(np.float32, copy=True)
    planes = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(array[..., c], np.float32))
            .resize((width, height), Image.Resampling.BILINEAR),
            dtype=np.float32,
        )
        for c in range(array.shape[-1])
    ]
    return np.stack(planes, axis=-1)


def rescale_image(image, factor, multiple=1):
    """Rescales an image by `factor`, bilinear with antialiasing.

    Args:
        image: numpy array `(height, width, channels)` (or `(height,
            width)`), any real dtype; values are not normalised.
        factor: positive scale factor.
        multiple: the output sides are floored to multiples of this
            (see `scaled_size`).

    Returns:
        A float32 array `(new_height, new_width, channels)` (2-D in, 2-D
        out). The input's values are returned unchanged when the size does
        not change.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 1:
        raise ValueError(
            "rescale_image: `image` must have shape (height, width, "
            f"channels) or (height, width), got {image.shape}."
        )
    _check_factor("rescale_image", factor)
    _check_multiple("rescale_image", multiple)
    size = scaled_size(image.shape[:2], factor, multiple)
    if image.ndim == 2:
        return _resize_planes(image[..., None], size)[..., 0]
    return _resize_planes(image, size)


def _nearest_index(n_in, n_out):
    # Half-pixel centres: source = floor((i + 0.5) * n_in / n_out), exactly.
    return (2 * np.arange(n_out) + 1) * n_in // (2 * n_out)


def rescale_mask(mask, factor, multiple=1):
    """Rescales a label mask by `factor` with nearest neighbour.

    Args:
        mask: integer array `(height, width)` (a trailing axis of size 1 is
            kept).
        factor: positive scale factor.
        multiple: the output sides are floored to multiples of this, as in
            `rescale_image`, so mask and image stay aligned.

    Returns:
        An array of the input dtype, `(new_height, new_width)`; its labels are
        a subset of the input's.
    """
    mask = np.asarray(mask)
    if mask.ndim not in (2, 3) or (mask.ndim == 3 and mask.shape[-1] != 1):
        raise ValueError(
            "rescale_mask: `mask` must have shape (height, width) or "
            f"(height, width, 1), got {mask.shape}."
        )
    if min(mask.shape[:2]) < 1:
        raise ValueError(
            f"rescale_mask: `mask` must not be empty, got {mask.shape}."
        )
    _check_factor("rescale_mask", factor)
    _check_multiple("rescale_mask", multiple)
    height, width = scaled_size(mask.shape[:2], factor, multiple)
    rows = _nearest_index(mask.shape[0], height)
    cols = _nearest_index(mask.shape[1], width)
    return mask[rows][:, cols].copy()


def _linear_taps(n_in, n_out):
    # Half-pixel bilinear without antialiasing (align_corners=False), edges
    # clamped: the convention of tf.image.resize and torch interpolate.
    src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    src = np.clip(src, 0.0, n_in - 1)
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, n_in - 1)
    return low, high, (src - low).astype(np.float32)


def resize_logits(logits, size, antialias=False):
    """Resizes logits (or any feature map) bilinearly to `size`.

    Used to bring the prediction on a rescaled image back to the grid of the
    scale-1 prediction before comparing argmaxes.

    Args:
        logits: float array `(height, width, classes)` or
            `(batch, height, width, classes)`.
        size: target `(height, width)`.
        antialias: `False` (default): plain half-pixel bilinear, as
            `tf.image.resize` and `torch.nn.functional.interpolate` do by
            default. `True`: the antialiased filter of `rescale_image`.

    Returns:
        A float32 array with the same rank, spatial size `size`.
    """
    logits = np.asarray(logits, dtype=np.float32)
    if logits.ndim not in (3, 4):
        raise ValueError(
            "resize_logits: `logits` must have shape (height, width, "
            f"classes) or (batch, height, width, classes), got "
            f"{logits.shape}."
        )
    if (len(size) != 2 or any(
        isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1
        for s in size
    )):
        raise ValueError(
            "resize_logits: `size` must be (height, width) with positive "
            f"integers, got {size!r}."
        )
    size = (int(size[0]), int(size[1]))
    if logits.ndim == 3:
        return resize_logits(logits[None], size, antialias)[0]
    if logits.shape[1:3] == size:
        return logits.copy()
    if antialias:
        return np.stack([_resize_planes(x, size) for x in logits])
    low, high, w = _linear_taps(logits.shape[1], size[0])
    w = w[None, :, None, None]
    out = logits[:, low] * (1 - w) + logits[:, high] * w
    low, high, w = _linear_taps(logits.shape[2], size[1])
    w = w[None, None, :, None]
    return out[:, :, low] * (1 - w) + out[:, :, high] * w
