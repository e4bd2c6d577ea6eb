"""keras_dss.evaluation: metrics, rescaling, the scale-generalisation test
and its reports. Every expected value below is worked out by hand."""

import json
import math

import keras
import numpy as np
import pytest

from keras_dss import evaluation

RNG = np.random.default_rng(3)


# --------------------------------------------------------------- metrics

# y_true  0 0 0     y_pred  0 0 1     pairs (t, p): (0,0) (0,0) (0,1)
#         1 1 2             1 2 2                   (1,1) (1,2) (2,2)
Y_TRUE = np.array([[0, 0, 0], [1, 1, 2]])
Y_PRED = np.array([[0, 0, 1], [1, 2, 2]])


def test_confusion_matrix_hand_worked():
    cm = evaluation.confusion_matrix(Y_TRUE, Y_PRED, 3)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])


def test_iou_mean_iou_pixel_accuracy_hand_worked():
    cm = evaluation.confusion_matrix(Y_TRUE, Y_PRED, 3)
    # class 0: TP 2, FP 0, FN 1; class 1: TP 1, FP 1, FN 1;
    # class 2: TP 1, FP 1, FN 0.
    np.testing.assert_allclose(
        evaluation.iou_from_confusion(cm), [2 / 3, 1 / 3, 1 / 2]
    )
    assert evaluation.mean_iou(cm) == pytest.approx((2 / 3 + 1 / 3 + 1 / 2)
                                                    / 3)
    assert evaluation.pixel_accuracy(cm) == pytest.approx(4 / 6)


def test_absent_class_is_nan_and_left_out_of_the_mean():
    cm = evaluation.confusion_matrix(Y_TRUE, Y_PRED, 5)
    iou = evaluation.iou_from_confusion(cm)
    assert np.isnan(iou[3]) and np.isnan(iou[4])
    assert evaluation.mean_iou(cm) == pytest.approx(0.5)
    # Predicted but never true is a real 0, not nan.
    cm = evaluation.confusion_matrix([0, 0], [0, 1], 2)
    np.testing.assert_allclose(evaluation.iou_from_confusion(cm), [0.5, 0.0])
    assert math.isnan(evaluation.mean_iou(np.zeros((2, 2))))


def test_ignore_index_excluded():
    y_true = np.array([[0, 255], [1, 1]])
    y_pred = np.array([[0, 1], [1, 0]])
    cm = evaluation.confusion_matrix(y_true, y_pred, 2, ignore_index=255)
    np.testing.assert_array_equal(cm, [[1, 0], [1, 1]])
    np.testing.assert_allclose(evaluation.iou_from_confusion(cm), [0.5, 0.5])
    assert evaluation.pixel_accuracy(cm) == pytest.approx(2 / 3)
    # An in-range ignore label drops those pixels too.
    cm = evaluation.confusion_matrix(Y_TRUE, Y_PRED, 3, ignore_index=0)
    np.testing.assert_array_equal(cm, [[0, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_confusion_matrices_accumulate():
    a = evaluation.confusion_matrix(Y_TRUE, Y_PRED, 3)
    b = evaluation.confusion_matrix(Y_PRED, Y_TRUE, 3)
    both = evaluation.confusion_matrix(
        np.concatenate([Y_TRUE, Y_PRED]), np.concatenate([Y_PRED, Y_TRUE]), 3
    )
    np.testing.assert_array_equal(a + b, both)


def test_consistency_and_accuracy():
    assert evaluation.consistency([[0, 1], [2, 2]],
                                  [[0, 1], [1, 2]]) == 0.75
    assert evaluation.accuracy([1, 2, 3, 4], [1, 0, 3, 0]) == 0.5


@pytest.mark.parametrize("call, match", [
    (lambda: evaluation.confusion_matrix([0, 1], [0, 1, 1], 2), "same shape"),
    (lambda: evaluation.confusion_matrix([0, 3], [0, 1], 3), r"\[0, 3\)"),
    (lambda: evaluation.confusion_matrix([0, 1], [-1, 1], 3), "y_pred"),
    (lambda: evaluation.confusion_matrix([0.0, 1.0], [0, 1], 3), "integer"),
    (lambda: evaluation.confusion_matrix([0, 1], [0, 1], 0), "num_classes"),
    (lambda: evaluation.iou_from_confusion(np.zeros((2, 3))), "square"),
    (lambda: evaluation.consistency([0, 1], [0]), "same shape"),
    (lambda: evaluation.accuracy([0, 1], [0.5, 1.0]), "integer"),
])
def test_metric_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------- rescale

def test_scaled_size_floors_to_multiples_with_a_minimum():
    assert evaluation.scaled_size((100, 72), 0.5, 16) == (48, 32)
    assert evaluation.scaled_size((100, 72), 1.0, 16) == (96, 64)
    assert evaluation.scaled_size((100, 72), 2.0, 16) == (192, 144)
    assert evaluation.scaled_size((20, 40), 0.25, 16) == (16, 16)
    assert evaluation.scaled_size((5, 7), 0.1) == (1, 1)
    # 98 * (1/49) is 1.9999999999999998 in floating point.
    assert math.floor(98 * (1 / 49)) == 1
    assert evaluation.scaled_size((98, 98), 1 / 49) == (2, 2)


def test_rescale_image_sizes_and_identity():
    image = RNG.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    same = evaluation.rescale_image(image, 1.0)
    assert same.dtype == np.float32
    np.testing.assert_array_equal(same, image)
    assert evaluation.rescale_image(image, 1.0, multiple=16).shape == (
        32, 48, 3
    )
    assert evaluation.rescale_image(image, 2 ** -2, 16).shape == (16, 16, 3)
    assert evaluation.rescale_image(image, 2.0).shape == (80, 100, 3)
    assert evaluation.rescale_image(image[..., 0], 0.5).shape == (20, 25)
    flat = np.full((30, 20, 2), 77.0)
    for factor in (0.3, 0.5, 1.7):
        np.testing.assert_allclose(evaluation.rescale_image(flat, factor), 77,
                                   atol=1e-4)


def test_rescale_image_antialiases_when_shrinking():
    # Columns 255, 0, 0, 255, 0, 0, ... shrunk by 3. Point sampling at the
    # output centres (columns 1, 4, 7, ...) would give 0; the triangle
    # filter of half-width 3 centred there weighs columns 0..3 by
    # 2/3, 1, 2/3 and 1/3 (plus 1/3 on the 0 at column -1): 255 * 1 / 3 = 85.
    image = np.zeros((12, 30, 1))
    image[:, ::3] = 255
    small = evaluation.rescale_image(image, 1 / 3)
    assert small.shape == (4, 10, 1)
    np.testing.assert_allclose(small[:, 1:-1, 0], 85, atol=1e-3)


def test_rescale_mask_nearest():
    mask = np.kron(np.array([[0, 1], [2, 3]], np.uint8), np.ones((2, 2),
                                                                  np.uint8))
    small = evaluation.rescale_mask(mask, 0.5)
    np.testing.assert_array_equal(small, [[0, 1], [2, 3]])
    assert small.dtype == np.uint8
    big = evaluation.rescale_mask(small, 2.0)
    np.testing.assert_array_equal(big, mask)
    labels = RNG.choice(np.array([0, 3, 7]), (37, 53))
    for factor in (0.25, 0.7, 1.3, 3.0):
        out = evaluation.rescale_mask(labels, factor, multiple=16)
        assert out.shape == evaluation.scaled_size((37, 53), factor, 16)
        assert set(np.unique(out)) <= {0, 3, 7}
    np.testing.assert_array_equal(evaluation.rescale_mask(labels, 1.0),
                                  labels)


def test_resize_logits():
    ramp = np.array([[0.0, 4.0]])[..., None]           # (1, 2, 1)
    # Half-pixel sources -0.25, 0.25, 0.75, 1.25 -> clamped 0, .25, .75, 1.
    np.testing.assert_allclose(
        evaluation.resize_logits(ramp, (1, 4))[0, :, 0], [0, 1, 3, 4]
    )
    x = RNG.normal(size=(2, 6, 8, 3)).astype("float32")
    np.testing.assert_array_equal(evaluation.resize_logits(x, (6, 8)), x)
    assert evaluation.resize_logits(x, (3, 16)).shape == (2, 3, 16, 3)
    assert evaluation.resize_logits(x[0], (12, 4), antialias=True).shape == (
        12, 4, 3
    )


@pytest.mark.parametrize("call, match", [
    (lambda: evaluation.rescale_image(np.zeros((4, 4, 1)), 0), "factor"),
    (lambda: evaluation.rescale_image(np.zeros((4, 4, 1)), 1, 0), "multiple"),
    (lambda: evaluation.rescale_image(np.zeros(4), 1), "shape"),
    (lambda: evaluation.rescale_mask(np.zeros((4, 4, 2)), 1), "shape"),
    (lambda: evaluation.resize_logits(np.zeros((4, 4)), (2, 2)), "shape"),
    (lambda: evaluation.resize_logits(np.zeros((4, 4, 1)), (0, 2)), "size"),
])
def test_rescale_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------- scale generalisation

def _conv_model(kernel, bias):
    """A 1x1 Conv2D with fixed weights: logits = x @ kernel + bias."""
    kernel = np.asarray(kernel, "float32")
    inputs = keras.Input((None, None, kernel.shape[0]))
    conv = keras.layers.Conv2D(kernel.shape[1], 1)
    model = keras.Model(inputs, conv(inputs))
    conv.set_weights([kernel[None, None], np.asarray(bias, "float32")])
    return model


def _halves(height, width):
    """Channel 0 is 255 on the left half, 0 on the right; channels 1 and 2
    are noise. The mask is 1 on the left half."""
    image = RNG.integers(0, 256, (height, width, 3)).astype(np.uint8)
    image[..., 0] = 0
    image[:, : width // 2, 0] = 255
    mask = np.zeros((height, width), np.int32)
    mask[:, : width // 2] = 1
    return image, mask


def test_threshold_model_is_perfect_and_consistent_at_every_scale():
    # Class 1 iff channel 0 > 127.5. The image and the label boundary both
    # sit at the centre of the image; bilinear filters are symmetric about
    # it, so channel 0 stays above 127.5 exactly left of the centre, where
    # the nearest-neighbour mask is 1. Same for resizing the logits back.
    model = _conv_model([[0, 1], [0, 0], [0, 0]], [0, -127.5])
    pairs = [_halves(72, 100), _halves(72, 100), _halves(48, 64)]
    images = [p[0] for p in pairs]
    masks = [p[1] for p in pairs]
    scales = evaluation.hela_scales()
    result = evaluation.scale_generalization(
        model, images, masks, scales=scales, multiple=16, foreground_class=1,
        batch_size=2, progress=False,
    )
    n = len(scales)
    np.testing.assert_allclose(result["scales"], 2.0 ** np.linspace(-3, 2, 11))
    assert result["mean_iou"] == [1.0] * n
    assert result["per_class_iou"] == [[1.0, 1.0]] * n
    assert result["foreground_iou"] == [1.0] * n
    assert result["pixel_accuracy"] == [1.0] * n
    assert result["consistency"] == [1.0] * n
    assert result["num_images"] == 3
    assert result["num_classes"] == 2
    assert result["multiple"] == 16
    # At factor 1 the 72 x 100 images are floored to 64 x 96 and the
    # 48 x 64 one is kept: sqrt(64 * 96 / 7200) twice and 1, averaged.
    k = result["scales"].index(1.0)
    assert result["input_scales"][k] == pytest.approx(
        (2 * math.sqrt(64 * 96 / 7200) + 1) / 3)
    json.dumps(result, allow_nan=False)


def test_pad_to_shows_small_inputs_in_a_larger_canvas():
    # The model sees 64 px canvases for every input under 64 px; the
    # per-pixel threshold model stays exact only if the crop back is
    # aligned with the image inside the canvas.
    conv = _conv_model([[0, 1], [0, 0], [0, 0]], [0, -127.5])
    seen = []

    def model(batch):
        seen.append(batch.shape[1:3])
        return conv(batch)

    image, mask = _halves(48, 64)
    result = evaluation.scale_generalization(
        model, [image], [mask], scales=[0.5, 1.0, 2.0], multiple=16,
        pad_to=64, progress=False,
    )
    assert seen == [(64, 64), (64, 64), (96, 128)]
    assert result["mean_iou"] == [1.0] * 3
    assert result["consistency"] == [1.0] * 3
    assert result["pad_to"] == 64
    assert "padded to 64 px" in result["protocol"]
    with pytest.raises(ValueError, match="multiple"):
        evaluation.scale_generalization(model, [image], [mask], multiple=16,
                                        pad_to=40, progress=False)


def test_always_class_zero_model_hand_computed_iou():
    # Mask: top half 0, bottom-left quarter 1, bottom-right quarter 2. With
    # even output sides, nearest neighbour keeps exactly these fractions:
    # IoU_0 = (1/2) / 1, IoU_1 = IoU_2 = 0, mean 1/6, pixel accuracy 1/2.
    model = _conv_model(np.zeros((3, 3)), [1.0, 0.0, 0.0])
    mask = np.zeros((64, 96), np.int64)
    mask[32:, :48] = 1
    mask[32:, 48:] = 2
    images = RNG.integers(0, 256, (2, 64, 96, 3)).astype(np.uint8)
    masks = np.stack([mask, mask])[..., None]           # (N, H, W, 1)
    scales = [0.25, 0.5, 2 ** -0.25, 1.0, 1.5, 2.0]
    result = evaluation.scale_generalization(
        model, images, masks, scales=scales, num_classes=3, multiple=16,
        progress=True,
    )
    assert result["scales"] == scales
    np.testing.assert_allclose(result["mean_iou"], [1 / 6] * 6)
    np.testing.assert_allclose(result["per_class_iou"], [[0.5, 0, 0]] * 6)
    np.testing.assert_allclose(result["pixel_accuracy"], [0.5] * 6)
    assert result["consistency"] == [1.0] * 6
    assert "foreground_iou" not in result


def test_non_keras_callable_and_absent_class():
    # logits = the image itself: class = brightest channel. Left half green
    # (class 1), right half blue (class 2); class 0 never occurs -> None.
    seen = []

    def identity(batch):
        seen.append((batch.dtype, float(batch.max())))
        return keras.ops.convert_to_tensor(batch)

    image = np.zeros((32, 48, 3), np.uint8)
    image[:, :24, 1] = 255
    image[:, 24:, 2] = 255
    mask = np.full((32, 48), 2)
    mask[:, :24] = 1
    result = evaluation.scale_generalization(
        identity, [image], [mask], scales=[0.5, 1.0, 1.5], multiple=8,
        progress=False,
    )
    assert all(dtype == np.float32 and top == 255.0 for dtype, top in seen)
    assert result["per_class_iou"] == [[None, 1.0, 1.0]] * 3
    assert result["mean_iou"] == [1.0] * 3
    assert result["consistency"] == [1.0] * 3


def test_consistency_hand_computed():
    # A 'model' that predicts class 1 on the first 16 rows of whatever it
    # sees. Factor-1 input is 32x32: rows 0-15 are class 1.
    # x0.5 (16x16): all class 1; resized back, rows 16-31 disagree -> 1/2.
    # x2 (64x64): rows 0-15 of 64 are class 1; back on 32 rows, row i reads
    # rows 2i and 2i+1, so only rows 0-7 are class 1 -> 8 rows wrong, 3/4.
    def top_rows(batch):
        logits = np.zeros(batch.shape[:3] + (2,), np.float32)
        logits[..., 0] = 1
        logits[:, :16, :, 0] = 0
        logits[:, :16, :, 1] = 1
        return logits

    images = np.zeros((2, 32, 32, 1), np.uint8)
    masks = np.zeros((2, 32, 32), np.uint8)
    result = evaluation.scale_generalization(
        top_rows, images, masks, scales=[0.5, 1.0, 2.0], multiple=16,
        progress=False,
    )
    assert result["consistency"] == [0.5, 1.0, 0.75]
    # Truth is all 0. x1: class 0 IoU = 512 / 1024; class 1 IoU = 0.
    assert result["per_class_iou"][1] == [0.5, 0.0]
    assert result["per_class_iou"][0] == [0.0, 0.0]     # all predicted 1


def test_scale_generalization_errors():
    model = _conv_model(np.zeros((3, 3)), [1.0, 0.0, 0.0])
    images = np.zeros((2, 16, 16, 3))
    masks = np.zeros((2, 16, 16), int)
    kwargs = dict(scales=[1.0], progress=False)
    with pytest.raises(ValueError, match="2 images but 1 masks"):
        evaluation.scale_generalization(model, images, masks[:1], **kwargs)
    with pytest.raises(ValueError, match="mask is"):
        evaluation.scale_generalization(model, images, masks[:, :8], **kwargs)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        evaluation.scale_generalization(model, images, masks + 3, **kwargs)
    with pytest.raises(ValueError, match="num_classes"):
        evaluation.scale_generalization(model, images, masks, num_classes=4,
                                        **kwargs)
    with pytest.raises(ValueError, match="foreground_class"):
        evaluation.scale_generalization(model, images, masks,
                                        foreground_class=3, **kwargs)
    with pytest.raises(ValueError, match="spatial size"):
        evaluation.scale_generalization(
            lambda x: x[:, ::2, ::2], images, masks, **kwargs
        )
    with pytest.raises(ValueError, match="scales"):
        evaluation.scale_generalization(model, images, masks, scales=[0.0],
                                        progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        evaluation.scale_generalization(model, images, masks, batch_size=0,
                                        **kwargs)


def test_default_scales():
    np.testing.assert_allclose(
        evaluation.pets_scales(),
        [0.25, 2 ** -1.75, 2 ** -1.5, 2 ** -1.25, 0.5, 2 ** -0.75,
         2 ** -0.5, 2 ** -0.25, 1, 2 ** 0.25, 2 ** 0.5, 2 ** 0.75, 2,
         2 ** 1.25, 2 ** 1.5, 2 ** 1.75, 4],
    )
    np.testing.assert_allclose(
        evaluation.hela_scales(),
        [1 / 8, 2 ** -2.5, 1 / 4, 2 ** -1.5, 1 / 2, 2 ** -0.5, 1,
         2 ** 0.5, 2, 2 ** 1.5, 4],
    )


# ------------------------------------------------- classification by scale

def test_classification_by_scale_hand_made():
    # Predicts 1 iff the mean pixel > 127.5.
    inputs = keras.Input((8, 8, 1))
    dense = keras.layers.Dense(2)
    model = keras.Model(
        inputs, dense(keras.layers.GlobalAveragePooling2D()(inputs))
    )
    dense.set_weights([np.array([[0.0, 1.0]], "float32"),
                       np.array([0.0, -127.5], "float32")])
    values = [200, 10, 200, 10, 200, 10, 10]
    labels = [1, 1, 1, 0, 0, 1, 0]       # right: yes no yes yes no no yes
    scales = [0.3, 0.45, 0.5, 0.69, 0.7, 1.0, 0.2]
    images = np.stack([np.full((8, 8, 1), v, np.uint8) for v in values])
    result = evaluation.classification_by_scale(
        model, images, labels, scales, batch_size=3
    )
    # [0.3, 0.5): images 0, 1; [0.5, 0.7): 2, 3; [0.7, 1.0]: 4, 5 (1.0 is
    # in the closed last bucket); image 6 (0.2) only counts overall.
    assert result["bucket_counts"] == [2, 2, 2]
    assert result["bucket_accuracy"] == [0.5, 1.0, 0.0]
    assert result["accuracy"] == pytest.approx(4 / 7)
    assert result["num_images"] == 7
    assert result["buckets"] == [[0.3, 0.5], [0.5, 0.7], [0.7, 1.0]]
    empty = evaluation.classification_by_scale(
        model, images, labels, scales, buckets=((2.0, 3.0),)
    )
    assert empty["bucket_accuracy"] == [None]
    with pytest.raises(ValueError, match="non-overlapping"):
        evaluation.classification_by_scale(
            model, images, labels, scales, buckets=((0.3, 0.6), (0.5, 1.0))
        )
    with pytest.raises(ValueError, match="shape"):
        evaluation.classification_by_scale(model, images, labels[:3], scales)


# ----------------------------------------------------------------- report

def _fake_result(scales, mean_iou, consistency):
    return {"scales": scales, "mean_iou": mean_iou,
            "consistency": consistency}


RESULTS = {
    "UNet": _fake_result([0.25, 0.5, 1.0, 2.0, 4.0],
                         [0.2, 0.5, 0.8, 0.4, None],
                         [0.3, 0.6, 1.0, 0.7, 0.5]),
    "SEU-Net": _fake_result([0.5, 1.0, 2.0], [0.7, 0.8, 0.75],
                            [0.9, 1.0, 0.95]),
}


def test_json_round_trip_with_nan(tmp_path):
    result = {"scales": np.array([0.5, 1.0]),
              "mean_iou": [np.float64(np.nan), np.float32(0.5)],
              "num_images": np.int64(3), "protocol": "p"}
    path = tmp_path / "sub" / "r.json"
    evaluation.save_json(result, path)
    assert "NaN" not in path.read_text()
    assert evaluation.load_json(path) == {
        "scales": [0.5, 1.0], "mean_iou": [None, 0.5], "num_images": 3,
        "protocol": "p",
    }


def test_format_table():
    table = evaluation.format_table(RESULTS, "mean_iou")
    lines = table.splitlines()
    assert lines[0] == "mean_iou"
    assert lines[1].split() == ["scale", "log2", "UNet", "SEU-Net"]
    rows = [line.split() for line in lines[3:]]
    assert [r[0] for r in rows] == ["0.25", "0.5", "1", "2", "4"]
    assert rows[0] == ["0.25", "-2.00", "0.2000", "-"]
    assert rows[2] == ["1", "+0.00", "0.8000", "0.8000"]
    assert rows[4] == ["4", "+2.00", "-", "-"]
    with pytest.raises(ValueError, match="no metric"):
        evaluation.format_table(RESULTS, "foreground_iou")


def test_applied_factor_shows_scales_that_collapse():
    # 128 px with sides floored to 16: 0.25, 2**-1.75 and 2**-1.5 all give
    # 32 px; 2**0.25 gives floor(152.2 / 16) * 16 = 144 px.
    for factor in (0.25, 2**-1.75, 2**-1.5):
        assert evaluation.applied_factor((128, 128), factor, 16) == 0.25
    assert evaluation.applied_factor((128, 128), 2**0.25, 16) == 144 / 128
    assert evaluation.applied_factor((128, 128), 2**0.25) == (
        pytest.approx(152 / 128))
    assert evaluation.applied_factor((72, 100), 0.5, 16) == pytest.approx(
        math.sqrt(32 * 48 / (72 * 100)))


def test_table_shows_the_applied_scale_column():
    a = dict(_fake_result([0.25, 0.3, 1.0], [0.1, 0.2, 0.8], [0.5, 0.6, 1]),
             input_scales=[0.25, 0.25, 1.0])
    b = dict(a, input_scales=[0.25, 0.3, 1.0])
    lines = evaluation.format_table({"A": a}, markdown=True).splitlines()
    assert lines[0] == "| scale | log2 | applied | A |"
    assert lines[2] == "| 0.25 | -2.00 | 0.25 | 0.1000 |"
    assert lines[3] == "| 0.3 | -1.74 | 0.25 | 0.2000 |"
    assert lines[-1] == "| mean, scales != 1 |  |  | 0.1500 |"
    rows = evaluation.format_table({"A": a, "B": b}).splitlines()[3:]
    assert [r.split()[2] for r in rows] == ["0.25", "varies", "1"]
    # Without the field (results from before it was recorded): no column.
    assert "applied" not in evaluation.format_table(RESULTS)


def test_off_scale_mean_leaves_out_scale_one_and_gaps():
    # UNet: (0.2 + 0.5 + 0.4) / 3, the None at 4 and scale 1 left out.
    assert evaluation.off_scale_mean(RESULTS["UNet"], "mean_iou") == (
        pytest.approx(1.1 / 3))
    assert evaluation.off_scale_mean(RESULTS["SEU-Net"], "consistency") == (
        pytest.approx(0.925))
    only_one = _fake_result([1.0], [0.8], [1.0])
    assert np.isnan(evaluation.off_scale_mean(only_one, "mean_iou"))


def test_markdown_table_ends_with_the_off_scale_mean():
    lines = evaluation.format_table(RESULTS, "mean_iou",
                                    markdown=True).splitlines()
    assert lines[0] == "| scale | log2 | UNet | SEU-Net |"
    assert lines[1] == "|---:|---:|---:|---:|"
    assert lines[2] == "| 0.25 | -2.00 | 0.2000 | - |"
    assert lines[-1] == "| mean, scales != 1 |  | 0.3667 | 0.7250 |"
    assert len(lines) == 2 + 5 + 1


def test_plot(tmp_path):
    path = tmp_path / "plot.png"
    figure = evaluation.plot_scale_generalization(RESULTS, path=path)
    axes = figure.axes
    assert len(axes) == 2
    for ax in axes:
        labels = [line.get_label() for line in ax.lines]
        assert labels == ["UNet", "SEU-Net", "training scale"]
        assert [t.get_text() for t in ax.get_xticklabels()] == [
            "1/4", "1/2", "1", "2", "4"
        ]
    np.testing.assert_allclose(axes[0].lines[0].get_xdata(), [-2, -1, 0, 1, 2])
    assert axes[0].lines[2].get_linestyle() == "--"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one = evaluation.plot_scale_generalization(RESULTS, metrics="consistency")
    assert len(one.axes) == 1
