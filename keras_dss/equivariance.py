"""Measuring scale equivariance: the DSS paper's eq. 25 experiment.

For a network `phi` that maps images `(B, H, W, C)` to scale-space tensors
`(B, S, H', W', C')` (lift included), and the properly downscaled input
`D_l f` (blurred to variance `t_l`, then subsampled by `base**l` at phase 0),

    L(l, k) = ||phi(f)_{k+l}(base**l .) - phi(D_l f)_k(.)||_2
              / ||phi(f)_{k+l}(base**l .)||_2.

An exactly equivariant network gives 0; the lift's aliasing sets a floor.
Everything here runs on numpy arrays, so it works with any backend.
"""

import math

import keras
import numpy as np
from scipy import ndimage

from keras_dss import scale_space

_SCIPY_MODES = {"reflect": "mirror", "zeros": "constant"}


def downscale(image, level, zero_scale=0.25, base=2, truncate=4.0,
              border="reflect"):
    """The scale-space action `D_l`: blur to `t_l`, subsample by `base**l`.

    Args:
        image: numpy array `(height, width, channels)` or `(height, width)`.
        level: the exponent `l >= 0`; the image shrinks by `base**l`.
        zero_scale: zero-scale variance of the scale-space.
        base: integer scale factor between levels.
        truncate: kernel half-width in standard deviations.
        border: `"reflect"` or `"zeros"`, as in `ScaleSpaceLift`.

    Returns:
        A float64 array, sampled at `base**l * z` (phase 0).
    """
    if border not in _SCIPY_MODES:
        raise ValueError(
            f"downscale: `border` must be one of {sorted(_SCIPY_MODES)}, "
            f"got {border!r}."
        )
    out = np.asarray(image, dtype=np.float64)
    if level == 0:
        return out
    t = scale_space.level_variances(level + 1, zero_scale, base)[level]
    kernel = scale_space.discrete_gaussian(t, truncate)
    for axis in (0, 1):
        out = ndimage.correlate1d(
            out, kernel, axis=axis, mode=_SCIPY_MODES[border], cval=0.0
        )
    step = int(base) ** level
    return out[::step, ::step]


def equivariance_errors(phi, image, max_level=2, base=2, margin=0,
                        **downscale_kwargs):
    """The table `L(l, k)` of DSS eq. 25 for one image.

    Args:
        phi: callable mapping a float32 batch `(1, H, W, C)` to a scale-space
            tensor `(1, S, H', W', C')` (a Keras model or layer; its output
            is converted with `keras.ops.convert_to_numpy`). Its output stride `H / H'`
            must be an integer.
        image: numpy array `(H, W, C)`; `H` and `W` must be multiples of
            `base**max_level` times the output stride of `phi`.
        max_level: the largest downscaling exponent `l` to test.
        base: integer scale factor between levels.
        margin: pixels of the coarse output grid to ignore at every border,
            an int or a callable `margin(l, k) -> int`, so that only
            positions whose receptive field stays inside the image count.
        **downscale_kwargs: `zero_scale`, `truncate` and `border` for
            `downscale`; they should match the lift inside `phi`.

    Returns:
        A float64 array of shape `(max_level, S)`; row `l - 1`, column `k`
        holds `L(l, k)`, and `nan` where level `k + l` does not exist.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 3:
        raise ValueError(
            "equivariance_errors: `image` must have shape (height, width, "
            f"channels), got {image.shape}."
        )
    step = int(base) ** max_level
    if image.shape[0] % step or image.shape[1] % step:
        raise ValueError(
            "equivariance_errors: image height and width must be multiples "
            f"of base**max_level = {step}, got {image.shape[:2]}."
        )

    def run(x):
        out = keras.ops.convert_to_numpy(phi(x[None].astype("float32")))
        return out.astype(np.float64)

    full = run(image)
    num_scales = full.shape[1]
    errors = np.full((max_level, num_scales), np.nan)
    for level in range(1, max_level + 1):
        small = run(downscale(image, level, base=base, **downscale_kwargs))
        factor = int(base) ** level
        for k in range(num_scales - level):
            reference = full[0, k + level, ::factor, ::factor]
            moved = small[0, k]
            m = margin(level, k) if callable(margin) else int(margin)
            if m:
                reference = reference[m:-m, m:-m]
                moved = moved[m:-m, m:-m]
            if reference.size == 0:
                continue
            norm = np.linalg.norm(reference)
            diff = np.linalg.norm(reference - moved)
            errors[level - 1, k] = diff / norm if norm > 0 else math.inf
        # Levels k >= S - level stay nan: k + level is past the truncation.
    return errors


def format_table(errors, title=None):
    """Formats an `equivariance_errors` table as Markdown, rows `l`."""
    lines = []
    if title:
        lines.append(title)
    num_scales = errors.shape[1]
    lines.append("| l \\ k | " + " | ".join(str(k) for k in range(num_scales))
                 + " |")
    lines.append("|---" * (num_scales + 1) + "|")
    for row, values in enumerate(errors, start=1):
        cells = ["-" if np.isnan(v) else f"{v:.4f}" for v in values]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def receptive_margin(num_layers, num_scales, kernel_radius=1, scale_size=2,
                     zero_scale=0.25, base=2, truncate=4.0):
    """Border margin for `equivariance_errors` on a lift + scale-conv stack.

    Bounds, in pixels of the coarse output grid, how far the receptive field
    of `phi(f)_{k+l}` and `phi(D_l f)_k` reaches: the lift's kernel at the
    highest level read, the dilated filters of `num_layers` stride-1
    scale-convolutions, and the blur inside `D_l`.

    Args:
        num_layers: number of `ScaleConv2D` layers after the lift.
        num_scales: number of levels of the lift.
        kernel_radius: `kernel_size // 2` of the scale-convolutions.
        scale_size: their scale size (each layer reads `scale_size - 1`
            coarser levels).
        zero_scale: zero-scale variance of the lift.
        base: integer scale factor between levels.
        truncate: kernel half-width in standard deviations.

    Returns:
        A callable `margin(l, k) -> int`.
    """
    variances = scale_space.level_variances(
        num_scales + 8, zero_scale, base
    )

    def margin(level, k):
        top = min(k + level + num_layers * (scale_size - 1), num_scales - 1)
        reach = scale_space.kernel_radius(variances[top], truncate)
        reach += kernel_radius * sum(
            base ** (k + level + j * (scale_size - 1)) for j in range(num_layers)
        )
        reach += scale_space.kernel_radius(variances[level], truncate)
        return int(math.ceil(reach / base**level))

    return margin
