"""SEUNet against the plain UNet of the same widths: speed, FLOPs, memory.

For each `--depth` (4: widths 16-32-64-128 and a 256 bottleneck, the zoo
default; 3: widths 16-32-64 and a 128 bottleneck) both models are built at
128x128x3, 3 classes, 16 filters, SEUNet with 4 scales, and measured at
batch 8:

- training step (`train_on_batch`, sparse CE from logits, AdamW) and
  inference (`predict_on_batch`), images/s, interleaved SEUNet/UNet;
- FLOPs per image (`keras_dss.flops.count_flops`), the FLOP ratio, the time
  ratio and time ratio / FLOP ratio (the target is <= 1.2);
- peak memory of a training process per model: each model trains in its
  own subprocess and reports its peak host RSS (`ru_maxrss`: the whole
  process, interpreter and framework included) and, on a GPU, the peak
  device memory.

`--batch-size N` times both models at batch N instead of 8 (a GPU needs
larger batches to fill). `--dtype-policy P [P ...]` repeats the whole
comparison under each Keras dtype policy (e.g. `float32 mixed_bfloat16`)
in the same process and prints each policy's throughput against the
first's; peak memory is measured under the first policy only.
`--conv-rate` also trains a plain `Conv2D` at the SEU-Net's level shapes
(`benchmarks/conv_rate.py`) and reports which fraction of that rate each
network's training step reaches.

`--remat` also measures the training peak memory at batch 8 and 16 with
and without a `keras.RematScope` around model construction:
`--remat-mode full` (every layer) or `scale_conv` (`mode="list_of_layers"`
naming only the `ScaleConv2D` layers; the UNet has none and shows the
noise of the measurement), or with `keras_dss.rematerialize` (`chains`:
each straight conv-BN-ReLU chain recomputed in the backward pass, both
models).

    KERAS_BACKEND=torch python benchmarks/bench_network.py [--quick]
        [--depth 4 3] [--remat [--remat-mode full|scale_conv|chains]]
        [--no-memory] [--batch-size N] [--dtype-policy P [P ...]]
        [--conv-rate] [--json OUT]
"""

import json
import os
import sys
import time

import keras
import numpy as np

try:
    from benchmarks import conv_rate
    from benchmarks import timing
except ImportError:  # run as a script from anywhere
    import conv_rate
    import timing

from keras_dss.flops import count_flops
from keras_dss.remat import rematerialize
from keras_dss.zoo import SEUNet
from keras_dss.zoo import UNet

FULL = dict(size=128, filters=16, num_scales=4, batch=8, classes=3)
QUICK = dict(size=32, filters=4, num_scales=3, batch=2, classes=3)


def remat_scope(mode, make):
    """The `keras.RematScope` of `--remat-mode` for the model `make()`
    builds. For `scale_conv`, `make()` runs once to learn the names of its
    `ScaleConv2D` layers; `clear_session()` then resets the name counters,
    so the rebuild inside the scope gets the same names."""
    if mode == "full":
        return keras.RematScope(mode="full")
    from keras_dss.layers import ScaleConv2D

    names = [layer.name for layer in make()._flatten_layers()
             if isinstance(layer, ScaleConv2D)]
    keras.backend.clear_session()
    return keras.RematScope(mode="list_of_layers", layer_names=names)


def build(name, depth, cfg, remat=None):
    """A compiled SEUNet or UNet; `remat` (a `--remat-mode`) builds it
    inside a RematScope."""
    shape = (cfg["size"], cfg["size"], 3)
    common = dict(input_shape=shape, num_classes=cfg["classes"],
                  filters=cfg["filters"], depth=depth)

    def make():
        if name == "seunet":
            return SEUNet(num_scales=cfg["num_scales"], **common)
        return UNet(**common)

    if remat == "chains":
        model = rematerialize(make())
    elif remat:
        with remat_scope(remat, make):
            model = make()
    else:
        model = make()
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def batch_data(cfg, batch, seed=0):
    rng = np.random.default_rng(seed)
    size = cfg["size"]
    x = rng.integers(0, 256, (batch, size, size, 3)).astype("float32")
    y = rng.integers(0, cfg["classes"], (batch, size, size)).astype("int32")
    return x, y


def child(args, cfg):
    """Trains one model for two steps; prints its memory as JSON."""
    model = build(args.child, args.depth[0], cfg, remat=args.remat_child)
    if args.remat_child == "chains":
        assert any(type(layer).__name__ == "RematChain"
                   for layer in model.layers)
    if args.remat_child == "scale_conv":
        matched = [layer for layer in model._flatten_layers()
                   if layer._remat_mode
                   and layer.name in layer._remat_mode.layer_names]
        assert bool(matched) == (args.child == "seunet"), len(matched)
    x, y = batch_data(cfg, args.batch or cfg["batch"])
    rss_built = timing.current_rss_bytes()
    timing.reset_device_peak()
    model.train_on_batch(x, y)  # compiles, creates the optimizer state
    start = time.perf_counter()
    model.train_on_batch(x, y)
    step = time.perf_counter() - start
    print(json.dumps({
        "peak_rss": timing.peak_rss_bytes(),
        "rss_after_build": rss_built,
        "device_peak": timing.device_peak_bytes(),
        "step_s": step,
    }))
    return 0


def memory(name, depth, batch, quick, remat=None):
    argv = [os.path.abspath(__file__), "--child", name, "--depth",
            str(depth), "--batch", str(batch),
            "--dtype-policy", keras.config.dtype_policy().name]
    argv += ["--quick"] * quick + ["--remat-child", remat] * bool(remat)
    return timing.run_child(argv)


def mb(n, per=1):
    return "-" if n is None else n / 2**20 / per


def measure_depth(depth, cfg, args, repeats, warmup):
    """Timings, FLOPs and memory of SEUNet vs UNet at one depth."""
    batch = cfg["batch"]
    models = {name: build(name, depth, cfg) for name in ("seunet", "unet")}
    flops = {name: count_flops(m).per_image for name, m in models.items()}
    params = {name: m.count_params() for name, m in models.items()}
    x, y = batch_data(cfg, batch)
    train = timing.interleaved(
        {n: (lambda m=m: m.train_on_batch(x, y)) for n, m in models.items()},
        repeats, warmup)
    infer = timing.interleaved(
        {n: (lambda m=m: m.predict_on_batch(x)) for n, m in models.items()},
        repeats, warmup)
    del models
    mem = {}
    # Memory is measured under the first dtype policy only: each
    # subprocess compiles its model again, and the memory target is set
    # in float32.
    first = keras.config.dtype_policy().name == args.dtype_policy[0]
    if not args.no_memory and first:
        for name in ("seunet", "unet"):
            mem[name] = memory(name, depth, batch, args.quick)
    return {
        "depth": depth,
        "dtype_policy": keras.config.dtype_policy().name,
        "batch": batch,
        "flops_per_image": flops,
        "params": params,
        "train": timing.summarize(train, "seunet", "unet"),
        "infer": timing.summarize(infer, "seunet", "unet"),
        "memory": mem,
    }


def model_rows(r, cfg):
    rows = []
    widths = "-".join(str(cfg["filters"] * 2**i) for i in range(r["depth"]))
    widths += f" +{cfg['filters'] * 2 ** r['depth']}"
    for name, key in (("SEUNet", "seunet"), ("UNet", "unet")):
        side = "candidate" if key == "seunet" else "baseline"
        train_ms = r["train"][f"{side}_ms"]
        infer_ms = r["infer"][f"{side}_ms"]
        m = r["memory"].get(key, {})
        peak = m.get("peak_rss")
        extra = None if peak is None else peak - m["rss_after_build"]
        rows.append([
            name, r["depth"], widths, f"{r['params'][key]:,}",
            r["flops_per_image"][key] / 1e9,
            1000 * cfg["batch"] / train_ms, 1000 * cfg["batch"] / infer_ms,
            mb(peak), mb(peak, cfg["batch"]), mb(extra, cfg["batch"]),
            mb(m.get("device_peak")),
        ])
    return rows


def ratio_row(r):
    f = r["flops_per_image"]["seunet"] / r["flops_per_image"]["unet"]
    t, i = r["train"]["ratio"], r["infer"]["ratio"]
    tm, im = r["train"]["min_ratio"], r["infer"]["min_ratio"]
    return [r["depth"], f, t, i, t / f, i / f, tm / f, im / f]


def last_error_line(text):
    """The most informative line of a child's traceback."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    bold = [ln for ln in lines if "\x1b[1m" in ln]  # Keras' key message
    if bold:
        line = bold[-1]
    else:
        hits = [i for i, ln in enumerate(lines) if "Error" in ln] or [-1]
        line = " ".join(lines[hits[-1]:hits[-1] + 2])
    return line.replace("\x1b[1m", "").replace("\x1b[0m", "")[:240]


def remat_table(depths, cfg, quick, mode):
    if not hasattr(keras, "RematScope"):
        print("\nkeras.RematScope is not available in this Keras version.")
        return []
    batches = (cfg["batch"], 2 * cfg["batch"])
    rows, raw = [], []
    for depth in depths:
        for name in ("seunet", "unet"):
            for remat in (False, True):
                for batch in batches:
                    try:
                        m = memory(name, depth, batch, quick,
                                   mode if remat else None)
                    except RuntimeError as error:
                        # E.g. TF: "The custom_gradient decorator currently
                        # supports keywords arguments only when eager
                        # execution is enabled": a limitation, not a bug
                        # of this script.
                        reason = last_error_line(str(error))
                        raw.append({"model": name, "depth": depth,
                                    "batch": batch, "remat": remat,
                                    "error": reason})
                        rows.append([name, depth, "on" if remat else "off",
                                     batch, "failed", "-", "-", reason])
                        continue
                    raw.append({"model": name, "depth": depth, "batch": batch,
                                "remat": remat, **m})
                    rows.append([name, depth, "on" if remat else "off", batch,
                                 mb(m["peak_rss"]),
                                 mb(m["peak_rss"] - m["rss_after_build"]),
                                 mb(m["device_peak"]), m["step_s"]])
    scope = {
        "full": "`keras.RematScope(mode='full')`",
        "scale_conv": "`keras.RematScope(mode='list_of_layers')` on the "
                      "ScaleConv2D layers",
        "chains": "`keras_dss.rematerialize`: conv-BN-ReLU chains",
    }[mode]
    print(f"\n## Rematerialisation ({scope})\n")
    print(timing.markdown_table(
        ["model", "depth", "remat", "batch", "peak RSS MB",
         "peak - built RSS MB", "device peak MB", "1 step s"], rows))
    return raw


def timed_comparison(cfg, args, repeats, warmup):
    """Measures every `--depth` under the current dtype policy and prints
    the speed and FLOP tables."""
    policy = keras.config.dtype_policy().name
    print(f"\n## dtype policy {policy}, batch {cfg['batch']}\n")
    results = []
    for depth in args.depth:
        results.append(measure_depth(depth, cfg, args, repeats, warmup))
        print(f"  done: depth {depth} ({policy})", file=sys.stderr,
              flush=True)
    rows = [row for r in results for row in model_rows(r, cfg)]
    print(timing.markdown_table(
        ["model", "depth", "widths", "params", "GFLOPs/img", "train img/s",
         "infer img/s", "peak RSS MB", "peak RSS MB/img",
         "(peak - built) MB/img", "device peak MB"], rows))
    print("\nPeak RSS is the whole training process (interpreter and "
          "framework included), one fresh process per model.\n")
    print(timing.markdown_table(
        ["depth", "FLOP ratio", "train time ratio", "infer time ratio",
         "train time/FLOP ratio", "infer time/FLOP ratio",
         "same, minima: train", "same, minima: infer"],
        [ratio_row(r) for r in results]))
    print("\nTarget: time ratio / FLOP ratio <= 1.2. Time ratios are ratios "
          "of medians; the last two columns use the fastest repeats.")
    return results


def train_images_per_s(r, key):
    side = "candidate" if key == "seunet" else "baseline"
    return 1000 * r["batch"] / r["train"][f"{side}_ms"]


def conv_rate_table(results, cfg, repeats, warmup, quick):
    """Times the plain `Conv2D` rate and each network's fraction of it."""
    batch = cfg["batch"] * cfg["num_scales"]
    shapes = conv_rate.QUICK_SHAPES if quick else conv_rate.SHAPES
    rows = conv_rate.plain_conv_rate(batch, repeats, warmup, shapes)
    best = max(row["gflops_per_s"] for row in rows)
    print(f"\n### Plain `Conv2D` training rate (batch {batch})\n")
    print(timing.markdown_table(
        ["side", "channels", "forward GFLOP/step", "step ms",
         "forward GFLOP/s"],
        [[r["side"], r["channels"], r["forward_flops"] / 1e9, r["step_ms"],
          r["gflops_per_s"]] for r in rows]))
    fractions = []
    for r in results:
        for name, key in (("SEUNet", "seunet"), ("UNet", "unet")):
            rate = (r["flops_per_image"][key] * train_images_per_s(r, key)
                    / 1e9)
            fractions.append({"model": name, "depth": r["depth"],
                              "gflops_per_s": rate, "fraction": rate / best})
    print("\nEach network's training step, forward GFLOPs per image times "
          "training images/s, against the fastest plain `Conv2D` above:\n")
    print(timing.markdown_table(
        ["model", "depth", "forward GFLOP/s", "fraction of plain Conv2D"],
        [[f["model"], f["depth"], f["gflops_per_s"], f["fraction"]]
         for f in fractions]))
    return {"batch": batch, "shapes": rows, "best_gflops_per_s": best,
            "networks": fractions}


def policy_table(by_policy):
    """Throughput of every policy against the first one's, same run."""
    first = by_policy[0]
    rows = []
    for entry in by_policy:
        for r, r0 in zip(entry["runs"], first["runs"]):
            for name, key in (("SEUNet", "seunet"), ("UNet", "unet")):
                now = train_images_per_s(r, key)
                rows.append([name, r["depth"], entry["dtype_policy"], now,
                             now / train_images_per_s(r0, key)])
    print(f"\n## Training throughput per dtype policy (against "
          f"{first['dtype_policy']})\n")
    print(timing.markdown_table(
        ["model", "depth", "dtype policy", "train img/s",
         f"speed-up over {first['dtype_policy']}"], rows))


def main(argv=None):
    p = timing.parser(__doc__.splitlines()[0])
    p.add_argument("--depth", type=int, nargs="+", default=[4])
    p.add_argument("--batch-size", type=int, default=None,
                   help="batch of the timed comparison (default 8)")
    p.add_argument("--dtype-policy", nargs="+", default=["float32"],
                   help="Keras dtype policies to compare, e.g. float32 "
                   "mixed_bfloat16")
    p.add_argument("--conv-rate", action="store_true",
                   help="also time a plain Conv2D and report each "
                   "network's fraction of its rate")
    p.add_argument("--remat", action="store_true")
    p.add_argument("--only-remat", action="store_true",
                   help="with --remat: skip the timings and FLOPs")
    p.add_argument("--no-memory", action="store_true",
                   help="skip the per-model memory subprocesses")
    p.add_argument("--child", choices=("seunet", "unet"), help="internal")
    p.add_argument("--batch", type=int, default=None, help="internal")
    p.add_argument("--remat-mode", choices=("full", "scale_conv", "chains"),
                   default="full", help="what --remat rematerialises")
    p.add_argument("--remat-child", choices=("full", "scale_conv", "chains"),
                   default=None, help="internal")
    args = p.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.batch_size is not None:
        if args.batch_size < 1:
            p.error(f"--batch-size must be >= 1, got {args.batch_size}")
        cfg = dict(cfg, batch=args.batch_size)
    if args.quick:
        args.depth = [2]
    if args.child:
        keras.config.set_dtype_policy(args.dtype_policy[0])
        return child(args, cfg)
    repeats = args.repeats or (2 if args.quick else 5)
    warmup = args.warmup or (1 if args.quick else 2)
    env = timing.environment()
    print("# SEUNet vs UNet\n")
    print(timing.format_environment(env))
    print(f"- {cfg['size']}x{cfg['size']}x3, {cfg['classes']} classes, "
          f"filters {cfg['filters']}, SEUNet {cfg['num_scales']} scales, "
          f"batch {cfg['batch']}; repeats {repeats} (median), warm-up "
          f"{warmup}, interleaved")
    by_policy = []
    if not (args.remat and args.only_remat):
        for policy in args.dtype_policy:
            keras.config.set_dtype_policy(policy)
            entry = {"dtype_policy": policy,
                     "runs": timed_comparison(cfg, args, repeats, warmup)}
            if args.conv_rate:
                entry["conv_rate"] = conv_rate_table(
                    entry["runs"], cfg, repeats, warmup, args.quick)
            by_policy.append(entry)
        if len(by_policy) > 1:
            policy_table(by_policy)
    # "runs" keeps the first policy's results where earlier JSON had them.
    raw = {"runs": by_policy[0]["runs"] if by_policy else [],
           "policies": by_policy}
    if args.remat:
        keras.config.set_dtype_policy(args.dtype_policy[0])
        raw["remat"] = remat_table(args.depth, cfg, args.quick,
                                   args.remat_mode)
        raw["remat_mode"] = args.remat_mode
    timing.save_json(args.json, env, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
