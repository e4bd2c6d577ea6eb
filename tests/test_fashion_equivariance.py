"""`tools/fashion_equivariance.py`: eq. 25 on Fashion-MNIST classifiers."""

import pathlib
import sys

import keras
import numpy as np

from keras_dss import datasets
from keras_dss import equivariance
from tests.test_datasets import make_fashion

TOOLS = pathlib.Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import fashion_equivariance  # noqa: E402

TINY = {"input_shape": [None, None, 1], "num_classes": 3, "num_scales": 4,
        "growth_rate": 2, "block_layers": [2, 2, 2]}


SPLIT = (24, 8, 8)


def test_images_are_the_held_out_test_images_unscaled_padded_to_40(tmp_path):
    root, arrays = make_fashion(tmp_path / "fm")
    images, labels = fashion_equivariance.test_images(root, 3, SPLIT)
    test = datasets.load_fashion_mnist_scale(root, seed=0, split_sizes=SPLIT)
    pooled = np.concatenate([arrays["train"][0], arrays["t10k"][0]])
    first = test["test"]["indices"][:3]
    np.testing.assert_array_equal(labels, test["test"]["labels"][:3])
    assert images.shape == (3, 40, 40, 1) and images.dtype == np.float32
    np.testing.assert_array_equal(images[:, 6:34, 6:34, 0], pooled[first])
    assert not images[:, :6].any() and not images[:, :, 34:].any()


def test_scale_interaction_reaches_the_truncated_levels(tmp_path):
    # Random weights. With every scale-conv of scale size 1 nothing reads
    # past the top level: L(1, 0) is exact (the lift's level 1 is the
    # downscaled image's level 0) and only the lift's aliasing is left at
    # k >= 1 (large here: the images are uniform noise). The interacting
    # layers read one level coarser each, so level k + 1 of the full image
    # reaches past the top of the 4-level scale-space, even for k = 0.
    keras.utils.set_random_seed(0)
    root, _ = make_fashion(tmp_path / "fm")
    images, _ = fashion_equivariance.test_images(root, 2, SPLIT)
    alone = fashion_equivariance.model_errors(fashion_equivariance.build(
        "SDenseNet", {**TINY, "multiscale_interaction": False}), images)
    mixed = fashion_equivariance.model_errors(fashion_equivariance.build(
        "SDenseNet", {**TINY, "multiscale_interaction": True}), images)
    assert alone.shape == mixed.shape == (2, 4)
    assert np.isnan(alone[:, 3]).all()  # level 4 does not exist
    assert (alone[:, 0] < 1e-5).all(), alone
    assert (mixed[:, 0] > 0.01).all(), mixed
    assert (mixed[:, 2] > alone[:, 2]).all(), (mixed, alone)


def test_measure_compares_predictions_on_images_and_halves(tmp_path):
    keras.utils.set_random_seed(1)
    root, _ = make_fashion(tmp_path / "fm")
    images, labels = fashion_equivariance.test_images(root, 6, SPLIT)
    tiny = {k: v for k, v in TINY.items() if k != "num_scales"}
    model = fashion_equivariance.build("DenseNet", tiny)
    p = fashion_equivariance.halving_predictions(model, images)
    assert all(v.shape == (6,) for v in p.values())
    np.testing.assert_array_equal(
        p["full"], model.predict_on_batch(images).argmax(-1))
    halves = np.stack([equivariance.downscale(x, 1) for x in images])
    np.testing.assert_array_equal(
        p["halved"], model.predict_on_batch(halves).argmax(-1))
    padded = np.zeros_like(images)
    padded[:, 10:30, 10:30] = halves
    np.testing.assert_array_equal(
        p["halved_padded"], model.predict_on_batch(padded).argmax(-1))
    result = fashion_equivariance.measure(model, images, labels)
    assert result == {
        "accuracy": (p["full"] == labels).mean(),
        "accuracy_halved": (p["halved"] == labels).mean(),
        "accuracy_halved_padded": (p["halved_padded"] == labels).mean(),
        "agreement": (p["full"] == p["halved"]).mean(),
        "agreement_padded": (p["full"] == p["halved_padded"]).mean()}
    scale = fashion_equivariance.measure(
        fashion_equivariance.build("SDenseNet", TINY), images, labels)
    assert len(scale["mean"]) == len(scale["median"]) == 3  # k = 0, 1, 2
