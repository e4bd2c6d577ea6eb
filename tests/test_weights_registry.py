"""The pretrained-weights registry and `weights=` on the current backend.

Run once per backend. A test-only `WeightsInfo` is registered for a tiny
`SEUNet` whose weights file the tests write with `save_weights` into a
temporary folder that `KERAS_DSS_WEIGHTS_DIR` points at; its sha256 is
computed here with hashlib, independently of `keras_dss`. Every
registration is removed again by the fixtures.

Covered: loading by name (identical predictions), unknown names, corrupt and
truncated files (nothing loaded), missing files, `.weights.h5` paths,
`list_weights()`, registration rules, the resolution of architecture
arguments against registered weights (`resolve_config`), and the documented
fine-tuning recipe (`include_top=False` plus a new head).
"""

import hashlib
import shutil
import uuid

import keras
import numpy as np
import pytest

from keras_dss import zoo
from keras_dss.zoo import seunet as seunet_module
from keras_dss.zoo import sresnet as sresnet_module
from keras_dss.zoo import weights_files
from keras_dss.zoo.loading import resolve_config
from tests.cross_backend.zoo_weights import randomize
from tests.cross_backend.zoo_weights import zero_kernels

# The configuration, batch and size of tests/test_zoo.py. Models are built
# with `zero_kernels` (zero kernels: no JAX compilation per kernel shape); the
# saved model then gets random weights, so that loading is visible.
CONFIG = {"filters": 4, "depth": 2, "num_scales": 2, "num_classes": 3}
REGISTERED_CONFIG = {**CONFIG, "input_channels": 3}
FILE = "test_tiny_seunet.weights.h5"
BATCH = 2
SIZE = 16


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def pixels(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (BATCH, SIZE, SIZE, 3), dtype=np.uint8)


def predict(model, x):
    return np.asarray(model.predict(x, batch_size=BATCH, verbose=0))


def weights_by_path(model):
    return {w.path: keras.ops.convert_to_numpy(w) for w in model.weights}


class Saved:
    """The tiny SEUNet whose weights file the tests register."""

    def __init__(self, folder):
        self.folder = folder
        with zero_kernels():
            self.model = zoo.SEUNet(**CONFIG)
        randomize(self.model, np.random.default_rng(0))
        self.path = folder / FILE
        self.model.save_weights(self.path)
        self.sha256 = sha256(self.path)
        self.x = pixels()
        self.predictions = predict(self.model, self.x)
        self.weights = weights_by_path(self.model)


@pytest.fixture(autouse=True)
def _fast_init():
    """Loading replaces the initial weights; skip JAX's random init."""
    with zero_kernels():
        yield


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return Saved(tmp_path_factory.mktemp("weights"))


def make_info(sha, name=None, model="SEUNet", config=None, file=FILE,
              metrics=None):
    return zoo.WeightsInfo(
        model=model,
        name=name or f"test-tiny-{uuid.uuid4().hex[:8]}",
        config=dict(REGISTERED_CONFIG if config is None else config),
        file=file,
        sha256=sha,
        dataset="random numbers (test only)",
        license="Apache-2.0",
        recipe="tests/test_weights_registry.py",
        metrics={"mean_iou@1": 0.5} if metrics is None else metrics,
        description="tiny test-only SEUNet",
    )


@pytest.fixture
def registered(saved, monkeypatch):
    """A registered test-only entry for `saved`'s file, removed afterwards."""
    monkeypatch.setenv(weights_files.ENV_DIR, str(saved.folder))
    info = make_info(saved.sha256)
    zoo.register_weights(info)
    yield info
    zoo.unregister_weights(info.model, info.name)


@pytest.fixture
def no_loading(monkeypatch):
    """Records every `load_weights` call on a model."""
    calls = []
    original = keras.Model.load_weights

    def recording(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "load_weights", recording)
    return calls


# --- loading by name ------------------------------------------------------


def test_hash_is_computed_independently(saved):
    assert saved.sha256 == weights_files.sha256_of(saved.path)
    assert len(saved.sha256) == 64


def test_load_registered_weights_by_name(saved, registered, no_loading):
    model = zoo.SEUNet(weights=registered.name)
    assert len(no_loading) == 1  # the recorder used below works
    # The registered architecture was used (filters=4, depth=2, 2 scales).
    assert model.get_layer("stem_conv").filters == 4
    assert model.get_layer("lift").num_scales == 2
    assert "down2_a_conv" not in [layer.name for layer in model.layers]
    loaded = weights_by_path(model)
    assert sorted(loaded) == sorted(saved.weights)
    for path, value in saved.weights.items():
        np.testing.assert_array_equal(loaded[path], value, err_msg=path)
    np.testing.assert_array_equal(predict(model, saved.x), saved.predictions)


def test_registered_file_found_through_environment(saved, registered):
    assert weights_files.weights_dirs()[0] == saved.folder
    assert weights_files.find_weights_file(FILE) == saved.path


def test_unknown_name_lists_registered_names(registered):
    with pytest.raises(ValueError) as info:
        zoo.SEUNet(weights="no-such-weights")
    message = str(info.value)
    assert "'no-such-weights'" in message
    assert repr(registered.name) in message
    assert "list_weights" in message


def test_names_are_per_constructor(registered):
    with pytest.raises(ValueError, match="unknown weights") as info:
        zoo.UNet(weights=registered.name)
    assert repr(registered.name) in str(info.value)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_corrupt_file_is_rejected_before_loading(
    saved, registered, tmp_path, monkeypatch, no_loading, damage
):
    data = bytearray(saved.path.read_bytes())
    if damage == "flip":
        middle = len(data) // 2
        for i in range(middle, middle + 8):
            data[i] ^= 0xFF
    else:
        data = data[: len(data) // 2]
    bad = tmp_path / FILE
    bad.write_bytes(bytes(data))
    monkeypatch.setenv(weights_files.ENV_DIR, str(tmp_path))
    actual = sha256(bad)
    assert actual != saved.sha256
    with pytest.raises(ValueError) as info:
        zoo.SEUNet(weights=registered.name)
    message = str(info.value)
    assert str(bad) in message
    assert actual in message and saved.sha256 in message
    assert "Nothing was loaded" in message
    # Never half-loaded: the checksum is verified before any loading.
    assert no_loading == []


def test_missing_registered_file(registered, tmp_path, monkeypatch):
    monkeypatch.setenv(weights_files.ENV_DIR, str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        zoo.SEUNet(weights=registered.name)
    message = str(info.value)
    assert FILE in message and str(tmp_path) in message
    assert weights_files.ENV_DIR in message


# --- loading a path ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["str", "pathlib"])
def test_path_weights_load(saved, kind):
    path = str(saved.path) if kind == "str" else saved.path
    model = zoo.SEUNet(weights=path, **CONFIG)
    loaded = weights_by_path(model)
    for name, value in saved.weights.items():
        np.testing.assert_array_equal(loaded[name], value, err_msg=name)


def test_path_weights_with_include_top_false(saved):
    body = zoo.SEUNet(weights=saved.path, include_top=False, **CONFIG)
    loaded = weights_by_path(body)
    assert loaded and all(
        np.array_equal(value, saved.weights[path])
        for path, value in loaded.items()
    )


def test_missing_path(tmp_path):
    path = tmp_path / "missing.weights.h5"
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        zoo.SEUNet(weights=str(path), **CONFIG)


def test_path_without_weights_suffix(saved, tmp_path):
    other = tmp_path / "model.h5"
    shutil.copy(saved.path, other)
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        zoo.SEUNet(weights=str(other), **CONFIG)


def test_path_for_another_architecture(saved):
    with pytest.raises(ValueError, match="do not fit this architecture"):
        zoo.SEUNet(weights=str(saved.path), **{**CONFIG, "filters": 8})


def test_weights_of_wrong_type():
    with pytest.raises(ValueError, match="`weights` must be None"):
        zoo.SEUNet(weights=3, **CONFIG)


# --- listing and registering -------------------------------------------------


def test_list_weights_prints_the_entry(registered, capsys):
    infos = zoo.list_weights()
    table = capsys.readouterr().out
    assert registered in infos
    line = next(line for line in table.splitlines() if registered.name in line)
    for text in ("SEUNet", registered.dataset, "Apache-2.0",
                 "mean_iou@1 0.500", FILE):
        assert text in line, (text, table)
    assert table.splitlines()[0].split()[:2] == ["model", "weights"]
    assert registered not in zoo.list_weights("UNet")
    assert registered in zoo.list_weights("SEUNet")
    assert zoo.get_weights_info("SEUNet", registered.name) is registered
    assert registered in zoo.available_weights("SEUNet")


def test_register_rules(registered):
    with pytest.raises(ValueError, match="already registered"):
        zoo.register_weights(registered)
    replacement = make_info("0" * 64, name=registered.name)
    zoo.register_weights(replacement, overwrite=True)
    assert zoo.get_weights_info("SEUNet", registered.name) is replacement
    with pytest.raises(TypeError):
        zoo.register_weights(dict(model="SEUNet", name="x"))
    zoo.unregister_weights("SEUNet", "never-registered")  # no error


def test_unregister_removes_the_entry(saved):
    info = make_info(saved.sha256)
    zoo.register_weights(info)
    zoo.unregister_weights("SEUNet", info.name)
    assert info not in zoo.available_weights()
    with pytest.raises(ValueError, match="unknown weights"):
        zoo.SEUNet(weights=info.name)


# --- architecture arguments against registered weights ---------------------

GIVEN_NONE = {key: None for key in seunet_module.DEFAULTS}


def test_resolve_without_weights_uses_defaults():
    config, info = resolve_config("SEUNet", None, seunet_module.DEFAULTS,
                                  GIVEN_NONE)
    assert config == seunet_module.DEFAULTS and info is None
    config, _ = resolve_config("SEUNet", None, seunet_module.DEFAULTS,
                               {**GIVEN_NONE, "filters": 8, "dropout": 0.0})
    assert config["filters"] == 8 and config["dropout"] == 0.0
    assert config["depth"] == seunet_module.DEFAULTS["depth"]


def test_resolve_with_registered_weights(registered):
    config, info = resolve_config("SEUNet", registered.name,
                                  seunet_module.DEFAULTS, GIVEN_NONE)
    assert info is registered
    for key, value in CONFIG.items():
        assert config[key] == value
    # Not registered: the constructor's default.
    assert config["scale_padding"] == seunet_module.DEFAULTS["scale_padding"]
    # Agreeing arguments are fine; unregistered ones can be chosen.
    config, _ = resolve_config(
        "SEUNet", registered.name, seunet_module.DEFAULTS,
        {**GIVEN_NONE, "filters": 4, "dropout": 0.5},
    )
    assert config["filters"] == 4 and config["dropout"] == 0.5


def test_contradicting_registered_weights(registered):
    with pytest.raises(ValueError) as info:
        zoo.SEUNet(weights=registered.name, filters=8)
    message = str(info.value)
    assert "filters=4" in message and "filters=8" in message
    with pytest.raises(ValueError, match="input_channels=3"):
        zoo.SEUNet(weights=registered.name, input_shape=(None, None, 1))


def test_num_classes_mismatch_suggests_include_top_false(registered):
    with pytest.raises(ValueError) as info:
        zoo.SEUNet(weights=registered.name, num_classes=5)
    message = str(info.value)
    assert "num_classes=3" in message and "num_classes=5" in message
    assert "include_top=False" in message
    assert "Conv2D(5, 1)" in message


def test_lists_and_tuples_compare_equal():
    defaults = sresnet_module.DEFAULTS
    given = {key: None for key in defaults}
    for registered_value, given_value in [((4, 8), [4, 8]), ([4, 8], (4, 8))]:
        info = make_info("0" * 64, model="SResNet",
                         config={"filters": registered_value})
        zoo.register_weights(info)
        try:
            config, _ = resolve_config("SResNet", info.name, defaults, given)
            assert config["filters"] == (4, 8)
            config, _ = resolve_config(
                "SResNet", info.name, defaults,
                {**given, "filters": given_value},
            )
            assert config["filters"] == (4, 8)
            with pytest.raises(ValueError, match="filters"):
                resolve_config("SResNet", info.name, defaults,
                               {**given, "filters": [4, 16]})
        finally:
            zoo.unregister_weights("SResNet", info.name)


def test_unknown_registered_config_key():
    info = make_info("0" * 64, config={"filter": 4})  # typo for filters
    zoo.register_weights(info)
    try:
        with pytest.raises(ValueError, match="'filter'"):
            zoo.SEUNet(weights=info.name)
    finally:
        zoo.unregister_weights("SEUNet", info.name)


# --- fine-tuning -----------------------------------------------------------


def test_fine_tune_with_a_new_head(saved, registered):
    """The README's recipe: the registered body, a new 5-class head."""
    body = zoo.SEUNet(weights=registered.name, include_top=False)
    outputs = keras.layers.Conv2D(5, 1, name="new_head")(body.output)
    model = keras.Model(body.input, outputs)
    assert tuple(model.output.shape) == (None, None, None, 5)
    # Before training, the body holds the registered weights.
    body_weights = weights_by_path(body)
    assert len(body_weights) == len(saved.weights) - 2  # no classifier
    for path, value in body_weights.items():
        np.testing.assert_array_equal(value, saved.weights[path],
                                      err_msg=path)
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x = np.concatenate([saved.x, saved.x[::-1]])
    y = np.random.default_rng(0).integers(0, 5, (2 * BATCH, SIZE, SIZE))
    history = model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    assert np.isfinite(history.history["loss"][0])
    assert keras.ops.convert_to_numpy(model.optimizer.iterations) == 2
    head = keras.ops.convert_to_numpy(model.get_layer("new_head").kernel)
    assert head.shape == (1, 1, 4, 5)


def test_constructor_arguments_rebuild_the_architecture(registered):
    info = zoo.WeightsInfo(
        model="SEUNet", name="x", config=dict(REGISTERED_CONFIG,
                                              input_channels=1),
        file="x.weights.h5", sha256="0" * 64, dataset="d", license="l",
        recipe="r")
    kwargs = info.constructor_arguments()
    assert "input_channels" not in kwargs
    assert kwargs["input_shape"] == (None, None, 1)
    random = zoo.SEUNet(**kwargs)
    assert random.input_shape == (None, None, None, 1)
    assert random.count_params() == zoo.SEUNet(
        **{k: v for k, v in REGISTERED_CONFIG.items()
           if k != "input_channels"}, input_shape=(None, None, 1)
    ).count_params()
