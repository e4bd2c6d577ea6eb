"""DIC-C2DH-HeLa (Cell Tracking Challenge): frames and binary cell masks."""

import re

import numpy as np

from keras_dss.datasets import checks
from keras_dss.datasets.images import read_array

NAME = "load_dic_hela"
SOURCES = ("auto", "folder", "ctc")
ANNOTATIONS = ("auto", "st", "gt")
LAYOUTS = (
    "folder: images/NNN.png + masks/NNN.png (uint8, 255 = cell), e.g. "
    "../shared/data/dic_hela",
    "ctc (Cell Tracking Challenge): 01/tNNN.tif + 01_ST/SEG/man_segNNN.tif "
    "(silver truth) or 01_GT/SEG/man_segNNN.tif (gold truth)",
)
FRAME_RE = re.compile(r"^t(\d+)\.tiff?$", re.IGNORECASE)
MASK_RE = re.compile(r"^man_seg(\d+)\.tiff?$", re.IGNORECASE)
NUMBER_RE = re.compile(r"^(\d+)\.png$", re.IGNORECASE)


def load_dic_hela(
    path, source="auto", sequence="01", annotation="auto", return_frames=False
):
    """Loads the frames of a DIC-HeLa sequence and their cell masks.

    Consecutive frames of the time-lapse are near-duplicates: split them by
    contiguous frame ranges (`hela_split`), never at random.

    Args:
        path: folder in the "folder" layout (`images/NNN.png`,
            `masks/NNN.png`) or the Cell Tracking Challenge layout (the
            `DIC-C2DH-HeLa` folder holding `01/`, `01_ST/`, `01_GT/`).
        source: `"auto"` (detect the layout), `"folder"` or `"ctc"`.
        sequence: CTC sequence folder, `"01"` or `"02"` (CTC layout only).
        annotation: CTC masks, `"st"` (silver truth, `01_ST/SEG`, every
            frame), `"gt"` (gold truth, `01_GT/SEG`, a few frames) or
            `"auto"` (ST when present, else GT). With GT only the frames
            that have a mask are returned.
        return_frames: also return the frame (time) indices.

    Returns:
        `(images, masks)`, or `(images, masks, frames)` with
        `return_frames=True`: `uint8 (N, H, W, 1)` images, `uint8
        (N, H, W)` masks in {0, 1} (1 = cell, i.e. label > 0) and int64
        frame indices, sorted by frame. 16-bit CTC frames are scaled to
        uint8 by the min and max over the whole sequence.

    Raises:
        FileNotFoundError: `path` or a needed folder does not exist.
        ValueError: unknown layout, a frame without mask (folder layout or
            CTC silver truth), or an image and mask of different sizes.
    """
    checks.check_choice(NAME, "source", source, SOURCES)
    checks.check_choice(NAME, "annotation", annotation, ANNOTATIONS)
    root = checks.check_exists(NAME, path, LAYOUTS)
    if source == "auto":
        source = _detect_layout(root, sequence)
    if source == "folder":
        frames, images, masks = _load_folder(root)
    else:
        frames, images, masks = _load_ctc(root, sequence, annotation)
    result = (images[..., None], masks)
    return result + (frames,) if return_frames else result


def hela_split(num_frames=84, num_val=8, num_test=20):
    """Contiguous train / validation / test frame ranges.

    Consecutive frames of a time-lapse are near-duplicates, so a random
    split would leak test frames into training; the ranges are contiguous
    and in time order. The default gives train 0..55, val 56..63 and test
    64..83 for the 84 frames of DIC-HeLa sequence 01.

    Args:
        num_frames: number of frames.
        num_val: frames in the validation range (after train).
        num_test: frames in the test range (the last ones).

    Returns:
        A dict `{"train", "val", "test"}` of int64 index arrays.
    """
    for name, value in (
        ("num_frames", num_frames),
        ("num_val", num_val),
        ("num_test", num_test),
    ):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(
                f"hela_split: `{name}` must be an int >= 0, got {value!r}."
            )
    num_train = num_frames - num_val - num_test
    if num_train < 1:
        raise ValueError(
            f"hela_split: num_frames={num_frames} leaves no training frame "
            f"after num_val={num_val} and num_test={num_test}."
        )
    return {
        "train": np.arange(0, num_train),
        "val": np.arange(num_train, num_train + num_val),
        "test": np.arange(num_train + num_val, num_frames),
    }


def _detect_layout(root, sequence):
    if (root / "images").is_dir() and (root / "masks").is_dir():
        return "folder"
    if (root / sequence).is_dir():
        return "ctc"
    raise checks.unknown_layout(NAME, root, LAYOUTS)


def _numbered(folder, pattern):
    if not folder.is_dir():
        raise checks.missing_folder(NAME, folder, LAYOUTS)
    files = {}
    for file in folder.iterdir():
        match = pattern.match(file.name)
        if match:
            files[int(match.group(1))] = file
    if not files:
        raise ValueError(f"{NAME}: no frame found in {str(folder)!r}.")
    return files


def _binary_mask(path, shape):
    mask = read_array(path)
    if mask.shape != shape:
        raise ValueError(
            f"{NAME}: mask {str(path)!r} is {mask.shape} but its image is "
            f"{shape}."
        )
    return (mask > 0).astype(np.uint8)


def _load_folder(root):
    images = _numbered(root / "images", NUMBER_RE)
    masks = _numbered(root / "masks", NUMBER_RE)
    triples = checks.match_stems(NAME, images, masks, root / "masks")
    frames = np.array([frame for frame, _, _ in triples], dtype=np.int64)
    image_list, mask_list = [], []
    for _, image_path, mask_path in triples:
        image = read_array(image_path)
        if image.dtype != np.uint8:
            raise ValueError(
                f"{NAME}: {str(image_path)!r} is {image.dtype}, expected an "
                "8-bit greyscale PNG."
            )
        image_list.append(image)
        mask_list.append(_binary_mask(mask_path, image.shape))
    return frames, _stack(image_list, root), np.stack(mask_list)


def _load_ctc(root, sequence, annotation):
    frames = _numbered(root / sequence, FRAME_RE)
    folders = {
        "st": root / f"{sequence}_ST" / "SEG",
        "gt": root / f"{sequence}_GT" / "SEG",
    }
    if annotation == "auto":
        annotation = "st" if folders["st"].is_dir() else "gt"
    masks = _numbered(folders[annotation], MASK_RE)
    if annotation == "st":
        keep = sorted(frames)
        missing = [frame for frame in keep if frame not in masks]
        if missing:
            raise ValueError(
                f"{NAME}: no mask for image {str(frames[missing[0]])!r} in "
                f"{str(folders['st'])!r} ({len(missing)} frame(s) without "
                "a mask)."
            )
    else:
        keep = sorted(set(frames) & set(masks))
        if not keep:
            raise ValueError(
                f"{NAME}: no mask of {str(folders['gt'])!r} matches a frame "
                f"of {str(root / sequence)!r}."
            )
    raw = _stack([read_array(frames[frame]) for frame in sorted(frames)], root)
    scaled = _to_uint8(raw)
    index = {frame: i for i, frame in enumerate(sorted(frames))}
    images = scaled[[index[frame] for frame in keep]]
    masks = np.stack(
        [_binary_mask(masks[frame], images.shape[1:]) for frame in keep]
    )
    return np.array(keep, dtype=np.int64), images, masks


def _stack(images, root):
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        raise ValueError(
            f"{NAME}: frames of {str(root)!r} have different sizes "
            f"{sorted(shapes)}."
        )
    return np.stack(images)


def _to_uint8(frames):
    """8-bit frames unchanged; deeper ones scaled by the sequence min/max."""
    if frames.dtype == np.uint8:
        return frames
    frames = frames.astype(np.float64)
    low, high = frames.min(), frames.max()
    if high == low:
        return np.zeros(frames.shape, np.uint8)
    return np.rint((frames - low) * (255.0 / (high - low))).astype(np.uint8)
