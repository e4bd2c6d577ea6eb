"""Cityscapes (fine annotations): image / label file pairs, read lazily."""

import numpy as np

from keras_dss.datasets import checks
from keras_dss.datasets.images import read_array
from keras_dss.datasets.images import read_rgb
from keras_dss.datasets.images import resize_image
from keras_dss.datasets.images import resize_mask

NAME = "load_cityscapes"
SPLITS = ("train", "val", "test")
IMAGE_SUFFIX = "_leftImg8bit.png"
LABEL_SUFFIX = "_gtFine_labelIds.png"
LAYOUTS = (
    "official: leftImg8bit/{split}/{city}/{city}_{seq}_{frame}_leftImg8bit.png"
    " + gtFine/{split}/{city}/{city}_{seq}_{frame}_gtFine_labelIds.png",
)
IGNORE = 255
# label id -> train id of the 19 evaluated classes (cityscapesScripts).
TRAIN_IDS = {
    7: 0,  # road
    8: 1,  # sidewalk
    11: 2,  # building
    12: 3,  # wall
    13: 4,  # fence
    17: 5,  # pole
    19: 6,  # traffic light
    20: 7,  # traffic sign
    21: 8,  # vegetation
    22: 9,  # terrain
    23: 10,  # sky
    24: 11,  # person
    25: 12,  # rider
    26: 13,  # car
    27: 14,  # truck
    28: 15,  # bus
    31: 16,  # train
    32: 17,  # motorcycle
    33: 18,  # bicycle
}
CLASS_NAMES = (
    "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light",
    "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car",
    "truck", "bus", "train", "motorcycle", "bicycle",
)  # fmt: skip
_LOOKUP = np.full(256, IGNORE, np.uint8)
for _label, _train in TRAIN_IDS.items():
    _LOOKUP[_label] = _train


def label_ids_to_train_ids(label_ids):
    """Maps Cityscapes label ids (0..33) to the 19 train ids, 255 = ignore.

    Args:
        label_ids: integer array of label ids (a `*_gtFine_labelIds.png`).

    Returns:
        `uint8` array of the same shape, values in 0..18 or 255.
    """
    label_ids = np.asarray(label_ids)
    if label_ids.size and (label_ids.min() < 0 or label_ids.max() > 255):
        raise ValueError(
            "label_ids_to_train_ids: label ids must be in 0..255, got "
            f"{label_ids.min()}..{label_ids.max()}."
        )
    return _LOOKUP[label_ids.astype(np.intp)]


def load_cityscapes(path, split="train"):
    """Lists the image / fine-label file pairs of a Cityscapes split.

    Nothing is decoded here: `CityscapesFiles.load(i)` reads one pair.

    Args:
        path: the folder holding `leftImg8bit/` and `gtFine/` (the official
            `leftImg8bit_trainvaltest.zip` and `gtFine_trainvaltest.zip`,
            extracted to the same folder).
        split: `"train"` (2975 images), `"val"` (500) or `"test"` (1525;
            its labels are not public and map to ignore).

    Returns:
        A `CityscapesFiles`, sorted by city then file name.

    Raises:
        FileNotFoundError: `path` or the split's folders do not exist.
        ValueError: no image in the split, or an image without its
            `*_gtFine_labelIds.png`.
    """
    checks.check_choice(NAME, "split", split, SPLITS)
    root = checks.check_exists(NAME, path, LAYOUTS)
    image_dir = root / "leftImg8bit" / split
    label_dir = root / "gtFine" / split
    for folder in (image_dir, label_dir):
        if not folder.is_dir():
            if not (root / "leftImg8bit").is_dir():
                raise checks.unknown_layout(NAME, root, LAYOUTS)
            raise checks.missing_folder(NAME, folder, LAYOUTS)
    pairs = []
    for image in sorted(image_dir.glob(f"*/*{IMAGE_SUFFIX}")):
        stem = image.name[: -len(IMAGE_SUFFIX)]
        label = label_dir / image.parent.name / f"{stem}{LABEL_SUFFIX}"
        if not label.is_file():
            raise ValueError(
                f"{NAME}: no label for image {str(image)!r} (looked for "
                f"{str(label)!r})."
            )
        pairs.append((image, label))
    if not pairs:
        raise ValueError(
            f"{NAME}: no '*{IMAGE_SUFFIX}' image in {str(image_dir)!r}/<city>/."
        )
    return CityscapesFiles(pairs)


class CityscapesFiles:
    """The `(image_path, label_path)` pairs of a split, decoded on demand.

    `files[i]` is the i-th pair of paths; `files.load(i, image_size)` reads
    it as arrays; `files.arrays(image_size)` gives a view that
    `SegmentationSequence` can batch from.
    """

    def __init__(self, pairs):
        self.pairs = list(pairs)

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]

    def load(self, i, image_size=None):
        """Reads pair `i` as arrays.

        Args:
            i: index of the pair.
            image_size: `None` (native 1024 x 2048), an int or a
                `(height, width)` pair; bilinear (antialiased) for the
                image, nearest for the labels.

        Returns:
            `(image, mask)`: `uint8 (H, W, 3)` and `uint8 (H, W)` train ids
            (0..18, 255 = ignore).
        """
        size = checks.check_size(NAME, "image_size", image_size)
        image_path, label_path = self.pairs[i]
        image = read_rgb(image_path)
        labels = read_array(label_path)
        if labels.shape != image.shape[:2]:
            raise ValueError(
                f"{NAME}: image {str(image_path)!r} is {image.shape[:2]} but "
                f"its labels {str(label_path)!r} are {labels.shape}."
            )
        mask = label_ids_to_train_ids(labels)
        return resize_image(image, size), resize_mask(mask, size)

    def load_many(self, indices, image_size=None):
        """Reads several pairs; returns stacked `(images, masks)`."""
        loaded = [self.load(int(i), image_size) for i in indices]
        if not loaded:
            raise ValueError(f"{NAME}: `indices` is empty.")
        return (
            np.stack([image for image, _ in loaded]),
            np.stack([mask for _, mask in loaded]),
        )

    def arrays(self, image_size=None):
        """A view that returns `(images, masks)` for an index array."""
        return _LoadedView(self, image_size)


class _LoadedView:
    def __init__(self, files, image_size):
        self.files = files
        self.image_size = checks.check_size(NAME, "image_size", image_size)

    def __len__(self):
        return len(self.files)

    def __getitem__(self, indices):
        return self.files.load_many(np.atleast_1d(indices), self.image_size)
