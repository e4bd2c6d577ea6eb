"""Dilated convolution as a dilation-1 convolution on polyphase components."""

from keras import ops


def divides_static_sides(x, dilation):
    """Whether `dilation` divides the static height and width of the
    `(batch, height, width, channels)` tensor `x`: where `polyphase_conv`
    is exact."""
    _, h, w, _ = x.shape
    return (h is not None and w is not None
            and h % dilation == 0 and w % dilation == 0)


def polyphase_conv(x, kernel, dilation):
    """Stride-1 "same" correlation with `kernel` dilated by `dilation`.

    The `dilation**2` polyphase components of `x` (the sub-grids of rows
    `i = p (mod dilation)` and columns `j = q (mod dilation)`) are folded
    into the batch, correlated with the undilated kernel and unfolded. When
    `dilation` divides both sides this is exactly the zero-padded dilated
    correlation, tap for tap: a dilated tap at offset `dilation * y` stays
    on the same component, at offset `y`, and taps past a component's
    border are the taps past the image's border. It is faster than a native
    dilated convolution where a backend runs those slowly (TensorFlow's CPU
    kernels; see `benchmarks/ab_polyphase.py`).

    Args:
        x: `(batch, height, width, channels)` tensor whose static height
            and width are multiples of `dilation`.
        kernel: `(kh, kw, channels, filters)` kernel with odd `kh` and `kw`.
        dilation: int >= 1, the dilation of the kernel.

    Returns:
        `(batch, height, width, filters)`, the same as
        `ops.conv(x, kernel, padding="same", dilation_rate=dilation)`.
    """
    _, h, w, c = x.shape
    kh, kw = kernel.shape[0], kernel.shape[1]
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"polyphase_conv: the kernel must have odd sides, "
                         f"got {kh}x{kw}")
    if not divides_static_sides(x, dilation):
        raise ValueError(f"polyphase_conv: the dilation {dilation} must "
                         f"divide the static sides, got {h}x{w}")
    d = dilation
    y = ops.reshape(x, (-1, h // d, d, w // d, d, c))
    y = ops.transpose(y, (0, 2, 4, 1, 3, 5))
    y = ops.reshape(y, (-1, h // d, w // d, c))
    y = ops.conv(y, kernel, padding="same")
    filters = y.shape[-1]
    y = ops.reshape(y, (-1, d, d, h // d, w // d, filters))
    y = ops.transpose(y, (0, 3, 1, 4, 2, 5))
    return ops.reshape(y, (-1, h, w, filters))
