"""`keras_dss.flops.count_flops` against counts worked out by hand.

Run once per backend (`KERAS_BACKEND=tensorflow|torch|jax`). The expected
values are written out as arithmetic in each test, not computed with the
library, so a wrong convention in `count_flops` shows up here.
"""

import keras
import pytest

from keras_dss import Projection
from keras_dss import ScaleConv2D
from keras_dss import ScaleMaxPool
from keras_dss import ScaleSpaceLift
from keras_dss import ScaleUpSample
from keras_dss.flops import count_flops


@pytest.fixture(autouse=True)
def cheap_init(monkeypatch):
    """Zero kernels instead of random ones: FLOPs do not depend on weights,
    and JAX compiles its truncated normal once per kernel shape (seconds
    each), which would dominate these tests."""

    def zeros(self, shape, dtype=None):
        return keras.ops.zeros(shape, dtype=dtype or "float32")

    monkeypatch.setattr(keras.initializers.VarianceScaling, "__call__", zeros)


def single(layer, shape):
    return keras.Sequential([keras.Input(shape), layer])


def test_conv2d_strided():
    # 10x12 "same" stride 2 -> 5x6; 5 filters, 3x3 taps on 3 channels.
    model = single(keras.layers.Conv2D(5, 3, strides=2, padding="same"),
                   (10, 12, 3))
    report = count_flops(model)
    assert report.total == 2 * (5 * 6 * 5) * (3 * 3 * 3) + 5 * 6 * 5
    assert report.rows[0].output_shape == (1, 5, 6, 5)


def test_conv2d_groups_and_batch():
    # "valid" 8x8 -> 6x6; 3 groups: each of the 6 filters reads 2 channels.
    model = single(keras.layers.Conv2D(6, 3, groups=3), (8, 8, 6))
    per_image = 2 * (6 * 6 * 6) * (3 * 3 * 2) + 6 * 6 * 6
    report = count_flops(model, batch_size=4)
    assert report.total == 4 * per_image
    assert report.per_image == per_image


def test_depthwise_and_activation():
    model = single(
        keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False,
                                     activation="relu"),
        (6, 6, 4),
    )
    # 3x3 taps per output element, plus 1 per element for the ReLU.
    assert count_flops(model).total == 2 * (6 * 6 * 4) * 9 + 6 * 6 * 4


def test_dense():
    assert count_flops(single(keras.layers.Dense(3), (7,))).total == (
        2 * 7 * 3 + 3
    )
    # On a sequence: per position, plus 1 per element for the activation.
    model = single(keras.layers.Dense(3, activation="relu"), (4, 7))
    assert count_flops(model).total == 4 * (2 * 7 * 3 + 3) + 4 * 3


@pytest.mark.parametrize("scale_padding", ["zero", "replicate"])
def test_scale_conv_scale_size_2_stride_2(scale_padding):
    # S=3 levels read 2, 2 and 1 input levels (the last one is truncated;
    # "replicate" folds the missing taps, so it reads 1 level too).
    layer = ScaleConv2D(5, 3, scale_size=2, strides=2,
                        scale_padding=scale_padding)
    model = single(layer, (3, 8, 8, 4))
    out_pixels = 4 * 4
    macs = out_pixels * 5 * (3 * 3) * 4 * (2 + 2 + 1)
    report = count_flops(model)
    assert report.total == 2 * macs + 3 * out_pixels * 5
    assert report.rows[0].output_shape == (1, 3, 4, 4, 5)


def test_scale_conv_stride_1_no_bias():
    layer = ScaleConv2D(2, 3, scale_size=3, use_bias=False)
    model = single(layer, (3, 8, 8, 1))
    # Levels read 3, 2 and 1 input levels.
    assert count_flops(model).total == 2 * (8 * 8) * 2 * 9 * 1 * (3 + 2 + 1)


def test_lift():
    # Variances t_k = 0.25 * (4**k - 1): 0, 0.75, 3.75. Radii
    # ceil(4 * sqrt(t)): 4 and 8, i.e. 9 and 17 taps per 1-D pass; two
    # passes per level, level 0 free.
    model = single(ScaleSpaceLift(num_scales=3), (20, 20, 2))
    macs_per_pixel_channel = 2 * 9 + 2 * 17
    assert count_flops(model).total == 2 * macs_per_pixel_channel * 20 * 20 * 2


def test_pool_upsample_projection_bn():
    x = inputs = keras.Input((3, 8, 8, 2))
    x = ScaleMaxPool(mode="max")(x)  # separable: 4x8 then 4x4 maxima
    x = keras.layers.BatchNormalization()(x)
    x = ScaleUpSample(2)(x)
    x = Projection("max")(x)
    report = count_flops(keras.Model(inputs, x))
    flops = [r.flops for r in report.rows]
    assert flops == [
        3 * (4 * 8 + 4 * 4) * 2,  # 3 levels, 1 comparison per pass element
        2 * 3 * 4 * 4 * 2,  # inference batch norm: 2 per element
        6 * 3 * 8 * 8 * 2,  # bilinear: 6 per output element
        2 * 8 * 8 * 2,  # max over 3 levels: 2 comparisons per output
    ]


def test_quadratic_pool():
    model = single(ScaleMaxPool(mode="quadratic"), (2, 4, 4, 1))
    # Level k has radius 3 * 2**k: 7 and 13 taps, an add and a max each
    # (no max for the first); passes of 2x4 and 2x2 elements.
    assert count_flops(model).total == (2 * 7 - 1 + 2 * 13 - 1) * (8 + 4)


class Block(keras.layers.Layer):
    """A layer holding a sub-layer, with no compute_output_shape."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(3)

    def call(self, x):
        return keras.ops.relu(self.dense(x))


class Mystery(keras.layers.Layer):
    """A leaf layer with weights that `count_flops` has no rule for."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],))

    def call(self, x):
        return x * self.w


def test_nested_and_not_counted():
    inner = single(keras.layers.Dense(5), (7,))
    x = inputs = keras.Input((7,))
    x = inner(x)
    x = Block(name="block")(x)
    x = Mystery(name="mystery")(x)
    report = count_flops(keras.Model(inputs, x))
    assert report.total == (2 * 7 * 5 + 5) + (2 * 5 * 3 + 3)
    # The container's own relu is invisible: it is listed as not counted.
    assert [r.name for r in report.not_counted] == ["block", "mystery"]
    assert "not counted" in report.format()
    assert "mystery (Mystery)" in report.format()


def test_unknown_size_needs_input_shape():
    model = single(keras.layers.Conv2D(2, 3), (None, None, 3))
    with pytest.raises(ValueError, match="input_shape"):
        count_flops(model)
    assert count_flops(model, input_shape=(5, 5, 3)).total == (
        2 * 9 * 2 * 27 + 9 * 2
    )


def test_seunet_vs_unet():
    from keras_dss.zoo import SEUNet
    from keras_dss.zoo import UNet

    se = count_flops(SEUNet(filters=4, depth=2, num_scales=3),
                     input_shape=(32, 32, 3))
    plain = count_flops(UNet(filters=4, depth=2), input_shape=(32, 32, 3))
    # Each 3x3 conv costs 3 (scale size 1) or 2 + 2 + 1 (scale size 2)
    # times the plain one; the lift and pooling add a little.
    assert 2 < se.total / plain.total < 3 * 2
    assert not se.not_counted and not plain.not_counted
    assert se.by_class()["ScaleConv2D"] > 0.9 * se.total
