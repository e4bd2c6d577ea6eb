"""Bad arguments and inputs raise a `ValueError` that names the problem.

Each test checks the exception type and that the message names the argument
or the expected value, so that a user never has to read a backend trace.
"""

import keras
import numpy as np
import pytest

from keras_dss import Delta
from keras_dss import Projection
from keras_dss import ScaleConv2D
from keras_dss import ScaleDropout
from keras_dss import ScaleMaxPool
from keras_dss import ScaleSpaceLift
from keras_dss import ScaleUpSample

RANK5 = r"expected an input of rank 5 with layout \(batch, scales, height"
RANK4 = r"expected an input of rank 4 with layout \(batch, height, width"


def zeros(*shape):
    return np.zeros(shape, "float32")


# --------------------------------------------------------------------------
# Rank
# --------------------------------------------------------------------------

FIVE_D_LAYERS = {
    "ScaleConv2D": lambda: ScaleConv2D(4),
    "ScaleMaxPool": lambda: ScaleMaxPool(),
    "ScaleUpSample": lambda: ScaleUpSample(2),
    "Projection": lambda: Projection("max"),
    "ScaleDropout": lambda: ScaleDropout(0.5),
}


@pytest.mark.parametrize("name", list(FIVE_D_LAYERS))
def test_5d_layer_rejects_4d_input(name):
    with pytest.raises(ValueError, match=f"{name}: {RANK5}"):
        FIVE_D_LAYERS[name]()(zeros(2, 16, 16, 3))


@pytest.mark.parametrize("name", list(FIVE_D_LAYERS))
def test_5d_layer_rejects_4d_symbolic_input(name):
    with pytest.raises(ValueError, match=f"{name}: {RANK5}"):
        FIVE_D_LAYERS[name]()(keras.Input((16, 16, 3)))


@pytest.mark.parametrize("name", list(FIVE_D_LAYERS))
def test_built_5d_layer_rejects_6d_symbolic_input(name):
    # A built layer's symbolic call goes through compute_output_shape only.
    layer = FIVE_D_LAYERS[name]()
    layer(keras.Input((3, 16, 16, 2)))
    with pytest.raises(ValueError, match=f"{name}: {RANK5}"):
        layer(keras.Input((1, 3, 16, 16, 2)))


def test_lift_rejects_5d_input():
    with pytest.raises(ValueError, match=f"ScaleSpaceLift: {RANK4}"):
        ScaleSpaceLift(num_scales=3)(zeros(2, 3, 20, 20, 3))


def test_lift_rejects_3d_symbolic_input():
    with pytest.raises(ValueError, match=f"ScaleSpaceLift: {RANK4}"):
        ScaleSpaceLift(num_scales=3)(keras.KerasTensor((20, 20, 3)))


def test_built_lift_rejects_5d_symbolic_input():
    lift = ScaleSpaceLift(num_scales=3)
    lift(keras.Input((20, 20, 3)))
    with pytest.raises(ValueError, match=f"ScaleSpaceLift: {RANK4}"):
        lift(keras.Input((3, 20, 20, 3)))


# --------------------------------------------------------------------------
# Unknown axes the layer needs at build time
# --------------------------------------------------------------------------


def test_scale_conv_needs_known_number_of_scales():
    with pytest.raises(ValueError, match="the scales axis .* must be known"):
        ScaleConv2D(4)(keras.Input((None, 8, 8, 3)))


def test_scale_conv_needs_known_channels():
    with pytest.raises(ValueError, match="the channels axis .* must be known"):
        ScaleConv2D(4)(keras.Input((3, 8, 8, None)))


def test_lift_needs_known_channels():
    with pytest.raises(ValueError, match="the channels axis .* must be known"):
        ScaleSpaceLift(num_scales=3)(keras.Input((20, 20, None)))


# --------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------


def test_scale_size_larger_than_number_of_scales():
    with pytest.raises(
        ValueError,
        match=r"`scale_size` \(4\) must not exceed the number of scales of "
        r"the input \(3\)",
    ):
        ScaleConv2D(4, scale_size=4)(zeros(1, 3, 8, 8, 2))


@pytest.mark.parametrize(
    "make",
    [lambda: ScaleConv2D(4), lambda: ScaleMaxPool()],
    ids=["conv", "pool"],
)
@pytest.mark.parametrize(
    "tensor",
    [lambda shape: zeros(1, *shape), lambda shape: keras.Input(shape)],
    ids=["eager", "symbolic"],
)
def test_layer_built_on_4_scales_called_on_3(make, tensor):
    layer = make()
    layer(tensor((4, 8, 8, 2)))
    with pytest.raises(
        ValueError, match="built for 4 scales but got an input with 3 scales"
    ):
        layer(tensor((3, 8, 8, 2)))


# --------------------------------------------------------------------------
# base and strides
# --------------------------------------------------------------------------

INTEGER_BASE = r"`base` must be an integer >= 2"


@pytest.mark.parametrize("base", [1.5, 2.5, None])
def test_scale_conv_non_integer_base(base):
    with pytest.raises(ValueError, match=INTEGER_BASE):
        ScaleConv2D(4, base=base)


@pytest.mark.parametrize("base", [1.5, 2.5, None])
def test_scale_max_pool_non_integer_base(base):
    with pytest.raises(ValueError, match=INTEGER_BASE):
        ScaleMaxPool(base=base)


@pytest.mark.parametrize("base", [1, 0, -2])
def test_scale_conv_base_below_two(base):
    with pytest.raises(ValueError, match=INTEGER_BASE):
        ScaleConv2D(4, base=base)


@pytest.mark.parametrize("base", [1, 0, -2])
def test_scale_max_pool_base_below_two(base):
    with pytest.raises(ValueError, match=INTEGER_BASE):
        ScaleMaxPool(base=base)


@pytest.mark.parametrize("base", [1, 0.5])
def test_lift_base_not_above_one(base):
    with pytest.raises(ValueError, match=r"`base` must be > 1"):
        ScaleSpaceLift(base=base)


@pytest.mark.parametrize("strides,base", [(3, 2), (4, 2), (2, 3)])
def test_scale_conv_strides_not_one_or_base(strides, base):
    with pytest.raises(
        ValueError,
        match=rf"`strides` must be 1 or base={base} .*got {strides}\.",
    ):
        ScaleConv2D(4, strides=strides, base=base)


@pytest.mark.parametrize("strides", [0, (2, 2), 1.5])
def test_scale_conv_strides_not_a_positive_int(strides):
    with pytest.raises(ValueError, match=r"`strides` must be an integer >= 1"):
        ScaleConv2D(4, strides=strides)


def test_scale_max_pool_strides_zero():
    with pytest.raises(ValueError, match=r"`strides` must be an integer >= 1"):
        ScaleMaxPool(strides=0)


# --------------------------------------------------------------------------
# Choices
# --------------------------------------------------------------------------


def test_unknown_scale_padding():
    with pytest.raises(
        ValueError,
        match=r"`scale_padding` must be one of \['replicate', 'zero'\], "
        r"got 'reflect'",
    ):
        ScaleConv2D(4, scale_padding="reflect")


def test_unknown_padding():
    with pytest.raises(
        ValueError, match=r"`padding` must be one of \['same'\], got 'valid'"
    ):
        ScaleConv2D(4, padding="valid")


def test_unknown_pool_mode():
    with pytest.raises(
        ValueError,
        match=r"`mode` must be one of \['max', 'quadratic', 'subsample'\], "
        r"got 'avg'",
    ):
        ScaleMaxPool(mode="avg")


def test_unknown_border():
    with pytest.raises(
        ValueError,
        match=r"`border` must be one of \['reflect', 'zeros'\], got 'wrap'",
    ):
        ScaleSpaceLift(border="wrap")


def test_unknown_interpolation():
    with pytest.raises(
        ValueError,
        match=r"`interpolation` must be one of \['bilinear', 'nearest'\], "
        r"got 'bicubic'",
    ):
        ScaleUpSample(2, interpolation="bicubic")


@pytest.mark.parametrize("mode", ["median", "avg", None])
def test_unknown_projection_mode(mode):
    with pytest.raises(
        ValueError,
        match=r"`mode` must be one of \['finest', 'max', 'mean', 'min', "
        r"'sum'\]",
    ):
        Projection(mode)


# --------------------------------------------------------------------------
# Spatial sizes and strides
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make", [lambda: ScaleConv2D(4, strides=2), lambda: ScaleMaxPool()],
    ids=["conv", "pool"],
)
def test_height_not_divisible_by_strides(make):
    with pytest.raises(
        ValueError,
        match=r"input height 15 is not a multiple of 2, which strides=2 needs; "
        r"use a multiple of 2 such as 14 or 16",
    ):
        make()(zeros(1, 3, 15, 16, 2))


@pytest.mark.parametrize(
    "make", [lambda: ScaleConv2D(4, strides=2), lambda: ScaleMaxPool()],
    ids=["conv", "pool"],
)
def test_width_not_divisible_by_strides(make):
    with pytest.raises(
        ValueError, match=r"input width 13 is not a multiple of 2.* 12 or 14"
    ):
        make()(zeros(1, 3, 16, 13, 2))


@pytest.mark.parametrize(
    "make", [lambda: ScaleConv2D(4, strides=2), lambda: ScaleMaxPool()],
    ids=["conv", "pool"],
)
def test_symbolic_size_not_divisible_by_strides(make):
    with pytest.raises(ValueError, match=r"height 15 .* such as 14 or 16"):
        make()(keras.Input((3, 15, 16, 2)))


def test_size_not_divisible_by_base_three_strides():
    layer = ScaleConv2D(4, strides=3, base=3)
    with pytest.raises(
        ValueError, match=r"height 16 is not a multiple of 3.* 15 or 18"
    ):
        layer(zeros(1, 2, 16, 18, 2))


def test_size_smaller_than_strides_suggests_the_stride():
    with pytest.raises(
        ValueError, match=r"width 1 is not a multiple of 2.* such as 2\."
    ):
        ScaleMaxPool()(zeros(1, 2, 4, 1, 2))


def test_built_layer_called_on_size_not_divisible_by_strides():
    layer = ScaleConv2D(4, strides=2)
    layer(zeros(1, 3, 16, 16, 2))
    with pytest.raises(ValueError, match=r"height 9 .* such as 8 or 10"):
        layer(zeros(1, 3, 9, 16, 2))


# --------------------------------------------------------------------------
# ScaleSpaceLift image size
# --------------------------------------------------------------------------

def too_small(side, size):
    return (
        rf"border='reflect' needs an input {side} > 8 \(the largest kernel "
        rf"radius for num_scales=3\), got {size}\..*border='zeros'"
    )


def test_lift_reflect_image_too_short():
    with pytest.raises(ValueError, match=too_small("height", 8)):
        ScaleSpaceLift(num_scales=3)(zeros(1, 8, 20, 3))


def test_lift_reflect_image_too_narrow():
    with pytest.raises(ValueError, match=too_small("width", 5)):
        ScaleSpaceLift(num_scales=3)(zeros(1, 20, 5, 3))


def test_lift_reflect_symbolic_image_too_small():
    with pytest.raises(ValueError, match=too_small("height", 8)):
        ScaleSpaceLift(num_scales=3)(keras.Input((8, 8, 3)))


def test_built_lift_reflect_called_on_too_small_image():
    lift = ScaleSpaceLift(num_scales=3)
    lift(keras.Input((20, 20, 3)))
    with pytest.raises(ValueError, match=too_small("width", 8)):
        lift(keras.Input((20, 8, 3)))
    with pytest.raises(ValueError, match=too_small("width", 8)):
        lift(zeros(1, 20, 8, 3))


def test_lift_zeros_border_accepts_small_images():
    # The contrast that makes the tests above meaningful.
    out = ScaleSpaceLift(num_scales=3, border="zeros")(zeros(1, 8, 5, 3))
    assert tuple(out.shape) == (1, 3, 8, 5, 3)


# --------------------------------------------------------------------------
# Scalar arguments
# --------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1])
def test_dropout_rate_outside_unit_interval(rate):
    with pytest.raises(ValueError, match=r"`rate` must lie in \[0, 1\)"):
        ScaleDropout(rate)


@pytest.mark.parametrize(
    "kernel_size", [0, -1, 2.5, (3, 0), (3, 2.5), None, "three"]
)
def test_bad_kernel_size_value(kernel_size):
    with pytest.raises(
        ValueError, match=r"ScaleConv2D: `kernel_size` must be an integer >= 1"
    ):
        ScaleConv2D(4, kernel_size=kernel_size)


@pytest.mark.parametrize("kernel_size", [(3, 3, 3), (3,), []])
def test_kernel_size_not_a_pair(kernel_size):
    with pytest.raises(
        ValueError, match=r"`kernel_size` must be an int or a pair of ints"
    ):
        ScaleConv2D(4, kernel_size=kernel_size)


@pytest.mark.parametrize(
    "make,argument",
    [
        (lambda: ScaleConv2D(0), "filters"),
        (lambda: ScaleConv2D(4, scale_size=0), "scale_size"),
        (lambda: ScaleSpaceLift(num_scales=0), "num_scales"),
        (lambda: ScaleSpaceLift(num_scales=2.5), "num_scales"),
        (lambda: ScaleUpSample(0), "size"),
        (lambda: ScaleUpSample((2, 0)), "size"),
        (lambda: ScaleMaxPool(pool_size=0), "pool_size"),
    ],
    ids=["filters", "scale_size", "num_scales", "num_scales_float", "size",
         "size_pair", "pool_size"],
)
def test_positive_integer_arguments(make, argument):
    with pytest.raises(
        ValueError, match=rf"`{argument}` must be an integer >= 1"
    ):
        make()


@pytest.mark.parametrize("value", [2.0, 0.1, 0.0])
def test_quadratic_init_outside_clip_range(value):
    with pytest.raises(
        ValueError, match=r"`quadratic_init` must lie in \[1/9, 1\]"
    ):
        ScaleMaxPool(mode="quadratic", quadratic_init=value)


@pytest.mark.parametrize(
    "kwargs,argument",
    [({"zero_scale": 0.0}, "zero_scale"), ({"truncate": -1.0}, "truncate")],
)
def test_lift_non_positive_parameters(kwargs, argument):
    with pytest.raises(ValueError, match=rf"`{argument}` must be > 0"):
        ScaleSpaceLift(**kwargs)


@pytest.mark.parametrize("shape", [(3, 3, 4), (3, 3, 2, 2, 4, 4)])
def test_delta_rejects_non_convolution_kernel_shapes(shape):
    with pytest.raises(
        ValueError, match=r"Delta: expected a convolution kernel of rank 4"
    ):
        Delta()(shape)
