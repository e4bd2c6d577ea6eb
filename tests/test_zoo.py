"""The model zoo's constructors on the current backend.

Run once per backend (`KERAS_BACKEND=tensorflow|torch|jax`). Every
constructor is built in a small configuration and checked for: a Functional
`keras.Model`; raw uint8 or float pixels in [0, 255] giving the same
predictions; `fit`, `evaluate`, `predict`; `.keras` save and
`keras.saving.load_model` with identical predictions; `include_top=False`
feature shapes; `classifier_activation="softmax"`; input-size errors naming
the nearest valid sizes, statically and when predicting; `pad_to_multiple`;
several image sizes through one model; and the structure shared by each
scale-equivariant model and its plain baseline (`UNet` / `SEUNet`,
`DenseNet` / `SDenseNet`, including the default parameter counts).

JAX compiles a program per distinct shape, random initializers included,
so every test uses the same few configurations, 16x16 images and batch 2,
and models are built with zero kernels (`zero_kernels`) and then given random
weights from numpy (`randomize`); `test_random_initializers` checks which
initializers the constructors choose.
"""

import dataclasses
import re

import keras
import numpy as np
import pytest

from keras_dss import zoo
from tests.cross_backend.zoo_weights import randomize
from tests.cross_backend.zoo_weights import zero_kernels

BATCH = 2
SIZE = 16
BACKEND = keras.backend.backend()


@dataclasses.dataclass
class Spec:
    """A constructor in a small configuration and what it should return."""

    make: callable
    kwargs: dict
    classes: int
    multiple: int  # required divisor of the sides
    dense: bool  # per-pixel output (segmenter) or one vector per image
    features: callable  # (H, W) -> include_top=False output shape, no batch

    def build(self, seed=None, **kwargs):
        """The model; with a `seed`, built fast and given random weights."""
        if seed is None:
            return self.make(**{**self.kwargs, **kwargs})
        with zero_kernels():
            model = self.make(**{**self.kwargs, **kwargs})
        randomize(model, np.random.default_rng(seed))
        return model

    def output_shape(self, h=SIZE, w=SIZE):
        if self.dense:
            return (BATCH, h, w, self.classes)
        return (BATCH, self.classes)


SPECS = {
    "SEUNet": Spec(
        zoo.SEUNet,
        dict(filters=4, depth=2, num_scales=2, num_classes=3),
        classes=3,
        multiple=4,
        dense=True,
        features=lambda h, w: (h, w, 4),
    ),
    "UNet": Spec(
        zoo.UNet,
        dict(filters=4, depth=2, num_classes=3),
        classes=3,
        multiple=4,
        dense=True,
        features=lambda h, w: (h, w, 4),
    ),
    "SResNet": Spec(
        zoo.SResNet,
        dict(filters=(4, 8), blocks_per_stage=1, num_scales=2, num_classes=2),
        classes=2,
        multiple=2,
        dense=True,
        # The projected feature map of the last stage, at 1/2 resolution.
        features=lambda h, w: (h // 2, w // 2, 8),
    ),
    "SDenseNet": Spec(
        zoo.SDenseNet,
        dict(growth_rate=4, block_layers=(1, 2), num_scales=2, num_classes=2),
        classes=2,
        multiple=2,
        dense=False,
        # stem 8 + 4 = 12 -> transition 6 -> + 2 x 4 = 14, pooled.
        features=lambda h, w: (14,),
    ),
    "DenseNet": Spec(
        zoo.DenseNet,
        dict(growth_rate=4, block_layers=(1, 2), num_classes=2),
        classes=2,
        multiple=2,
        dense=False,
        features=lambda h, w: (14,),
    ),
}
NAMES = list(SPECS)


def pixels(h=SIZE, w=SIZE, seed=0):
    """A uint8 batch covering the whole 0-255 range."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(BATCH, h, w, 3), dtype=np.uint8)
    x[0, 0, 0] = 0
    x[0, 0, 1] = 255
    return x


def labels(spec, seed=1):
    rng = np.random.default_rng(seed)
    shape = (BATCH, SIZE, SIZE) if spec.dense else (BATCH,)
    return rng.integers(0, spec.classes, size=shape).astype("int32")


def predict(model, x):
    return np.asarray(model.predict(x, batch_size=BATCH, verbose=0))


def compile_model(model):
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),  # fewer ops to compile than Adam
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )


class Built:
    """One model per constructor, shared by the tests of this module so that
    JAX compiles each program once (compiled first: `compile` would discard
    the predict function); `predictions` are taken before any test trains
    it."""

    def __init__(self, spec):
        self.spec = spec
        self.model = spec.build(seed=0)
        compile_model(self.model)
        self.x = pixels()
        self.predictions = predict(self.model, self.x)


@pytest.fixture(scope="module")
def built():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = Built(SPECS[name])
        return cache[name]

    return get


# --- what every constructor returns -----------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_returns_functional_model(built, name):
    b = built(name)
    model = b.model
    assert isinstance(model, keras.Model)
    assert type(model).__name__ == "Functional"
    assert len(model.inputs) == 1 and len(model.outputs) == 1
    assert tuple(model.input.shape) == (None, None, None, 3)
    assert model.input.dtype == "float32"
    assert model.get_layer("classifier") is not None
    assert b.predictions.shape == b.spec.output_shape()
    assert b.predictions.dtype == np.float32
    assert np.all(np.isfinite(b.predictions))
    # Not a constant map: the weights and the input both matter.
    assert np.std(b.predictions) > 0


@pytest.mark.parametrize("name", NAMES)
def test_uint8_and_float_pixels_give_the_same_predictions(built, name):
    b = built(name)
    assert b.x.dtype == np.uint8
    as_float = predict(b.model, b.x.astype("float32"))
    np.testing.assert_array_equal(as_float, b.predictions)


@pytest.mark.parametrize("name", NAMES)
def test_pixels_are_normalised_inside(built, name):
    """0 and 255 map to -1 and 1: the model expects raw pixel values."""
    model = built(name).model
    normalise = keras.Model(model.input, model.get_layer("normalize").output)
    x = np.zeros((1, SIZE, SIZE, 3), "float32")
    x[0, 0, :3] = np.array([0.0, 127.5, 255.0])[:, None]
    out = keras.ops.convert_to_numpy(normalise(x))
    np.testing.assert_allclose(
        out[0, 0, :3], np.array([[-1.0] * 3, [0.0] * 3, [1.0] * 3]),
        atol=1e-6,
    )


@pytest.mark.parametrize("name", NAMES)
def test_fit_evaluate_predict(built, name):
    b = built(name)
    model, spec = b.model, b.spec
    assert model.compiled
    y = labels(spec)
    before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    history = model.fit(b.x, y, batch_size=BATCH, epochs=1, verbose=0)
    loss = history.history["loss"]
    assert len(loss) == 1 and np.isfinite(loss[0])
    after = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    changed = sum(not np.array_equal(p, q) for p, q in zip(before, after))
    assert changed == len(before), (
        f"fit changed {changed} of {len(before)} trainable weights"
    )
    result = model.evaluate(b.x, y, batch_size=BATCH, verbose=0,
                            return_dict=True)
    assert np.isfinite(result["loss"])
    assert 0.0 <= result["accuracy"] <= 1.0
    out = predict(model, b.x)
    assert out.shape == spec.output_shape()
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", NAMES)
def test_save_and_load_model(built, name, tmp_path):
    model, x = built(name).model, built(name).x
    expected = predict(model, x)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    with zero_kernels():  # the file's weights replace the initial ones
        loaded = keras.saving.load_model(path)
    assert type(loaded).__name__ == "Functional"
    assert [type(layer) for layer in loaded.layers] == [
        type(layer) for layer in model.layers
    ]
    assert [w.path for w in loaded.weights] == [w.path for w in model.weights]
    np.testing.assert_array_equal(predict(loaded, x), expected)


@pytest.mark.parametrize("name", NAMES)
def test_include_top_false_returns_features(built, name):
    spec = SPECS[name]
    body = spec.build(seed=2, include_top=False)
    assert type(body).__name__ == "Functional"
    assert "classifier" not in [layer.name for layer in body.layers]
    assert tuple(body.output.shape) == (None,) + (
        (None, None, spec.features(SIZE, SIZE)[-1]) if spec.dense
        else spec.features(SIZE, SIZE)
    )
    # The body is the full model cut before its classifier.
    full = built(name).model
    cut = full.get_layer("classifier").input
    assert tuple(body.output.shape) == tuple(cut.shape)
    out = predict(body, built(name).x)
    assert out.shape == (BATCH,) + spec.features(SIZE, SIZE)


@pytest.mark.parametrize("name", NAMES)
def test_softmax_head(built, name):
    b = built(name)
    probs_model = b.spec.build(seed=1, classifier_activation="softmax")
    # With the shared model's weights, softmax is applied to its logits.
    probs_model.set_weights(b.model.get_weights())
    probs = predict(probs_model, b.x)
    logits = predict(b.model, b.x)
    assert probs.shape == b.spec.output_shape()
    assert np.all(probs >= 0) and np.all(probs <= 1)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-5)
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))
    np.testing.assert_allclose(probs, expected, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_random_initializers(name):
    """Kernels start He-normal (the classifier Glorot-uniform), biases and
    batch-norm offsets at zero. (Other tests build with `zero_kernels`.)"""
    with zero_kernels():
        model = SPECS[name].build()
    kinds = {}
    for layer in model.layers:
        if hasattr(layer, "kernel_initializer"):
            kind = type(layer.kernel_initializer).__name__
            kinds.setdefault(kind, []).append(layer.name)
    heads = kinds.pop("GlorotUniform")
    assert heads == ["classifier"], heads
    assert list(kinds) == ["HeNormal"], kinds


# --- input sizes -----------------------------------------------------------


def _sizes_named(message, side, multiple):
    """Whether the message names both nearest valid sizes of `side`."""
    below = max(multiple, side // multiple * multiple)
    above = -(-side // multiple) * multiple
    return re.search(rf"\b{side} -> {below} or {above}\b", message)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("axis", [0, 1])
def test_static_bad_size_fails_at_construction(name, axis):
    spec = SPECS[name]
    m = spec.multiple
    # 18x16 / 16x30 for multiples of 4, 17x16 / 16x31 for multiples of 2.
    shape = [SIZE, SIZE, 3]
    shape[axis] = SIZE + m // 2 if axis == 0 else 2 * SIZE - m // 2
    with pytest.raises(ValueError) as info, zero_kernels():
        spec.build(input_shape=tuple(shape))
    message = str(info.value)
    assert name in message
    assert f"multiples of {m}" in message
    assert _sizes_named(message, shape[axis], m), message
    hints = message.split("Nearest valid sizes")[1].split(".")[0]
    assert ("height" in hints) == (axis == 0), message
    assert ("width" in hints) == (axis == 1), message
    assert "pad_to_multiple" in message


@pytest.mark.parametrize("name", NAMES)
def test_static_good_size_builds(name):
    spec = SPECS[name]
    with zero_kernels():
        model = spec.build(input_shape=(SIZE, 2 * SIZE, 3))
    assert tuple(model.input.shape) == (None, SIZE, 2 * SIZE, 3)
    if spec.dense:
        assert tuple(model.output.shape) == (None, SIZE, 2 * SIZE,
                                             spec.classes)


def test_bad_size_when_predicting_names_nearest_sizes():
    """Sides `None`: the check runs when the model sees the image."""
    model = SPECS["SEUNet"].build(seed=3)  # fresh: nothing traced yet
    # An eager call checks...
    with pytest.raises(ValueError, match=r"width 14 -> 12 or 16"):
        model(pixels(16, 14).astype("float32"))
    # ...and so does predict (the first trace, on TensorFlow).
    with pytest.raises(ValueError) as info:
        model.predict(pixels(18, 16), verbose=0)
    message = str(info.value)
    assert "SEUNet" in message and "multiples of 4" in message
    assert _sizes_named(message, 18, 4), message
    assert "width" not in message.split("Nearest valid sizes")[1].split(".")[0]


# JAX traces every new shape with known sides: these tests are about the
# graphs TensorFlow traces with unknown sides, and each size costs a JAX
# compilation.
not_on_jax = pytest.mark.skipif(
    BACKEND == "jax", reason="JAX retraces each image size with known sides"
)


@not_on_jax
@pytest.mark.parametrize("name", ["SEUNet", "UNet", "SResNet"])
def test_several_image_sizes_through_one_model(built, name):
    """A second image size (TensorFlow then traces unknown sides, where
    Keras' bilinear `UpSampling2D` used to fail) gives the same predictions
    as a model that only saw that size."""
    b = built(name)
    model, spec = b.model, b.spec
    reference = predict(model, b.x)
    h = SIZE + 2 * spec.multiple
    other = pixels(h, SIZE, seed=3)
    out = predict(model, other)
    assert out.shape == spec.output_shape(h, SIZE)
    np.testing.assert_allclose(predict(model, b.x), reference, atol=1e-5,
                               rtol=1e-5)
    fresh = spec.build(seed=4)
    fresh.set_weights(model.get_weights())
    np.testing.assert_allclose(predict(fresh, other), out, atol=1e-5,
                               rtol=1e-5)


def test_pad_to_multiple_round_trip(built):
    image = pixels(14, 13, seed=5)
    padded, (h, w) = zoo.pad_to_multiple(image, 4)
    assert (h, w) == (14, 13)
    assert padded.shape == (BATCH, 16, 16, 3)
    assert padded.dtype == image.dtype
    np.testing.assert_array_equal(padded[:, :h, :w], image)
    # Reflection: the added rows mirror the last ones.
    np.testing.assert_array_equal(padded[:, 14, :w], image[:, 12])
    # A single image, and one that needs nothing.
    single, size = zoo.pad_to_multiple(image[0, :, :12], 8, mode="edge")
    assert single.shape == (16, 16, 3) and size == (14, 12)
    np.testing.assert_array_equal(single[:14, :12], image[0, :, :12])
    same, size = zoo.pad_to_multiple(padded, 4)
    assert size == (16, 16)
    np.testing.assert_array_equal(same, padded)
    with pytest.raises(ValueError, match="pad_to_multiple"):
        zoo.pad_to_multiple(image[0, :, :, 0], 4)
    # The padded batch goes through the model; cropping restores the size.
    model = built("SEUNet").model
    out = predict(model, padded)[:, :h, :w]
    assert out.shape == (BATCH, 14, 13, 3)


# --- a scale-equivariant model and its baseline ----------------------------

PLAIN_OF = {
    "ScaleConv2D": "Conv2D",
    "ScaleMaxPool": "MaxPooling2D",
    "ScaleUpSample": "BilinearUpSampling2D",
    "ScaleDropout": "SpatialDropout2D",
}
SCALE_ONLY = {"ScaleSpaceLift", "Projection"}


def _structure(model):
    """(name, class, width) of every layer but the scale-only ones."""
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in SCALE_ONLY:
            continue
        rows.append((layer.name, PLAIN_OF.get(kind, kind),
                     getattr(layer, "filters", None)))
    return rows


@pytest.mark.parametrize(
    "scale,plain,kwargs",
    [
        ("SEUNet", "UNet", dict(filters=4, depth=3, num_classes=3)),
        ("SDenseNet", "DenseNet",
         dict(growth_rate=4, block_layers=(2, 2, 2), num_classes=2)),
    ],
)
def test_baseline_has_the_same_structure(scale, plain, kwargs):
    with zero_kernels():
        scale_model = getattr(zoo, scale)(num_scales=2, **kwargs)
        plain_model = getattr(zoo, plain)(**kwargs)
    names = {layer.name for layer in scale_model.layers}
    assert {"lift", "projection"} <= names
    assert _structure(scale_model) == _structure(plain_model)
    def count(model, cls):
        return sum(isinstance(layer, cls) for layer in model.layers)
    bn = keras.layers.BatchNormalization
    assert count(scale_model, bn) == count(plain_model, bn) > 0
    widths = [layer.filters for layer in plain_model.layers
              if hasattr(layer, "filters")]
    assert widths == [layer.filters for layer in scale_model.layers
                      if hasattr(layer, "filters")]


def test_default_unet_has_seunet_structure():
    # Defaults (filters 16, depth 4), built symbolically only.
    with zero_kernels():
        scale_model, plain_model = zoo.SEUNet(), zoo.UNet()
    assert _structure(scale_model) == _structure(plain_model)
    widths = [layer.filters for layer in plain_model.layers
              if hasattr(layer, "filters")]
    assert max(widths) == 16 * 2**4


@pytest.mark.parametrize("channels,classes", [(3, 2), (3, 10), (1, 2)])
def test_densenet_parameter_count_matches_sdensenet(channels, classes):
    """DSS's fair baseline: `DenseNet()`'s default growth rate gives the
    parameter count of the default `SDenseNet()` within 5%."""
    shape = (None, None, channels)
    with zero_kernels():
        plain = zoo.DenseNet(input_shape=shape, num_classes=classes)
        scale = zoo.SDenseNet(input_shape=shape, num_classes=classes)
    plain, scale = plain.count_params(), scale.count_params()
    assert abs(plain - scale) <= 0.05 * scale, (plain, scale)


@pytest.mark.parametrize("name", ["SDenseNet", "DenseNet"])
def test_dense_classifiers_global_max_pooling(name):
    """`global_pooling="max"`: the classifier reads the spatial maximum of
    the features the projection (or the last block) leaves."""
    tiny = {"input_shape": (24, 24, 1), "num_classes": 3, "growth_rate": 2,
            "block_layers": (1, 1)}
    model = getattr(zoo, name)(global_pooling="max", **tiny)
    pool = model.get_layer("global_pool")
    features = keras.Model(model.input, [pool.input, pool.output])
    x = pixels(24, 24, seed=5)[..., :1]
    maps, pooled = (np.asarray(keras.ops.convert_to_numpy(t))
                    for t in features.predict_on_batch(x))
    np.testing.assert_allclose(pooled, maps.max(axis=(1, 2)), rtol=1e-6)
    assert (maps.max(axis=(1, 2)) > maps.mean(axis=(1, 2)) + 1e-3).any()
    with pytest.raises(ValueError, match="global_pooling.*'avg', 'max'"):
        getattr(zoo, name)(global_pooling="mean", **tiny)


# --- last: a failed predict can leave a JAX model unusable -----------------


def _size_error_types():
    if BACKEND == "tensorflow":
        import tensorflow as tf

        # A graph traced with unknown sides asserts when it runs.
        return (ValueError, tf.errors.InvalidArgumentError)
    return (ValueError,)


@not_on_jax
@pytest.mark.parametrize("name", ["SEUNet", "UNet", "SResNet", "DenseNet"])
def test_bad_size_after_several_sizes(built, name):
    """Once the model has predicted two sizes, a bad size still names the
    nearest valid sizes (on TensorFlow as a graph assertion). Runs after
    every other test of the shared models (see the next test)."""
    b = built(name)
    model, spec = b.model, b.spec
    predict(model, b.x)
    predict(model, pixels(SIZE + 2 * spec.multiple, SIZE, seed=3))
    bad = SIZE + spec.multiple // 2
    with pytest.raises(_size_error_types()) as info:
        predict(model, pixels(SIZE, bad, seed=4))
    message = str(info.value)
    assert _sizes_named(message, bad, spec.multiple), message
    assert f"multiples of {spec.multiple}" in message


@pytest.mark.xfail(
    BACKEND == "jax",
    reason="Keras' JAX trainer detaches the model's variables for predict() "
    "and does not restore them when the step raises (keras 3.15), so the "
    "model is unusable after a bad-size ValueError",
    raises=TypeError,
)
def test_model_usable_after_bad_size():
    spec = SPECS["UNet"]
    model = spec.build(seed=5)
    with pytest.raises(ValueError):
        predict(model, pixels(SIZE + 2, SIZE, seed=5))
    assert predict(model, pixels()).shape == spec.output_shape()
