"""Registered zoo weights give the same predictions on every backend.

One subprocess (torch when selected) builds a tiny `SEUNet`, `UNet`,
`SResNet` and `SDenseNet` with weights from a fixed seed and writes their
`.weights.h5` files and a fixed uint8 input batch
(`tests/cross_backend/zoo_produce.py build`). Then each selected backend, in
its own subprocess, registers the files as test-only weights (found through
`KERAS_DSS_WEIGHTS_DIR`, verified by sha256) and predicts with
`Constructor(weights=<name>)` (`zoo_produce.py predict`). The tests compare
every backend's predictions with the builder's and with each other:
`max|a - b| / max|a| <= 1e-4`, and the argmax over classes agrees on at
least 99.9% of the pixels (segmenters) or on every image (`SDenseNet`).

Marked `cross_backend`: run once by `python tools/run_tests.py`, apart from
the per-backend runs. The selected backends come from
`KERAS_DSS_CROSS_BACKENDS`, as in `tests/test_cross_backend.py`.
"""

import hashlib
import itertools
import json
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.test_cross_backend import BACKENDS
from tests.test_cross_backend import ROOT
from tests.test_cross_backend import TIMEOUT_S
from tests.test_cross_backend import _env
from tests.test_cross_backend import rel_diff

pytestmark = pytest.mark.cross_backend

PRODUCE = ROOT / "tests" / "cross_backend" / "zoo_produce.py"
RTOL = 1e-4
ARGMAX_AGREEMENT = 0.999
MODELS = ("SEUNet", "UNet", "SResNet", "SDenseNet")
SEGMENTERS = ("SEUNet", "UNet", "SResNet")
BUILDER = "torch" if "torch" in BACKENDS else BACKENDS[0]
PAIRS = list(itertools.combinations(BACKENDS, 2))


def run(backend, args, env=None):
    """Runs zoo_produce.py on `backend`; fails the test with its output."""
    command = [sys.executable, str(PRODUCE)] + args
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command, env={**_env(backend), **(env or {})}, cwd=ROOT,
            capture_output=True, text=True, timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return f"KERAS_BACKEND={backend} {' '.join(command)}: timeout", None
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return (
            f"KERAS_BACKEND={backend} {' '.join(command)} exited with "
            f"{proc.returncode}.\n--- stderr ---\n{proc.stderr[-20000:]}\n"
            f"--- stdout ---\n{proc.stdout[-5000:]}"
        ), seconds
    return None, seconds


class Produced:
    def __init__(self, root):
        self.weights_dir = root / "weights"
        self.errors = {}
        self.seconds = {}
        self.predictions = {}
        error, self.seconds["build"] = run(
            BUILDER, ["build", "--out", str(self.weights_dir)]
        )
        if error:
            self.errors["build"] = error
            return
        self.manifest = json.loads(
            (self.weights_dir / "manifest.json").read_text()
        )
        self.built = dict(np.load(self.weights_dir / "built.npz"))
        self.input = np.load(self.weights_dir / "input.npy")
        for backend in BACKENDS:
            out = root / backend
            error, self.seconds[backend] = run(
                backend,
                ["predict", "--weights", str(self.weights_dir),
                 "--out", str(out)],
                env={"KERAS_DSS_WEIGHTS_DIR": str(self.weights_dir)},
            )
            if error:
                self.errors[backend] = error
            else:
                self.predictions[backend] = dict(
                    np.load(out / "predictions.npz")
                )

    def require(self, *steps):
        for step in steps:
            if step in self.errors:
                pytest.fail(self.errors[step], pytrace=False)


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    return Produced(tmp_path_factory.mktemp("cross_backend_zoo"))


def argmax_agreement(a, b):
    return float(np.mean(np.argmax(a, axis=-1) == np.argmax(b, axis=-1)))


def check_agree(a, b, model, what):
    assert a.shape == b.shape, f"{model} {what}: {a.shape} vs {b.shape}"
    d = rel_diff(a, b)
    agree = argmax_agreement(a, b)
    assert d <= RTOL, f"{model} {what}: relative difference {d:.2e}"
    needed = ARGMAX_AGREEMENT if model in SEGMENTERS else 1.0
    assert agree >= needed, f"{model} {what}: argmax agrees on {agree:.4%}"
    return d, agree


def test_builder_wrote_registrable_files(produced):
    produced.require("build")
    assert produced.input.dtype == np.uint8
    assert produced.input.shape == (2, 32, 32, 3)
    assert sorted(produced.manifest["models"]) == sorted(MODELS)
    for model, entry in produced.manifest["models"].items():
        path = produced.weights_dir / entry["file"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == entry["sha256"], model
        output = produced.built[model]
        assert np.all(np.isfinite(output)) and np.std(output) > 0, model
        if model in SEGMENTERS:
            assert output.shape[:3] == (2, 32, 32), model
            # Not one class everywhere: the argmax comparison means something.
            assert len(np.unique(np.argmax(output, axis=-1))) > 1, model


@pytest.mark.parametrize("backend", BACKENDS)
def test_registered_weights_reproduce_the_builder(produced, backend):
    produced.require("build", backend)
    loaded = produced.predictions[backend]
    for model in MODELS:
        check_agree(produced.built[model], loaded[f"{model}.output"], model,
                    f"{backend} (weights={produced.manifest['name']!r}) vs "
                    f"{BUILDER} as built")


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_backends_agree(produced, pair, capsys):
    a, b = pair
    produced.require("build", a, b)
    pa, pb = produced.predictions[a], produced.predictions[b]
    lines = []
    for model in MODELS:
        # The weights arrive bit for bit...
        count = len([k for k in pa if k.startswith(f"{model}.weight.")])
        assert count == len(
            [k for k in pb if k.startswith(f"{model}.weight.")]
        ) > 0
        for i in range(count):
            np.testing.assert_array_equal(
                pa[f"{model}.weight.{i}"], pb[f"{model}.weight.{i}"],
                err_msg=f"{model} weight {i}",
            )
        # ...and give the same predictions.
        d, agree = check_agree(pa[f"{model}.output"], pb[f"{model}.output"],
                               model, f"{a} vs {b}")
        lines.append(f"  {model:10s} rel. diff {d:.2e}, argmax agrees "
                     f"{agree:.2%}")
    seconds = ", ".join(f"{k} {v:.1f}s" for k, v in produced.seconds.items()
                        if v is not None)
    with capsys.disabled():
        print(f"\nzoo predictions, {a} vs {b} (tolerance {RTOL:.0e}):\n"
              + "\n".join(lines) + f"\n  subprocesses: {seconds}")
