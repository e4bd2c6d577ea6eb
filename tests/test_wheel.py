"""The built wheel works on its own, shipped weights included.

A copy of the repository (without virtual environments, `.git`, training
runs) gets a tiny SEUNet weights file in its `weights/` folder and an entry
for it in `weights/registry.json`; the copy is built into a wheel offline
(`pip wheel --no-deps --no-build-isolation`), the wheel is installed with
`pip install --no-deps --target`, and a subprocess with only that folder on
`PYTHONPATH`, started outside the repository, checks that `keras_dss` and
`keras_dss._weights` import from there, that the shipped entry is
registered at import, and that `SEUNet(weights=<name>)` loads the file from
the wheel and reproduces the predictions of the model that saved it. The
wheel's contents are checked too: every package of `keras_dss/`, the weights
folder as `keras_dss/_weights`, and the `keras-dss` console script.

Marked `cross_backend` so that `python tools/run_tests.py` runs it once, not
once per backend; its subprocesses use torch when it is installed.
"""

import configparser
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.cross_backend

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 600
WEIGHTS_FILE = "test_wheel_seunet.weights.h5"
NAME = "test-wheel"
CONFIG = {"filters": 4, "depth": 2, "num_scales": 2, "num_classes": 3,
          "input_channels": 3}
# Left out of the copy: environments, history, caches, training runs.
SKIP_TOP = {".venv", ".ci-venv", ".git", "data_cache", "zoo", "runs",
            "build", "dist", ".pytest_cache"}
SKIP_ANY = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")


def backend():
    return "torch" if importlib.util.find_spec("torch") else (
        os.environ.get("KERAS_BACKEND") or "tensorflow"
    )


def run(command, cwd, env=None, pythonpath=None):
    env = dict(os.environ if env is None else env)
    env.update(KERAS_BACKEND=backend(), TF_CPP_MIN_LOG_LEVEL="3",
               CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
    env.pop("KERAS_DSS_WEIGHTS_DIR", None)
    if pythonpath is None:
        env.pop("PYTHONPATH", None)
    else:
        env["PYTHONPATH"] = str(pythonpath)
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} exited with {proc.returncode}\n"
            f"--- stderr ---\n{proc.stderr[-10000:]}\n"
            f"--- stdout ---\n{proc.stdout[-5000:]}",
            pytrace=False,
        )
    return proc.stdout


SAVE = """
import sys
import keras
import numpy as np
from keras_dss import zoo

config = {config!r}
keras.utils.set_random_seed(1)
model = zoo.SEUNet(input_shape=(None, None, config.pop("input_channels")),
                   **config)
model.save_weights(sys.argv[1])
x = np.random.default_rng(0).integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
np.savez(sys.argv[2], x=x, y=model.predict(x, verbose=0),
         **{{f"w{{i}}": w for i, w in enumerate(model.get_weights())}})
"""

LOAD = """
import importlib.resources
import json
import sys
import keras
import numpy as np

import keras_dss
import keras_dss._weights
import keras_dss_cli
from keras_dss import zoo
from keras_dss.zoo import weights_files

expected = np.load(sys.argv[1])
name, file, sha256 = sys.argv[2:5]
keras.utils.set_random_seed(2)  # initial weights unlike the saved ones
shipped = zoo.SEUNet(weights=name)
zoo.register_weights(zoo.WeightsInfo(
    model="SEUNet", name="explicit", config={config!r}, file=file,
    sha256=sha256, dataset="test", license="Apache-2.0", recipe="test"))
explicit = zoo.SEUNet(weights="explicit")
x = expected["x"]
result = dict(
    keras_dss=keras_dss.__file__,
    weights_package=keras_dss._weights.__file__,
    resources=str(importlib.resources.files("keras_dss._weights")),
    cli=keras_dss_cli.__file__,
    weights_dirs=[str(d) for d in weights_files.weights_dirs()],
    found=str(weights_files.find_weights_file(file)),
    registered=[i.name for i in zoo.available_weights("SEUNet")],
)
for key, model in (("shipped", shipped), ("explicit", explicit)):
    weights = model.get_weights()
    result[key + "_weights_equal"] = len(weights) == len(
        [k for k in expected if k.startswith("w")]
    ) and all(np.array_equal(w, expected[f"w{{i}}"])
              for i, w in enumerate(weights))
    result[key + "_max_diff"] = float(
        np.max(np.abs(model.predict(x, verbose=0) - expected["y"]))
    )
print("RESULT " + json.dumps(result))
"""


def copy_repository(target):
    def ignore(folder, names):
        skipped = set(SKIP_ANY(folder, names))
        if Path(folder).resolve() == ROOT:
            skipped |= SKIP_TOP & set(names)
        return skipped

    shutil.copytree(ROOT, target, ignore=ignore)


def source_packages():
    """Every package of the source tree, as wheel folders."""
    return sorted(
        str(p.parent.relative_to(ROOT))
        for p in (ROOT / "keras_dss").rglob("__init__.py")
        if "__pycache__" not in p.parts
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    repo = tmp / "repo"
    copy_repository(repo)
    expected = tmp / "expected.npz"
    run([sys.executable, "-c", SAVE.format(config=CONFIG),
         str(repo / "weights" / WEIGHTS_FILE), str(expected)],
        cwd=tmp, pythonpath=ROOT)
    sha256 = hashlib.sha256(
        (repo / "weights" / WEIGHTS_FILE).read_bytes()
    ).hexdigest()
    registry = repo / "weights" / "registry.json"
    entries = json.loads(registry.read_text()) if registry.exists() else []
    entries.append(dict(
        model="SEUNet", name=NAME, config=CONFIG, file=WEIGHTS_FILE,
        sha256=sha256, dataset="random numbers (test only)",
        license="Apache-2.0", recipe="tests/test_wheel.py",
    ))
    registry.write_text(json.dumps(entries, indent=1))
    dist = tmp / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps",
         "--no-build-isolation", "--no-index", "-q", "-w", str(dist),
         str(repo)], cwd=tmp)
    (path,) = dist.glob("keras_dss-*.whl")
    return dict(tmp=tmp, path=path, expected=expected, sha256=sha256)


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel["path"]).namelist()
    folders = {n.rsplit("/", 1)[0] for n in names if "/" in n}
    packages = source_packages()
    missing = [p for p in packages if p not in folders]
    assert not missing, (
        f"packages missing from the wheel: {missing}; add them to "
        "[tool.setuptools] packages in pyproject.toml"
    )
    shipped = [n for n in names if n.startswith("keras_dss/_weights/")]
    for name in ("__init__.py", "registry.json", WEIGHTS_FILE):
        assert f"keras_dss/_weights/{name}" in shipped, (
            f"{name} is not in the wheel's keras_dss/_weights: {shipped}"
        )
    assert not any(n.startswith("weights/") for n in names), (
        "the weights folder must be installed as keras_dss/_weights only"
    )
    assert not any(n.startswith("tests/") for n in names)


def test_console_script_declared(wheel):
    archive = zipfile.ZipFile(wheel["path"])
    (entry_points,) = [n for n in archive.namelist()
                       if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    parser.read_string(archive.read(entry_points).decode())
    assert parser["console_scripts"]["keras-dss"] == "keras_dss_cli:main"
    if (ROOT / "keras_dss_cli.py").exists():
        assert "keras_dss_cli.py" in archive.namelist()


def test_installed_wheel_loads_shipped_weights(wheel):
    tmp = wheel["tmp"]
    target = tmp / "site"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
         "-q", "--target", str(target), str(wheel["path"])], cwd=tmp)
    elsewhere = tmp / "elsewhere"  # not the repository: nothing to shadow
    elsewhere.mkdir()
    out = run([sys.executable, "-c", LOAD.format(config=CONFIG),
               str(wheel["expected"]), NAME, WEIGHTS_FILE, wheel["sha256"]],
              cwd=elsewhere, pythonpath=target)
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    shipped = target / "keras_dss" / "_weights"
    assert Path(result["keras_dss"]) == target / "keras_dss" / "__init__.py"
    assert Path(result["weights_package"]) == shipped / "__init__.py"
    assert Path(result["resources"]) == shipped
    assert Path(result["cli"]) == target / "keras_dss_cli.py"
    assert Path(result["weights_dirs"][0]) == shipped
    assert Path(result["found"]) == shipped / WEIGHTS_FILE
    # The entry shipped in registry.json is registered at import.
    assert NAME in result["registered"]
    for key in ("shipped", "explicit"):
        assert result[f"{key}_weights_equal"], key
        assert result[f"{key}_max_diff"] == 0.0, key
