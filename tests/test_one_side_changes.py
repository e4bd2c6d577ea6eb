"""A second image size that differs in one side only.

On TensorFlow, `predict` then traces the height unknown and the width
known. The scale-space layers' dilated convolutions failed there
("padded_shape[0]=14 is not divisible by block_shape[0]=4") because
TensorFlow's graph optimiser folded a shape to a wrong constant; the lift
and the zoo models' size check now forget the known side too
(`keras_dss.layers.sides.unknown_sides_if_partial`). The sizes here
reproduce the failure: a 6x4 level with dilation 4.
"""

import keras
import numpy as np
import pytest

import keras_dss
from keras_dss import zoo

ARGS = {
    "SEUNet": dict(num_classes=3, filters=2, depth=2, num_scales=3),
    "SResNet": dict(num_classes=3, filters=(2, 4, 4), num_scales=3,
                    blocks_per_stage=1),
}


@pytest.mark.parametrize("name", sorted(ARGS))
@pytest.mark.parametrize("second", [(24, 16), (16, 24)])
def test_second_size_with_one_side_changed(name, second):
    make = getattr(zoo, name)
    keras.utils.set_random_seed(0)
    model = make(**ARGS[name])
    rng = np.random.default_rng(0)
    model.predict(rng.uniform(0, 255, (2, 16, 16, 3)).astype("float32"),
                  verbose=0)
    x = rng.uniform(0, 255, (2,) + second + (3,)).astype("float32")
    out = model.predict(x, verbose=0)
    fresh = make(**ARGS[name])
    fresh.set_weights(model.get_weights())
    np.testing.assert_allclose(out, fresh.predict(x, verbose=0), atol=1e-5,
                               rtol=1e-5)


def layers_model():
    """Lift, scale-convs and two poolings, no zoo size check."""
    inputs = keras.Input((None, None, 3))
    x = keras_dss.ScaleSpaceLift(num_scales=3)(inputs)
    for i in range(3):
        if i:
            x = keras_dss.ScaleMaxPool(2)(x)
        x = keras_dss.ScaleConv2D(2, 3)(x)
    return keras.Model(inputs, keras_dss.Projection("max")(x))


def test_layers_second_size_with_one_side_changed():
    keras.utils.set_random_seed(0)
    model = layers_model()
    rng = np.random.default_rng(1)
    model.predict(rng.uniform(0, 255, (2, 16, 16, 3)).astype("float32"),
                  verbose=0)
    x = rng.uniform(0, 255, (2, 24, 16, 3)).astype("float32")
    out = model.predict(x, verbose=0)
    fresh = layers_model()
    fresh.set_weights(model.get_weights())
    np.testing.assert_allclose(out, fresh.predict(x, verbose=0), atol=1e-5,
                               rtol=1e-5)
