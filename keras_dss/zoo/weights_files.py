"""Finding pretrained weights files and verifying their checksums."""

import hashlib
import importlib.resources
import os
import pathlib

ENV_DIR = "KERAS_DSS_WEIGHTS_DIR"


def weights_dirs():
    """Folders searched for registered weights files, in order.

    1. `$KERAS_DSS_WEIGHTS_DIR` when set;
    2. `keras_dss/_weights` inside an installed wheel;
    3. the repository's `weights/` folder in a source checkout.
    """
    dirs = []
    if os.environ.get(ENV_DIR):
        dirs.append(pathlib.Path(os.environ[ENV_DIR]))
    try:
        dirs.append(pathlib.Path(str(importlib.resources.files("keras_dss._weights"))))
    except (ModuleNotFoundError, TypeError):
        pass
    dirs.append(pathlib.Path(__file__).resolve().parents[2] / "weights")
    unique = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def find_weights_file(file_name):
    """The path of a registered weights file, or a clear FileNotFoundError."""
    for folder in weights_dirs():
        path = folder / file_name
        if path.is_file():
            return path
    searched = ", ".join(str(d) for d in weights_dirs())
    raise FileNotFoundError(
        f"Weights file {file_name!r} not found; searched: {searched}. Set "
        f"{ENV_DIR} to the folder that holds it."
    )


def sha256_of(path):
    """Hex sha256 digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksum(path, expected):
    """Raises a ValueError naming the file and both hashes on a mismatch."""
    actual = sha256_of(path)
    if actual != expected:
        raise ValueError(
            f"Weights file {path} is corrupt or truncated: sha256 {actual} "
            f"does not match the registered {expected}. Nothing was loaded. "
            "Delete the file and reinstall keras-dss (or restore it from the "
            "repository)."
        )
    return path
