"""`subsample` against numpy's strided slice, and the layers that use it."""

import keras
import numpy as np
import pytest

from keras_dss import ScaleConv2D
from keras_dss import ScaleMaxPool
from keras_dss.layers.subsample import subsample

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("shape,factor,axis", [
    ((2, 8, 12, 3), 2, 1),          # one level, reshape path
    ((2, 3, 8, 12, 3), 2, 2),       # a scale-space, reshape path
    ((2, 9, 6, 1), 3, 1),           # factor 3
    ((2, 3, 7, 6, 2), 2, 2),        # 7 rows: strided-slice fallback
    ((2, 4, 4, 5), 1, 1),           # factor 1: unchanged
])
def test_subsample_equals_strided_slice(shape, factor, axis):
    x = RNG.normal(size=shape).astype("float32")
    got = keras.ops.convert_to_numpy(subsample(x, factor, axis))
    index = (slice(None),) * axis + (slice(None, None, factor),) * 2
    np.testing.assert_array_equal(got, x[index])


def test_subsample_in_a_model_with_unknown_sides():
    """Unknown spatial sides take the strided-slice path; known sides the
    reshape; both give the samples at phase 0."""
    x = RNG.normal(size=(2, 2, 8, 8, 3)).astype("float32")
    for spatial in ((8, 8), (None, None)):
        inputs = keras.Input((2,) + spatial + (3,))
        model = keras.Model(inputs, keras.layers.Lambda(
            lambda t: subsample(t, 2, 2),
            output_shape=lambda s: s[:2] + (None, None) + s[-1:])(inputs))
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(model(x)), x[:, :, ::2, ::2])


@pytest.mark.parametrize("make", [
    lambda: ScaleMaxPool(2, strides=2, mode="subsample"),
    lambda: ScaleMaxPool(2, strides=2, mode="max"),
    lambda: ScaleConv2D(4, 3, scale_size=2, strides=2),
    lambda: ScaleConv2D(4, 1, strides=2),
])
def test_strided_layers_agree_with_and_without_static_sides(make):
    """Called eagerly (static sides: the reshape path) and inside a model
    declared with unknown sides (traced with unknown sides, i.e. the slice
    path, where the backend traces symbolically, as TensorFlow does), one
    layer gives the same outputs."""
    x = RNG.normal(size=(2, 3, 8, 8, 2)).astype("float32")
    layer = make()
    static = layer(x)
    dynamic_in = keras.Input((3, None, None, 2))
    dynamic = keras.Model(dynamic_in, layer(dynamic_in))(x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(static),
                               keras.ops.convert_to_numpy(dynamic),
                               rtol=1e-5, atol=1e-5)
