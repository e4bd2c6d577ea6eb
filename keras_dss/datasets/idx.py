"""Reader for the idx files of MNIST and Fashion-MNIST (gzip or raw)."""

import gzip

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"
UBYTE = 0x08


def read_idx(path, ndim):
    """Reads an unsigned-byte idx file (optionally gzip-compressed).

    The header is two zero bytes, the type code `0x08` (unsigned byte), the
    number of dimensions, then one big-endian uint32 per dimension; the
    data follows. Magic numbers 2049 (labels, 1-D) and 2051 (images, 3-D).

    Args:
        path: path of the `.gz` or uncompressed file.
        ndim: expected number of dimensions (1 for labels, 3 for images).

    Returns:
        A `uint8` array of the stored shape.

    Raises:
        ValueError: bad magic number, wrong number of dimensions, or a data
            size that does not match the header (truncated file).
    """
    with open(path, "rb") as file:
        data = file.read()
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise ValueError(
                f"{str(path)!r}: corrupt gzip stream ({error})."
            ) from error
    expected = 0x0800 + ndim
    if len(data) < 4:
        raise ValueError(f"{str(path)!r}: too short for an idx header.")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected:
        raise ValueError(
            f"{str(path)!r}: bad idx magic number {magic} (0x{magic:08x}), "
            f"expected {expected} (0x{expected:08x}: unsigned bytes, "
            f"{ndim} dimension(s))."
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{str(path)!r}: truncated idx header.")
    shape = tuple(
        int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    size = int(np.prod(shape, dtype=np.int64))
    if len(data) - header != size:
        raise ValueError(
            f"{str(path)!r}: header says shape {shape} ({size} bytes) but "
            f"the file holds {len(data) - header} data bytes."
        )
    return np.frombuffer(data, np.uint8, size, header).reshape(shape)
