"""Dense prediction of large images in overlapping tiles."""

import numpy as np


def tile_starts(size, tile, overlap):
    """Start offsets of tiles of side `tile` covering `size` pixels, each
    overlapping the next by at least `overlap`; the last ends at `size`.

    Args:
        size: image side.
        tile: tile side (the whole side when `size <= tile`).
        overlap: minimum overlap of neighbouring tiles, `< tile`.

    Returns:
        A list of ints, increasing, starting at 0.
    """
    if size <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, size - tile, step))
    return starts + [size - tile]


def _kept_ranges(starts, tile, size):
    """For each tile, the output range it writes: neighbours split their
    overlap in the middle, so every pixel comes from the tile whose border
    is furthest from it."""
    bounds = [0] + [(nxt + prev + tile) // 2
                    for prev, nxt in zip(starts, starts[1:])] + [size]
    return list(zip(bounds[:-1], bounds[1:]))


def predict_tiled(predict, images, tile, overlap=64, batch_size=8):
    """Applies a dense predictor to overlapping tiles and stitches them.

    Each output pixel is taken from the tile in which it lies furthest from
    the tile's border (the overlap of two neighbours is split in the
    middle), so the context each prediction sees is at least `overlap // 2`
    pixels on every side that has image there.

    Args:
        predict: callable mapping a float32 batch `(B, h, w, C)` to logits
            `(B, h, w, K)`.
        images: array `(N, H, W, C)`, all images of one size.
        tile: tile side in pixels (a multiple of what the model requires);
            sides not larger than `tile` are predicted whole.
        overlap: minimum overlap between neighbouring tiles, `0 <= overlap
            < tile` (a multiple of the model's required multiple keeps
            every tile start aligned).
        batch_size: tiles per `predict` call.

    Returns:
        Logits `(N, H, W, K)`, float32.

    Raises:
        ValueError: bad `tile` or `overlap`, or `predict` changes the
            spatial size.
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"predict_tiled: `images` must be (N, H, W, C), got "
                         f"shape {images.shape}.")
    if not isinstance(tile, (int, np.integer)) or tile < 1:
        raise ValueError(f"predict_tiled: `tile` must be a positive int, got "
                         f"{tile!r}.")
    if not isinstance(overlap, (int, np.integer)) or not 0 <= overlap < tile:
        raise ValueError(f"predict_tiled: `overlap` must be an int in [0, "
                         f"tile), got {overlap!r} with tile {tile}.")
    n, height, width, _ = images.shape
    rows, cols = (tile_starts(height, tile, overlap),
                  tile_starts(width, tile, overlap))
    th, tw = min(tile, height), min(tile, width)
    windows = [(i, r, c) for i in range(n) for r in rows for c in cols]
    row_keep = dict(zip(rows, _kept_ranges(rows, th, height)))
    col_keep = dict(zip(cols, _kept_ranges(cols, tw, width)))
    out = None
    for first in range(0, len(windows), batch_size):
        chunk = windows[first:first + batch_size]
        batch = np.stack([images[i, r:r + th, c:c + tw] for i, r, c in chunk])
        logits = np.asarray(predict(batch), np.float32)
        if logits.ndim != 4 or logits.shape[:3] != batch.shape[:3]:
            raise ValueError(
                f"predict_tiled: the predictor must map tiles {batch.shape} "
                f"to logits (B, h, w, K) of the same size, got "
                f"{logits.shape}.")
        if out is None:
            out = np.empty((n, height, width, logits.shape[-1]), np.float32)
        for (i, r, c), tile_logits in zip(chunk, logits):
            (r0, r1), (c0, c1) = row_keep[r], col_keep[c]
            out[i, r0:r1, c0:c1] = tile_logits[r0 - r:r1 - r, c0 - c:c1 - c]
    return out
