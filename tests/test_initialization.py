"""Zoo models built to load weights skip random initialization, and nothing
of that shows afterwards (keras_dss/zoo/initialization.py)."""

import keras
import numpy as np
import pytest

from keras_dss import zoo
from keras_dss.zoo import initialization
from keras_dss.zoo import loading
from tests.cross_backend.zoo_weights import randomize
from tests.cross_backend.zoo_weights import zero_kernels

SMALL = {
    "SEUNet": dict(filters=2, depth=1, num_scales=2, num_classes=3),
    "SResNet": dict(filters=(2, 4), blocks_per_stage=1, num_scales=2,
                    num_classes=2),
    "SDenseNet": dict(growth_rate=2, block_layers=(1, 1), num_scales=2,
                      num_classes=2),
    "UNet": dict(filters=2, depth=1, num_classes=3),
    "DenseNet": dict(growth_rate=2, block_layers=(1, 1), num_classes=2),
}


def test_stand_ins_only_inside_the_context():
    assert isinstance(initialization.initializer("he_normal"),
                      keras.initializers.HeNormal)
    with initialization.weights_follow():
        stand_in = initialization.initializer("he_normal")
    assert isinstance(stand_in.initializer, keras.initializers.HeNormal)
    assert not np.any(np.asarray(stand_in((3, 2))))
    with pytest.raises(TypeError, match="restore_initializers"):
        stand_in.get_config()
    assert isinstance(initialization.initializer("he_normal"),
                      keras.initializers.HeNormal)


@pytest.mark.parametrize("name", list(SMALL))
def test_loaded_model_has_the_file_values_and_the_real_config(name,
                                                              tmp_path):
    constructor = getattr(zoo, name)
    with zero_kernels():
        source = constructor(**SMALL[name])
    randomize(source, np.random.default_rng(0))
    path = tmp_path / "model.weights.h5"
    source.save_weights(path)

    loaded = constructor(**SMALL[name], weights=str(path))
    for expected, got in zip(source.weights, loaded.weights):
        np.testing.assert_array_equal(np.asarray(expected), np.asarray(got),
                                      err_msg=got.path)
    # No stand-in is left on a layer (its get_config would raise), and the
    # configuration is that of a model built without weights.
    assert loaded.get_config() == source.get_config()
    kinds = {type(layer.kernel_initializer).__name__
             for layer in loaded.layers if hasattr(layer, "kernel_initializer")}
    assert kinds == {"HeNormal", "GlorotUniform"}, kinds


@pytest.mark.parametrize("name", ["SEUNet", "DenseNet"])
def test_builders_use_the_stand_ins_when_weights_follow(name, tmp_path,
                                                        monkeypatch):
    """Without this the skip would silently stop working: every random
    kernel of a zoo model is created through `initializer()`."""
    constructor = getattr(zoo, name)
    with zero_kernels():
        source = constructor(**SMALL[name])
    path = tmp_path / "model.weights.h5"
    source.save_weights(path)
    counts = []

    def counting(model):
        counts.append(initialization.restore_initializers(model))
        return counts[-1]

    monkeypatch.setattr(loading, "restore_initializers", counting)
    loaded = constructor(**SMALL[name], weights=str(path))
    plain = constructor(**SMALL[name])
    with_kernels = sum(hasattr(layer, "kernel_initializer")
                       for layer in loaded.layers)
    assert with_kernels > 2
    assert counts == [with_kernels]
    # Built without weights: real initializers, no stand-in to restore.
    assert initialization.restore_initializers(plain) == 0
