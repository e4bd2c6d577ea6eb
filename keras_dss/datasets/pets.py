"""Oxford-IIIT Pet: images and trimaps for foreground segmentation."""

import numpy as np

from keras_dss.datasets import checks
from keras_dss.datasets.images import parallel_map
from keras_dss.datasets.images import read_array
from keras_dss.datasets.images import read_rgb
from keras_dss.datasets.images import resize_image
from keras_dss.datasets.images import resize_mask
from keras_dss.datasets.tfds_source import import_tfds

NAME = "load_oxford_iiit_pet"
SPLITS = ("train", "test")
SOURCES = ("auto", "folder", "official", "tfds")
LAYOUTS = (
    "folder: {train,test}/images/NNNN.jpg + {train,test}/trimaps/NNNN.png "
    "(e.g. ../shared/data/oxford_iiit_pet_128)",
    "official: images/*.jpg + annotations/trimaps/*.png + "
    "annotations/{trainval,test}.txt (the original archives, extracted)",
    "source='tfds': tensorflow_datasets 'oxford_iiit_pet' (path = data_dir)",
)
OFFICIAL_LISTS = {"train": "trainval.txt", "test": "test.txt"}


def load_oxford_iiit_pet(path, split="train", source="auto", image_size=128):
    """Loads one split of Oxford-IIIT Pet as images and 3-class masks.

    Masks are the trimaps minus one: 0 = pet, 1 = background, 2 = border
    (not classified). Images are squashed to `image_size` (aspect ratio not
    kept): bilinear with antialiasing for images, nearest for masks.
    Greyscale, RGBA and CMYK images are converted to RGB.

    Args:
        path: folder in the "folder" layout (`{split}/images/NNNN.jpg`,
            `{split}/trimaps/NNNN.png`) or the "official" layout
            (`images/*.jpg`, `annotations/trimaps/*.png`,
            `annotations/trainval.txt`, `annotations/test.txt`); the
            tensorflow-datasets `data_dir` (or `None`) when `source="tfds"`.
        split: `"train"` (the official trainval list, 3680 images) or
            `"test"` (3669 images). With `source="tfds"` any tfds split
            string (e.g. `"train[:80%]"`).
        source: `"auto"` (detect the folder layout), `"folder"`,
            `"official"` or `"tfds"`.
        image_size: int or `(height, width)` of the returned images.

    Returns:
        `(images, masks)`: `uint8 (N, H, W, 3)` and `uint8 (N, H, W)` with
        values in {0, 1, 2}, in file (or tfds) order.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: unknown layout, a trimap with values outside 1..3, an
            image and trimap of different sizes, or an image without trimap.
    """
    checks.check_choice(NAME, "source", source, SOURCES)
    size = checks.check_size(NAME, "image_size", image_size)
    if size is None:
        raise ValueError(f"{NAME}: `image_size` must be given, got None.")
    if source == "tfds":
        return _load_tfds(path, split, size)
    checks.check_choice(NAME, "split", split, SPLITS)
    root = checks.check_exists(NAME, path, LAYOUTS)
    if source == "auto":
        source = _detect_layout(root)
    if source == "folder":
        pairs = _folder_pairs(root, split)
    else:
        pairs = _official_pairs(root, split)
    loaded = parallel_map(lambda pair: _load_pair(*pair, size), pairs)
    if not loaded:
        raise ValueError(
            f"{NAME}: no image found for split {split!r} in {str(root)!r}."
        )
    images = np.stack([image for image, _ in loaded])
    masks = np.stack([mask for _, mask in loaded])
    return images, masks


def train_val_split(n, val_fraction=0.2, seed=0):
    """Deterministic random split of `range(n)` into train and validation.

    Args:
        n: number of examples.
        val_fraction: fraction in [0, 1) that goes to validation (rounded).
        seed: seed of the permutation.

    Returns:
        `(train_indices, val_indices)`, disjoint sorted int64 arrays whose
        union is `range(n)`.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(
            f"train_val_split: `n` must be an int >= 0, got {n!r}."
        )
    if not 0 <= val_fraction < 1:
        raise ValueError(
            "train_val_split: `val_fraction` must be in [0, 1), got "
            f"{val_fraction!r}."
        )
    order = np.random.default_rng(seed).permutation(int(n))
    num_val = int(round(n * val_fraction))
    return np.sort(order[num_val:]), np.sort(order[:num_val])


def _detect_layout(root):
    splits = [root / split / "images" for split in SPLITS]
    if any(folder.is_dir() for folder in splits):
        return "folder"
    trimaps = root / "annotations" / "trimaps"
    if (root / "images").is_dir() and trimaps.is_dir():
        return "official"
    raise checks.unknown_layout(NAME, root, LAYOUTS)


def _files(folder, suffix):
    if not folder.is_dir():
        raise checks.missing_folder(NAME, folder, LAYOUTS)
    return {p.stem: p for p in folder.iterdir() if p.suffix.lower() == suffix}


def _folder_pairs(root, split):
    images = _files(root / split / "images", ".jpg")
    trimaps = _files(root / split / "trimaps", ".png")
    pairs = checks.match_stems(NAME, images, trimaps, root / split / "trimaps")
    return [(image, trimap) for _, image, trimap in pairs]


def _official_pairs(root, split):
    listing = root / "annotations" / OFFICIAL_LISTS[split]
    if not listing.is_file():
        raise FileNotFoundError(
            f"{NAME}: missing split list {str(listing)!r} of the official "
            "layout."
        )
    stems = []
    for line in listing.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            stems.append(line.split()[0])
    pairs = []
    for stem in stems:
        image = root / "images" / f"{stem}.jpg"
        trimap = root / "annotations" / "trimaps" / f"{stem}.png"
        if not image.is_file():
            raise ValueError(
                f"{NAME}: {str(listing)!r} lists {stem!r} but "
                f"{str(image)!r} does not exist."
            )
        if not trimap.is_file():
            raise ValueError(
                f"{NAME}: no trimap for image {str(image)!r} (looked for "
                f"{str(trimap)!r})."
            )
        pairs.append((image, trimap))
    return pairs


def _load_pair(image_path, trimap_path, size):
    image = read_rgb(image_path)
    trimap = read_array(trimap_path)
    if image.shape[:2] != trimap.shape:
        raise ValueError(
            f"{NAME}: image {str(image_path)!r} is {image.shape[:2]} but its "
            f"trimap {str(trimap_path)!r} is {trimap.shape}."
        )
    mask = _trimap_to_mask(trimap, repr(str(trimap_path)), size)
    return resize_image(image, size), mask


def _trimap_to_mask(trimap, where, size):
    """Trimap values 1..3 -> classes 0..2, resized with nearest."""
    trimap = np.asarray(trimap)
    if trimap.ndim == 3:
        trimap = trimap[..., 0]
    if trimap.size and (trimap.min() < 1 or trimap.max() > 3):
        raise ValueError(
            f"{NAME}: trimap {where!s} has values "
            f"{np.unique(trimap).tolist()}, expected only 1, 2, 3."
        )
    return resize_mask((trimap - 1).astype(np.uint8), size)


def _load_tfds(data_dir, split, size):
    tfds = import_tfds(NAME)
    data_dir = None if data_dir is None else str(data_dir)
    dataset = tfds.load("oxford_iiit_pet", split=split, data_dir=data_dir)
    images, masks = [], []
    for i, example in enumerate(tfds.as_numpy(dataset)):
        image = np.asarray(example["image"], dtype=np.uint8)
        if image.ndim == 2:
            image = image[..., None]
        if image.shape[-1] == 1:
            image = np.repeat(image, 3, axis=-1)
        image = image[..., :3]
        trimap = np.asarray(example["segmentation_mask"])
        if trimap.shape[:2] != image.shape[:2]:
            raise ValueError(
                f"{NAME}: tfds example {i} has an image of size "
                f"{image.shape[:2]} but a mask of size {trimap.shape[:2]}."
            )
        images.append(resize_image(image, size))
        masks.append(_trimap_to_mask(trimap, f"tfds example {i}", size))
    if not images:
        raise ValueError(f"{NAME}: tfds split {split!r} is empty.")
    return np.stack(images), np.stack(masks)
