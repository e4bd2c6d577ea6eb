"""Seeding every random number generator a training run uses."""

import sys

import keras


def set_random_seed(seed):
    """Seeds Python, NumPy, Keras and the backend, like
    `keras.utils.set_random_seed`, without importing TensorFlow on the
    torch and JAX backends.

    Keras' own function also seeds TensorFlow whenever it is installed,
    which imports it (seconds and hundreds of MB) into torch and JAX runs
    that never use it. Here TensorFlow is seeded only when it is the backend
    or is already imported.

    Args:
        seed: an integer.
    """
    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
        return
    try:
        from keras.src.utils import module_utils

        lazy = module_utils.tensorflow
    except (ImportError, AttributeError):
        lazy = None
    if lazy is None or not hasattr(lazy, "_available"):
        keras.utils.set_random_seed(seed)
        return
    saved = lazy._available
    lazy._available = False
    try:
        keras.utils.set_random_seed(seed)
    finally:
        lazy._available = saved
