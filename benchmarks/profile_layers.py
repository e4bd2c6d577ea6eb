"""Where a network's training step goes: each layer timed alone, per class.

Every layer of the `bench_network.py` SEUNet and UNet (128x128x3, 3
classes, 16 filters, SEUNet 4 scales, batch 8) runs as its own compiled
sub-model on random inputs of the shapes it sees in the network:

- forward: `predict_on_batch`;
- forward+backward: `train_on_batch` (SGD, squared error against zeros).

A trainable per-channel gain in front of every input makes the backward
pass compute the input gradient, as it must inside the network. The gain
and the loss cost something too: the same sub-model without the layer is
timed for every distinct input shape and subtracted from the layer's
times (small layers can come out negative: that is the noise). Layer
times are summed per class; the sums exceed a fused training step (no fusion
across layers, one dispatch per layer), which is timed too for comparison.

    KERAS_BACKEND=tensorflow python benchmarks/profile_layers.py [--quick]
        [--depth 4] [--models seunet unet] [--repeats 3] [--json OUT]
    python benchmarks/profile_layers.py --from-json OUT   # tables again
"""

import argparse
import collections
import json
import statistics

import keras
import numpy as np

try:
    from benchmarks import timing
    from benchmarks.bench_network import FULL
    from benchmarks.bench_network import QUICK
    from benchmarks.bench_network import batch_data
    from benchmarks.bench_network import build
except ImportError:  # run as a script from anywhere
    import timing
    from bench_network import FULL
    from bench_network import QUICK
    from bench_network import batch_data
    from bench_network import build

from keras_dss.flops import count_flops


class Gain(keras.layers.Layer):
    """`x * g` with a trainable per-channel `g` (ones): makes the backward
    pass of a one-layer sub-model compute its input gradient."""

    def build(self, input_shape):
        self.g = self.add_weight(shape=(input_shape[-1],),
                                 initializer="ones", name="g")

    def call(self, x):
        return x * self.g


def input_shapes(layer):
    """The per-example input shapes of a layer's (single) call: a tuple, or
    a list of tuples for a layer with several inputs."""
    if isinstance(layer.input, (list, tuple)):
        return [tuple(t.shape[1:]) for t in layer.input]
    return tuple(layer.input.shape[1:])


def sub_model(layer, shapes):
    """`layer` (or nothing, when `layer` is None) after a `Gain` per input,
    compiled for squared error against zeros."""
    if isinstance(shapes, list):
        inputs = [keras.Input(shape=s) for s in shapes]
        gained = [Gain()(t) for t in inputs]
    else:
        inputs = keras.Input(shape=shapes)
        gained = Gain()(inputs)
    outputs = gained if layer is None else layer(gained)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(1e-6), loss="mse")
    return model


def random_batch(model, batch, rng):
    def draw(tensors, fill):
        arrays = [fill((batch,) + tuple(t.shape[1:])) for t in tensors]
        return arrays if len(arrays) > 1 else arrays[0]

    x = draw(model.inputs,
             lambda shape: rng.standard_normal(shape).astype("float32"))
    y = draw(model.outputs, lambda shape: np.zeros(shape, "float32"))
    return x, y


def medians(model, x, y, repeats, warmup=1):
    """Median seconds of forward and of forward+backward on `(x, y)`."""
    times = timing.interleaved({
        "fwd": lambda: model.predict_on_batch(x),
        "train": lambda: model.train_on_batch(x, y),
    }, repeats, warmup=warmup)
    return {k: statistics.median(v) for k, v in times.items()}


def time_model(model, batch, repeats, rng):
    """`medians` of a sub-model on a random batch."""
    return medians(model, *random_batch(model, batch, rng), repeats)


def profile(name, depth, cfg, repeats, progress=True):
    """Per-layer times of one network; returns `(rows, fused)`."""
    network = build(name, depth, cfg)
    fused = medians(network, *batch_data(cfg, cfg["batch"]), repeats,
                    warmup=2)
    flops = {row.name: row.flops or 0 for row in
             count_flops(network, batch_size=cfg["batch"]).rows}
    layers = [layer for layer in network.layers
              if not isinstance(layer, keras.layers.InputLayer)]
    specs = [(layer, input_shapes(layer)) for layer in layers]
    rng = np.random.default_rng(0)
    rows, overhead = [], {}
    for i, (layer, shapes) in enumerate(specs):
        key = repr(shapes)
        if key not in overhead:
            overhead[key] = time_model(sub_model(None, shapes), cfg["batch"],
                                       repeats, rng)
        t = time_model(sub_model(layer, shapes), cfg["batch"], repeats, rng)
        rows.append(dict(name=layer.name, cls=type(layer).__name__,
                         fwd=t["fwd"], train=t["train"],
                         flops=flops.get(layer.name, 0),
                         overhead_fwd=overhead[key]["fwd"],
                         overhead_train=overhead[key]["train"]))
        if progress:
            print(f"  {name} {i + 1}/{len(specs)} {layer.name}: "
                  f"{t['fwd'] * 1e3:.0f} / {t['train'] * 1e3:.0f} ms",
                  flush=True)
    return rows, fused


def class_table(name, depth, rows, fused):
    """Per-class sums of the layer times less their `(gain + loss)` times,
    as a markdown table under a heading with the totals."""
    by_class = collections.defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    over_fwd = over_train = 0.0
    for r in rows:
        c = by_class[r["cls"]]
        c[0] += 1
        c[1] += r["fwd"] - r["overhead_fwd"]
        c[2] += r["train"] - r["overhead_train"]
        c[3] += r["flops"]
        over_fwd += r["overhead_fwd"]
        over_train += r["overhead_train"]
    sum_fwd = sum(v[1] for v in by_class.values())
    sum_train = sum(v[2] for v in by_class.values())
    out = [
        f"#### {name} depth {depth}: layers fwd {sum_fwd * 1e3:.0f} ms, "
        f"fwd+bwd {sum_train * 1e3:.0f} ms (after subtracting "
        f"{over_fwd * 1e3:.0f} / {over_train * 1e3:.0f} ms of gain + loss); "
        f"fused network fwd {fused['fwd'] * 1e3:.0f} ms, training step "
        f"{fused['train'] * 1e3:.0f} ms"
    ]
    table = []
    for cls, (n, fwd, train, fl) in sorted(
            by_class.items(), key=lambda kv: -kv[1][2]):
        table.append([
            cls, n, round(fwd * 1e3), f"{100 * fwd / sum_fwd:.1f}%",
            round(train * 1e3), f"{100 * train / sum_train:.1f}%",
            f"{train / fwd:.2f}" if fwd > 0 else "-",
            f"{fl / 1e9:.2f}", f"{fl / 1e9 / fwd:.1f}" if fl and fwd > 0
            else "-",
        ])
    out.append(timing.markdown_table(
        ["class", "layers", "fwd ms", "fwd share", "fwd+bwd ms",
         "fwd+bwd share", "fwd+bwd / fwd", "GFLOP (fwd)", "fwd GFLOP/s"],
        table))
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes: a smoke test of the script")
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--models", nargs="+", choices=("seunet", "unet"),
                   default=["seunet", "unet"])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", help="write the per-layer rows here")
    p.add_argument("--from-json", help="print the tables of an earlier "
                   "--json output instead of measuring")
    args = p.parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        print(timing.format_environment(saved["environment"]), "\n")
        for name, result in saved["results"].items():
            print(class_table(name, saved["depth"], result["rows"],
                              result["fused"]), "\n")
        return 0
    cfg = QUICK if args.quick else FULL
    depth = 2 if args.quick else args.depth
    env = timing.environment()
    print(timing.format_environment(env))
    print(f"- {cfg['size']}x{cfg['size']}x3, {cfg['classes']} classes, "
          f"filters {cfg['filters']}, SEUNet {cfg['num_scales']} scales, "
          f"batch {cfg['batch']}; median of {args.repeats} after a warm-up\n")
    results = {}
    for name in args.models:
        rows, fused = profile(name, depth, cfg, args.repeats)
        results[name] = dict(rows=rows, fused=fused)
        print(class_table(name, depth, rows, fused), "\n", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(environment=env, depth=depth,
                           config=cfg, results=results), f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
