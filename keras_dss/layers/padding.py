"""Spatial padding helpers written with `keras.ops` only.

`keras.ops.pad` maps "symmetric" to "replicate" on the torch backend and its
"reflect" mode depends on the backend's rank rules, so reflection is built
here from slices, which is exact and identical on every backend.
"""

from keras import ops


def _take(x, axis, start, stop):
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def reflect_pad_axis(x, axis, before, after):
    """Pads `axis` by reflection about the first and last samples.

    The edge sample is not repeated (numpy's "reflect"): `c b | a b c`.
    Needs `before` and `after` smaller than the size of `axis`.
    """
    parts = []
    if before:
        parts.append(ops.flip(_take(x, axis, 1, before + 1), axis=axis))
    parts.append(x)
    if after:
        parts.append(ops.flip(_take(x, axis, -after - 1, -1), axis=axis))
    return ops.concatenate(parts, axis=axis) if len(parts) > 1 else x


def constant_pad_axes(x, pads, value=0.0):
    """Pads with a constant; `pads` maps axis -> (before, after)."""
    width = [[0, 0] for _ in x.shape]
    for axis, (before, after) in pads.items():
        width[axis] = [before, after]
    if not any(b or a for b, a in width):
        return x
    return ops.pad(x, width, mode="constant", constant_values=value)
