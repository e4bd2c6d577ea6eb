"""Where the real data sets live on the machines the project is tested on."""

import os
from pathlib import Path

ENV_VAR = "KERAS_DSS_DATA_DIR"


def default_data_dir():
    """Returns the folder of real data sets, or `None` if there is none.

    The folder is `$KERAS_DSS_DATA_DIR` when that variable is set, else
    `../shared/data` relative to the repository root (the layout of the
    development machines, see that folder's README.md). The loaders never
    call this themselves: they take an explicit path.

    Returns:
        A `pathlib.Path` to an existing folder, or `None`.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        return path if path.is_dir() else None
    root = Path(__file__).resolve().parents[2]
    path = root.parent / "shared" / "data"
    return path if path.is_dir() else None
