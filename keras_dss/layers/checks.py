"""Argument and shape checks shared by the scale-space layers.

Every check raises a `ValueError` that names the layer, the argument and what
was expected, so that bad input never surfaces as a backend stack trace.
"""

import math

LAYOUT = "(batch, scales, height, width, channels)"


def check_choice(layer, argument, value, choices):
    """Raises unless `value` is one of `choices`; returns it."""
    if value not in choices:
        raise ValueError(
            f"{layer}: `{argument}` must be one of {sorted(choices)}, "
            f"got {value!r}."
        )
    return value


def check_positive_int(layer, argument, value, minimum=1):
    """Raises unless `value` is an integer >= `minimum`; returns it as int."""
    try:
        ok = (
            not isinstance(value, bool)
            and float(value).is_integer()
            and int(value) >= minimum
        )
    except (TypeError, ValueError, OverflowError):
        # None, a tuple where an int is expected, a non-numeric string.
        ok = False
    if not ok:
        raise ValueError(
            f"{layer}: `{argument}` must be an integer >= {minimum}, "
            f"got {value!r}."
        )
    return int(value)


def check_integer_base(layer, base):
    """Raises unless `base` is an integer >= 2 (integer dilations)."""
    try:
        ok = float(base).is_integer() and int(base) >= 2
    except (TypeError, ValueError):
        ok = False
    if not ok or isinstance(base, bool):
        raise ValueError(
            f"{layer}: `base` must be an integer >= 2 because level k uses "
            f"the integer dilation base**k (2 is the scale-space default), "
            f"got {base!r}."
        )
    return int(base)


def check_pair(layer, argument, value):
    """Normalises an int or a pair of ints to a tuple of two ints >= 1."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(
                f"{layer}: `{argument}` must be an int or a pair of ints, "
                f"got {value!r}."
            )
        return tuple(check_positive_int(layer, argument, v) for v in value)
    v = check_positive_int(layer, argument, value)
    return (v, v)


def check_rank(layer, shape, rank):
    """Raises unless `shape` has the rank of the scale-space layout."""
    if len(shape) != rank:
        layout = LAYOUT if rank == 5 else "(batch, height, width, channels)"
        raise ValueError(
            f"{layer}: expected an input of rank {rank} with layout "
            f"{layout}, got shape {tuple(shape)}."
        )


def check_known(layer, shape, axis, what):
    """Raises unless `shape[axis]` is a known integer; returns it."""
    if shape[axis] is None:
        raise ValueError(
            f"{layer}: the {what} axis (axis {axis}) of the input must be "
            f"known when the layer is built, got shape {tuple(shape)}."
        )
    return int(shape[axis])


def check_divisible(layer, shape, factor, reason):
    """Raises if a known spatial side of `shape` is not a multiple of factor.

    `shape` is 5-D; axes 2 and 3 are checked when they are known.
    """
    for axis, name in ((2, "height"), (3, "width")):
        size = shape[axis]
        if size is None or factor == 1 or size % factor == 0:
            continue
        below = (size // factor) * factor
        above = below + factor
        nearest = f"{above}" if below == 0 else f"{below} or {above}"
        raise ValueError(
            f"{layer}: input {name} {size} is not a multiple of {factor}, "
            f"which {reason} needs; use a multiple of {factor} such as "
            f"{nearest}."
        )


def check_scales(layer, expected, shape):
    """Raises if the input's scale axis differs from the built one."""
    got = shape[1]
    if got is not None and expected is not None and int(got) != expected:
        raise ValueError(
            f"{layer}: the layer was built for {expected} scales but got an "
            f"input with {got} scales (shape {tuple(shape)})."
        )


def ceil_div(a, b):
    """`ceil(a / b)` for ints, passing `None` through."""
    return None if a is None else int(math.ceil(a / b))
