"""`keras.utils.PyDataset`s that batch (and augment) numpy data for `fit`."""

import keras
import numpy as np


class _IndexedSequence(keras.utils.PyDataset):
    """Shared batching, shuffling and source handling."""

    def __init__(
        self,
        name,
        x,
        y,
        batch_size,
        shuffle,
        seed,
        augmentation,
        drop_remainder,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            raise ValueError(
                f"{name}: `batch_size` must be an int >= 1, got {batch_size!r}."
            )
        if y is None:
            if not (hasattr(x, "__len__") and hasattr(x, "__getitem__")):
                raise ValueError(
                    f"{name}: without labels, the first argument must be a "
                    "data set with __len__ and __getitem__(indices) -> "
                    f"(x, y), got {type(x).__name__}."
                )
            self._source = x
        else:
            x, y = np.asarray(x), np.asarray(y)
            if len(x) != len(y):
                raise ValueError(
                    f"{name}: {len(x)} inputs but {len(y)} targets."
                )
            self._source = None
        self._x, self._y = x, y
        self._name = name
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.augmentation = augmentation
        self.drop_remainder = bool(drop_remainder)
        self._rng = np.random.default_rng(seed)
        self._size = len(x)
        if self._size == 0 or (drop_remainder and self._size < batch_size):
            raise ValueError(
                f"{name}: {self._size} examples make no batch of "
                f"{batch_size}."
            )
        self._order = self._new_order()

    def _new_order(self):
        if self.shuffle:
            return self._rng.permutation(self._size)
        return np.arange(self._size)

    def __len__(self):
        if self.drop_remainder:
            return self._size // self.batch_size
        return -(-self._size // self.batch_size)

    def _batch(self, index):
        if not 0 <= index < len(self):
            raise IndexError(
                f"{self._name}: batch {index} out of range ({len(self)} "
                "batches)."
            )
        indices = self._order[index * self.batch_size :][: self.batch_size]
        if self._source is not None:
            x, y = self._source[indices]
            return np.asarray(x), np.asarray(y)
        return self._x[indices], self._y[indices]

    def on_epoch_end(self):
        self._order = self._new_order()


class SegmentationSequence(_IndexedSequence):
    """Batches of images and segmentation masks, optionally augmented.

    Each batch is `(x, y)`: `x` float32 `(B, H, W, C)` raw pixel values
    (0..255, NOT normalised: the models normalise inside) and `y` int32
    `(B, H, W)` class indices. Augmentation, if any, is applied jointly to
    images and masks (see `segmentation_augmentation`) on the active Keras
    backend and converted back to numpy.

    Args:
        images: `(N, H, W, C)` or `(N, H, W)` array; or, with `masks=None`,
            a data set with `__len__` and `__getitem__(indices) -> (images,
            masks)`, such as `load_cityscapes(...).arrays(image_size)`.
        masks: `(N, H, W)` or `(N, H, W, 1)` integer array, or `None`.
        batch_size: examples per batch.
        shuffle: reshuffle the examples every epoch.
        seed: seed of the shuffling (augmentation has its own seed).
        augmentation: `None`, or a callable on `{"images",
            "segmentation_masks"}` dicts, e.g. `segmentation_augmentation()`.
        drop_remainder: drop the last incomplete batch (steady shapes for
            compiled steps and batch norm).
        **kwargs: `keras.utils.PyDataset` arguments (`workers`,
            `use_multiprocessing`, `max_queue_size`). With several workers
            the order in which augmentation draws its random numbers, and
            so the augmentation, is not reproducible.
    """

    def __init__(
        self,
        images,
        masks=None,
        batch_size=8,
        shuffle=True,
        seed=None,
        augmentation=None,
        drop_remainder=False,
        **kwargs,
    ):
        name = "SegmentationSequence"
        super().__init__(
            name,
            images,
            masks,
            batch_size,
            shuffle,
            seed,
            augmentation,
            drop_remainder,
            **kwargs,
        )
        if masks is not None:
            image_hw = self._x.shape[1:3]
            mask_hw = self._y.shape[1:3]
            if (
                self._x.ndim not in (3, 4)
                or self._y.ndim not in (3, 4)
                or (image_hw != mask_hw)
            ):
                raise ValueError(
                    f"{name}: images {self._x.shape} and masks "
                    f"{self._y.shape} must be (N, H, W[, C]) and "
                    "(N, H, W[, 1]) with the same N, H, W."
                )

    def __getitem__(self, index):
        x, y = self._batch(index)
        x = np.asarray(x, np.float32)
        if x.ndim == 3:
            x = x[..., None]
        y = np.asarray(y)
        if y.ndim == 4:
            y = y[..., 0]
        if self.augmentation is None:
            return x, y.astype(np.int32)
        out = self.augmentation(
            {"images": x, "segmentation_masks": y[..., None].astype(np.float32)}
        )
        x = keras.ops.convert_to_numpy(out["images"]).astype(np.float32)
        y = keras.ops.convert_to_numpy(out["segmentation_masks"])[..., 0]
        return x, np.rint(y).astype(np.int32)


class ClassificationSequence(_IndexedSequence):
    """Batches of images and class labels, optionally augmented.

    Each batch is `(x, y)`: `x` float32 `(B, H, W, C)` raw pixel values
    (not normalised) and `y` the labels (int32 when they are integers).

    Args:
        images: `(N, H, W, C)` or `(N, H, W)` array; or, with `labels=None`,
            a data set with `__len__` and `__getitem__(indices) -> (images,
            labels)`, such as `load_patch_camelyon(...)` (read lazily).
        labels: `(N,)` labels (or `(N, K)` one-hot), or `None`.
        batch_size: examples per batch.
        shuffle: reshuffle the examples every epoch.
        seed: seed of the shuffling.
        augmentation: `None`, or a callable on a batch of images, e.g. a
            `keras.layers.Pipeline` of `RandomFlip`, `RandomRotation`...
        drop_remainder: drop the last incomplete batch.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`,
            `use_multiprocessing`, `max_queue_size`).
    """

    def __init__(
        self,
        images,
        labels=None,
        batch_size=32,
        shuffle=True,
        seed=None,
        augmentation=None,
        drop_remainder=False,
        **kwargs,
    ):
        super().__init__(
            "ClassificationSequence",
            images,
            labels,
            batch_size,
            shuffle,
            seed,
            augmentation,
            drop_remainder,
            **kwargs,
        )

    def __getitem__(self, index):
        x, y = self._batch(index)
        x = np.asarray(x, np.float32)
        if x.ndim == 3:
            x = x[..., None]
        y = np.asarray(y)
        if np.issubdtype(y.dtype, np.integer):
            y = y.astype(np.int32)
        if self.augmentation is not None:
            x = keras.ops.convert_to_numpy(self.augmentation(x))
            x = x.astype(np.float32)
        return x, y
