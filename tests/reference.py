"""Independent float64 references written straight from the formulas.

Nothing here imports keras_dss: each function re-derives the operation from
DSS eq. 23-24 and REFERENCE.md so that the layers are checked against a
second implementation, not against themselves.
"""

import math

import numpy as np
from scipy import special


def discrete_gaussian(t, truncate=4.0):
    """`e^-t I_n(t)` for |n| <= ceil(truncate sqrt t), normalised."""
    if t == 0:
        return np.array([1.0])
    r = math.ceil(truncate * math.sqrt(t))
    n = np.arange(-r, r + 1)
    g = np.exp(-t) * special.iv(np.abs(n), t)
    return g / g.sum()


def lift(image, num_scales, zero_scale=0.25, base=2, truncate=4.0,
         border="reflect"):
    """(B, H, W, C) -> (B, S, H, W, C) by explicit separable sums."""
    image = np.asarray(image, np.float64)
    levels = []
    for k in range(num_scales):
        t = zero_scale * (base ** (2 * k) - 1)
        g = discrete_gaussian(t, truncate)
        r = len(g) // 2
        mode = "reflect" if border == "reflect" else "constant"
        x = image
        for axis in (1, 2):
            pad = [(0, 0)] * 4
            pad[axis] = (r, r)
            xp = np.pad(x, pad, mode=mode)
            size = x.shape[axis]
            acc = np.zeros_like(x)
            for j, w in enumerate(g):
                acc += w * np.take(xp, np.arange(j, j + size), axis=axis)
            x = acc
        levels.append(x)
    return np.stack(levels, axis=1)


def scale_conv(f, kernel, bias=None, strides=1, scale_padding="zero", base=2):
    """DSS eq. 24 with stride, zero spatial padding and phase-0 sampling.

    out[k, o](z) = b[o] + sum_{l, i, y} kernel[y, l, i, o]
                   * f[k + l, i](strides * z + base**k * y)
    """
    f = np.asarray(f, np.float64)
    kernel = np.asarray(kernel, np.float64)
    b, s, h, w, _ = f.shape
    kh, kw, ks, _, cout = kernel.shape
    ho, wo = -(-h // strides), -(-w // strides)
    out = np.zeros((b, s, ho, wo, cout))
    zy = np.arange(ho) * strides
    zx = np.arange(wo) * strides
    for k in range(s):
        d = base**k
        for l in range(ks):
            level = k + l
            if level >= s:
                if scale_padding == "zero":
                    continue
                level = s - 1
            for a in range(kh):
                for c in range(kw):
                    py = zy + d * (a - (kh - 1) // 2)
                    px = zx + d * (c - (kw - 1) // 2)
                    vy = (py >= 0) & (py < h)
                    vx = (px >= 0) & (px < w)
                    patch = np.zeros((b, ho, wo, f.shape[-1]))
                    sub = f[:, level][:, py[vy]][:, :, px[vx]]
                    patch[:, np.ix_(vy, vx)[0], np.ix_(vy, vx)[1]] = sub
                    out[:, k] += patch @ kernel[a, c, l]
    if bias is not None:
        out += np.asarray(bias, np.float64)
    return out


def dilated_max_pool(f, pool_size=2, strides=2, base=2):
    """out_k(z) = max_a f_k(strides z + base**k a), ignoring outside."""
    f = np.asarray(f, np.float64)
    b, s, h, w, c = f.shape
    ho, wo = h // strides, w // strides
    out = np.full((b, s, ho, wo, c), -np.inf)
    for k in range(s):
        d = base**k
        for a in range(pool_size):
            for e in range(pool_size):
                for i in range(ho):
                    for j in range(wo):
                        y, x = strides * i + d * a, strides * j + d * e
                        if y < h and x < w:
                            out[:, k, i, j] = np.maximum(
                                out[:, k, i, j], f[:, k, y, x]
                            )
    return out


def quadratic_pool(f, c, strides=2, base=2):
    """SEU-Net's max-plus dilation with b_k(n) = -c |n|^2 / s_k^2."""
    f = np.asarray(f, np.float64)
    c = np.clip(np.asarray(c, np.float64), 1 / 9, 1)
    b, s, h, w, ch = f.shape
    ho, wo = h // strides, w // strides
    out = np.full((b, s, ho, wo, ch), -np.inf)
    for k in range(s):
        r = 3 * base**k
        sk = 0.5 * (base ** (k + 1) - 1)
        for n1 in range(-r, r + 1):
            for n2 in range(-r, r + 1):
                weight = -c * (n1**2 + n2**2) / sk**2
                ys = strides * np.arange(ho) + n1
                xs = strides * np.arange(wo) + n2
                vy = (ys >= 0) & (ys < h)
                vx = (xs >= 0) & (xs < w)
                vals = np.full((b, ho, wo, ch), -np.inf)
                vals[:, np.ix_(vy, vx)[0], np.ix_(vy, vx)[1]] = (
                    f[:, k][:, ys[vy]][:, :, xs[vx]] + weight
                )
                out[:, k] = np.maximum(out[:, k], vals)
    return out
