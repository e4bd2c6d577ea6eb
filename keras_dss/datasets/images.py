"""Reading and resizing image files with Pillow, into numpy arrays."""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image


def read_rgb(path):
    """Reads an image as `uint8 (H, W, 3)`; CMYK, RGBA, P and L become RGB."""
    with Image.open(path) as image:
        if image.mode != "RGB":
            image = image.convert("RGB")
        return np.asarray(image, dtype=np.uint8)


def read_array(path):
    """Reads a single-channel image (8- or 16-bit PNG/TIFF) as stored."""
    with Image.open(path) as image:
        array = np.asarray(image)
    if array.ndim != 2:
        raise ValueError(
            f"{str(path)!r}: expected a single-channel image, got an array "
            f"of shape {array.shape} (mode {image.mode})."
        )
    return array


def resize_image(array, size):
    """Bilinear (antialiased when shrinking) resize of a `uint8` image.

    Args:
        array: `uint8` array `(H, W)` or `(H, W, C)`.
        size: `(height, width)`, or `None` to keep the size.
    """
    if size is None or tuple(array.shape[:2]) == tuple(size):
        return array
    image = Image.fromarray(array)
    image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    return np.asarray(image)


def resize_mask(array, size):
    """Nearest-neighbour resize of a label image (labels stay labels)."""
    if size is None or tuple(array.shape[:2]) == tuple(size):
        return array
    image = Image.fromarray(array)
    image = image.resize((size[1], size[0]), Image.Resampling.NEAREST)
    return np.asarray(image)


def parallel_map(function, items, workers=None):
    """`[function(item) for item in items]` on a thread pool.

    Pillow releases the GIL while decoding, so threads speed up reading
    thousands of small files.
    """
    items = list(items)
    workers = workers or min(8, os.cpu_count() or 1)
    if workers <= 1 or len(items) < 64:
        return [function(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))
