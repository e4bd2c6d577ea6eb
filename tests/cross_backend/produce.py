"""Produces the outputs that `tests/test_cross_backend.py` compares.

Run once per backend, each in its own process (a process never imports two
Keras backends)::

    KERAS_BACKEND=jax python tests/cross_backend/produce.py --out DIR

writes

- `DIR/outputs.npz`: the float32 output of every layer configuration below,
  keyed `"<category>.<case>"` (categories: lift, conv, pool, upsample,
  projection, net), all computed from numpy-seeded inputs and weights set
  with `set_weights` from numpy arrays, so every backend sees the same
  numbers;
- `DIR/net.weights.h5`: the stacked network's weights (`save_weights`),
  and the same weights as numpy arrays in `DIR/net_weights.npz`;
- `DIR/meta.json`: the backend and the library versions.

With `--load-weights-from DIR2 [DIR3 ...]` the script instead builds the same
network with different initial weights, loads each `DIRn/net.weights.h5`
written by another backend, and writes `DIR/loaded_from_<backend>.npz` with
the network output after loading (`"output"`), the output before loading
(`"output_before_load"`, to show that loading changed something) and the
loaded weights (`"weight.<i>"`).
"""

import argparse
import json
import os
import sys
import zlib

import numpy as np

SEED = 20240501
NET_SEED = 7
OTHER_NET_SEED = 1234
BATCH = 2


def _backend():
    import keras

    return keras.backend.backend()


def _numpy(x):
    from keras import ops

    return np.asarray(ops.convert_to_numpy(x), dtype=np.float32)


def _rng(*key):
    """A numpy generator seeded by `SEED` and a case key."""
    return np.random.default_rng(
        [SEED] + [zlib.crc32(str(k).encode()) for k in key]
    )


def _uniform(rng, shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def _set_random_weights(layer, rng):
    """Sets every weight of `layer` from `rng`; returns the arrays."""
    arrays = []
    for w in layer.weights:
        shape = tuple(w.shape)
        name = w.path if hasattr(w, "path") else w.name
        if "moving_variance" in name:
            value = rng.uniform(0.5, 1.5, size=shape)
        elif "gamma" in name:
            value = rng.uniform(0.5, 1.5, size=shape)
        elif "coefficient" in name:
            # Spans both clip bounds [1/9, 1] of the quadratic pooling.
            value = np.linspace(0.05, 1.3, int(np.prod(shape))).reshape(shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            value = rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=shape)
        arrays.append(value.astype(np.float32))
    layer.set_weights(arrays)
    return arrays


def _evaluate(x, layers, weights_key=None):
    """Runs `{name: layer}` on `x` through one compiled multi-output model.

    `predict_on_batch` compiles the graph (XLA on jax, `tf.function` on
    TensorFlow), which is much faster on jax than running the pooling's many
    small slices eagerly; the stacked network below is also run eagerly. If
    `weights_key` is given, every layer's weights are set from numpy.
    """
    import keras

    inputs = keras.Input(x.shape[1:], batch_size=x.shape[0])
    outputs = {name: layer(inputs) for name, layer in layers.items()}
    if weights_key is not None:
        for name, layer in layers.items():
            if layer.weights:
                _set_random_weights(layer, _rng(weights_key, name))
    model = keras.Model(inputs, outputs)
    result = model.predict_on_batch(x)
    return {name: _numpy(result[name]) for name in layers}


def lift_outputs():
    from keras_dss import ScaleSpaceLift

    x = _uniform(_rng("lift"), (BATCH, 40, 40, 3), 0.0, 1.0)
    layers = {
        f"lift.{border}": ScaleSpaceLift(num_scales=4, border=border)
        for border in ("reflect", "zeros")
    }
    return _evaluate(x, layers)


CONV_CASES = [
    dict(kernel_size=k, scale_size=ss, strides=st, scale_padding=sp)
    for k in (3, 5)
    for ss in (1, 2)
    for st in (1, 2)
    for sp in ("zero", "replicate")
] + [
    # Even and non-square kernels take the explicit-padding path.
    dict(kernel_size=(2, 4), scale_size=3, strides=1, scale_padding="zero"),
    dict(
        kernel_size=(4, 3), scale_size=2, strides=2, scale_padding="replicate"
    ),
]


def _conv_name(case):
    k = case["kernel_size"]
    k = f"{k}" if isinstance(k, int) else f"{k[0]}x{k[1]}"
    return (
        f"conv.k{k}_ss{case['scale_size']}_s{case['strides']}_"
        f"{case['scale_padding']}"
    )


def conv_outputs():
    from keras_dss import ScaleConv2D

    x = _uniform(_rng("conv"), (BATCH, 4, 24, 24, 3))
    # Zero initializers: the weights are overwritten anyway, and jax would
    # compile its random initializer once per kernel shape.
    layers = {
        _conv_name(case): ScaleConv2D(4, kernel_initializer="zeros", **case)
        for case in CONV_CASES
    }
    return _evaluate(x, layers, weights_key="conv")


def pool_outputs():
    from keras_dss import ScaleMaxPool

    x = _uniform(_rng("pool"), (BATCH, 4, 16, 16, 5))
    layers = {
        f"pool.{mode}": ScaleMaxPool(mode=mode)
        for mode in ("max", "quadratic", "subsample")
    }
    return _evaluate(x, layers, weights_key="pool")


def upsample_outputs():
    from keras_dss import ScaleUpSample

    x = _uniform(_rng("upsample"), (BATCH, 4, 6, 7, 3))
    layers = {
        f"upsample.{mode}": ScaleUpSample(2, interpolation=mode)
        for mode in ("bilinear", "nearest")
    }
    return _evaluate(x, layers)


def projection_outputs():
    from keras_dss import Projection

    x = _uniform(_rng("projection"), (BATCH, 4, 12, 12, 3))
    layers = {
        f"projection.{mode}": Projection(mode) for mode in ("max", "mean")
    }
    return _evaluate(x, layers)


def build_net(seed):
    """The stacked network, every weight drawn from numpy seed `seed`.

    Layers carry explicit names so that the weights file's layout does not
    depend on what else the process built before.
    """
    import keras

    from keras_dss import (
        Projection,
        ScaleConv2D,
        ScaleMaxPool,
        ScaleSpaceLift,
        ScaleUpSample,
    )

    inputs = keras.Input((32, 32, 3), name="image")
    x = ScaleSpaceLift(num_scales=4, name="lift")(inputs)
    zeros = "zeros"  # overwritten below; cheaper than random init on jax
    x = ScaleConv2D(
        6, 3, scale_size=2, kernel_initializer=zeros, name="conv1"
    )(x)
    x = keras.layers.BatchNormalization(axis=-1, name="bn")(x)
    x = keras.layers.ReLU(name="relu")(x)
    x = ScaleMaxPool(name="pool")(x)
    x = ScaleConv2D(8, 3, strides=2, kernel_initializer=zeros, name="conv2")(
        x
    )
    x = ScaleUpSample(2, name="up")(x)
    x = Projection("max", name="proj")(x)
    outputs = keras.layers.Conv2D(
        2, 1, kernel_initializer=zeros, name="head"
    )(x)
    model = keras.Model(inputs, outputs, name="cross_backend_net")
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.weights:
            _set_random_weights(layer, rng)
    return model


def net_input():
    return _uniform(_rng("net"), (BATCH, 32, 32, 3), 0.0, 1.0)


def net_outputs(model, out_dir):
    """Network outputs; saves the weights before anything can change them.

    A `training=True` call updates the batch-norm moving statistics, so it
    runs last, after the weights (the ones `net.inference` and `net.predict`
    used) are written to `net.weights.h5` and `net_weights.npz`.
    """
    x = net_input()
    out = {
        "net.inference": _numpy(model(x, training=False)),
        "net.predict": _numpy(model.predict(x, batch_size=BATCH, verbose=0)),
    }
    model.save_weights(os.path.join(out_dir, "net.weights.h5"))
    np.savez(
        os.path.join(out_dir, "net_weights.npz"),
        **{
            f"weight.{i}": np.asarray(w, dtype=np.float32)
            for i, w in enumerate(model.get_weights())
        },
    )
    out["net.training"] = _numpy(model(x, training=True))
    return out


def write_meta(out_dir):
    import keras

    import importlib

    backend = _backend()
    lib = importlib.import_module(backend)  # tensorflow, torch or jax
    meta = {
        "backend": backend,
        "keras": keras.__version__,
        "backend_version": getattr(lib, "__version__", "?"),
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


def produce(out_dir):
    outputs = {}
    for part in (
        lift_outputs,
        conv_outputs,
        pool_outputs,
        upsample_outputs,
        projection_outputs,
    ):
        outputs.update(part())
    model = build_net(NET_SEED)
    outputs.update(net_outputs(model, out_dir))
    for key, value in outputs.items():
        if not np.all(np.isfinite(value)):
            raise SystemExit(f"produce.py: output {key} is not finite")
    np.savez(os.path.join(out_dir, "outputs.npz"), **outputs)
    write_meta(out_dir)


def load_from(out_dir, source_dir):
    with open(os.path.join(source_dir, "meta.json")) as f:
        source = json.load(f)["backend"]
    model = build_net(OTHER_NET_SEED)
    x = net_input()
    before = _numpy(model(x, training=False))
    model.load_weights(os.path.join(source_dir, "net.weights.h5"))
    after = _numpy(model(x, training=False))
    arrays = {"output": after, "output_before_load": before}
    for i, w in enumerate(model.get_weights()):
        arrays[f"weight.{i}"] = np.asarray(w, dtype=np.float32)
    np.savez(os.path.join(out_dir, f"loaded_from_{source}.npz"), **arrays)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument(
        "--load-weights-from",
        nargs="+",
        default=[],
        metavar="DIR",
        help="directories written by other backends; only loads their "
        "weights instead of producing outputs.npz",
    )
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if _backend() == "tensorflow":
        import tensorflow as tf

        # predict_on_batch on several small models warns about retracing.
        tf.get_logger().setLevel("ERROR")
    if args.load_weights_from:
        for source_dir in args.load_weights_from:
            load_from(args.out, source_dir)
    else:
        produce(args.out)
    print(f"produce.py [{_backend()}]: wrote {sorted(os.listdir(args.out))}")


if __name__ == "__main__":
    main()
