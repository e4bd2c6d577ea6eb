"""Training through strided 1x1 scale-convs must not crash the process.

oneDNN 3.x (used by TensorFlow and PyTorch on CPU) corrupts the heap in the
weight gradient of a stride-2 1x1 convolution with few channels (e.g. 8 -> 16
channels on 64 x 64, channels-last): the process dies with "free(): invalid
size" or "double free". An S-ResNet's projection shortcuts are such
convolutions. `ScaleConv2D` samples before a 1x1 convolution instead, which
is exact. The training steps run in a subprocess with glibc's strict heap
checks (MALLOC_CHECK_=3), so a regression shows as a non-zero exit status
rather than as a crash of the test runner.
"""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np

from keras_dss.layers import ScaleConv2D

SCRIPT = textwrap.dedent(
    """
    import keras
    import numpy as np
    from keras_dss.layers import ScaleConv2D
    from keras_dss.zoo import SResNet

    rng = np.random.default_rng(0)
    # The smallest trigger: one strided 1x1 scale-conv, 8 -> 16 channels.
    inputs = keras.Input((2, 64, 64, 8))
    layer = keras.Model(inputs, ScaleConv2D(16, 1, strides=2)(inputs))
    layer.compile("adam", "mse")
    x = rng.normal(size=(2, 2, 64, 64, 8)).astype("float32")
    y = rng.normal(size=(2, 2, 32, 32, 16)).astype("float32")
    for _ in range(5):
        layer.train_on_batch(x, y)
    # The model that first showed it: a 4-scale S-ResNet at 64 px.
    model = SResNet(input_shape=(64, 64, 1), num_classes=2, num_scales=4,
                    filters=[8, 16, 32])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    images = rng.uniform(0, 255, (2, 64, 64, 1)).astype("float32")
    labels = rng.integers(0, 2, (2, 64, 64))
    losses = [float(model.train_on_batch(images, labels)) for _ in range(3)]
    assert np.all(np.isfinite(losses)), losses
    print("trained", losses)
    """
)


def test_training_strided_pointwise_scale_convs_does_not_crash():
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend(),
               MALLOC_CHECK_="3")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-3000:])
    assert "trained" in proc.stdout


def test_strided_pointwise_scale_conv_samples_then_mixes_channels():
    layer = ScaleConv2D(5, 1, strides=2, use_bias=False)
    x = np.random.default_rng(1).normal(size=(2, 3, 8, 6, 4))
    out = keras.ops.convert_to_numpy(layer(x.astype("float32")))
    kernel = keras.ops.convert_to_numpy(layer.kernel)[0, 0, 0]
    # Scale size 1: every level is its own 1x1 conv of the sampled level.
    expected = np.einsum("bshwc,cd->bshwd", x[:, :, ::2, ::2], kernel)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
