"""What training and evaluation do per data set: data, sequences, metrics.

Each task knows how to load its data set's training and validation
sequences for a recipe, its test split for `keras-dss evaluate`, and which
scale-generalisation protocol and metrics apply.
"""

import pathlib

import numpy as np

from keras_dss import datasets
from keras_dss import evaluation


def resolve_data_path(path, recipe_folder=None):
    """A data path as given, or relative to the repository of a recipe.

    Relative paths are tried against the working directory first, then the
    repository root of the recipe (`zoo/<recipe>/../..`).
    """
    candidate = pathlib.Path(path)
    if candidate.exists() or candidate.is_absolute() or recipe_folder is None:
        return candidate
    in_repo = pathlib.Path(recipe_folder).resolve().parents[1] / path
    return in_repo if in_repo.exists() else candidate


def _first(arrays, limit):
    return arrays if limit is None else tuple(a[:limit] for a in arrays)


class SegmentationEvaluation:
    """`evaluate` of the segmentation tasks: the scale-generalisation
    protocol with the task's `scales()`, `num_classes`, `foreground_class`
    and `ignore_class` (a mask label left out of the loss, the IoUs and the
    pixel accuracy)."""

    kind = "segmentation"
    foreground_class = None
    ignore_class = None

    def evaluate(self, model, data, scales=None, **kwargs):
        images, masks = data
        return evaluation.scale_generalization(
            model, images, masks, scales=scales or self.scales(),
            num_classes=self.num_classes,
            foreground_class=self.foreground_class,
            ignore_index=self.ignore_class, **kwargs,
        )


class SegmentationTask(SegmentationEvaluation):
    """A segmentation data set held in memory: its splits and its scale
    protocol.

    Args:
        load_train: `load_train(path) -> (images, masks)`, the pool that
            training and validation are drawn from.
        load_test: `load_test(path) -> (images, masks)`, the test split.
        split: `split(n, recipe_data) -> (train_indices, val_indices)`
            into the training pool.
        scales: the protocol's default rescale factors (a function).
        num_classes: number of classes.
        foreground_class: class reported as `"foreground_iou"`.
        metrics: result keys printed by `keras-dss evaluate`.
    """

    def __init__(self, load_train, load_test, split, scales, num_classes,
                 foreground_class, metrics):
        self.load_train = load_train
        self.load_test_pool = load_test
        self.split = split
        self.scales = scales
        self.num_classes = num_classes
        self.foreground_class = foreground_class
        self.metrics = metrics

    def train_val(self, recipe, limit=None):
        path = resolve_data_path(recipe.data["path"], recipe.folder)
        images, masks = self.load_train(path)
        train, val = self.split(len(images), recipe.data)
        return _segmentation_sequences(images, masks, train, val, recipe, limit)

    def load_test(self, path, limit=None):
        return _first(self.load_test_pool(path), limit)

    def load_validation(self, path, limit=None, data=None):
        """The validation images and masks that training held out.

        Args:
            path: the data folder.
            limit: keep only the first this many.
            data: a recipe's `data` dict (split options, e.g.
                `val_fraction` and `seed`); the recipes' defaults if None.
        """
        images, masks = self.load_train(path)
        _, val = self.split(len(images), data or {})
        return _first((images[val], masks[val]), limit)


def _pets_task():
    """Oxford-IIIT Pet, 3 classes (0 pet, 1 background, 2 border); the
    train split is divided at random (seeded) into train and validation."""
    return SegmentationTask(
        load_train=lambda path: datasets.load_oxford_iiit_pet(path, "train"),
        load_test=lambda path: datasets.load_oxford_iiit_pet(path, "test"),
        split=lambda n, d: datasets.train_val_split(
            n, d.get("val_fraction", 0.2), seed=d.get("seed", 0)
        ),
        scales=evaluation.pets_scales,
        num_classes=3,
        foreground_class=0,
        metrics=("mean_iou", "foreground_iou", "consistency"),
    )


def _hela_test(path):
    images, masks = datasets.load_dic_hela(path)
    test = datasets.hela_split(len(images))["test"]
    return images[test], masks[test]


def _hela_train_val(n, data):
    split = datasets.hela_split(n)
    return split["train"], split["val"]


def _hela_task():
    """DIC-HeLa, binary (1 = cell), split by contiguous frame ranges."""
    return SegmentationTask(
        load_train=datasets.load_dic_hela,
        load_test=_hela_test,
        split=_hela_train_val,
        scales=evaluation.hela_scales,
        num_classes=2,
        foreground_class=1,
        metrics=("foreground_iou", "mean_iou", "consistency"),
    )


class FashionMnistScaleTask:
    """Fashion-MNIST-scale classification (MNIST-scale protocol)."""

    kind = "classification"
    num_classes = 10
    metrics = ("accuracy",)
    scale_buckets = True  # `evaluate` takes `buckets`

    def _load(self, path, seed):
        return datasets.load_fashion_mnist_scale(
            None if path is None else pathlib.Path(path), seed=seed
        )

    def train_val(self, recipe, limit=None):
        """Training and validation sequences.

        `recipe.data["train_scales"]`, a pair `[low, high]`, keeps only the
        training and validation images whose scale factor lies in
        `[low, high]` (the test split keeps every scale): for measuring how
        a model generalises to scales it never saw.
        """
        d, t = recipe.data, recipe.training
        path = d.get("path")
        if path is not None:
            path = resolve_data_path(path, recipe.folder)
        splits = self._load(path, d.get("seed", 0))
        scale_range = _scale_range(d.get("train_scales"))
        sequences = []
        for name, shuffle in (("train", True), ("val", False)):
            s = splits[name]
            if scale_range is not None:
                keep = ((s["scales"] >= scale_range[0])
                        & (s["scales"] <= scale_range[1]))
                if not keep.any():
                    raise ValueError(
                        f"fashion_mnist_scale: no {name} image has a scale "
                        f"in train_scales {list(scale_range)}."
                    )
                s = {k: v[keep] for k, v in s.items()}
            x, y = _first((s["images"], s["labels"]), limit)
            sequences.append(
                datasets.ClassificationSequence(
                    x, y, batch_size=t["batch_size"], shuffle=shuffle,
                    seed=t["seed"],
                )
            )
        return sequences[0], sequences[1]

    def load_test(self, path, limit=None, seed=0):
        splits = self._load(path, seed)
        return {k: _first_dict(splits[k], limit)
                for k in ("test", "test_unscaled")}

    def evaluate(self, model, data, scales=None, batch_size=256, multiple=1,
                 progress=True, buckets=evaluation.SCALE_BUCKETS):
        test = data["test"]
        result = evaluation.classification_by_scale(
            model, test["images"], test["labels"], test["scales"],
            buckets=buckets, batch_size=batch_size, progress=progress,
        )
        unscaled = data["test_unscaled"]
        logits = np.asarray(model.predict(unscaled["images"],
                                          batch_size=batch_size, verbose=0))
        result["unscaled_accuracy"] = evaluation.accuracy(
            unscaled["labels"], logits.argmax(-1)
        )
        return result


def _scale_range(value):
    """Checks a recipe's `train_scales` (`None` or `[low, high]`)."""
    if value is None:
        return None
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, (int, float))
                       and not isinstance(v, bool) for v in value)
            or not 0 < value[0] <= value[1]):
        raise ValueError(
            "fashion_mnist_scale: data.train_scales must be [low, high] "
            f"with 0 < low <= high, got {value!r}."
        )
    return float(value[0]), float(value[1])


def _first_dict(split, limit):
    return split if limit is None else {k: v[:limit] for k, v in split.items()}


def _segmentation_sequences(images, masks, train, val, recipe, limit):
    t = recipe.training
    if limit is not None:
        train, val = train[:limit], val[:limit]
    # `data.repeat`: each training image is drawn this many times per epoch
    # (each time with its own random crop and augmentation). Small data sets
    # need it: batch norm's moving statistics (momentum 0.99) lag behind
    # the batch statistics for the first few hundred steps.
    repeat = recipe.data.get("repeat", 1)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
        raise ValueError(
            f"recipe {recipe.folder}: data.repeat must be an int >= 1, got "
            f"{repeat!r}"
        )
    train = np.tile(train, repeat)
    augmentation = datasets.segmentation_augmentation(
        seed=t["seed"], **recipe.augmentation
    )
    train_seq = datasets.SegmentationSequence(
        images[train], masks[train], batch_size=t["batch_size"], shuffle=True,
        seed=t["seed"], augmentation=augmentation, drop_remainder=True,
    )
    val_seq = datasets.SegmentationSequence(
        images[val], masks[val],
        batch_size=t["validation_batch_size"] or t["batch_size"],
        shuffle=False,
    )
    return train_seq, val_seq


def _lazy(name):
    def make():
        from keras_dss.training import lazy_tasks

        return getattr(lazy_tasks, name)()

    return make


TASKS = {
    "oxford_iiit_pet": _pets_task,
    "dic_hela": _hela_task,
    "fashion_mnist_scale": FashionMnistScaleTask,
    "patch_camelyon": _lazy("PatchCamelyonTask"),
    "cityscapes": _lazy("CityscapesTask"),
}


def get_task(dataset):
    """The task of a data set name, or a ValueError listing the known ones."""
    if dataset not in TASKS:
        raise ValueError(
            f"unknown data set {dataset!r}; known: {', '.join(sorted(TASKS))}"
        )
    return TASKS[dataset]()
