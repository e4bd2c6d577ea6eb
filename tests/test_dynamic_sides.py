"""Layers traced with unknown spatial sides (TensorFlow graphs with `None`
height and width, as `fit` traces batches of several sizes) give the values
and gradients of the static-shape call."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_dss
from keras_dss.layers.subsample import subsample

ON_TF = keras.backend.backend() == "tensorflow"


LAYERS = {
    "ScaleConv2D Ks2": lambda: keras_dss.ScaleConv2D(3, 3, scale_size=2),
    "ScaleConv2D 1x1 stride 2": lambda: keras_dss.ScaleConv2D(
        3, 1, strides=2),
    "ScaleConv2D stride 2": lambda: keras_dss.ScaleConv2D(3, 3, strides=2),
    "ScaleMaxPool max": lambda: keras_dss.ScaleMaxPool(2),
    "ScaleMaxPool max 3/2": lambda: keras_dss.ScaleMaxPool(3, strides=2),
    "ScaleUpSample": lambda: keras_dss.ScaleUpSample(2),
    "ScaleUpSample 2x3": lambda: keras_dss.ScaleUpSample((2, 3)),
}


@pytest.mark.skipif(not ON_TF, reason="only TensorFlow traces None sides")
@pytest.mark.parametrize("name", sorted(LAYERS))
# 16x16: every level's dilation (up to 8) divides the sides; 12x20 and
# 20x12: the deeper levels' do not.
@pytest.mark.parametrize("sides", [(16, 16), (12, 20), (20, 12)])
def test_unknown_sides_match_static(name, sides):
    import tensorflow as tf

    layer = LAYERS[name]()
    rng = np.random.default_rng(sum(sides))
    x = rng.normal(size=(2, 4) + sides + (2,)).astype("float32")
    want = ops.convert_to_numpy(layer(x))

    @tf.function(input_signature=[tf.TensorSpec([None, 4, None, None, 2])])
    def traced(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = layer(t)
            loss = tf.reduce_sum(y * y)
        return y, tape.gradient(loss, t)

    got, grad = traced(x)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) ** 2)
    np.testing.assert_allclose(grad.numpy(), tape.gradient(loss, xt).numpy(),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not ON_TF, reason="only TensorFlow traces None sides")
@pytest.mark.parametrize("sides", [(8, 12), (7, 12), (8, 9)])
def test_subsample_unknown_sides(sides):
    import tensorflow as tf

    x = np.arange(2 * 3 * sides[0] * sides[1], dtype="float32").reshape(
        (2, 3) + sides)
    traced = tf.function(
        lambda t: subsample(t, 2, 2),
        input_signature=[tf.TensorSpec([None, 3, None, None])],
    )
    np.testing.assert_array_equal(traced(x).numpy(), x[:, :, ::2, ::2])


@pytest.mark.skipif(not ON_TF, reason="only TensorFlow traces None sides")
def test_unet_upsampling_unknown_sides():
    import tensorflow as tf

    from keras_dss.zoo.families import BilinearUpSampling2D

    layer = BilinearUpSampling2D(2)
    x = np.random.default_rng(0).normal(size=(2, 5, 7, 3)).astype("float32")
    traced = tf.function(
        layer, input_signature=[tf.TensorSpec([None, None, None, 3])])
    traced_shape = traced.get_concrete_function().structured_outputs.shape
    assert traced_shape.as_list() == [None, None, None, 3]
    got = traced(x)
    np.testing.assert_allclose(got.numpy(), ops.convert_to_numpy(layer(x)),
                               atol=1e-6)
