"""Cross-backend consistency: TensorFlow, PyTorch and JAX agree numerically.

A process never imports two Keras backends, so `tests/cross_backend/
produce.py` runs once per backend in its own subprocess and writes every
layer's output for identical numpy inputs and weights, plus a network's
weights file. A second round has each backend load the weights files the
other backends wrote. The tests then compare, for every output and every
pair of backends, the relative difference

    max|a - b| / max(max|a|, tiny)

against `RTOL`, and print the table of differences so that the log shows the
largest one.

Marked `cross_backend`: `python tools/run_tests.py` runs it once, apart from
the per-backend runs. `KERAS_DSS_CROSS_BACKENDS=tensorflow,jax` restricts the
comparison to some backends (at least two).
"""

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.cross_backend

ALL_BACKENDS = ("tensorflow", "torch", "jax")
RTOL = 1e-5
TINY = np.finfo(np.float32).tiny
TIMEOUT_S = 600
ROOT = Path(__file__).resolve().parent.parent
PRODUCE = ROOT / "tests" / "cross_backend" / "produce.py"


def _selected_backends():
    value = os.environ.get("KERAS_DSS_CROSS_BACKENDS", "")
    if not value.strip():
        return ALL_BACKENDS
    chosen = tuple(b.strip() for b in value.split(",") if b.strip())
    unknown = sorted(set(chosen) - set(ALL_BACKENDS))
    if unknown:
        raise ValueError(
            f"KERAS_DSS_CROSS_BACKENDS: unknown backend(s) {unknown}; "
            f"choose among {list(ALL_BACKENDS)}."
        )
    return chosen


BACKENDS = _selected_backends()
PAIRS = list(itertools.combinations(BACKENDS, 2))
LOADS = list(itertools.permutations(BACKENDS, 2))  # (producer, loader)

if len(BACKENDS) < 2:
    pytest.skip(
        "cross-backend tests need at least two backends, got "
        f"{list(BACKENDS)}",
        allow_module_level=True,
    )


def rel_diff(a, b):
    """`max|a - b| / max(max|a|, tiny)`, in float64."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), TINY))


def _env(backend):
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # The tolerance is for CPU float32 kernels (a GPU may use TF32).
    env.setdefault("CUDA_VISIBLE_DEVICES", "")
    env.setdefault("JAX_PLATFORMS", "cpu")
    # Importable even when the package is not installed.
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    return env


class Run:
    """One subprocess run of produce.py."""

    def __init__(self, backend, args):
        self.backend = backend
        self.command = [sys.executable, str(PRODUCE)] + args
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                self.command,
                env=_env(backend),
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
            )
            self.returncode = proc.returncode
            self.stdout, self.stderr = proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            self.returncode = f"a timeout ({TIMEOUT_S}s)"
            self.stdout, self.stderr = (
                (v or b"").decode(errors="replace")
                if isinstance(v or b"", bytes)
                else v
                for v in (exc.stdout, exc.stderr)
            )
        self.seconds = time.perf_counter() - start

    @property
    def ok(self):
        return self.returncode == 0

    def require(self):
        """Fails the calling test, with the subprocess's stderr, unless ok."""
        if not self.ok:
            pytest.fail(
                f"KERAS_BACKEND={self.backend} {' '.join(self.command)} "
                f"exited with {self.returncode}.\n--- stderr ---\n"
                f"{self.stderr[-20000:]}\n--- stdout ---\n"
                f"{self.stdout[-5000:]}",
                pytrace=False,
            )


class Produced:
    """The outputs of both rounds, read back from disk."""

    def __init__(self, root):
        self.root = root
        self.first = {}
        self.second = {}
        self.outputs = {}
        self.meta = {}
        self.net_weights = {}
        for backend in BACKENDS:
            out = root / backend
            run = Run(backend, ["--out", str(out)])
            self.first[backend] = run
            if run.ok:
                self.outputs[backend] = dict(np.load(out / "outputs.npz"))
                self.net_weights[backend] = dict(
                    np.load(out / "net_weights.npz")
                )
                meta = (out / "meta.json").read_text()
                self.meta[backend] = json.loads(meta)
        for backend in BACKENDS:
            if not self.first[backend].ok:
                continue
            sources = [
                str(root / other)
                for other in BACKENDS
                if other != backend and self.first[other].ok
            ]
            if sources:
                args = ["--out", str(root / backend), "--load-weights-from"]
                self.second[backend] = Run(backend, args + sources)

    def require_outputs(self, backend):
        self.first[backend].require()
        return self.outputs[backend]

    def require_loaded(self, producer, loader):
        self.require_outputs(producer)
        self.require_outputs(loader)
        self.second[loader].require()
        path = self.root / loader / f"loaded_from_{producer}.npz"
        return dict(np.load(path))


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    start = time.perf_counter()
    result = Produced(tmp_path_factory.mktemp("cross_backend"))
    result.seconds = time.perf_counter() - start
    return result


def _category(key):
    return key.split(".", 1)[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_produce_succeeds(produced, backend):
    outputs = produced.require_outputs(backend)
    reference = produced.outputs.get(BACKENDS[0])
    assert outputs, "produce.py wrote no outputs"
    assert {_category(k) for k in outputs} == {
        "lift",
        "conv",
        "pool",
        "upsample",
        "projection",
        "net",
    }
    if reference is not None:
        assert sorted(outputs) == sorted(reference)
    for key, value in outputs.items():
        assert value.dtype == np.float32, key
        assert np.all(np.isfinite(value)), key
        assert np.max(np.abs(value)) > 0, f"{key} is all zeros"


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_outputs_agree(produced, pair):
    a, b = pair
    out_a = produced.require_outputs(a)
    out_b = produced.require_outputs(b)
    assert sorted(out_a) == sorted(out_b)
    bad = []
    for key in sorted(out_a):
        if out_a[key].shape != out_b[key].shape:
            shapes = f"{out_a[key].shape} vs {out_b[key].shape}"
            bad.append(f"{key}: shape {shapes}")
            continue
        d = rel_diff(out_a[key], out_b[key])
        if not d <= RTOL:
            bad.append(f"{key}: relative difference {d:.3e} > {RTOL:.0e}")
    assert not bad, f"{a} vs {b}:\n" + "\n".join(bad)


def test_difference_table(produced, capsys):
    """Prints every output's difference per pair; checks the largest."""
    for backend in BACKENDS:
        produced.require_outputs(backend)
    keys = sorted(produced.outputs[BACKENDS[0]])
    names = ["-".join(p) for p in PAIRS]
    table = {
        key: [
            rel_diff(produced.outputs[a][key], produced.outputs[b][key])
            for a, b in PAIRS
        ]
        for key in keys
    }
    width = max(len(k) for k in keys) + 2
    lines = [
        "",
        "Cross-backend max relative difference, max|a-b| / max|a| "
        f"(tolerance {RTOL:.0e}):",
        "output".ljust(width) + "".join(n.rjust(20) for n in names),
    ]
    for key in keys:
        lines.append(
            key.ljust(width) + "".join(f"{d:20.2e}" for d in table[key])
        )
    lines.append("largest per category:")
    for category in dict.fromkeys(_category(k) for k in keys):
        worst = max(
            (d, key, names[i])
            for key in keys
            if _category(key) == category
            for i, d in enumerate(table[key])
        )
        where = (
            f"({worst[1]}, {worst[2]})" if worst[0] else "(exact everywhere)"
        )
        lines.append(f"  {category:12s}{worst[0]:10.2e}   {where}")
    overall = max((max(v), k) for k, v in table.items())
    lines.append(f"largest overall: {overall[0]:.2e} ({overall[1]})")
    for backend in BACKENDS:
        meta = produced.meta[backend]
        lines.append(
            f"  {backend}: {meta['backend_version']} (keras {meta['keras']}),"
            f" produce {produced.first[backend].seconds:.1f}s, load "
            f"{produced.second[backend].seconds:.1f}s"
            if backend in produced.second
            else f"  {backend}: {meta['backend_version']}"
        )
    lines.append(f"  all subprocesses: {produced.seconds:.1f}s")
    with capsys.disabled():
        print("\n".join(lines))
    assert overall[0] <= RTOL, f"largest difference {overall}"


@pytest.mark.parametrize(
    "producer,loader", LOADS, ids=[f"{p}-to-{q}" for p, q in LOADS]
)
def test_weights_load_across_backends(produced, producer, loader):
    loaded = produced.require_loaded(producer, loader)
    saved = produced.net_weights[producer]
    reference = produced.outputs[producer]["net.inference"]
    # The weights arrive bit for bit.
    count = len([k for k in saved if k.startswith("weight.")])
    assert count == len([k for k in loaded if k.startswith("weight.")])
    for i in range(count):
        np.testing.assert_array_equal(
            loaded[f"weight.{i}"], saved[f"weight.{i}"], err_msg=f"weight {i}"
        )
    # Loading changed the network, whose initial weights were different...
    assert rel_diff(reference, loaded["output_before_load"]) > 1e-2
    # ...into the producer's network.
    d = rel_diff(reference, loaded["output"])
    assert d <= RTOL, (
        f"{loader} with weights saved by {producer}: relative difference "
        f"{d:.3e} > {RTOL:.0e} from {producer}'s own output"
    )
