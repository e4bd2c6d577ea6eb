"""Argument and file checks shared by the data loaders.

Every check raises an error that names the data set, the path and what was
expected, so that a bad folder never surfaces as a numpy or PIL trace.
"""

from pathlib import Path

import numpy as np

# One choice check for the whole package (re-exported for the loaders).
from keras_dss.layers.checks import check_choice  # noqa: F401


def format_layouts(layouts):
    """One indented line per supported layout."""
    return "".join(f"\n  - {layout}" for layout in layouts)


def check_exists(dataset, path, layouts):
    """Raises `FileNotFoundError` unless `path` exists; returns a `Path`."""
    if path is None:
        raise FileNotFoundError(
            f"{dataset}: no path given. Pass the data folder, in one of the "
            f"supported layouts:{format_layouts(layouts)}"
        )
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"{dataset}: {str(path)!r} does not exist. Looked for one of the "
            f"supported layouts:{format_layouts(layouts)}"
        )
    return path


def missing_folder(dataset, folder, layouts):
    """The `FileNotFoundError` for a folder a layout needs but lacks."""
    return FileNotFoundError(
        f"{dataset}: missing folder {str(folder)!r}. Supported layouts:"
        f"{format_layouts(layouts)}"
    )


def unknown_layout(dataset, path, layouts):
    """The `ValueError` for a folder in none of the supported layouts."""
    return ValueError(
        f"{dataset}: {str(path)!r} is not in a supported layout. Supported "
        f"layouts:{format_layouts(layouts)}"
    )


def check_size(dataset, argument, value):
    """`value` as a `(height, width)` pair of positive ints, or `None`."""
    if value is None:
        return None

    def positive_int(v):
        return (
            isinstance(v, (int, np.integer))
            and not isinstance(v, bool)
            and v > 0
        )

    try:
        pair = (value, value) if positive_int(value) else tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(positive_int(v) for v in pair):
        raise ValueError(
            f"{dataset}: `{argument}` must be a positive int or a "
            f"(height, width) pair of positive ints, got {value!r}."
        )
    return (int(pair[0]), int(pair[1]))


def match_stems(dataset, images, masks, mask_folder):
    """Pairs image and mask files by stem; raises on a missing mask.

    Args:
        dataset: name used in error messages.
        images: dict stem -> image path.
        masks: dict stem -> mask path.
        mask_folder: folder where the masks were looked for.

    Returns:
        A list of `(stem, image_path, mask_path)` sorted by stem.
    """
    missing = sorted(set(images) - set(masks))
    if missing:
        raise ValueError(
            f"{dataset}: no mask for image {str(images[missing[0]])!r} in "
            f"{str(mask_folder)!r} ({len(missing)} image(s) without a mask)."
        )
    return [(stem, images[stem], masks[stem]) for stem in sorted(images)]
