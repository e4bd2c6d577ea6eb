"""`polyphase_conv` against the native dilated convolution."""

import keras
import numpy as np
import pytest

import keras_dss
from keras_dss.layers.polyphase import polyphase_conv

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("dilation,kernel_size,spatial", [
    (2, (3, 3), (8, 12)),
    (4, (3, 3), (16, 8)),
    (2, (5, 1), (10, 6)),
    (3, (1, 3), (9, 6)),
    (8, (3, 3), (8, 16)),  # one row per component: only the centre row
])
def test_polyphase_equals_dilated_conv(dilation, kernel_size, spatial):
    x = RNG.normal(size=(2,) + spatial + (3,)).astype("float32")
    kernel = RNG.normal(size=kernel_size + (3, 4)).astype("float32")
    got = keras.ops.convert_to_numpy(polyphase_conv(x, kernel, dilation))
    want = keras.ops.convert_to_numpy(keras.ops.conv(
        x, kernel, padding="same", dilation_rate=dilation))
    assert got.shape == want.shape == (2,) + spatial + (4,)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_polyphase_rejects_what_it_cannot_do_exactly():
    x = np.zeros((1, 10, 8, 2), "float32")
    with pytest.raises(ValueError, match="divide the static sides"):
        polyphase_conv(x, np.zeros((3, 3, 2, 1), "float32"), 4)
    with pytest.raises(ValueError, match="odd sides"):
        polyphase_conv(x, np.zeros((2, 3, 2, 1), "float32"), 2)


def test_scale_conv_uses_polyphase_on_tensorflow_only(monkeypatch):
    """The dispatch: on TensorFlow dilated levels with divisible sides run
    polyphase, elsewhere (and for other sides) natively."""
    calls = []
    real = keras_dss.layers.scale_conv2d.polyphase_conv

    def spy(x, kernel, dilation):
        calls.append((tuple(x.shape[1:3]), dilation))
        return real(x, kernel, dilation)

    monkeypatch.setattr(keras_dss.layers.scale_conv2d, "polyphase_conv", spy)
    layer = keras_dss.ScaleConv2D(2, 3)
    layer(np.zeros((1, 3, 16, 16, 2), "float32"))
    layer(np.zeros((1, 3, 15, 16, 2), "float32"))
    if keras.backend.backend() == "tensorflow":
        assert calls == [((16, 16), 2), ((16, 16), 4)]
    else:
        assert calls == []
