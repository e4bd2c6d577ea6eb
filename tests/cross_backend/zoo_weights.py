"""Fast, reproducible weights for zoo models in tests.

Shared by `tests/test_zoo.py` and `tests/cross_backend/zoo_produce.py` (a
script, which imports this module from its own folder).
"""

import contextlib

import numpy as np


@contextlib.contextmanager
def zero_kernels():
    """Builds with zero kernels instead of random ones.

    `he_normal` and `glorot_uniform`, the zoo's random initializers, are
    `VarianceScaling`; on JAX each new kernel shape costs a compilation.
    Every weight is set or loaded afterwards.
    """
    import keras

    cls = keras.initializers.VarianceScaling
    original = cls.__call__

    def zeros(self, shape, dtype=None):
        return keras.ops.zeros(shape, dtype=dtype)

    cls.__call__ = zeros
    try:
        yield
    finally:
        cls.__call__ = original


def randomize(model, rng):
    """Sets every weight from the numpy generator `rng`: He-scaled kernels,
    batch-norm scales and variances around 1, small offsets and means."""
    values = []
    for w in model.weights:
        shape, path = tuple(w.shape), w.path
        if "gamma" in path or "moving_variance" in path:
            value = rng.uniform(0.5, 1.5, size=shape)
        elif "beta" in path or "moving_mean" in path or "bias" in path:
            value = rng.normal(0.0, 0.1, size=shape)
        else:
            fan_in = max(1, int(np.prod(shape[:-1])))
            value = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
        values.append(value.astype(w.dtype))
    model.set_weights(values)
