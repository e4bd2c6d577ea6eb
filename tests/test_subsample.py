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
    """Declared with known or unknown sides (the slice path wherever a
    backend traces with the sides unknown), a model gives the samples at
    phase 0."""
    x = RNG.normal(size=(2, 2, 8, 8, 3)).astype("float32")
    for spatial in ((8, 8), (None, None)):
        inputs = keras.Input((2,) + spatial + (3,))
        model = keras.Model(inputs, keras.layers.Lambda(
            lambda t: subsample(t, 2, 2),
            output_shape=lambda s: s[:2] + (None, None) + s[-1:])(inputs))
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(model(x)), x[:, :, ::2, ::2])


def test_strided_layers_sample_phase_zero():
    """Through `subsample`, the strided layers still keep the top-left
    sample: `ScaleMaxPool("subsample")` is numpy's slice, and a strided
    1x1 `ScaleConv2D` with an identity kernel returns that slice too."""
    x = RNG.normal(size=(2, 3, 8, 12, 2)).astype("float32")
    pooled = ScaleMaxPool(2, strides=2, mode="subsample")(x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pooled),
                                  x[:, :, ::2, ::2])
    conv = ScaleConv2D(2, 1, strides=2, use_bias=False,
                       kernel_initializer="zeros")
    conv.build(x.shape)
    conv.kernel.assign(np.eye(2, dtype="float32").reshape(1, 1, 1, 2, 2))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(conv(x)),
                               x[:, :, ::2, ::2], rtol=1e-6, atol=1e-6)
