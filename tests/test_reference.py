"""Layers against the independent float64 references in `reference.py`."""

import keras
import numpy as np
import pytest

import keras_dss
from tests import reference

RNG = np.random.default_rng(1234)


def _relative_error(actual, expected):
    actual = np.asarray(actual, np.float64)
    return np.max(np.abs(actual - expected)) / np.max(np.abs(expected))


@pytest.mark.parametrize("border", ["reflect", "zeros"])
@pytest.mark.parametrize("size", [(37, 41), (40, 40)])
def test_lift_matches_discrete_gaussian_reference(border, size):
    image = RNG.normal(size=(2,) + size + (3,))
    layer = keras_dss.ScaleSpaceLift(num_scales=4, border=border)
    got = keras.ops.convert_to_numpy(layer(image.astype("float32")))
    want = reference.lift(image, 4, border=border)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got[:, 0], image.astype("float32"))
    assert _relative_error(got, want) < 1e-6


def test_lift_non_default_parameters():
    image = RNG.normal(size=(1, 30, 26, 2))
    layer = keras_dss.ScaleSpaceLift(
        num_scales=3, zero_scale=0.5, base=3, truncate=3.0, border="zeros"
    )
    got = keras.ops.convert_to_numpy(layer(image.astype("float32")))
    want = reference.lift(
        image, 3, zero_scale=0.5, base=3, truncate=3.0, border="zeros"
    )
    assert _relative_error(got, want) < 1e-6


def test_lift_kernel_is_lindeberg_with_documented_width():
    # t = 15.75 at level 3: kernel width 2 * ceil(4 * sqrt(15.75)) + 1 = 33.
    layer = keras_dss.ScaleSpaceLift(num_scales=4)
    assert [len(g) for g in layer.kernels_1d] == [1, 9, 17, 33]
    np.testing.assert_allclose(
        layer.kernels_1d[3], reference.discrete_gaussian(15.75), atol=1e-15
    )


CONV_CASES = [
    # (scale_size, strides, scale_padding, kernel_size, spatial)
    (1, 1, "zero", 3, (13, 11)),
    (2, 1, "zero", 3, (13, 11)),
    (2, 1, "replicate", 3, (15, 9)),
    (1, 1, "zero", 5, (17, 19)),
    (2, 1, "replicate", (3, 2), (12, 13)),
    (1, 2, "zero", 3, (14, 10)),
    (2, 2, "zero", 3, (14, 10)),
    (2, 2, "replicate", 3, (18, 14)),
    (2, 2, "zero", 5, (16, 22)),
    (2, 2, "zero", 4, (12, 12)),
    (3, 1, "replicate", 1, (9, 7)),
    # Coarse levels whose dilation reaches the image side: only the tap at
    # offset 0 reads the image on that axis (both axes, one, even kernels).
    (2, 1, "zero", 3, (8, 6)),
    (1, 1, "replicate", 3, (8, 20)),
    (2, 2, "zero", 5, (6, 6)),
    (2, 1, "zero", 4, (4, 9)),
    # Sides divisible by every dilation: TensorFlow runs the dilated levels
    # as `polyphase_conv` (ScaleConv2D._use_polyphase).
    (2, 1, "replicate", 3, (16, 24)),
    (1, 1, "zero", 5, (16, 16)),
    (2, 2, "zero", 3, (16, 32)),
]


@pytest.mark.parametrize(
    "scale_size,strides,scale_padding,kernel_size,spatial", CONV_CASES
)
def test_scale_conv_matches_eq24_reference(
    scale_size, strides, scale_padding, kernel_size, spatial
):
    f = RNG.normal(size=(2, 4) + spatial + (3,))
    layer = keras_dss.ScaleConv2D(
        5,
        kernel_size,
        scale_size=scale_size,
        strides=strides,
        scale_padding=scale_padding,
        bias_initializer="random_normal",
    )
    got = keras.ops.convert_to_numpy(layer(f.astype("float32")))
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    want = reference.scale_conv(
        f, kernel, bias, strides=strides, scale_padding=scale_padding
    )
    assert got.shape == want.shape
    assert _relative_error(got, want) < 1e-5


def test_scale_padding_modes_differ_only_at_the_coarsest_levels():
    f = RNG.normal(size=(1, 4, 12, 12, 2)).astype("float32")
    zero = keras_dss.ScaleConv2D(3, 3, scale_size=2, scale_padding="zero")
    rep = keras_dss.ScaleConv2D(3, 3, scale_size=2, scale_padding="replicate")
    zero.build(f.shape)
    rep.build(f.shape)
    rep.set_weights(zero.get_weights())
    a = keras.ops.convert_to_numpy(zero(f))
    b = keras.ops.convert_to_numpy(rep(f))
    np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-6)
    assert np.max(np.abs(a[:, 3] - b[:, 3])) > 1e-2


# The "max" mode has two implementations (ops.max_pool on polyphase
# components, used on FAST_MAX_POOL_BACKENDS, and shifted maxima); both are
# checked on every backend. (32, 16): every level takes the max_pool path;
# (16, 12): level 3's sampled width 6 is not a multiple of its remaining
# dilation 4, so that level falls back; pool 3 > stride 2: level 0 does.
@pytest.mark.parametrize("fast", [True, False], ids=["max_pool", "shifted"])
@pytest.mark.parametrize("pool_size,spatial",
                         [(2, (16, 12)), (2, (32, 16)), (3, (10, 14))])
def test_max_pool_matches_dilated_window_reference(pool_size, spatial, fast):
    f = RNG.normal(size=(2, 4) + spatial + (3,))
    layer = keras_dss.ScaleMaxPool(pool_size=pool_size, strides=2, mode="max")
    layer._use_fast_path = lambda: fast
    got = keras.ops.convert_to_numpy(layer(f.astype("float32")))
    want = reference.dilated_max_pool(f, pool_size=pool_size, strides=2)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("fast", [True, False], ids=["max_pool", "shifted"])
def test_max_pool_after_dilated_conv_at_a_second_image_size(fast):
    """A model predicting a second size is traced with unknown sides. On
    TensorFlow the graph optimiser then folded a level's height, read after
    a dilated `ScaleConv2D`, to a wrong constant (16 for 24 rows), and the
    pooled levels came out too short (or failed to stack)."""
    inputs = keras.Input((None, None, 3))
    features = keras_dss.ScaleConv2D(4, 3)(keras_dss.ScaleSpaceLift(2)(inputs))
    pool = keras_dss.ScaleMaxPool(strides=2, mode="max")
    pool._use_fast_path = lambda: fast
    pooled = keras.Model(inputs, pool(features))
    conv = keras.Model(inputs, features)
    for h in (16, 24):
        x = RNG.normal(size=(2, h, 16, 3)).astype("float32")
        got = pooled.predict(x, batch_size=2, verbose=0)
        f = conv.predict(x, batch_size=2, verbose=0)
        want = reference.dilated_max_pool(f, pool_size=2, strides=2)
        assert got.shape == want.shape == (2, 2, h // 2, 8, 4)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_quadratic_pool_matches_max_plus_reference():
    f = RNG.normal(size=(1, 3, 12, 8, 2))
    layer = keras_dss.ScaleMaxPool(mode="quadratic")
    layer.build(f.shape)
    layer.set_weights([np.array([0.05, 0.6], "float32")])  # 0.05 is clipped
    got = keras.ops.convert_to_numpy(layer(f.astype("float32")))
    want = reference.quadratic_pool(f, np.array([0.05, 0.6]))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)


def test_pool_border_values_do_not_depend_on_the_batch():
    f = RNG.normal(size=(2, 4, 8, 8, 2)).astype("float32")
    f[1] -= 100.0  # a very dark second image must not change the first
    for mode in ("max", "quadratic"):
        layer = keras_dss.ScaleMaxPool(mode=mode)
        both = keras.ops.convert_to_numpy(layer(f))
        alone = keras.ops.convert_to_numpy(layer(f[:1]))
        np.testing.assert_array_equal(both[:1], alone)


def test_subsample_mode_keeps_phase_zero():
    f = RNG.normal(size=(1, 2, 8, 6, 1)).astype("float32")
    got = keras.ops.convert_to_numpy(keras_dss.ScaleMaxPool(mode="subsample")(f))
    np.testing.assert_array_equal(got, f[:, :, ::2, ::2])


def _half_pixel_bilinear_matrix(size, factor):
    """(size * factor, size) interpolation matrix, edge samples clamped."""
    m = np.zeros((size * factor, size))
    for x in range(size * factor):
        src = min(max((x + 0.5) / factor - 0.5, 0.0), size - 1.0)
        lo = int(np.floor(src))
        hi = min(lo + 1, size - 1)
        m[x, lo] += 1.0 - (src - lo)
        m[x, hi] += src - lo
    return m


def test_upsample_nearest_and_bilinear():
    f = RNG.normal(size=(2, 3, 5, 4, 2))
    x = f.astype("float32")
    near = keras.ops.convert_to_numpy(keras_dss.ScaleUpSample(2, "nearest")(x))
    for a in (0, 1):
        for b in (0, 1):
            np.testing.assert_array_equal(near[:, :, a::2, b::2], x)
    bil = keras.ops.convert_to_numpy(
        keras_dss.ScaleUpSample((2, 3), "bilinear")(x)
    )
    rows = _half_pixel_bilinear_matrix(5, 2)
    cols = _half_pixel_bilinear_matrix(4, 3)
    want = np.einsum("yh,bshwc,xw->bsyxc", rows, f, cols)
    assert bil.shape == want.shape
    np.testing.assert_allclose(bil, want, atol=1e-5)


@pytest.mark.parametrize(
    "mode,fn",
    [
        ("max", lambda f: f.max(1)),
        ("mean", lambda f: f.mean(1)),
        ("sum", lambda f: f.sum(1)),
        ("min", lambda f: f.min(1)),
        ("finest", lambda f: f[:, 0]),
    ],
)
def test_projection_modes(mode, fn):
    f = RNG.normal(size=(2, 4, 5, 6, 3)).astype("float32")
    got = keras.ops.convert_to_numpy(keras_dss.Projection(mode)(f))
    np.testing.assert_allclose(got, fn(f.astype(np.float64)), atol=1e-5)
