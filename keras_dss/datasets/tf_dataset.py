"""`tf.data` streaming of a `PyDataset` whose batches change shape."""

import keras
import numpy as np


def varies_batch_shape(sequence):
    """Whether `sequence`'s augmentation crops batches to several sizes.

    Args:
        sequence: a `keras.utils.PyDataset`, e.g. a `SegmentationSequence`.

    Returns:
        `True` when one of the layers of `sequence.augmentation` has a
        `sizes` list (`RandomAffineCrop(sizes=...)`) with two or more
        distinct sizes.
    """
    augmentation = getattr(sequence, "augmentation", None)
    layers = getattr(augmentation, "layers", None) or [augmentation]
    for layer in layers:
        sizes = getattr(layer, "sizes", None)
        if sizes is not None and len({tuple(s) for s in sizes}) > 1:
            return True
    return False


def as_tf_dataset(sequence, varying_axes=(1, 2)):
    """Streams `sequence` through `tf.data`, its `varying_axes` left unknown.

    Keras' TensorFlow trainer fixes the shape of a `PyDataset`'s batches
    from the first two batches it reads, so a sequence that crops each
    batch to one of several sizes (`crop_sizes`) fails on TensorFlow as
    soon as a later batch has another size than those two. This dataset
    declares the batch axis and `varying_axes` of every array unknown
    instead. It repeats without end, calling `sequence.on_epoch_end()`
    after each pass, so give `fit` a `steps_per_epoch` (`len(sequence)`
    for whole passes). It reads one batch ahead of time to learn the
    dtypes and the other sides, and yields that batch first.

    Args:
        sequence: a `keras.utils.PyDataset` of tuples of numpy arrays.
        varying_axes: the axes, besides the batch axis, that may change
            size from batch to batch (height and width by default).

    Returns:
        A `tf.data.Dataset` of the same tuples.
    """
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "as_tf_dataset: only for the TensorFlow backend (the active "
            f"one is {keras.backend.backend()!r}); give `fit` the "
            "PyDataset itself there."
        )
    import tensorflow as tf

    first = sequence[0]
    if not isinstance(first, tuple):
        first = (first,)

    def spec(array):
        array = np.asarray(array)
        shape = [
            None if axis == 0 or axis in varying_axes else side
            for axis, side in enumerate(array.shape)
        ]
        return tf.TensorSpec(shape, tf.as_dtype(array.dtype))

    signature = tuple(spec(a) for a in first)

    def batches():
        head = first
        while True:
            for index in range(len(sequence)):
                if head is not None:
                    batch, head = head, None
                else:
                    batch = sequence[index]
                yield batch if isinstance(batch, tuple) else (batch,)
            sequence.on_epoch_end()

    return tf.data.Dataset.from_generator(
        batches, output_signature=signature
    ).prefetch(1)
