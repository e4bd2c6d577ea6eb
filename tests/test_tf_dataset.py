"""`as_tf_dataset`: batches of several shapes train on TensorFlow."""

import keras
import numpy as np
import pytest

from keras_dss import datasets
from keras_dss.datasets import as_tf_dataset
from keras_dss.datasets import varies_batch_shape

ON_TF = keras.backend.backend() == "tensorflow"
# Batch sides per index: the first two agree, a later one does not, which
# is the case Keras' TensorFlow adapter gets wrong (it reads two batches).
SIDES = (8, 8, 12, 8)


class SidesSequence(keras.utils.PyDataset):
    """Batches `(x, y)` of 2 examples whose side is `SIDES[index]`."""

    def __init__(self):
        super().__init__()
        self.epochs_ended = 0

    def __len__(self):
        return len(SIDES)

    def __getitem__(self, index):
        side = SIDES[index]
        x = np.full((2, side, side, 1), index, np.float32)
        y = np.zeros((2, side, side), np.int32)
        return x, y

    def on_epoch_end(self):
        self.epochs_ended += 1


def tiny_segmenter():
    inputs = keras.Input((None, None, 1))
    logits = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    model = keras.Model(inputs, logits)
    model.compile(
        optimizer="sgd",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def test_varies_batch_shape():
    images = np.zeros((4, 16, 16, 1), np.float32)
    masks = np.zeros((4, 16, 16), np.int32)

    def sequence(**augmentation):
        return datasets.SegmentationSequence(
            images, masks, batch_size=2, augmentation=(
                datasets.segmentation_augmentation(**augmentation)
                if augmentation else None),
        )

    assert varies_batch_shape(sequence(crop_sizes=[8, 12]))
    assert not varies_batch_shape(sequence(crop_sizes=[8, (8, 8)]))
    assert not varies_batch_shape(sequence(crop_size=8))
    assert not varies_batch_shape(sequence())


@pytest.mark.skipif(not ON_TF, reason="a TensorFlow-backend behaviour")
def test_plain_pydataset_fails_on_tensorflow():
    # Why the wrapper exists: Keras fixes the batch shape from batches 0
    # and 1 (8 px) and fails on batch 2 (12 px).
    with pytest.raises(Exception, match="shape"):
        tiny_segmenter().fit(SidesSequence(), epochs=1, verbose=0)


@pytest.mark.skipif(not ON_TF, reason="a TensorFlow-backend behaviour")
def test_as_tf_dataset_trains_on_every_shape():
    sequence = SidesSequence()
    dataset = as_tf_dataset(sequence)
    x_spec, y_spec = dataset.element_spec
    assert x_spec.shape.as_list() == [None, None, None, 1]
    assert y_spec.shape.as_list() == [None, None, None]
    # Order and values as the sequence gives them, pass after pass.
    seen = [x[0, 0, 0, 0] for x, _ in dataset.take(2 * len(SIDES))]
    assert [float(v) for v in seen] == [0, 1, 2, 3] * 2
    sequence = SidesSequence()
    history = tiny_segmenter().fit(
        as_tf_dataset(sequence), epochs=2, steps_per_epoch=len(SIDES),
        shuffle=False, verbose=0,
    )
    assert len(history.history["loss"]) == 2
    assert sequence.epochs_ended >= 1


@pytest.mark.skipif(ON_TF, reason="checks the error off TensorFlow")
def test_as_tf_dataset_needs_tensorflow():
    with pytest.raises(RuntimeError, match="TensorFlow backend"):
        as_tf_dataset(SidesSequence())
