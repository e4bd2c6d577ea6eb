"""RandomElasticDeformation: the warp, its field, and its place in the
segmentation augmentation pipeline (on the backend of this process)."""

import keras
import numpy as np
import pytest
import scipy.ndimage

from keras_dss.datasets import RandomElasticDeformation
from keras_dss.datasets import segmentation_augmentation


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _images_and_masks(seed=0, shape=(2, 32, 40)):
    rng = np.random.default_rng(seed)
    masks = rng.integers(0, 3, shape + (1,)).astype("float32")
    images = rng.uniform(0, 255, shape + (3,)).astype("float32")
    return images, masks


def test_warp_matches_scipy_map_coordinates_inside_the_image():
    images, masks = _images_and_masks()
    layer = RandomElasticDeformation(magnitude=3, grid=3, seed=0)
    fields = RandomElasticDeformation(magnitude=3, grid=3, seed=0) \
        .displacements(2, 32, 40)
    out = layer({"images": images, "segmentation_masks": masks})
    out_images, out_masks = _numpy(out["images"]), _numpy(out["segmentation_masks"])
    rows, cols = np.meshgrid(np.arange(32), np.arange(40), indexing="ij")
    for b in range(2):
        y, x = rows + fields[b, 0], cols + fields[b, 1]
        # Keras and scipy extend the border differently; compare inside.
        inside = (y >= 0) & (y <= 31) & (x >= 0) & (x <= 39)
        assert inside.mean() > 0.5
        for c in range(3):
            expected = scipy.ndimage.map_coordinates(
                images[b, :, :, c], [y, x], order=1)
            np.testing.assert_allclose(out_images[b, :, :, c][inside],
                                       expected[inside], atol=2e-3)
        expected = scipy.ndimage.map_coordinates(masks[b, :, :, 0], [y, x],
                                                 order=0)
        agree = np.mean(out_masks[b, :, :, 0][inside] == expected[inside])
        assert agree > 0.99, agree  # ties at .5 may round either way
    assert set(np.unique(out_masks)) <= {0.0, 1.0, 2.0}
    assert not np.allclose(out_images, images)


def test_field_is_smooth_scales_with_magnitude_and_repeats_with_seed():
    small = RandomElasticDeformation(magnitude=2, grid=3, seed=5)
    large = RandomElasticDeformation(magnitude=8, grid=3, seed=5)
    a, b = small.displacements(3, 48, 64), large.displacements(3, 48, 64)
    assert a.shape == (3, 2, 48, 64)
    np.testing.assert_allclose(b, 4 * a, rtol=1e-5, atol=1e-5)
    # Smooth: neighbouring pixels move almost together (a 3x3 lattice over
    # 48 px gives steps far below the displacements themselves).
    step = np.abs(np.diff(b, axis=-1)).max()
    assert step < 0.2 * np.abs(b).max(), (step, np.abs(b).max())
    # Lattice displacements have standard deviation `magnitude`; the
    # interpolated field's is of the same order.
    many = RandomElasticDeformation(magnitude=8, grid=3, seed=0) \
        .displacements(200, 24, 24)
    assert 4 < many.std() < 10, many.std()


def test_identity_without_training_or_magnitude():
    images, masks = _images_and_masks()
    data = {"images": images, "segmentation_masks": masks}
    for layer, training in ((RandomElasticDeformation(5, seed=0), False),
                            (RandomElasticDeformation(0, seed=0), True)):
        out = layer(dict(data), training=training)
        np.testing.assert_array_equal(_numpy(out["images"]), images)
        np.testing.assert_array_equal(_numpy(out["segmentation_masks"]), masks)


def test_images_and_masks_move_together():
    # The image is a function of a blocky mask: warping them with different
    # fields would break the relation almost everywhere off the block edges.
    rng = np.random.default_rng(3)
    cells = rng.integers(0, 3, (4, 8, 8))
    masks = np.repeat(np.repeat(cells, 8, 1), 8, 2)[..., None].astype("float32")
    images = np.repeat(20 + 100 * masks, 3, axis=-1)
    out = segmentation_augmentation(
        flip=False, rotation=0, contrast=0, elastic={"magnitude": 4, "grid": 4},
        seed=0,
    )({"images": images, "segmentation_masks": masks})
    out_images, out_masks = _numpy(out["images"]), _numpy(out["segmentation_masks"])
    assert out_images.shape == images.shape
    decoded = np.rint((out_images[..., :1] - 20) / 100)
    assert np.mean(decoded == out_masks) > 0.9
    assert np.mean(out_masks != masks) > 0.02  # it did deform


def test_config_round_trip_and_bad_arguments():
    layer = RandomElasticDeformation(magnitude=6, grid=4, seed=1)
    clone = RandomElasticDeformation.from_config(layer.get_config())
    assert (clone.magnitude, clone.grid, clone.seed) == (6.0, 4, 1)
    np.testing.assert_array_equal(clone.displacements(1, 8, 8),
                                  layer.displacements(1, 8, 8))
    with pytest.raises(ValueError, match="magnitude"):
        RandomElasticDeformation(magnitude=-1)
    with pytest.raises(ValueError, match="grid"):
        RandomElasticDeformation(grid=1)
    with pytest.raises(ValueError, match="rank 4"):
        RandomElasticDeformation(seed=0)(np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="do not match"):
        RandomElasticDeformation(seed=0)({
            "images": np.zeros((1, 8, 8, 3)),
            "segmentation_masks": np.zeros((1, 6, 8, 1))})
    with pytest.raises(ValueError, match="elastic"):
        segmentation_augmentation(elastic={"sigma": 3})
