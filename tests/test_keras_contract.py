"""The Keras layer contract, checked for every layer on the current backend.

Run once per backend (`KERAS_BACKEND=tensorflow|torch|jax`). Only `keras`,
`keras.ops` and numpy are used, never a backend directly.

Covered per layer: config round trip, `.keras` save/load, symbolic shapes,
unknown spatial sizes, mixed precision; plus a training step through a whole
scale-space network, BatchNormalization statistics on 5-D tensors,
ScaleDropout's channel masks and the Delta initializer.
"""

import contextlib
import dataclasses

import keras
import numpy as np
import pytest
from keras import ops

import keras_dss
from keras_dss import Delta
from keras_dss import Projection
from keras_dss import ScaleConv2D
from keras_dss import ScaleDropout
from keras_dss import ScaleMaxPool
from keras_dss import ScaleSpaceLift
from keras_dss import ScaleUpSample

BATCH = 2
SCALES = 3


@dataclasses.dataclass
class Case:
    """A layer under test and the inputs it takes.

    `sizes` are two (height, width) pairs the layer accepts; the first is
    the default. `channels` is the input channel count.
    """

    id: str
    make: callable
    image_input: bool = False
    channels: int = 3
    sizes: tuple = ((16, 16), (12, 20))
    scales: int = SCALES
    # Variants beyond one per layer/mode skip the costliest checks.
    core: bool = True

    def input_shape(self, size=None, spatial=True):
        """Shape without the batch axis; `spatial=False` gives None sides."""
        h, w = size or self.sizes[0]
        if not spatial:
            h = w = None
        if self.image_input:
            return (h, w, self.channels)
        return (self.scales, h, w, self.channels)

    def data(self, size=None, batch=BATCH, seed=0):
        rng = np.random.default_rng(seed)
        shape = (batch,) + self.input_shape(size)
        return rng.normal(size=shape).astype("float32")


# Random initializers cost a JAX compilation per kernel shape (seconds on a
# small CPU); `built_layer` overwrites the weights anyway, so most cases use
# zeros and two keep the default `he_normal` and the `delta` initializer.
ZEROS = {"kernel_initializer": "zeros"}

CASES = [
    # ScaleSpaceLift: num_scales=3 has radius 8, reflect needs sides > 8.
    Case(
        "lift-reflect",
        lambda: ScaleSpaceLift(num_scales=SCALES),
        image_input=True,
        sizes=((20, 20), (24, 28)),
    ),
    Case(
        "lift-zeros",
        lambda: ScaleSpaceLift(num_scales=SCALES, border="zeros"),
        image_input=True,
        sizes=((16, 16), (6, 10)),
        core=False,
    ),
    Case("conv-3x3-he-normal", lambda: ScaleConv2D(4, 3), core=False),
    Case("conv-scale2", lambda: ScaleConv2D(4, 3, scale_size=2, **ZEROS)),
    Case(
        "conv-scale2-stride2",
        lambda: ScaleConv2D(4, 3, scale_size=2, strides=2, **ZEROS),
    ),
    Case(
        "conv-replicate",
        lambda: ScaleConv2D(
            4, 3, scale_size=3, scale_padding="replicate", **ZEROS
        ),
    ),
    Case(
        "conv-even-kernel-stride2",
        lambda: ScaleConv2D(
            2, (2, 4), scale_size=2, strides=2, use_bias=False, **ZEROS
        ),
        core=False,
    ),
    Case(
        "conv-delta-base3",
        # Kernel (3, 3, 3, 16, 8), the shape the Delta tests draw.
        lambda: ScaleConv2D(
            8, 3, scale_size=3, base=3, strides=3, kernel_initializer="delta"
        ),
        channels=16,
        sizes=((18, 18), (12, 21)),
        core=False,
    ),
    Case("pool-max", lambda: ScaleMaxPool(mode="max")),
    Case(
        "pool-max-3",
        lambda: ScaleMaxPool(pool_size=3, mode="max"),
        core=False,
    ),
    # The quadratic window of level k spans 6 * 2**k + 1 taps per axis, one
    # op each, and eager JAX compiles every op: one level (whose structuring
    # function is the steepest, -c n^2 / 0.25) keeps the run short. Deeper
    # levels are checked in test_reference.py and the slow fit below.
    Case("pool-quadratic", lambda: ScaleMaxPool(mode="quadratic"), scales=1),
    Case("pool-subsample", lambda: ScaleMaxPool(mode="subsample")),
    Case("upsample-bilinear", lambda: ScaleUpSample(2)),
    Case("upsample-nearest", lambda: ScaleUpSample((2, 3), "nearest")),
    Case(
        "upsample-bilinear-32",
        lambda: ScaleUpSample((3, 2), "bilinear"),
        core=False,
    ),
] + [
    Case(f"projection-{mode}", lambda mode=mode: Projection(mode))
    for mode in ("max", "mean", "sum", "min", "finest")
] + [
    Case("dropout", lambda: ScaleDropout(0.5, seed=1)),
]

CASE_IDS = [case.id for case in CASES]
parametrize_cases = pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
CORE_CASES = [case for case in CASES if case.core]
parametrize_core_cases = pytest.mark.parametrize(
    "case", CORE_CASES, ids=[case.id for case in CORE_CASES]
)


@contextlib.contextmanager
def dtype_policy(name):
    """Sets the global dtype policy and always restores float32."""
    keras.config.set_dtype_policy(name)
    try:
        yield keras.config.dtype_policy()
    finally:
        keras.config.set_dtype_policy("float32")


@pytest.fixture(autouse=True)
def _float32_policy():
    """Every test starts and ends under the float32 policy."""
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")


def to_numpy(x):
    return ops.convert_to_numpy(ops.cast(x, "float32"))


def built_layer(case, seed=0):
    """A built layer whose weights are random (not the initial values), so
    that a copy that forgot its weights would give different outputs."""
    layer = case.make()
    layer.build((BATCH,) + case.input_shape())
    rng = np.random.default_rng(100 + seed)
    weights = []
    for v in layer.weights:
        if "coefficient" in v.path:
            # ScaleMaxPool(mode="quadratic") clips c to [1/9, 1].
            weights.append(rng.uniform(0.2, 0.9, v.shape))
        else:
            weights.append(rng.normal(scale=0.5, size=v.shape))
    layer.set_weights([w.astype("float32") for w in weights])
    return layer


def expected_shape(case, input_shape):
    """The documented output shape of each layer, independently of the
    layer's own `compute_output_shape`."""
    layer = case.make()

    def scaled(n, f, up=False):
        if n is None:
            return None
        return n * f if up else n // f

    if isinstance(layer, ScaleSpaceLift):
        b, h, w, c = input_shape
        return (b, layer.num_scales, h, w, c)
    b, s, h, w, c = input_shape
    if isinstance(layer, ScaleConv2D):
        st = layer.strides
        return (b, s, scaled(h, st), scaled(w, st), layer.filters)
    if isinstance(layer, ScaleMaxPool):
        st = layer.strides
        return (b, s, scaled(h, st), scaled(w, st), c)
    if isinstance(layer, ScaleUpSample):
        sh, sw = layer.size
        return (b, s, scaled(h, sh, True), scaled(w, sw, True), c)
    if isinstance(layer, Projection):
        return (b, h, w, c)
    if isinstance(layer, ScaleDropout):
        return (b, s, h, w, c)
    raise AssertionError(f"no expected shape for {layer}")


# --------------------------------------------------------------------------
# Serialization
# --------------------------------------------------------------------------


@parametrize_cases
def test_config_round_trip(case):
    layer = built_layer(case)
    x = case.data()
    config = layer.get_config()

    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone.build((BATCH,) + case.input_shape())
    assert len(clone.weights) == len(layer.weights)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        to_numpy(clone(x)), to_numpy(layer(x)), atol=1e-6
    )

    # Through the registered name, as `load_model` does.
    serialized = keras.layers.serialize(layer)
    assert serialized["registered_name"].startswith("keras_dss>")
    revived = keras.layers.deserialize(serialized)
    assert type(revived) is type(layer)
    assert revived.get_config() == config


@parametrize_cases
def test_save_and_load_keras_file(case, tmp_path):
    layer = built_layer(case)
    inputs = keras.Input(case.input_shape())
    model = keras.Model(inputs, layer(inputs))
    x = case.data(seed=1)
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(want, to_numpy(layer(x)), atol=1e-6)

    path = tmp_path / f"{case.id}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)

    revived = loaded.layers[-1]
    assert type(revived) is type(layer)
    assert revived.get_config() == layer.get_config()
    for a, b in zip(revived.get_weights(), layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, atol=1e-6)


# --------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------


@parametrize_cases
def test_symbolic_shapes_match_eager(case):
    layer = case.make()
    full = (BATCH,) + case.input_shape()
    eager = tuple(layer(case.data()).shape)
    assert eager == expected_shape(case, full)

    assert tuple(layer.compute_output_shape(full)) == eager
    assert tuple(case.make()(keras.KerasTensor(full)).shape) == eager
    symbolic = case.make()(keras.Input(case.input_shape())).shape
    assert tuple(symbolic) == (None,) + eager[1:]

    # Unknown spatial sizes propagate as None.
    loose = (None,) + case.input_shape(spatial=False)
    want = expected_shape(case, loose)
    assert tuple(case.make().compute_output_shape(loose)) == want
    fresh = case.make()
    assert tuple(fresh(keras.Input(loose[1:])).shape) == want


@parametrize_core_cases
def test_unknown_spatial_size(case):
    layer = built_layer(case)
    inputs = keras.Input(case.input_shape(spatial=False))
    model = keras.Model(inputs, layer(inputs))
    for seed, size in enumerate(case.sizes):
        x = case.data(size=size, seed=seed)
        got = model.predict(x, verbose=0)
        want = to_numpy(layer(x))
        assert got.shape == expected_shape(case, x.shape)
        np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("size", [(2, 2), (3, 2)])
def test_bilinear_path_for_unknown_sizes_matches_resize(size):
    # ScaleUpSample uses `ops.image.resize` when the spatial size is static
    # and its own separable interpolation when it is not (a TensorFlow graph
    # with None sides) or on JAX; both must agree on every backend.
    from keras_dss.layers.scale_up_sample import _linear_upsample_axis

    x = np.random.default_rng(5).normal(size=(2, 2, 5, 7, 3))
    x = x.astype("float32")
    want = to_numpy(ops.image.resize(
        x.reshape(4, 5, 7, 3), (5 * size[0], 7 * size[1]),
        interpolation="bilinear", antialias=False,
    )).reshape(2, 2, 5 * size[0], 7 * size[1], 3)
    np.testing.assert_allclose(
        to_numpy(ScaleUpSample(size, "bilinear")(x)), want, atol=1e-5)
    got = _linear_upsample_axis(ops.convert_to_tensor(x), 2, size[0])
    got = to_numpy(_linear_upsample_axis(got, 3, size[1]))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5)


# --------------------------------------------------------------------------
# Mixed precision
# --------------------------------------------------------------------------

# Tolerance relative to the largest float32 output value.
MIXED_TOLERANCE = {"mixed_float16": 1e-2, "mixed_bfloat16": 6e-2}


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@parametrize_core_cases
def test_mixed_precision(case, policy):
    reference = built_layer(case)
    # The second size, whose float32 eager ops test_unknown_spatial_size
    # already compiled (JAX compiles every new eager op shape).
    size = case.sizes[1]
    x = case.data(size=size)
    want = to_numpy(reference(x))

    with dtype_policy(policy) as active:
        compute = active.compute_dtype
        layer = case.make()
        assert layer.compute_dtype == compute
        assert layer.variable_dtype == "float32"
        layer.build((BATCH,) + case.input_shape(size))
        layer.set_weights(reference.get_weights())
        out = layer(x)
        assert keras.backend.standardize_dtype(out.dtype) == compute
        for v in layer.variables:
            # (ScaleDropout's seed state is an integer variable.)
            if "float" in v.dtype:
                assert v.dtype == "float32", v.path
        assert all(w.dtype == "float32" for w in layer.weights)
        # Inputs already in the compute dtype work as well.
        again = layer(ops.cast(x, compute))
        assert keras.backend.standardize_dtype(again.dtype) == compute

    got = to_numpy(out)
    assert np.all(np.isfinite(got))
    scale = np.max(np.abs(want))
    np.testing.assert_allclose(
        got, want, atol=MIXED_TOLERANCE[policy] * scale, rtol=0
    )


@pytest.mark.parametrize(
    "policy", ["float32", "mixed_float16", "mixed_bfloat16"]
)
def test_lift_casts_integer_images(policy):
    # The shape of the lift-reflect case's second size: cached JAX ops.
    image = np.random.default_rng(0).integers(0, 256, (BATCH, 24, 28, 3))
    with dtype_policy(policy) as active:
        out = ScaleSpaceLift(num_scales=SCALES)(image.astype("uint8"))
        assert keras.backend.standardize_dtype(out.dtype) == (
            active.compute_dtype
        )
    np.testing.assert_array_equal(to_numpy(out)[:, 0], image)


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="keras_dss_tests")
class NumpyHeNormal(keras.initializers.Initializer):
    """He-normal weights drawn by numpy: a JAX random initializer costs a
    compilation per kernel shape, which is all these tests would time."""

    def __call__(self, shape, dtype=None):
        fan_in = int(np.prod(shape[:-1]))
        rng = np.random.default_rng(int(np.prod(shape)))
        weights = rng.normal(scale=np.sqrt(2.0 / fan_in), size=shape)
        return ops.convert_to_tensor(weights, dtype or "float32")

    def get_config(self):
        return {}


numpy_he_normal = NumpyHeNormal()


def scale_space_network(pool_mode):
    """lift -> conv(scale 2) -> BN -> ReLU -> pool -> conv(stride 2) ->
    upsample -> projection -> 1x1 conv. Three scales, so the stride-1 layer
    uses dilations 1, 2 and 4 and the strided one 1 and 2."""
    inputs = keras.Input((16, 16, 2))
    x = ScaleSpaceLift(num_scales=SCALES)(inputs)
    x = ScaleConv2D(6, 3, scale_size=2, kernel_initializer=numpy_he_normal)(x)
    x = keras.layers.BatchNormalization(momentum=0.5)(x)
    x = keras.layers.ReLU()(x)
    x = ScaleMaxPool(mode=pool_mode)(x)  # 8 x 8
    x = ScaleConv2D(
        6, 3, scale_size=2, strides=2, kernel_initializer=numpy_he_normal
    )(x)  # 4 x 4
    x = ScaleUpSample(4)(x)  # 16 x 16
    x = Projection("max")(x)
    outputs = keras.layers.Conv2D(1, 1, kernel_initializer=numpy_he_normal)(x)
    return keras.Model(inputs, outputs)


def _toy_problem(n):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 16, 16, 2)).astype("float32")
    # A target the network can approach: a nonlinear image feature.
    y = np.abs(x[..., :1] - x[..., 1:]).astype("float32")
    return x, y


@pytest.mark.parametrize(
    "pool_mode",
    [
        "max",
        # Compiling the gradient of the quadratic window (25 taps per axis
        # at level 2) takes about a minute with XLA on a small CPU.
        pytest.param("quadratic", marks=pytest.mark.slow),
    ],
)
def test_fit_lowers_loss_and_updates_every_weight(pool_mode, tmp_path):
    keras.utils.set_random_seed(0)
    x, y = _toy_problem(8)
    model = scale_space_network(pool_mode)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")

    trainable = model.trainable_variables
    names = [v.path for v in trainable]
    if pool_mode == "quadratic":
        assert any("coefficient" in n for n in names)
    before = [to_numpy(v) for v in trainable]
    initial = model.evaluate(x, y, batch_size=4, verbose=0)

    history = model.fit(x, y, batch_size=4, epochs=6, shuffle=False, verbose=0)

    losses = history.history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    final = model.evaluate(x, y, batch_size=4, verbose=0)
    assert final < initial
    for name, old, v in zip(names, before, trainable):
        new = to_numpy(v)
        assert np.all(np.isfinite(new)), name
        assert not np.allclose(old, new), f"{name} did not change"

    # The trained network (with its BatchNormalization statistics) survives
    # a round trip through a .keras file.
    path = tmp_path / "network.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5
    )


def small_network():
    inputs = keras.Input((16, 16, 2))
    x = ScaleSpaceLift(num_scales=SCALES)(inputs)
    x = ScaleConv2D(4, 3, scale_size=2, kernel_initializer=numpy_he_normal)(
        x
    )  # dilations 1, 2, 4
    x = ScaleMaxPool(mode="max")(x)  # -inf padding in half precision
    x = ScaleUpSample(2)(x)
    x = Projection("mean")(x)
    outputs = keras.layers.Conv2D(1, 1, kernel_initializer=numpy_he_normal)(x)
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize(
    "policy",
    [
        "mixed_float16",
        # A second XLA compilation of the train step (~10 s with JAX).
        pytest.param("mixed_bfloat16", marks=pytest.mark.slow),
    ],
)
def test_train_steps_under_mixed_precision(policy):
    keras.utils.set_random_seed(0)
    x, y = _toy_problem(4)
    with dtype_policy(policy):
        model = small_network()
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
        trainable = model.trainable_variables
        before = [to_numpy(v) for v in trainable]
        # mixed_float16 wraps Adam in a LossScaleOptimizer whose initial
        # scale 2**15 overflows the float16 gradients: it skips a few steps
        # while halving the scale, then trains.
        losses = [float(model.train_on_batch(x, y)) for _ in range(10)]
        assert np.all(np.isfinite(losses))
        assert losses[-1] < losses[0]
        for v, old in zip(trainable, before):
            assert v.dtype == "float32", v.path
            assert not np.allclose(old, to_numpy(v)), f"{v.path} unchanged"
        out = model(x)
        assert keras.backend.standardize_dtype(out.dtype) == (
            keras.config.dtype_policy().compute_dtype
        )


# --------------------------------------------------------------------------
# BatchNormalization on scale-space tensors
# --------------------------------------------------------------------------


def _scale_space_batch():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, SCALES, 6, 5, 4))
    # Levels and channels with clearly different statistics, so that
    # per-level normalisation would give different numbers.
    x = x * np.array([0.5, 1.0, 2.0, 3.0]) + np.array([1.0, -2.0, 0.0, 4.0])
    x = x + np.arange(SCALES).reshape(1, SCALES, 1, 1, 1) * 1.5
    return x.astype("float32")


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_batch_norm_shares_statistics_over_batch_scales_and_space(momentum):
    x = _scale_space_batch()
    bn = keras.layers.BatchNormalization(axis=-1, momentum=momentum)
    out = to_numpy(bn(x, training=True))

    mean = x.astype("float64").mean(axis=(0, 1, 2, 3))
    var = x.astype("float64").var(axis=(0, 1, 2, 3))
    # moving = momentum * moving + (1 - momentum) * batch, from (0, 1).
    np.testing.assert_allclose(
        to_numpy(bn.moving_mean), (1 - momentum) * mean, rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        to_numpy(bn.moving_variance),
        momentum + (1 - momentum) * var,
        rtol=1e-5,
        atol=1e-5,
    )
    want = (x - mean) / np.sqrt(var + bn.epsilon)
    np.testing.assert_allclose(out, want, atol=1e-4)

    # The data is such that statistics per level would differ.
    per_level = x.mean(axis=(0, 2, 3))
    assert np.max(np.abs(per_level - mean)) > 1.0


# --------------------------------------------------------------------------
# ScaleDropout
# --------------------------------------------------------------------------


def test_scale_dropout_drops_whole_channels_across_scales_and_space():
    rate = 0.5
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, size=(8, SCALES, 4, 4, 32)).astype("float32")
    out = to_numpy(ScaleDropout(rate, seed=7)(x, training=True))
    assert out.shape == x.shape

    kept = 0
    for b in range(x.shape[0]):
        for c in range(x.shape[-1]):
            got = out[b, ..., c]
            if np.all(got == 0):
                continue
            want = x[b, ..., c] / (1 - rate)
            np.testing.assert_allclose(got, want, rtol=1e-6)
            kept += 1
    pairs = x.shape[0] * x.shape[-1]
    # 256 Bernoulli(0.5) draws: [0.35, 0.65] is more than 4.5 sigma wide.
    assert 0.35 * pairs <= kept <= 0.65 * pairs


def test_scale_dropout_is_identity_at_inference():
    x = np.random.default_rng(1).normal(size=(2, SCALES, 4, 4, 8))
    x = x.astype("float32")
    layer = ScaleDropout(0.5, seed=7)
    np.testing.assert_array_equal(to_numpy(layer(x)), x)
    np.testing.assert_array_equal(to_numpy(layer(x, training=False)), x)
    inputs = keras.Input(x.shape[1:])
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_scale_dropout_rate_zero_is_identity_in_training():
    x = np.random.default_rng(2).normal(size=(2, SCALES, 4, 4, 8))
    x = x.astype("float32")
    out = ScaleDropout(0.0)(x, training=True)
    np.testing.assert_array_equal(to_numpy(out), x)


# --------------------------------------------------------------------------
# Delta initializer
# --------------------------------------------------------------------------


def test_delta_by_name_on_scale_conv_kernel():
    layer = ScaleConv2D(8, 3, scale_size=3, kernel_initializer="delta")
    layer.build((None, SCALES, 8, 8, 16))
    assert isinstance(layer.kernel_initializer, Delta)
    kernel = to_numpy(layer.kernel)
    kh, kw = layer.kernel_size
    assert kernel.shape == (kh, kw, 3, 16, 8)
    ch, cw = (kh - 1) // 2, (kw - 1) // 2
    np.testing.assert_array_equal(kernel[ch, cw, 0], np.ones((16, 8)))

    mask = np.ones(kernel.shape, bool)
    mask[ch, cw, 0] = False
    noise = kernel[mask]
    assert np.all(noise != 1.0)
    assert abs(noise.mean()) < 1e-3
    assert 0.9e-2 < noise.std() < 1.1e-2
    # Coarser input levels get noise at the centre too.
    assert np.abs(kernel[ch, cw, 1:]).max() < 0.1


def test_delta_on_plain_conv2d_kernel_with_even_sides():
    # The centre of an even side is (size - 1) // 2, the offset-0 tap.
    layer = keras.layers.Conv2D(8, (4, 2), kernel_initializer="delta")
    layer.build((None, 8, 8, 16))
    kernel = to_numpy(layer.kernel)
    assert kernel.shape == (4, 2, 16, 8)
    np.testing.assert_array_equal(kernel[1, 0], np.ones((16, 8)))
    mask = np.ones(kernel.shape, bool)
    mask[1, 0] = False
    assert np.all(kernel[mask] != 1.0)
    assert 0.9e-2 < kernel[mask].std() < 1.1e-2


def test_delta_config_round_trip():
    init = Delta(stddev=0.05, center=2.0, seed=3)
    config = init.get_config()
    assert config == {"stddev": 0.05, "center": 2.0, "seed": 3}
    clone = Delta.from_config(config)
    assert clone.get_config() == config
    shape = (3, 3, 3, 16, 8)  # as above: no new JAX compilation
    np.testing.assert_array_equal(to_numpy(clone(shape)), to_numpy(init(shape)))

    revived = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert isinstance(revived, Delta)
    assert revived.get_config() == config
    values = to_numpy(revived(shape))
    assert np.all(values[1, 1, 0] == 2.0)

    # A layer that names it by string serializes and revives it.
    layer = ScaleConv2D(4, 3, kernel_initializer="delta")
    clone = ScaleConv2D.from_config(layer.get_config())
    assert isinstance(clone.kernel_initializer, Delta)
    assert clone.get_config() == layer.get_config()


def test_keras_dss_exports():
    for name in (
        "ScaleSpaceLift",
        "ScaleConv2D",
        "ScaleMaxPool",
        "ScaleUpSample",
        "Projection",
        "ScaleDropout",
        "Delta",
    ):
        assert hasattr(keras_dss, name)
