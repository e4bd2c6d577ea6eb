"""Precise batch-norm statistics: the recalibration and its fit callback."""

import keras
import numpy as np
import pytest

from keras_dss.training.precise_bn import PreciseBatchNorm
from keras_dss.training.precise_bn import batch_norm_layers
from keras_dss.training.precise_bn import recalibrate_batch_norm


def bn_model():
    inputs = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, padding="same")(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(2)(x))


def batches(count, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(3.0, 2.0, (4, 6, 6, 2)).astype("float32")
            for _ in range(count)]


def test_recalibration_gives_the_mean_of_the_batch_statistics():
    inputs = keras.Input((6, 6, 2))
    model = keras.Model(inputs, keras.layers.BatchNormalization()(inputs))
    data = batches(3)
    assert recalibrate_batch_norm(model, [(x, None) for x in data]) == 3
    layer = batch_norm_layers(model)[0]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.moving_mean),
        np.mean([x.mean(axis=(0, 1, 2)) for x in data], axis=0), rtol=1e-5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.moving_variance),
        np.mean([x.var(axis=(0, 1, 2)) for x in data], axis=0), rtol=1e-4)
    assert layer.momentum == 0.99  # restored


def test_recalibration_needs_a_batch_norm():
    inputs = keras.Input((4,))
    with pytest.raises(ValueError, match="no BatchNormalization"):
        recalibrate_batch_norm(keras.Model(inputs, inputs), batches(1))


class Data(keras.utils.PyDataset):
    def __init__(self, xs, seed):
        super().__init__()
        self.xs = xs
        rng = np.random.default_rng(seed)
        self.ys = [rng.integers(0, 2, len(x)) for x in xs]

    def __len__(self):
        return len(self.xs)

    def __getitem__(self, i):
        return self.xs[i], self.ys[i]


@pytest.mark.parametrize("precise", [True, False])
def test_fit_validates_with_statistics_of_the_final_weights(precise):
    keras.utils.set_random_seed(0)
    train, val = Data(batches(6), 1), Data(batches(2, seed=5), 2)
    model = bn_model()
    model.compile(keras.optimizers.Adam(0.05),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    callbacks = [PreciseBatchNorm(train, batches=3)] if precise else []
    history = model.fit(train, validation_data=val, epochs=2, verbose=0,
                        callbacks=callbacks)
    layer = batch_norm_layers(model)[0]
    after_fit = keras.ops.convert_to_numpy(layer.moving_variance).copy()
    # Validation ran with the statistics the model holds after `fit`.
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               model.evaluate(val, verbose=0), rtol=1e-5)
    # Recomputing them from the same batches (0, 2, 5) with the final
    # weights changes nothing when the callback already did it, and a lot
    # when only the moving averages of 12 steps were there.
    recalibrate_batch_norm(model, [train[0], train[2], train[5]])
    recomputed = keras.ops.convert_to_numpy(layer.moving_variance)
    if precise:
        np.testing.assert_allclose(after_fit, recomputed, rtol=1e-5)
    else:
        assert np.abs(after_fit - recomputed).max() > 0.1 * recomputed.max()


def test_callback_rejects_bad_batches():
    with pytest.raises(ValueError, match="int >= 1"):
        PreciseBatchNorm(Data(batches(1), 0), batches=0)
