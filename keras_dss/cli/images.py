"""Reading images and writing masks and overlays for the command line."""

import pathlib

import numpy as np


def read_image(path, channels):
    """An image file as uint8 `(H, W, channels)` (RGB or grayscale)."""
    from PIL import Image

    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image {str(path)!r} does not exist")
    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            array = np.asarray(image, dtype=np.uint8)
    except OSError as error:
        raise ValueError(f"cannot read image {str(path)!r}: {error}") from error
    return array[..., None] if channels == 1 else array


def palette(num_classes):
    """`(num_classes, 3)` uint8 colours, distinct for up to 20 classes."""
    import matplotlib

    cmap = "tab10" if num_classes <= 10 else "tab20"
    colours = matplotlib.colormaps[cmap](np.arange(num_classes) % 20)[:, :3]
    return (colours * 255).astype(np.uint8)


def colour_mask(labels, num_classes):
    """Class indices `(H, W)` as an RGB image."""
    return palette(num_classes)[labels]


def overlay(image, labels, num_classes, alpha=0.5):
    """The image with its coloured mask blended on top."""
    rgb = image if image.shape[-1] == 3 else np.repeat(image, 3, axis=-1)
    blended = (1 - alpha) * rgb + alpha * colour_mask(labels, num_classes)
    return blended.round().astype(np.uint8)


def write_png(array, path):
    """Writes a uint8 array as PNG, creating the folder."""
    from PIL import Image

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)
    return path
