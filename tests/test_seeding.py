"""`keras_dss.training.seeding.set_random_seed`: seeds like Keras, and keeps
TensorFlow out of torch and JAX processes."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_dss.training.seeding import set_random_seed


def test_same_seed_same_draws():
    draws = []
    for _ in range(2):
        set_random_seed(7)
        draws.append((np.random.rand(3),
                      keras.ops.convert_to_numpy(keras.random.normal((3,)))))
    np.testing.assert_array_equal(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])
    set_random_seed(8)
    assert not np.array_equal(np.random.rand(3), draws[0][0])


SCRIPT = """
import sys
import numpy as np
from keras_dss import zoo
from keras_dss.training.seeding import set_random_seed
from keras_dss.training import train_recipe  # noqa: F401 (imports the trainer)
set_random_seed(0)
model = zoo.SEUNet(filters=2, depth=1, num_scales=2)
model.predict(np.zeros((1, 32, 32, 3), "float32"), verbose=0)
print("tensorflow imported:", "tensorflow" in sys.modules)
"""


@pytest.mark.skipif(keras.backend.backend() == "tensorflow",
                    reason="checks that torch and JAX runs never import TF")
def test_training_setup_does_not_import_tensorflow():
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "tensorflow imported: False" in out.stdout, out.stdout
