"""Data loaders, augmentation and `PyDataset`s of `keras_dss.datasets`.

Every loader is tested on tiny fixtures generated in `tmp_path`, in each
supported layout, so the file runs without the real data. One extra test
per data set reads the real folder (`../shared/data`) and is skipped when
it is absent. The tfds code paths run against a fake `tensorflow_datasets`
module.
"""

import gzip
import os
import pickle
import subprocess
import sys
import types

import h5py
import keras
import numpy as np
import pytest
from PIL import Image

from keras_dss import datasets
from keras_dss.datasets import pets
from keras_dss.datasets import ClassificationSequence
from keras_dss.datasets import RandomAffineCrop
from keras_dss.datasets import SegmentationSequence
from keras_dss.datasets import segmentation_augmentation

H, W = 20, 24
REAL = datasets.default_data_dir()


def save(array, path, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)


def rng(seed=0):
    return np.random.default_rng(seed)


def real_folder(name):
    if REAL is None or not (REAL / name).is_dir():
        pytest.skip(f"real data folder ../shared/data/{name} is not present")
    return REAL / name


@pytest.fixture
def fake_tfds(monkeypatch):
    """Installs a fake `tensorflow_datasets`; returns its call log."""
    module = types.ModuleType("tensorflow_datasets")
    calls = []

    def load(name, split, data_dir=None):
        calls.append(("load", name, split, data_dir))
        examples = []
        for k, (h, w) in enumerate([(30, 40), (22, 18)]):
            trimap = np.full((h, w, 1), 1 + k, np.uint8)
            trimap[: h // 2] = 3
            image = np.full((h, w, 3), 50 * k, np.uint8)
            examples.append({"image": image, "segmentation_mask": trimap})
        return examples

    def data_source(name, split, data_dir=None):
        calls.append(("data_source", name, split, data_dir))
        return [
            {"image": np.full((96, 96, 3), k, np.uint8), "label": k % 2}
            for k in range(5)
        ]

    module.load = load
    module.as_numpy = lambda dataset: dataset
    module.data_source = data_source
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", module)
    return calls


# --------------------------------------------------------------------------
# Paths and shared errors
# --------------------------------------------------------------------------


def test_default_data_dir(monkeypatch, tmp_path):
    found = datasets.default_data_dir()
    assert found is None or (found.is_dir() and found.name == "data")
    monkeypatch.setenv("KERAS_DSS_DATA_DIR", str(tmp_path))
    assert datasets.default_data_dir() == tmp_path
    monkeypatch.setenv("KERAS_DSS_DATA_DIR", str(tmp_path / "missing"))
    assert datasets.default_data_dir() is None


@pytest.mark.parametrize(
    "load",
    [
        datasets.load_oxford_iiit_pet,
        datasets.load_dic_hela,
        datasets.load_fashion_mnist_scale,
        datasets.load_patch_camelyon,
        datasets.load_cityscapes,
    ],
)
def test_missing_path_names_path_and_layouts(load, tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere") as info:
        load(missing)
    assert "layout" in str(info.value)


@pytest.mark.parametrize(
    "load",
    [datasets.load_oxford_iiit_pet, datasets.load_dic_hela],
)
def test_unknown_layout_lists_layouts(load, tmp_path):
    (tmp_path / "junk.txt").write_text("x")
    with pytest.raises(ValueError, match="Supported layouts") as info:
        load(tmp_path)
    assert "folder:" in str(info.value)


def test_tfds_not_installed_message(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(ImportError, match="tensorflow-datasets"):
        datasets.load_oxford_iiit_pet(None, source="tfds")
    with pytest.raises(ImportError, match="tensorflow-datasets"):
        datasets.load_patch_camelyon(None, source="tfds")


def test_import_does_not_import_tensorflow():
    if keras.backend.backend() != "jax":
        pytest.skip("backend-independent subprocess check, run with jax only")
    code = (
        "import sys, keras_dss.datasets; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'tensorflow', 'tensorflow_datasets'}))"
    )
    env = dict(os.environ, KERAS_BACKEND="jax")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------
# Oxford-IIIT Pet
# --------------------------------------------------------------------------


def pet_trimap(k, shape=(H, W)):
    """Trimap whose top-left value encodes `k` (values 1..3)."""
    trimap = rng(k).integers(1, 4, shape).astype(np.uint8)
    trimap[0, 0] = 1 + k % 3
    return trimap


def make_pets_folder(root, counts={"train": 4, "test": 3}):
    for split, count in counts.items():
        for k in range(count):
            image = rng(k).integers(0, 256, (H, W, 3)).astype(np.uint8)
            save(image, root / split / "images" / f"{k:04d}.jpg", quality=95)
            save(pet_trimap(k), root / split / "trimaps" / f"{k:04d}.png")
    return root


OFFICIAL = {
    # stem: (size (h, w), image mode)
    "Abyssinian_1": ((30, 40), "RGB"),
    "beagle_7": ((25, 19), "L"),
    "Bombay_3": ((17, 33), "CMYK"),
    "Egyptian_Mau_2": ((40, 30), "RGBA"),
}


def make_pets_official(root):
    for k, (stem, (size, mode)) in enumerate(OFFICIAL.items()):
        image = Image.new(mode, size[::-1], (40,) * len(mode))
        path = root / "images" / f"{stem}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Some official ".jpg" files are PNGs (RGBA): Pillow reads content.
        image.save(path, format="PNG" if mode == "RGBA" else "JPEG")
        trimap = np.full(size, 1 + k % 3, np.uint8)
        save(trimap, root / "annotations" / "trimaps" / f"{stem}.png")
    stems = list(OFFICIAL)
    (root / "annotations" / "trainval.txt").write_text(
        f"{stems[2]} 7 1 1\n{stems[0]} 1 1 1\n{stems[3]} 3 1 2\n"
    )
    (root / "annotations" / "test.txt").write_text(f"{stems[1]} 2 2 1\n")
    return root


def test_pets_folder_layout(tmp_path):
    root = make_pets_folder(tmp_path / "pets")
    images, masks = datasets.load_oxford_iiit_pet(root, image_size=(H, W))
    assert images.shape == (4, H, W, 3) and images.dtype == np.uint8
    assert masks.shape == (4, H, W) and masks.dtype == np.uint8
    for k in range(4):  # file order, trimap - 1, not resized
        np.testing.assert_array_equal(masks[k], pet_trimap(k) - 1)
    images, masks = datasets.load_oxford_iiit_pet(
        root, split="test", source="folder", image_size=16
    )
    assert images.shape == (3, 16, 16, 3) and masks.shape == (3, 16, 16)
    assert set(np.unique(masks)) <= {0, 1, 2}
    assert [m[0, 0] for m in masks] == [0, 1, 2]


def test_pets_official_layout(tmp_path):
    root = make_pets_official(tmp_path / "official")
    images, masks = datasets.load_oxford_iiit_pet(root, "train", image_size=12)
    assert images.shape == (3, 12, 12, 3) and images.dtype == np.uint8
    assert masks.shape == (3, 12, 12) and set(np.unique(masks)) <= {0, 1, 2}
    # Order of trainval.txt: stems 2, 0, 3; trimap of stem k is 1 + k % 3.
    assert [set(np.unique(m)) for m in masks] == [{2}, {0}, {0}]
    images, masks = datasets.load_oxford_iiit_pet(
        root, "test", source="official", image_size=(10, 14)
    )
    assert images.shape == (1, 10, 14, 3)  # greyscale converted to RGB
    assert np.all(images[0, ..., 0] == images[0, ..., 1])


def test_pets_bad_files(tmp_path):
    root = make_pets_folder(tmp_path / "a", {"train": 2})
    bad = pet_trimap(1)
    bad[3, 3] = 4
    save(bad, root / "train" / "trimaps" / "0001.png")
    with pytest.raises(ValueError, match=r"0001\.png.*1, 2, 3"):
        datasets.load_oxford_iiit_pet(root)

    root = make_pets_folder(tmp_path / "b", {"train": 2})
    save(pet_trimap(1, (H, W + 1)), root / "train" / "trimaps" / "0001.png")
    with pytest.raises(ValueError, match=r"0001\.jpg"):
        datasets.load_oxford_iiit_pet(root)

    root = make_pets_folder(tmp_path / "c", {"train": 2})
    (root / "train" / "trimaps" / "0000.png").unlink()
    with pytest.raises(ValueError, match=r"no mask for image .*0000\.jpg"):
        datasets.load_oxford_iiit_pet(root)

    root = make_pets_official(tmp_path / "d")
    (root / "annotations" / "trimaps" / "beagle_7.png").unlink()
    with pytest.raises(ValueError, match=r"no trimap .*beagle_7\.jpg"):
        datasets.load_oxford_iiit_pet(root, "test")

    with pytest.raises(ValueError, match="split"):
        datasets.load_oxford_iiit_pet(root, "valid")
    with pytest.raises(ValueError, match="source"):
        datasets.load_oxford_iiit_pet(root, source="zip")


def test_pets_tfds(fake_tfds):
    images, masks = datasets.load_oxford_iiit_pet(
        "/data", split="train[:2]", source="tfds", image_size=8
    )
    assert fake_tfds == [("load", "oxford_iiit_pet", "train[:2]", "/data")]
    assert images.shape == (2, 8, 8, 3) and masks.shape == (2, 8, 8)
    assert masks[0, 0, 0] == 2 and masks[0, -1, -1] == 0
    assert masks[1, -1, -1] == 1


def test_train_val_split():
    train, val = datasets.train_val_split(103, val_fraction=0.2, seed=3)
    assert len(val) == 21 and len(train) == 82
    np.testing.assert_array_equal(np.sort(np.r_[train, val]), np.arange(103))
    again = datasets.train_val_split(103, val_fraction=0.2, seed=3)
    np.testing.assert_array_equal(val, again[1])
    assert not np.array_equal(val, datasets.train_val_split(103, 0.2, 4)[1])
    with pytest.raises(ValueError, match="val_fraction"):
        datasets.train_val_split(10, val_fraction=1.0)


def test_pets_real_data():
    # Lists both splits and reads 64 pairs with the loader's own helpers
    # (loading all 7349 pairs takes ~10 s, see the README timings).
    root = real_folder("oxford_iiit_pet_128")
    assert datasets.load_oxford_iiit_pet.__module__ == pets.__name__
    assert pets._detect_layout(root) == "folder"
    train = pets._folder_pairs(root, "train")
    assert len(train) == 3680 and len(pets._folder_pairs(root, "test")) == 3669
    loaded = [pets._load_pair(*pair, (128, 128)) for pair in train[:64]]
    assert all(image.shape == (128, 128, 3) for image, _ in loaded)
    masks = np.stack([mask for _, mask in loaded])
    assert set(np.unique(masks)) == {0, 1, 2}


# --------------------------------------------------------------------------
# DIC-HeLa
# --------------------------------------------------------------------------


def hela_mask(k):
    mask = np.zeros((H, W), np.uint8)
    mask[2 + k : 10 + k, 3:12] = 1
    return mask


def make_hela_folder(root, frames=5):
    for k in range(frames):
        image = rng(k).integers(0, 256, (H, W)).astype(np.uint8)
        image[0, 0] = k
        save(image, root / "images" / f"{k:03d}.png")
        save(hela_mask(k) * 255, root / "masks" / f"{k:03d}.png")
    return root


def make_hela_ctc(root, frames=5, st=True, gt=(1, 3)):
    for k in range(frames):
        image = (rng(k).integers(1000, 3000, (H, W))).astype(np.uint16)
        image[0, 0] = 1000 + 100 * k
        if k == 2:
            image[1, 1], image[1, 2] = 500, 4000  # sequence min and max
        save(image, root / "01" / f"t{k:03d}.tif")
        labels = hela_mask(k).astype(np.uint16) * (7 + k)  # instance ids
        if st:
            save(labels, root / "01_ST" / "SEG" / f"man_seg{k:03d}.tif")
        if k in gt:
            save(labels, root / "01_GT" / "SEG" / f"man_seg{k:03d}.tif")
    return root


def test_hela_folder_layout(tmp_path):
    root = make_hela_folder(tmp_path / "hela")
    images, masks, frames = datasets.load_dic_hela(root, return_frames=True)
    assert images.shape == (5, H, W, 1) and images.dtype == np.uint8
    assert masks.shape == (5, H, W) and masks.dtype == np.uint8
    np.testing.assert_array_equal(frames, np.arange(5))
    assert list(images[:, 0, 0, 0]) == [0, 1, 2, 3, 4]
    for k in range(5):
        np.testing.assert_array_equal(masks[k], hela_mask(k))
    assert len(datasets.load_dic_hela(root, source="folder")) == 2


def test_hela_ctc_layout(tmp_path):
    root = make_hela_ctc(tmp_path / "DIC-C2DH-HeLa")
    images, masks, frames = datasets.load_dic_hela(root, return_frames=True)
    assert images.shape == (5, H, W, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(frames, np.arange(5))
    assert images.min() == 0 and images.max() == 255  # sequence min / max
    assert images[2, 1, 1, 0] == 0 and images[2, 1, 2, 0] == 255
    expected = np.rint((1000 + 100 * np.arange(5) - 500) * 255 / 3500)
    np.testing.assert_array_equal(images[:, 0, 0, 0], expected)
    for k in range(5):
        np.testing.assert_array_equal(masks[k], hela_mask(k))  # labels > 0

    gt_images, gt_masks, gt_frames = datasets.load_dic_hela(
        root, source="ctc", annotation="gt", return_frames=True
    )
    np.testing.assert_array_equal(gt_frames, [1, 3])
    np.testing.assert_array_equal(gt_images, images[[1, 3]])
    np.testing.assert_array_equal(gt_masks, masks[[1, 3]])

    only_gt = make_hela_ctc(tmp_path / "gt_only", st=False, gt=(0, 4))
    _, _, frames = datasets.load_dic_hela(only_gt, return_frames=True)
    np.testing.assert_array_equal(frames, [0, 4])


def test_hela_bad_files(tmp_path):
    root = make_hela_folder(tmp_path / "a")
    (root / "masks" / "003.png").unlink()
    with pytest.raises(ValueError, match=r"no mask for image .*003\.png"):
        datasets.load_dic_hela(root)

    root = make_hela_folder(tmp_path / "b")
    save(np.zeros((H + 2, W), np.uint8), root / "masks" / "001.png")
    with pytest.raises(ValueError, match=r"001\.png"):
        datasets.load_dic_hela(root)

    root = make_hela_ctc(tmp_path / "c")
    (root / "01_ST" / "SEG" / "man_seg002.tif").unlink()
    with pytest.raises(ValueError, match=r"no mask for image .*t002\.tif"):
        datasets.load_dic_hela(root)


def test_hela_split():
    split = datasets.hela_split()
    np.testing.assert_array_equal(split["train"], np.arange(56))
    np.testing.assert_array_equal(split["val"], np.arange(56, 64))
    np.testing.assert_array_equal(split["test"], np.arange(64, 84))
    small = datasets.hela_split(10, num_val=2, num_test=3)
    assert [len(small[k]) for k in ("train", "val", "test")] == [5, 2, 3]
    with pytest.raises(ValueError, match="no training frame"):
        datasets.hela_split(20)


def test_hela_real_data():
    root = real_folder("dic_hela")
    images, masks = datasets.load_dic_hela(root)
    assert images.shape == (84, 512, 512, 1) and masks.shape == (84, 512, 512)
    assert set(np.unique(masks)) == {0, 1}


# --------------------------------------------------------------------------
# Fashion-MNIST-scale
# --------------------------------------------------------------------------


def idx_bytes(array, magic=None):
    magic = magic if magic is not None else 0x0800 + array.ndim
    header = magic.to_bytes(4, "big") + b"".join(
        n.to_bytes(4, "big") for n in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def make_fashion(root, n_train=30, n_test=10):
    root.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for name, n in (("train", n_train), ("t10k", n_test)):
        images = rng(n).integers(1, 256, (n, 28, 28)).astype(np.uint8)
        labels = rng(n + 1).integers(0, 10, n).astype(np.uint8)
        arrays[name] = (images, labels)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            path = root / f"{name}-{kind}-ubyte.gz"
            path.write_bytes(gzip.compress(idx_bytes(array)))
    return root, arrays


def test_fashion_mnist_scale(tmp_path):
    root, arrays = make_fashion(tmp_path / "fm")
    pooled_x = np.concatenate([arrays["train"][0], arrays["t10k"][0]])
    pooled_y = np.concatenate([arrays["train"][1], arrays["t10k"][1]])
    data = datasets.load_fashion_mnist_scale(
        root, seed=1, split_sizes=(20, 5, 12)
    )
    assert set(data) == {"train", "val", "test", "test_unscaled"}
    for name, n in (
        ("train", 20),
        ("val", 5),
        ("test", 12),
        ("test_unscaled", 12),
    ):
        split = data[name]
        assert split["images"].shape == (n, 28, 28, 1)
        assert split["images"].dtype == np.uint8
        assert (
            split["labels"].shape == (n,) and split["labels"].dtype == np.int32
        )
        assert split["scales"].dtype == np.float32
        np.testing.assert_array_equal(
            split["labels"], pooled_y[split["indices"]]
        )
    all_indices = np.concatenate(
        [data[k]["indices"] for k in ("train", "val", "test")]
    )
    assert len(np.unique(all_indices)) == 37  # disjoint
    test, unscaled = data["test"], data["test_unscaled"]
    np.testing.assert_array_equal(test["indices"], unscaled["indices"])
    np.testing.assert_array_equal(
        unscaled["images"][..., 0], pooled_x[test["indices"]]
    )
    assert np.all(unscaled["scales"] == 1)
    for split in (data["train"], test):
        assert np.all((split["scales"] >= 0.3) & (split["scales"] <= 1.0))
        for image, scale in zip(split["images"][..., 0], split["scales"]):
            side = int(28 * float(scale) + 0.5)
            top = (28 - side) // 2
            inside = np.zeros((28, 28), bool)
            inside[top : top + side, top : top + side] = True
            assert not image[~inside].any()  # zero padding, centred
    # Deterministic given the seed, different for another seed.
    again = datasets.load_fashion_mnist_scale(
        root, seed=1, split_sizes=(20, 5, 12)
    )
    for name in data:
        for key in data[name]:
            np.testing.assert_array_equal(data[name][key], again[name][key])
    other = datasets.load_fashion_mnist_scale(
        root, seed=2, split_sizes=(20, 5, 12)
    )
    assert not np.array_equal(
        other["train"]["indices"], data["train"]["indices"]
    )
    with pytest.raises(ValueError, match="split_sizes"):
        datasets.load_fashion_mnist_scale(root, split_sizes=(30, 5, 6))
    with pytest.raises(ValueError, match="min_scale"):
        datasets.load_fashion_mnist_scale(root, min_scale=0.5, max_scale=1.5)


def test_fashion_mnist_scale_keras_source(monkeypatch):
    x = rng().integers(0, 256, (12, 28, 28)).astype(np.uint8)
    y = np.arange(12, dtype=np.uint8) % 10
    monkeypatch.setattr(
        keras.datasets.fashion_mnist,
        "load_data",
        lambda: ((x[:8], y[:8]), (x[8:], y[8:])),
    )
    data = datasets.load_fashion_mnist_scale(None, split_sizes=(6, 2, 4))
    assert data["test"]["images"].shape == (4, 28, 28, 1)


def test_read_idx_errors(tmp_path):
    labels = np.arange(5, dtype=np.uint8)
    raw = tmp_path / "labels-idx1-ubyte"
    raw.write_bytes(idx_bytes(labels))  # uncompressed works too
    np.testing.assert_array_equal(datasets.read_idx(raw, 1), labels)
    with pytest.raises(ValueError, match=r"labels-idx1-ubyte.*magic"):
        datasets.read_idx(raw, 3)
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(idx_bytes(labels, magic=0x0D01)))
    with pytest.raises(ValueError, match=r"bad\.gz.*magic number 3329"):
        datasets.read_idx(bad, 1)
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress(idx_bytes(labels)[:-2]))
    with pytest.raises(ValueError, match=r"short\.gz.*3 data bytes"):
        datasets.read_idx(short, 1)
    root, _ = make_fashion(tmp_path / "fm")
    (root / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\0\0"))
    with pytest.raises(ValueError, match="t10k-labels"):
        datasets.load_fashion_mnist_scale(root, split_sizes=(1, 1, 1))


def test_fashion_mnist_scale_real_data():
    root = real_folder("fashion_mnist")
    data = datasets.load_fashion_mnist_scale(root)
    sizes = {k: len(v["labels"]) for k, v in data.items()}
    assert sizes == {
        "train": 10000,
        "val": 2000,
        "test": 50000,
        "test_unscaled": 50000,
    }


# --------------------------------------------------------------------------
# PatchCamelyon
# --------------------------------------------------------------------------


def make_pcam(root, split="valid", n=6, n_labels=None):
    root.mkdir(parents=True, exist_ok=True)
    stem = root / f"camelyonpatch_level_2_split_{split}"
    x = np.broadcast_to(
        np.arange(n, dtype=np.uint8)[:, None, None, None], (n, 96, 96, 3)
    )
    y = (np.arange(n_labels or n) % 2).astype(np.uint8).reshape(-1, 1, 1, 1)
    with h5py.File(f"{stem}_x.h5", "w") as f:
        f.create_dataset("x", data=x, chunks=(1, 96, 96, 3))
    with h5py.File(f"{stem}_y.h5", "w") as f:
        f.create_dataset("y", data=y)
    return root


def test_patch_camelyon_h5(tmp_path):
    root = make_pcam(tmp_path / "pcam")
    data = datasets.load_patch_camelyon(root, split="validation")
    assert len(data) == 6
    image, label = data[3]
    assert image.shape == (96, 96, 3) and image.dtype == np.uint8
    assert image[0, 0, 0] == 3 and label == 1
    images, labels = data[1:5:2]
    assert images.shape == (2, 96, 96, 3) and list(images[:, 0, 0, 0]) == [1, 3]
    images, labels = data[np.array([5, 0, 5, -1, 2])]  # any order, repeats
    assert list(images[:, 0, 0, 0]) == [5, 0, 5, 5, 2]
    assert labels.dtype == np.int32 and list(labels) == [1, 0, 1, 1, 0]
    np.testing.assert_array_equal(data.labels, [0, 1, 0, 1, 0, 1])
    with pytest.raises(IndexError):
        data[6]
    with pytest.raises(IndexError):
        data[np.array([0, 9])]
    clone = pickle.loads(pickle.dumps(data))  # for multiprocessing workers
    assert clone[2][0][0, 0, 0] == 2

    sequence = ClassificationSequence(data, batch_size=4, shuffle=True, seed=0)
    x, y = sequence[0]
    assert x.shape == (4, 96, 96, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y, x[:, 0, 0, 0].astype(int) % 2)


def test_patch_camelyon_errors(tmp_path):
    root = make_pcam(tmp_path / "pcam", split="test")
    with pytest.raises(FileNotFoundError, match="split_train_x.h5"):
        datasets.load_patch_camelyon(root, split="train")
    with pytest.raises(ValueError, match="split"):
        datasets.load_patch_camelyon(root, split="dev")
    root = make_pcam(tmp_path / "odd", split="train", n=4, n_labels=3)
    with pytest.raises(ValueError, match="4 images but .* 3 labels"):
        datasets.load_patch_camelyon(root)


def test_patch_camelyon_tfds(fake_tfds):
    data = datasets.load_patch_camelyon(None, split="valid", source="tfds")
    assert fake_tfds == [("data_source", "patch_camelyon", "validation", None)]
    assert len(data) == 5
    images, labels = data[np.array([4, 1])]
    assert list(images[:, 0, 0, 0]) == [4, 1] and list(labels) == [0, 1]


# --------------------------------------------------------------------------
# Cityscapes
# --------------------------------------------------------------------------

CITY_FILES = {
    "train": [
        "aachen_000001_000019",
        "aachen_000000_000019",
        "bochum_000000_000313",
    ],
    "val": ["frankfurt_000000_000294"],
}


def make_cityscapes(root):
    for split, stems in CITY_FILES.items():
        for k, stem in enumerate(stems):
            city = stem.split("_")[0]
            image = np.full((H, W, 3), 10 * k, np.uint8)
            save(
                image,
                root / "leftImg8bit" / split / city / f"{stem}_leftImg8bit.png",
            )
            labels = np.zeros((H, W), np.uint8)  # 0 = unlabeled
            labels[:, :6], labels[:, 6:12], labels[:, 12:18] = 7, 26, 33
            labels[0, 0] = k
            path = (
                root / "gtFine" / split / city / f"{stem}_gtFine_labelIds.png"
            )
            save(labels, path)
            save(labels, path.with_name(f"{stem}_gtFine_color.png"))
    return root


def test_cityscapes(tmp_path):
    root = make_cityscapes(tmp_path / "cityscapes")
    files = datasets.load_cityscapes(root, "train")
    assert len(files) == 3
    names = [image.name for image, _ in files.pairs]
    assert names == [  # sorted by city, then name
        "aachen_000000_000019_leftImg8bit.png",
        "aachen_000001_000019_leftImg8bit.png",
        "bochum_000000_000313_leftImg8bit.png",
    ]
    image_path, label_path = files[2]
    assert label_path.name == "bochum_000000_000313_gtFine_labelIds.png"
    image, mask = files.load(0)
    assert image.shape == (H, W, 3) and image.dtype == np.uint8
    assert mask.shape == (H, W) and mask.dtype == np.uint8
    assert image[0, 0, 0] == 10  # aachen_000000 was written second
    assert mask[1, 0] == 0 and mask[1, 6] == 13 and mask[1, 12] == 18
    assert mask[1, 20] == 255 and mask[0, 0] == 255  # label id 1
    images, masks = files.load_many([2, 0], image_size=(10, 12))
    assert images.shape == (2, 10, 12, 3) and masks.shape == (2, 10, 12)
    assert set(np.unique(masks)) <= {0, 13, 18, 255}
    view = files.arrays(image_size=8)
    assert len(view) == 3 and view[np.array([1])][0].shape == (1, 8, 8, 3)
    assert len(datasets.load_cityscapes(root, "val")) == 1


def test_cityscapes_errors(tmp_path):
    root = make_cityscapes(tmp_path / "cityscapes")
    label = (
        root / "gtFine/train/aachen/aachen_000001_000019_gtFine_labelIds.png"
    )
    label.unlink()
    with pytest.raises(ValueError, match=r"no label for image .*aachen_000001"):
        datasets.load_cityscapes(root)
    with pytest.raises(FileNotFoundError, match=r"leftImg8bit/test"):
        datasets.load_cityscapes(root, "test")
    with pytest.raises(ValueError, match="Supported layouts"):
        datasets.load_cityscapes(tmp_path)


def test_label_ids_to_train_ids():
    table = datasets.label_ids_to_train_ids(np.arange(34))
    expected = np.full(34, 255)
    for label, train in [(7, 0), (8, 1), (11, 2), (12, 3), (13, 4), (17, 5),
                         (19, 6), (20, 7), (21, 8), (22, 9), (23, 10), (24, 11),
                         (25, 12), (26, 13), (27, 14), (28, 15), (31, 16),
                         (32, 17), (33, 18)]:  # fmt: skip
        expected[label] = train
    np.testing.assert_array_equal(table, expected)
    assert len(datasets.CITYSCAPES_CLASSES) == 19


# --------------------------------------------------------------------------
# Augmentation
# --------------------------------------------------------------------------


def block_masks(batch=4, size=32, block=8, labels=(0, 1, 2), seed=0):
    """Masks made of constant blocks, and images derived from them."""
    cells = rng(seed).choice(labels, (batch, size // block, size // block))
    masks = np.repeat(np.repeat(cells, block, 1), block, 2).astype(np.float32)
    images = np.repeat((20 + 100 * masks)[..., None], 3, axis=-1)
    return images.astype(np.float32), masks[..., None]


def augment(pipeline, images, masks):
    out = pipeline({"images": images, "segmentation_masks": masks})
    return (
        keras.ops.convert_to_numpy(out["images"]),
        keras.ops.convert_to_numpy(out["segmentation_masks"]),
    )


def test_augmentation_crop_and_flip_are_exact():
    images, masks = block_masks()
    pipeline = segmentation_augmentation(
        crop_size=(24, 20),
        flip="horizontal_and_vertical",
        rotation=0,
        contrast=0,
        seed=1,
    )
    out_images, out_masks = augment(pipeline, images, masks)
    assert out_images.shape == (4, 24, 20, 3) and out_masks.shape == (
        4,
        24,
        20,
        1,
    )
    np.testing.assert_array_equal(out_images[..., :1], 20 + 100 * out_masks)


def test_augmentation_keeps_images_and_masks_consistent():
    # The image is a function of the mask: any geometric mismatch between
    # the two (e.g. a different rotation for the mask) breaks the relation.
    images, masks = block_masks()
    pipeline = segmentation_augmentation(
        crop_size=24, rotation=30, contrast=0, scale_jitter=(0.6, 1.5), seed=0
    )
    out_images, out_masks = augment(pipeline, images, masks)
    assert out_images.shape == (4, 24, 24, 3) and out_images.dtype == np.float32
    assert set(np.unique(out_masks)) <= {0.0, 1.0, 2.0}  # nearest: labels
    decoded = np.rint((out_images[..., :1] - 20) / 100)
    agreement = np.mean(decoded == out_masks)
    assert agreement > 0.9, agreement  # only block edges may disagree
    assert not np.allclose(out_images, images[:, 4:28, 4:28])  # transformed
    # Same seed, same augmentation.
    again = segmentation_augmentation(
        crop_size=24, rotation=30, contrast=0, scale_jitter=(0.6, 1.5), seed=0
    )
    np.testing.assert_allclose(augment(again, images, masks)[0], out_images)


def test_augmentation_keeps_ignore_label_and_raw_range():
    images, masks = block_masks(labels=(0, 5, 255))
    pipeline = segmentation_augmentation(
        crop_size=24, rotation=10, contrast=0.3, scale_jitter=(0.8, 1.2), seed=2
    )
    out_images, out_masks = augment(pipeline, images, masks)
    assert set(np.unique(out_masks)) <= {0.0, 5.0, 255.0}
    assert out_images.min() >= 0 and out_images.max() <= 255
    assert out_images.max() > 1  # raw pixels, not normalised


def test_random_affine_crop():
    images, masks = block_masks()
    data = {"images": images, "segmentation_masks": masks}
    layer = RandomAffineCrop(24, 20, rotation=45, scale_range=(0.5, 2), seed=0)
    out = layer(dict(data), training=False)  # centred crop, nothing else
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(out["images"]), images[:, 4:28, 6:26]
    )
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(out["segmentation_masks"]),
        masks[:, 4:28, 6:26],
    )
    # Scale 2, random integer offsets: the mask is a window of the 2x mask.
    double = RandomAffineCrop(32, 32, scale_range=(2, 2), seed=0)
    out = keras.ops.convert_to_numpy(double(dict(data))["segmentation_masks"])
    up = np.repeat(np.repeat(masks, 2, 1), 2, 2)
    for k in range(4):
        assert any(
            np.array_equal(out[k], up[k, i : i + 32, j : j + 32])
            for i in range(33)
            for j in range(33)
        ), k
    # A crop larger than the input: reflection fills the border.
    larger = RandomAffineCrop(40, 36, seed=0)(images, training=False)
    larger = keras.ops.convert_to_numpy(larger)
    assert larger.shape == (4, 40, 36, 3)
    np.testing.assert_array_equal(larger[:, 4:36, 2:34], images)
    with pytest.raises(ValueError, match="scale_range"):
        RandomAffineCrop(8, 8, scale_range=(0, 1))
    with pytest.raises(ValueError, match="rotation"):
        RandomAffineCrop(8, 8, rotation=270)


def test_random_affine_crop_sizes_one_per_batch():
    images, masks = block_masks()
    data = {"images": images, "segmentation_masks": masks}
    layer = RandomAffineCrop(sizes=[16, (24, 20), 32], seed=0)
    shapes = set()
    for _ in range(30):
        out = layer(dict(data))
        out_images = keras.ops.convert_to_numpy(out["images"])
        out_masks = keras.ops.convert_to_numpy(out["segmentation_masks"])
        assert out_images.shape[:3] == out_masks.shape[:3]
        shapes.add(out_images.shape)
        # No rotation or rescale: each example is an integer window of its
        # input, the same window for the image and the mask.
        h, w = out_images.shape[1:3]
        for k in range(len(images)):
            windows = [
                (i, j) for i in range(33 - h) for j in range(33 - w)
                if np.array_equal(out_masks[k], masks[k, i:i + h, j:j + w])
                and np.array_equal(out_images[k], images[k, i:i + h, j:j + w])
            ]
            assert windows, (k, h, w)
    assert shapes == {(4, 16, 16, 3), (4, 24, 20, 3), (4, 32, 32, 3)}
    # Inference: the first size, centred.
    centred = keras.ops.convert_to_numpy(layer(images, training=False))
    np.testing.assert_array_equal(centred, images[:, 8:24, 8:24])
    again = RandomAffineCrop.from_config(layer.get_config())
    assert again.sizes == [(16, 16), (24, 20), (32, 32)]
    assert layer.compute_output_shape((4, 32, 32, 3)) == (4, None, None, 3)
    pipeline = segmentation_augmentation(
        crop_sizes=[8, 12], rotation=0, contrast=0, flip=False, seed=3
    )
    sides = {augment(pipeline, images, masks)[0].shape[1] for _ in range(12)}
    assert sides == {8, 12}
    with pytest.raises(ValueError, match="sizes"):
        RandomAffineCrop(sizes=[])
    with pytest.raises(ValueError, match="sizes"):
        RandomAffineCrop(sizes=[(8, 0)])
    with pytest.raises(ValueError, match="not both"):
        RandomAffineCrop(8, 8, sizes=[8])
    with pytest.raises(ValueError, match="not both"):
        segmentation_augmentation(crop_size=8, crop_sizes=[8, 16])


def test_augmentation_bad_arguments():
    with pytest.raises(ValueError, match="crop_size"):
        segmentation_augmentation(crop_size=(0, 4))
    with pytest.raises(ValueError, match="flip"):
        segmentation_augmentation(flip="diagonal")
    with pytest.raises(ValueError, match="rotation"):
        segmentation_augmentation(rotation=-5)
    with pytest.raises(ValueError, match="contrast"):
        segmentation_augmentation(contrast=1.5)


# --------------------------------------------------------------------------
# Sequences
# --------------------------------------------------------------------------


def test_segmentation_sequence_batches():
    images = rng().integers(0, 256, (10, 16, 16, 3)).astype(np.uint8)
    masks = (images[..., 0] % 3).astype(np.uint8)
    plain = SegmentationSequence(images, masks, batch_size=4, shuffle=False)
    assert len(plain) == 3
    x, y = plain[0]
    assert x.dtype == np.float32 and y.dtype == np.int32
    assert x.shape == (4, 16, 16, 3) and y.shape == (4, 16, 16)
    np.testing.assert_array_equal(x, images[:4])  # raw pixels
    assert plain[2][0].shape[0] == 2
    with pytest.raises(IndexError):
        plain[3]
    dropped = SegmentationSequence(images, masks, 4, drop_remainder=True)
    assert len(dropped) == 2

    shuffled = SegmentationSequence(images, masks, 5, shuffle=True, seed=7)
    same = SegmentationSequence(images, masks, 5, shuffle=True, seed=7)
    first = np.concatenate([shuffled[i][0] for i in range(2)])
    np.testing.assert_array_equal(
        first, np.concatenate([same[i][0] for i in range(2)])
    )
    assert sorted(first[:, 0, 0, 0].tolist()) == sorted(
        images[:, 0, 0, 0].tolist()
    )
    for i in range(2):
        x, y = shuffled[i]
        np.testing.assert_array_equal(y, x[..., 0].astype(int) % 3)
    shuffled.on_epoch_end()
    assert not np.array_equal(shuffled[0][0], first[:5])

    with pytest.raises(ValueError, match="10 inputs but 9 targets"):
        SegmentationSequence(images, masks[:9])
    with pytest.raises(ValueError, match="same N, H, W"):
        SegmentationSequence(images, masks[:, :8])
    with pytest.raises(ValueError, match="batch_size"):
        SegmentationSequence(images, masks, batch_size=0)


def test_segmentation_sequence_fits_a_model():
    images, masks = block_masks(batch=8)
    sequence = SegmentationSequence(
        images.astype(np.uint8),
        masks[..., 0].astype(np.uint8),
        batch_size=4,
        seed=0,
        augmentation=segmentation_augmentation(
            crop_size=24, scale_jitter=(0.8, 1.25), seed=0
        ),
    )
    x, y = sequence[0]
    assert x.shape == (4, 24, 24, 3) and x.dtype == np.float32
    assert y.shape == (4, 24, 24) and y.dtype == np.int32
    assert set(np.unique(y)) <= {0, 1, 2}
    model = keras.Sequential(
        [
            keras.Input((24, 24, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(3, 1),
        ]
    )
    model.compile(
        "sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    history = model.fit(sequence, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_classification_sequence_fits_a_model():
    images = rng().integers(0, 256, (6, 12, 12)).astype(np.uint8)
    labels = np.arange(6) % 2
    flip = keras.layers.RandomFlip(seed=0)
    sequence = ClassificationSequence(
        images, labels, batch_size=3, seed=0, augmentation=flip
    )
    x, y = sequence[0]
    assert x.shape == (3, 12, 12, 1) and x.dtype == np.float32
    assert y.dtype == np.int32
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.compile(
        "sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    history = model.fit(sequence, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match="data set with __len__"):
        ClassificationSequence(object())
