"""Shipped pretrained models predict the same on TensorFlow, PyTorch and JAX.

Each selected backend runs `tests/cross_backend/pretrained_produce.py` in
its own process: every registered weights file of `weights/registry.json`
predicts the first 64 test examples of its real data set
(`../shared/data`; the first 4 for DIC-HeLa, whose frames are 512 x 512). The argmax must agree on at least 99.9% of the pixels
(segmenters) or on every image (classifiers) for every pair of backends.
Skipped, with the reason, when no weights are registered or the data
folder is absent.
"""

import itertools
import json
import subprocess
import sys

import numpy as np
import pytest

from tests import pretrained
from tests.test_cross_backend import BACKENDS
from tests.test_cross_backend import ROOT
from tests.test_cross_backend import TIMEOUT_S
from tests.test_cross_backend import _env
from tests.test_cross_backend import rel_diff

pytestmark = pytest.mark.cross_backend

PRODUCE = ROOT / "tests" / "cross_backend" / "pretrained_produce.py"
COUNT = 64
PIXEL_AGREEMENT = 0.999


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    root = tmp_path_factory.mktemp("pretrained")
    out = {}
    for backend in BACKENDS:
        folder = root / backend
        command = [sys.executable, str(PRODUCE), "--out", str(folder),
                   "--count", str(COUNT)]
        proc = subprocess.run(command, env=_env(backend), cwd=ROOT,
                              capture_output=True, text=True,
                              timeout=TIMEOUT_S)
        if proc.returncode != 0:
            pytest.fail(f"KERAS_BACKEND={backend} {' '.join(command)}:\n"
                        f"{proc.stderr[-10000:]}", pytrace=False)
        out[backend] = folder
    return out


@pytest.mark.parametrize("model_name,weights", pretrained.params())
def test_backends_agree_on_real_test_images(produced, model_name, weights):
    from keras_dss.zoo import registry

    info = registry.get_weights_info(model_name, weights)
    pretrained.data_folder(info)  # skips with the reason if absent
    logits = {}
    for backend, folder in produced.items():
        meta = json.loads((folder / "meta.json").read_text())
        assert f"{model_name}:{weights}" in meta["done"], backend
        logits[backend] = np.load(folder / f"{model_name}_{weights}.npz")[
            "logits"]
    for a, b in itertools.combinations(logits, 2):
        x, y = logits[a], logits[b]
        assert x.shape == y.shape and len(x) == min(COUNT, len(x))
        agreement = float(np.mean(x.argmax(-1) == y.argmax(-1)))
        needed = PIXEL_AGREEMENT if x.ndim == 4 else 1.0
        print(f"{model_name}:{weights} {a} vs {b}: argmax agreement "
              f"{agreement:.5%}, relative logit difference "
              f"{rel_diff(x, y):.2e}")
        assert agreement >= needed, (a, b, agreement)
        # Not a constant prediction: agreement would then be meaningless.
        assert len(np.unique(x.argmax(-1))) > 1
