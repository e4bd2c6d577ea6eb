"""Phase-0 subsampling of spatial axes, written as a reshape.

`x[:, ::2, ::2]` is a strided slice, which TensorFlow's CPU graph kernels
(the path Keras takes on TensorFlow without a GPU, where it does not
XLA-compile) run in about 3.5x the time of a copy of the whole input
(`benchmarks/profile_subsample.py`, `benchmarks/ab_subsample.py`).
Splitting each axis into `(n, factor)` and taking index 0 of the `factor`
axes reads the same samples with a contiguous innermost axis.
"""

from keras import ops


def strided_slice(x, factor, axis):
    """`x[..., ::factor, ::factor, ...]` on the axes `axis` and `axis + 1`.

    Args:
        x: tensor whose axes `axis` and `axis + 1` are spatial.
        factor: positive int, the sampling step on both axes.
        axis: int >= 1, the first of the two axes.
    """
    return x[(slice(None),) * axis + (slice(None, None, factor),) * 2]


def subsample(x, factor, axis):
    """Every `factor`-th sample (phase 0) of the axes `axis` and `axis + 1`.

    Args:
        x: tensor whose axes `axis` and `axis + 1` are spatial.
        factor: positive int, the sampling step on both axes.
        axis: int >= 1, the first of the two axes (axis 0 is the batch).

    Returns:
        The same values as `x[..., ::factor, ::factor, ...]` on those axes:
        a reshape where every axis but the batch has a static size and
        `factor` divides both sampled sides, a strided slice otherwise.
    """
    if factor == 1:
        return x
    shape = tuple(x.shape)
    h, w = shape[axis], shape[axis + 1]
    if None in shape[1:] or h % factor or w % factor:
        return strided_slice(x, factor, axis)
    split = ((-1,) + shape[1:axis] + (h // factor, factor, w // factor,
                                      factor) + shape[axis + 2 :])
    index = (slice(None),) * axis + (slice(None), 0, slice(None), 0)
    return ops.reshape(x, split)[index]
