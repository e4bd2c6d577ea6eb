"""Working around TensorFlow graphs with one spatial side known."""

import keras


def unknown_sides_if_partial(x, axes=(1, 2)):
    """`x`, with both spatial sides unknown where only one of them is.

    A TensorFlow graph traced with one side known and the other not (what
    `predict` traces for a second image size that differs in one side
    only) is miscompiled by grappler's constant folding: after a `stack`
    that includes a dilated convolution it reads the unknown side as the
    known one's value, and a later dilated convolution fails
    ("padded_shape[0]=14 is not divisible by block_shape[0]=4").
    Reproduced in plain TensorFlow; BENCHMARKS.md, 2026-12-07 (second
    session). With both sides unknown the graph runs right, so on
    TensorFlow this returns `x` through a `PlaceholderWithDefault` whose
    declared shape forgets the known side. Elsewhere, and where both sides
    are known or both unknown, it returns `x` unchanged.

    Args:
        x: tensor whose `axes` are the spatial sides.
        axes: the height and width axes.

    Returns:
        `x`, possibly with less static shape information.
    """
    shape = list(x.shape)
    unknown = [shape[a] is None for a in axes]
    if keras.backend.backend() != "tensorflow" or all(unknown) or not any(
        unknown
    ):
        return x
    import tensorflow as tf  # only reached on the TensorFlow backend

    for a in axes:
        shape[a] = None
    return tf.raw_ops.PlaceholderWithDefault(input=x, shape=shape)
