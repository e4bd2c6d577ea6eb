"""Discrete scale-space helpers computed once, in float64, with numpy/scipy.

These are the constants behind `ScaleSpaceLift` and the downscaling operator
used by `keras_dss.equivariance`. They never touch a Keras backend.
"""

import math

import numpy as np
from scipy import special


def level_variances(num_scales, zero_scale=0.25, base=2):
    """Variances `t_k = zero_scale * (base**(2k) - 1)` of the lift's levels.

    Args:
        num_scales: number of levels `S`.
        zero_scale: variance of the blur the pixel grid already carries.
        base: dilation factor between consecutive levels.

    Returns:
        A list of `num_scales` floats, the first one 0.
    """
    return [zero_scale * (base ** (2 * k) - 1) for k in range(num_scales)]


def kernel_radius(variance, truncate=4.0):
    """Half-width `ceil(truncate * sqrt(variance))` of a truncated kernel."""
    return int(math.ceil(truncate * math.sqrt(variance)))


def discrete_gaussian(variance, truncate=4.0):
    """Lindeberg's discrete Gaussian `e^-t I_|n|(t)`, truncated, sum one.

    Args:
        variance: the scale parameter `t` (the kernel's variance); 0 gives
            the unit impulse.
        truncate: the kernel keeps taps `|n| <= ceil(truncate * sqrt(t))`.

    Returns:
        A float64 numpy array of odd length `2 * radius + 1`.
    """
    if variance < 0:
        raise ValueError(f"`variance` must be >= 0, got {variance}.")
    if variance == 0:
        return np.ones(1, dtype=np.float64)
    radius = kernel_radius(variance, truncate)
    taps = special.ive(np.abs(np.arange(-radius, radius + 1)), variance)
    return taps / taps.sum()
