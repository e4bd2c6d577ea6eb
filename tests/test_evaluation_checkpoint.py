"""Resumable scale-generalisation evaluation: an interrupted run continues
from its saved totals and ends with the result of an uninterrupted run."""

import numpy as np
import pytest

from keras_dss import evaluation
from keras_dss.evaluation import checkpoint as checkpoint_lib

SCALES = [0.5, 1.0, 1.5]


def _data():
    """Five noisy images of two sizes: three batches at batch_size 2."""
    rng = np.random.default_rng(7)
    images, masks = [], []
    for height, width in ((32, 48), (32, 48), (32, 48), (48, 32), (48, 32)):
        images.append(rng.integers(0, 256, (height, width, 3), np.uint8))
        masks.append(rng.integers(0, 3, (height, width)))
    return images, masks


class _CountingModel:
    """logits = the image (class = brightest channel); raises on call
    number `fail_at` to stand in for an interruption."""

    def __init__(self, fail_at=None):
        self.calls = 0
        self.fail_at = fail_at

    def __call__(self, batch):
        self.calls += 1
        if self.calls == self.fail_at:
            raise KeyboardInterrupt
        return batch


def _evaluate(model, images, masks, path, **kwargs):
    options = dict(scales=SCALES, multiple=8, batch_size=2, progress=False,
                   checkpoint=path, checkpoint_key="model-a")
    options.update(kwargs)
    return evaluation.scale_generalization(model, images, masks, **options)


def test_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path,
                                                              capsys):
    images, masks = _data()
    expected = evaluation.scale_generalization(
        _CountingModel(), images, masks, scales=SCALES, multiple=8,
        batch_size=2, progress=False)
    path = tmp_path / "partial.npz"
    # 3 model calls per batch (one per factor); call 5 is in batch 2.
    with pytest.raises(KeyboardInterrupt):
        _evaluate(_CountingModel(fail_at=5), images, masks, path)
    with np.load(path) as saved:
        assert int(saved["batches_done"]) == 1
        assert int(saved["counted"].sum()) == 2 * 32 * 48 * len(SCALES)
    capsys.readouterr()
    model = _CountingModel()
    result = _evaluate(model, images, masks, path)
    assert f"resuming from {path}: 1 of 3 batches done" in (
        capsys.readouterr().out)
    assert model.calls == 2 * len(SCALES)  # batches 2 and 3 only
    assert result == expected
    assert not path.exists()


def test_a_checkpoint_of_another_evaluation_is_refused(tmp_path):
    images, masks = _data()
    path = tmp_path / "partial.npz"
    with pytest.raises(KeyboardInterrupt):
        _evaluate(_CountingModel(fail_at=4), images, masks, path)
    for changed in ({"scales": [0.5, 1.0]}, {"checkpoint_key": "model-b"},
                    {"batch_size": 3}, {"pad_to": 48}):
        with pytest.raises(ValueError, match="different evaluation"):
            _evaluate(_CountingModel(), images, masks, path, **changed)
    images[4] = images[4].copy()
    images[4][0, 0, 0] ^= 1
    with pytest.raises(ValueError, match="different evaluation"):
        _evaluate(_CountingModel(), images, masks, path)
    assert path.exists()


def test_data_fingerprint_sees_pixels_shapes_and_dtypes():
    images, masks = _data()
    reference = checkpoint_lib.data_fingerprint(images, masks)
    assert checkpoint_lib.data_fingerprint(images, masks) == reference
    flipped = [m.copy() for m in masks]
    flipped[2][5, 5] = (flipped[2][5, 5] + 1) % 3
    assert checkpoint_lib.data_fingerprint(images, flipped) != reference
    as_float = [i.astype(np.float32) for i in images]
    assert checkpoint_lib.data_fingerprint(as_float, masks) != reference
    reshaped = [i.reshape(i.shape[1], i.shape[0], 3) for i in images]
    assert checkpoint_lib.data_fingerprint(reshaped, masks) != reference


def test_factors_flooring_to_one_size_run_the_model_once():
    images, masks = _data()
    images, masks = images[:2], masks[:2]  # one batch of 32 x 48
    # Sides floored to multiples of 8: 0.25 -> 8 x 8 (minimum), 0.3 and
    # 0.33 too; 0.6 -> 16 x 24; 0.9 -> 24 x 40; 1.0 and 1.1 -> 32 x 48.
    scales = [0.25, 0.3, 0.33, 0.6, 0.9, 1.0, 1.1]
    model = _CountingModel()
    result = evaluation.scale_generalization(
        model, images, masks, scales=scales, multiple=8, batch_size=2,
        progress=False)
    assert model.calls == 4  # factor 1, 8 x 8, 16 x 24, 24 x 40
    for k, factor in enumerate(scales):
        alone = evaluation.scale_generalization(
            _CountingModel(), images, masks, scales=[factor], multiple=8,
            batch_size=2, progress=False)
        for key in ("mean_iou", "per_class_iou", "pixel_accuracy",
                    "consistency"):
            assert result[key][k] == alone[key][0], (factor, key)
