"""Fashion-MNIST-scale: the MNIST-scale protocol applied to Fashion-MNIST."""

import numpy as np
from PIL import Image

from keras_dss.datasets import checks
from keras_dss.datasets.idx import read_idx

NAME = "load_fashion_mnist_scale"
FILES = {
    "train_images": ("train-images-idx3-ubyte", 3),
    "train_labels": ("train-labels-idx1-ubyte", 1),
    "test_images": ("t10k-images-idx3-ubyte", 3),
    "test_labels": ("t10k-labels-idx1-ubyte", 1),
}
LAYOUTS = (
    "a folder with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (or the same "
    "names without .gz)",
    "path=None: keras.datasets.fashion_mnist.load_data() (downloads)",
)
SPLITS = ("train", "val", "test")
SIDE = 28


def load_fashion_mnist_scale(
    path=None,
    seed=0,
    min_scale=0.3,
    max_scale=1.0,
    split_sizes=(10000, 2000, 50000),
):
    """Builds the Fashion-MNIST-scale benchmark (MNIST-scale protocol).

    Protocol of MNIST-scale (Sosnovik et al., SESN, and earlier works): the
    60k training and 10k test images are pooled, permuted with `seed`, and
    the first 10k / next 2k / next 50k form train / val / test. Each image
    is rescaled by a factor drawn uniformly in `[min_scale, max_scale]`
    (bicubic, Pillow, to `round(28 * factor)` pixels, halves rounded up)
    and zero-padded back to 28 x 28, centred (extra pixel at the bottom
    right). Fully deterministic given `seed`.

    Args:
        path: folder with the four idx files (gzip or raw), or `None` to
            use `keras.datasets.fashion_mnist.load_data()`.
        seed: seed of the permutation and of the scale factors.
        min_scale: smallest scale factor, in (0, 1].
        max_scale: largest scale factor, in [min_scale, 1].
        split_sizes: sizes of train, val and test; their sum must not
            exceed the 70k pooled images.

    Returns:
        A dict with keys `"train"`, `"val"`, `"test"` and `"test_unscaled"`,
        each a dict with `"images"` (`uint8 (N, 28, 28, 1)`), `"labels"`
        (`int32 (N,)`), `"scales"` (`float32 (N,)`, the factors; 1 for
        `"test_unscaled"`) and `"indices"` (`int64 (N,)`, positions in the
        pooled array: train images 0..59999, then test images).
        `"test_unscaled"` holds the same examples as `"test"`, not rescaled.
    """
    if not 0 < min_scale <= max_scale <= 1:
        raise ValueError(
            f"{NAME}: need 0 < min_scale <= max_scale <= 1, got "
            f"min_scale={min_scale!r}, max_scale={max_scale!r}."
        )
    images, labels = _pooled(path)
    sizes = tuple(int(n) for n in split_sizes)
    if len(sizes) != 3 or min(sizes) < 0 or sum(sizes) > len(images):
        raise ValueError(
            f"{NAME}: `split_sizes` must be 3 non-negative sizes summing to "
            f"at most {len(images)}, got {split_sizes!r}."
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))[: sum(sizes)]
    scales = rng.uniform(min_scale, max_scale, sum(sizes)).astype(np.float32)
    scaled = _rescale(images[order], scales)
    result = {}
    start = 0
    for name, size in zip(SPLITS, sizes):
        part = slice(start, start + size)
        result[name] = _split(
            scaled[part], labels[order[part]], scales[part], order[part]
        )
        start += size
    test = order[sizes[0] + sizes[1] : sum(sizes)]
    result["test_unscaled"] = _split(
        images[test], labels[test], np.ones(len(test), np.float32), test
    )
    return result


def _split(images, labels, scales, indices):
    return {
        "images": np.ascontiguousarray(images[..., None]),
        "labels": labels.astype(np.int32),
        "scales": scales,
        "indices": indices.astype(np.int64),
    }


def _rescale(images, factors):
    """Bicubic resize of each image by its factor, zero-padded to 28 x 28.

    Images are grouped by target side so that the per-image work is only
    Pillow's resize.
    """
    sides = np.maximum(1, (SIDE * factors.astype(np.float64) + 0.5)).astype(int)
    out = np.zeros_like(images)
    for side in np.unique(sides):
        which = np.flatnonzero(sides == side)
        if side == SIDE:
            out[which] = images[which]
            continue
        resized = b"".join(
            Image.frombuffer(
                "L", (SIDE, SIDE), images[k].tobytes(), "raw", "L", 0, 1
            )
            .resize((side, side), Image.Resampling.BICUBIC)
            .tobytes()
            for k in which
        )
        top = (SIDE - side) // 2
        out[which, top : top + side, top : top + side] = np.frombuffer(
            resized, np.uint8
        ).reshape(len(which), side, side)
    return out


def _pooled(path):
    """The 60k train then 10k test images and labels, as uint8 arrays."""
    if path is None:
        import keras

        (x_train, y_train), (x_test, y_test) = (
            keras.datasets.fashion_mnist.load_data()
        )
    else:
        root = checks.check_exists(NAME, path, LAYOUTS)
        arrays = {
            key: read_idx(_find(root, name), ndim)
            for key, (name, ndim) in FILES.items()
        }
        for part in ("train", "test"):
            x, y = arrays[f"{part}_images"], arrays[f"{part}_labels"]
            if len(x) != len(y) or x.shape[1:] != (SIDE, SIDE):
                raise ValueError(
                    f"{NAME}: {part} images {x.shape} and labels {y.shape} "
                    f"in {str(root)!r} do not match (expected (N, 28, 28) "
                    "and (N,))."
                )
        x_train, y_train = arrays["train_images"], arrays["train_labels"]
        x_test, y_test = arrays["test_images"], arrays["test_labels"]
    images = np.concatenate([x_train, x_test]).astype(np.uint8)
    labels = np.concatenate([y_train, y_test]).astype(np.int64)
    return images, labels


def _find(root, name):
    for candidate in (root / f"{name}.gz", root / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{NAME}: {str(root / (name + '.gz'))!r} does not exist. Looked for "
        f"one of the supported layouts:{checks.format_layouts(LAYOUTS)}"
    )
