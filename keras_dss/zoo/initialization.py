"""Skipping random initialization of weights that are loaded right after.

On the JAX backend every random initializer compiles once per weight shape
(about 1 s each on a 2-core CPU): a zoo model with 23 convolution shapes
spends most of its construction time drawing random kernels that
`load_weights` then overwrites. Inside `weights_follow()`, the zoo builders
give their layers a zeros stand-in for the random initializer
(`initializer()`); `restore_initializers(model)` puts the real initializer
objects back on the layers afterwards, so `get_config()` and clones are as
if the model had been built normally.
"""

import contextlib
import contextvars

import keras

_WEIGHTS_FOLLOW = contextvars.ContextVar("keras_dss_weights_follow",
                                         default=False)


class _StandIn(keras.initializers.Initializer):
    """Zeros in place of `initializer`, for weights about to be loaded."""

    def __init__(self, initializer):
        self.initializer = initializer

    def __call__(self, shape, dtype=None):
        return keras.ops.zeros(shape, dtype=dtype)

    def get_config(self):
        raise TypeError(
            "a keras_dss stand-in initializer was left on a layer; call "
            "keras_dss.zoo.initialization.restore_initializers(model)"
        )


def initializer(identifier):
    """The initializer a zoo builder passes to a layer.

    Args:
        identifier: a Keras initializer name or object, e.g. `"he_normal"`.

    Returns:
        The Keras initializer, or inside `weights_follow()` a zeros stand-in
        that remembers it.
    """
    real = keras.initializers.get(identifier)
    return _StandIn(real) if _WEIGHTS_FOLLOW.get() else real


@contextlib.contextmanager
def weights_follow():
    """Context in which `initializer()` gives zeros stand-ins."""
    token = _WEIGHTS_FOLLOW.set(True)
    try:
        yield
    finally:
        _WEIGHTS_FOLLOW.reset(token)


def restore_initializers(model):
    """Puts the real initializers back where `weights_follow()` left
    stand-ins, on every layer of `model`; returns how many it replaced."""
    replaced = 0
    for layer in model._flatten_layers(include_self=False):
        for attribute, value in list(vars(layer).items()):
            if isinstance(value, _StandIn):
                setattr(layer, attribute, value.initializer)
                replaced += 1
    return replaced
