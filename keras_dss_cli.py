"""Entry point of the `keras-dss` console script.

This module lives outside the `keras_dss` package on purpose: importing
`keras_dss` imports Keras, which fixes its backend for the process, so
`--backend` must be read and `KERAS_BACKEND` set before that import.
"""

import os
import sys

BACKENDS = ("tensorflow", "torch", "jax")


def _backend_from_argv(argv):
    """The value of `--backend X` / `--backend=X` in `argv`, or None."""
    for i, arg in enumerate(argv):
        if arg == "--backend" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--backend="):
            return arg.split("=", 1)[1]
    return None


def main(argv=None):
    """Runs `keras-dss` with `argv` (default: the command line)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    backend = _backend_from_argv(argv)
    if backend is not None:
        if backend not in BACKENDS:
            sys.stderr.write(
                f"keras-dss: --backend must be one of {', '.join(BACKENDS)}, "
                f"got {backend!r}.\n"
            )
            return 2
        if "keras" in sys.modules and os.environ.get("KERAS_BACKEND") != backend:
            sys.stderr.write(
                "keras-dss: Keras is already imported in this process with "
                "another backend; run keras-dss in a new process.\n"
            )
            return 2
        os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from keras_dss.cli.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
