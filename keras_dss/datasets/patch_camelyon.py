"""PatchCamelyon (PCam): 96 x 96 histopathology patches, read lazily."""

import os

import numpy as np

from keras_dss.datasets import checks
from keras_dss.datasets.tfds_source import import_tfds

NAME = "load_patch_camelyon"
SOURCES = ("auto", "h5", "tfds")
SPLIT_FILES = {"train": "train", "valid": "valid", "test": "test"}
SPLIT_ALIASES = {"validation": "valid", "val": "valid"}
TFDS_SPLITS = {"train": "train", "valid": "validation", "test": "test"}
LAYOUTS = (
    "h5: camelyonpatch_level_2_split_{train,valid,test}_{x,y}.h5 (the "
    "official files, gunzipped), datasets 'x' (N, 96, 96, 3) and "
    "'y' (N, 1, 1, 1)",
    "source='tfds': tensorflow_datasets 'patch_camelyon' (path = data_dir)",
)


def load_patch_camelyon(path, split="train", source="auto"):
    """Opens one split of PatchCamelyon for lazy, random-access reading.

    Nothing but the labels is read up front: the 7 GB training images stay
    on disk and `dataset[indices]` reads only the requested patches.

    Args:
        path: folder with the official h5 files, or the tensorflow-datasets
            `data_dir` (or `None`) when `source="tfds"`.
        split: `"train"` (262144 patches), `"valid"` (32768; `"val"` and
            `"validation"` are accepted) or `"test"` (32768).
        source: `"auto"` or `"h5"` (the official files) or `"tfds"`. The
            tfds source reads through `tfds.data_source`, which needs the
            data set prepared in the `array_record` file format.

    Returns:
        A `PatchCamelyon`: `len(dataset)`, and `dataset[key]` with an int
        -> `(uint8 (96, 96, 3) image, int label)`, or a slice / int array
        -> `(uint8 (n, 96, 96, 3) images, int32 (n,) labels)`. It can be
        passed directly to `ClassificationSequence`.

    Raises:
        FileNotFoundError: `path` or one of the two h5 files is missing.
        ValueError: the h5 files hold different numbers of examples or lack
            the `x` / `y` datasets.
    """
    checks.check_choice(NAME, "source", source, SOURCES)
    split = SPLIT_ALIASES.get(split, split)
    checks.check_choice(NAME, "split", split, tuple(SPLIT_FILES))
    if source == "tfds":
        data_dir = None if path is None else str(path)
        return PatchCamelyon(_TfdsReader(data_dir, TFDS_SPLITS[split]))
    root = checks.check_exists(NAME, path, LAYOUTS)
    stem = root / f"camelyonpatch_level_2_split_{SPLIT_FILES[split]}"
    files = [stem.with_name(stem.name + f"_{part}.h5") for part in "xy"]
    for file in files:
        if not file.is_file():
            raise FileNotFoundError(
                f"{NAME}: {str(file)!r} does not exist. Looked for one of "
                f"the supported layouts:{checks.format_layouts(LAYOUTS)}"
            )
    return PatchCamelyon(_H5Reader(*files))


class PatchCamelyon:
    """Random access to PatchCamelyon patches; see `load_patch_camelyon`.

    Picklable (for multiprocessing data loading): open h5 files are not
    pickled and are reopened in each process.
    """

    def __init__(self, reader):
        self._reader = reader

    def __len__(self):
        return len(self._reader)

    @property
    def labels(self):
        """All labels, `int32 (N,)` (read once, small)."""
        return self._reader.labels()

    def __getitem__(self, key):
        n = len(self)
        if isinstance(key, (int, np.integer)):
            if not -n <= key < n:
                raise IndexError(f"index {key} out of range for {n} patches")
            images, labels = self._reader.read(np.array([key % n]))
            return images[0], int(labels[0])
        if isinstance(key, slice):
            indices = np.arange(n)[key]
        else:
            indices = np.asarray(key)
            if indices.ndim != 1 or not np.issubdtype(
                indices.dtype, np.integer
            ):
                raise IndexError(
                    "PatchCamelyon: index with an int, a slice or a 1-D int "
                    f"array, got {key!r}."
                )
            if len(indices) and (indices.min() < -n or indices.max() >= n):
                raise IndexError(f"indices out of range for {n} patches")
            indices = indices % n
        return self._reader.read(indices)


class _H5Reader:
    """Reads sorted unique rows from the h5 files, reopened per process."""

    def __init__(self, x_file, y_file):
        self.files = (str(x_file), str(y_file))
        self._handles = None
        self._pid = None
        self._labels = None
        x, y = self._open()
        for file, data, key in ((x_file, x, "x"), (y_file, y, "y")):
            if data is None:
                raise ValueError(
                    f"{NAME}: {str(file)!r} has no dataset {key!r}."
                )
        if len(x) != len(y):
            raise ValueError(
                f"{NAME}: {str(x_file)!r} holds {len(x)} images but "
                f"{str(y_file)!r} holds {len(y)} labels."
            )
        self._length = len(x)

    def _open(self):
        if self._handles is None or self._pid != os.getpid():
            import h5py

            handles = [h5py.File(file, "r") for file in self.files]
            self._handles = handles
            self._pid = os.getpid()
        return [h.get(key) for h, key in zip(self._handles, "xy")]

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_handles"] = None
        return state

    def __len__(self):
        return self._length

    def labels(self):
        if self._labels is None:
            y = self._open()[1]
            self._labels = np.asarray(y[...]).reshape(len(y)).astype(np.int32)
        return self._labels

    def read(self, indices):
        x = self._open()[0]
        if len(indices) == 0:
            return np.zeros((0,) + x.shape[1:], x.dtype), np.zeros(0, np.int32)
        unique, inverse = np.unique(indices, return_inverse=True)
        if unique[-1] - unique[0] + 1 == len(unique):
            images = x[int(unique[0]) : int(unique[-1]) + 1]
        else:
            images = x[unique]
        return np.asarray(images)[inverse], self.labels()[indices]


class _TfdsReader:
    """Random access through `tfds.data_source` (array_record format)."""

    def __init__(self, data_dir, split):
        tfds = import_tfds(NAME)
        self.source = tfds.data_source(
            "patch_camelyon", split=split, data_dir=data_dir
        )
        self._labels = None

    def __len__(self):
        return len(self.source)

    def labels(self):
        if self._labels is None:
            self._labels = self.read(np.arange(len(self)))[1]
        return self._labels

    def read(self, indices):
        records = [self.source[int(i)] for i in indices]
        if not records:
            return np.zeros((0, 96, 96, 3), np.uint8), np.zeros(0, np.int32)
        images = np.stack([np.asarray(r["image"], np.uint8) for r in records])
        labels = np.array([int(r["label"]) for r in records], np.int32)
        return images, labels
