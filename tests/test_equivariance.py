"""Scale equivariance: the exact dyadic check and DSS eq. 25.

The dyadic action on scale-space tensors is `(R f)_k(z) = f_{k+1}(2 z)`.
Scale-convolutions (stride 1 or 2), pointwise nonlinearities and the dilated
max-pool commute with it exactly, so `layer(R f) == R layer(f)` must hold to
float32 rounding at every level (both sides truncate the scale axis at the
same absolute level, so no level is excluded).
"""

import keras
import numpy as np
import pytest

import keras_dss
from keras_dss import equivariance

RNG = np.random.default_rng(7)


def act(f):
    """R: drop the finest level, subsample the rest at phase 0."""
    return f[:, 1:, ::2, ::2]


def _same_weights(build, shape_a, shape_b):
    """Two instances of a model from `build`, the second with the first's
    weights, built for `shape_a` and `shape_b` (different scale counts)."""
    a = build(shape_a)
    b = build(shape_b)
    b.set_weights(a.get_weights())
    return a, b


def _assert_commutes(build, shape):
    f = RNG.normal(size=shape).astype("float32")
    rf = act(f)
    full, coarse = _same_weights(build, f.shape[1:], rf.shape[1:])
    r_of_out = act(keras.ops.convert_to_numpy(full(f)))
    out_of_r = keras.ops.convert_to_numpy(coarse(rf))
    assert r_of_out.shape == out_of_r.shape
    scale = np.max(np.abs(r_of_out))
    assert scale > 0
    assert np.max(np.abs(r_of_out - out_of_r)) <= 1e-5 * scale


def _model(layers):
    def build(shape):
        inp = keras.Input(shape)
        h = inp
        for make in layers:
            h = make()(h)
        return keras.Model(inp, h)

    return build


@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("scale_size", [1, 2, 3])
@pytest.mark.parametrize("scale_padding", ["zero", "replicate"])
def test_scale_conv_commutes_with_dyadic_action(
    strides, scale_size, scale_padding
):
    build = _model(
        [
            lambda: keras_dss.ScaleConv2D(
                4,
                3,
                scale_size=scale_size,
                strides=strides,
                scale_padding=scale_padding,
                bias_initializer="random_normal",
            )
        ]
    )
    _assert_commutes(build, (2, 5, 16, 12, 3))


@pytest.mark.parametrize("mode", ["max", "subsample"])
@pytest.mark.parametrize("pool_size", [2, 3])
def test_pool_commutes_with_dyadic_action(mode, pool_size):
    build = _model([lambda: keras_dss.ScaleMaxPool(pool_size, 2, mode=mode)])
    _assert_commutes(build, (2, 4, 16, 20, 3))


def test_stack_with_nonlinearities_commutes_with_dyadic_action():
    build = _model(
        [
            lambda: keras_dss.ScaleConv2D(6, 3, scale_size=2),
            lambda: keras.layers.ReLU(),
            lambda: keras_dss.ScaleConv2D(6, 3, scale_size=2, strides=2),
            lambda: keras.layers.Activation("tanh"),
            lambda: keras_dss.ScaleMaxPool(),
            lambda: keras_dss.ScaleConv2D(5, 5, scale_size=1),
            lambda: keras.layers.ReLU(),
            lambda: keras_dss.ScaleConv2D(4, 3, scale_size=2, strides=2),
        ]
    )
    _assert_commutes(build, (2, 5, 32, 32, 3))


def test_quadratic_pool_is_not_exactly_equivariant():
    # Documented: SEU-Net's quadratic pooling is only approximately
    # equivariant; this test pins that the dyadic check can fail.
    f = RNG.normal(size=(1, 4, 16, 16, 2)).astype("float32")
    full = keras_dss.ScaleMaxPool(mode="quadratic")
    coarse = keras_dss.ScaleMaxPool(mode="quadratic")
    a = act(keras.ops.convert_to_numpy(full(f)))
    b = keras.ops.convert_to_numpy(coarse(act(f)))
    assert np.max(np.abs(a - b)) > 1e-3


# DSS eq. 25 on a real photograph -----------------------------------------


def _astronaut(size):
    data = pytest.importorskip("skimage.data")
    image = data.astronaut().astype("float64") / 255.0
    if size > image.shape[0]:
        transform = pytest.importorskip("skimage.transform")
        image = transform.rescale(
            image, size / image.shape[0], channel_axis=-1, order=1
        )
    start = (image.shape[0] - size) // 2
    return image[start : start + size, start : start + size]


def _dss_network(num_layers, num_scales, initializer, border, width=6):
    inp = keras.Input((None, None, 3))
    h = keras_dss.ScaleSpaceLift(num_scales, border=border)(inp)
    for i in range(num_layers):
        if i:
            h = keras.layers.ReLU()(h)
        h = keras_dss.ScaleConv2D(
            width, 3, scale_size=2, kernel_initializer=initializer
        )(h)
    return keras.Model(inp, h)


def _valid(errors, num_layers, num_scales):
    """Cells whose receptive field stays below the scale truncation."""
    mask = np.zeros(errors.shape, bool)
    for row in range(errors.shape[0]):
        level = row + 1
        for k in range(errors.shape[1]):
            mask[row, k] = k + level + num_layers <= num_scales - 1
    return mask


def _eq25(num_scales, size, max_level, capsys, border="reflect"):
    image = _astronaut(size)
    tables = {}
    for initializer in ("delta", "he_normal"):
        for num_layers in (1, 2, 3):
            keras.utils.set_random_seed(num_layers)
            phi = _dss_network(num_layers, num_scales, initializer, border)
            margin = equivariance.receptive_margin(num_layers, num_scales)
            errors = equivariance.equivariance_errors(
                phi, image, max_level=max_level, margin=margin, border=border
            )
            tables[initializer, num_layers] = errors
            with capsys.disabled():
                print()
                print(
                    equivariance.format_table(
                        errors,
                        f"L(l, k), {num_layers} layer(s), {initializer} init, "
                        f"{num_scales} scales, astronaut {size} px, "
                        f"border {border}, "
                        f"backend {keras.backend.backend()}",
                    )
                )
    return tables


def test_eq25_delta_init_is_equivariant_below_the_truncation(capsys):
    num_scales = 5
    tables = _eq25(num_scales, 256, 2, capsys)
    for num_layers in (1, 2, 3):
        errors = tables["delta", num_layers]
        mask = _valid(errors, num_layers, num_scales)
        assert mask.any()
        assert np.all(errors[mask] < 0.01), errors
        # He-initialised filters are reported, not asserted; they must at
        # least be finite where the receptive field is interior.
        assert np.all(np.isfinite(tables["he_normal", num_layers][mask]))


def test_lift_border_choice_reflect_beats_zeros(capsys):
    image = _astronaut(256)
    totals = {}
    for border in ("reflect", "zeros"):
        inp = keras.Input((None, None, 3))
        phi = keras.Model(inp, keras_dss.ScaleSpaceLift(5, border=border)(inp))
        errors = equivariance.equivariance_errors(
            phi, image, max_level=2, border=border
        )
        totals[border] = np.nansum(errors)
        with capsys.disabled():
            print()
            print(
                equivariance.format_table(
                    errors, f"L(l, k) of the lift alone, border={border}, "
                    "whole image"
                )
            )
    assert totals["reflect"] < totals["zeros"]


@pytest.mark.slow
def test_eq25_eight_scales(capsys):
    # The level-7 kernel has radius 256, as large as the 4x downscaled
    # image, so reflection is impossible: zeros, as in DSS, with the margin.
    num_scales = 8
    tables = _eq25(num_scales, 1024, 3, capsys, border="zeros")
    # DSS reports the error as "typically < 0.01" on 8 scales. Measured here
    # (jax, 2026-11-23): every interior cell below 0.01 except l=3, k=1 of
    # the 3-layer net at 0.0109, where the lift's aliasing floor (0.0078)
    # grows through three layers (TensorFlow, 2026-12-02: 0.0108). So: all
    # cells < 0.02, at most one per table at 0.01 or above (that table has
    # only 9 valid cells: "90% below 0.01" would have demanded all 9).
    for num_layers in (1, 2, 3):
        errors = tables["delta", num_layers]
        mask = _valid(errors, num_layers, num_scales)
        assert np.all(errors[mask] < 0.02), errors
        assert np.sum(errors[mask] >= 0.01) <= 1, errors
