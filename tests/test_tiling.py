"""Tiled dense prediction: stitching is exact for pointwise predictors and
each pixel comes from the tile it is most central in."""

import numpy as np
import pytest

from keras_dss import evaluation
from keras_dss.evaluation.tiling import tile_starts


def test_tile_starts_cover_the_side_with_the_overlap():
    assert tile_starts(100, 128, 32) == [0]
    assert tile_starts(512, 256, 64) == [0, 192, 256]
    assert tile_starts(300, 100, 20) == [0, 80, 160, 200]
    for size, tile, overlap in ((512, 256, 64), (1000, 96, 16), (97, 32, 8)):
        starts = tile_starts(size, tile, overlap)
        assert starts[0] == 0 and starts[-1] + tile == size
        assert all(b - a <= tile - overlap for a, b in zip(starts, starts[1:]))


def test_pointwise_predictor_is_reproduced_exactly():
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (2, 80, 112, 3)).astype(np.float32)
    weights = rng.normal(size=(3, 5)).astype(np.float32)
    calls = []

    def predict(batch):
        calls.append(batch.shape)
        return batch @ weights

    tiled = evaluation.predict_tiled(predict, images, tile=32, overlap=16,
                                     batch_size=5)
    np.testing.assert_allclose(tiled, images @ weights, rtol=1e-6)
    # 2 images x 4 rows x 6 columns of 32 px tiles, in batches of 5.
    assert sum(s[0] for s in calls) == 48 and max(s[0] for s in calls) == 5
    assert all(s[1:3] == (32, 32) for s in calls)


def test_each_pixel_comes_from_the_tile_it_is_most_central_in():
    # The predictor writes, at every pixel, its distance to the nearest
    # tile border; stitched, no pixel is closer than half the overlap to a
    # border that has image beyond it.
    def border_distance(batch):
        b, h, w, _ = batch.shape
        rows = np.minimum(np.arange(h), h - 1 - np.arange(h))[:, None]
        cols = np.minimum(np.arange(w), w - 1 - np.arange(w))[None, :]
        return np.broadcast_to(np.minimum(rows, cols)[None, ..., None],
                               (b, h, w, 1)).astype(np.float32)

    image = np.zeros((1, 256, 256, 1), np.float32)
    out = evaluation.predict_tiled(border_distance, image, tile=64,
                                   overlap=32)[0, ..., 0]
    inner = out[16:-16, 16:-16]  # away from the image's own border
    assert inner.min() >= 15


def test_whole_image_when_not_larger_than_the_tile():
    images = np.ones((1, 16, 48, 1), np.float32)
    shapes = []
    evaluation.predict_tiled(lambda b: shapes.append(b.shape) or b, images,
                             tile=32, overlap=8)
    assert shapes == [(2, 16, 32, 1)]  # rows whole, two column tiles


@pytest.mark.parametrize("kwargs,match", [
    ({"tile": 0}, "positive int"),
    ({"tile": 32, "overlap": 32}, "overlap"),
    ({"tile": 32, "overlap": -1}, "overlap"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluation.predict_tiled(lambda b: b, np.zeros((1, 8, 8, 1)), **kwargs)


def test_predictor_must_keep_the_size():
    with pytest.raises(ValueError, match="same size"):
        evaluation.predict_tiled(lambda b: b[:, ::2], np.zeros((1, 64, 64, 1)),
                                 tile=32, overlap=8)


def test_scale_generalization_with_tiles_matches_whole_for_pointwise_model():
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 255, (2, 64, 64, 1)).astype(np.float32)
    masks = (images[..., 0] > 128).astype(np.int32)

    def model(batch):
        return np.concatenate([128 - batch, batch - 128], axis=-1)

    kwargs = dict(scales=[0.5, 1.0, 2.0], multiple=16, progress=False)
    whole = evaluation.scale_generalization(model, images, masks, **kwargs)
    tiled = evaluation.scale_generalization(model, images, masks, tile=32,
                                            tile_overlap=16, **kwargs)
    for key in ("mean_iou", "consistency", "pixel_accuracy"):
        assert tiled[key] == whole[key]
    assert tiled["tile"] == 32 and whole["tile"] is None
    assert "32 px tiles" in tiled["protocol"]
    with pytest.raises(ValueError, match="multiples of `multiple`"):
        evaluation.scale_generalization(model, images, masks, tile=40,
                                        **kwargs)
