"""Tasks of the data sets read lazily from disk: PatchCamelyon, Cityscapes.

Neither can be obtained on the machines this project is developed on, so
no weights are shipped for them; the tasks make their recipes runnable for
users who have the data (and are tested on small generated stand-ins).
"""

import numpy as np
from tqdm.auto import tqdm

from keras_dss import datasets
from keras_dss import evaluation
from keras_dss.training.tasks import SegmentationEvaluation
from keras_dss.training.tasks import resolve_data_path

CITYSCAPES_IGNORE = 255


def _resolve(recipe):
    return resolve_data_path(recipe.data["path"], recipe.folder)


class _Limited:
    """The first `limit` examples of a lazily read data set."""

    def __init__(self, data, limit):
        self.data = data
        self.limit = len(data) if limit is None else min(limit, len(data))

    def __len__(self):
        return self.limit

    def __getitem__(self, indices):
        indices = np.atleast_1d(np.asarray(indices))
        if indices.size and (indices.max() >= self.limit
                             or indices.min() < -self.limit):
            raise IndexError(f"index out of range for {self.limit} examples")
        return self.data[np.where(indices < 0, indices + self.limit, indices)]


def _flips(augmentation, seed):
    """`RandomFlip` for `{"flip": mode}` (`True` = both axes), else `None`;
    histology patches have no preferred orientation."""
    unknown = sorted(set(augmentation) - {"flip"})
    if unknown:
        raise ValueError(
            f"PatchCamelyon recipes support only the `flip` augmentation, got "
            f"{unknown}"
        )
    mode = augmentation.get("flip", False)
    if not mode:
        return None
    import keras

    return keras.layers.RandomFlip(
        "horizontal_and_vertical" if mode is True else mode, seed=seed
    )


class PatchCamelyonTask:
    """PatchCamelyon: binary classification of 96 x 96 patches; the
    official train / valid / test splits, read lazily from the h5 files (or
    tensorflow-datasets with `data.source = "tfds"`)."""

    kind = "classification"
    num_classes = 2
    metrics = ("accuracy",)

    def _split(self, path, split, source="auto", limit=None):
        return _Limited(
            datasets.load_patch_camelyon(path, split=split, source=source),
            limit,
        )

    def train_val(self, recipe, limit=None):
        t, source = recipe.training, recipe.data.get("source", "auto")
        path = _resolve(recipe)
        augmentation = _flips(recipe.augmentation, t["seed"])
        train = datasets.ClassificationSequence(
            self._split(path, "train", source, limit), batch_size=t["batch_size"],
            shuffle=True, seed=t["seed"], augmentation=augmentation,
            drop_remainder=True,
        )
        val = datasets.ClassificationSequence(
            self._split(path, "valid", source, limit),
            batch_size=t["validation_batch_size"] or t["batch_size"],
            shuffle=False,
        )
        return train, val

    def load_test(self, path, limit=None):
        return self._split(path, "test", limit=limit)

    # Test images read per chunk (about 0.2 GB of uint8 pixels), so the
    # 32,768-image test split (0.9 GB) is never held at once.
    eval_chunk = 8192

    def evaluate(self, model, data, scales=None, batch_size=256, multiple=1,
                 progress=True):
        correct, total = 0.0, 0
        with tqdm(total=len(data), disable=not progress, unit="img",
                  desc="PatchCamelyon test") as bar:
            for start in range(0, len(data), self.eval_chunk):
                images, labels = data[np.arange(
                    start, min(start + self.eval_chunk, len(data)))]
                part = evaluation.classification_by_scale(
                    model, images, labels, np.ones(len(labels)), buckets=(),
                    batch_size=batch_size,
                )
                correct += part["accuracy"] * part["num_images"]
                total += part["num_images"]
                bar.update(part["num_images"])
        return {"accuracy": correct / total, "num_images": total,
                "buckets": [], "bucket_accuracy": [], "bucket_counts": []}


class CityscapesTask(SegmentationEvaluation):
    """Cityscapes fine annotations, 19 classes (255 ignored), images read
    on demand at `data.image_size` (default 512 x 1024, half resolution).
    The public test labels are withheld, so evaluation uses the val split.
    """

    num_classes = 19
    ignore_class = CITYSCAPES_IGNORE
    metrics = ("mean_iou", "consistency")
    image_size = (512, 1024)

    def scales(self):
        return [float(s) for s in 2.0 ** np.linspace(-2, 1, 7)]

    def train_val(self, recipe, limit=None):
        t = recipe.training
        path = _resolve(recipe)
        size = tuple(recipe.data.get("image_size", self.image_size))
        augmentation = datasets.segmentation_augmentation(
            seed=t["seed"], **recipe.augmentation
        )
        train = datasets.SegmentationSequence(
            _Limited(datasets.load_cityscapes(path, "train").arrays(size),
                     limit),
            batch_size=t["batch_size"], shuffle=True, seed=t["seed"],
            augmentation=augmentation, drop_remainder=True,
        )
        val = datasets.SegmentationSequence(
            _Limited(datasets.load_cityscapes(path, "val").arrays(size), limit),
            batch_size=t["validation_batch_size"] or t["batch_size"],
            shuffle=False,
        )
        return train, val

    def load_test(self, path, limit=None):
        files = datasets.load_cityscapes(path, "val")
        count = len(files) if limit is None else min(limit, len(files))
        return files.load_many(range(count), self.image_size)
