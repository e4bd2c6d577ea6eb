"""Shared helpers of the benchmark scripts: timing, memory, environment.

Timing interleaves the candidate and its baseline (A B B A A B ...) so that
load from other processes on a shared machine hits both alike; compare
ratios of medians, not absolute times. Every timed callable must block
until its result is ready (`predict_on_batch` and `train_on_batch` return
numpy values, which they do on every backend).
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time


def backend():
    import keras

    return keras.backend.backend()


def interleaved(fns, repeats, warmup=1):
    """Times several callables, interleaving their repeats.

    Args:
        fns: `{name: callable}`; each call must block until done.
        repeats: timed calls per callable.
        warmup: untimed calls per callable first (compilation, caches).

    Returns:
        `{name: [seconds, ...]}`, `repeats` timings each. The order of the
        callables is reversed every round (A B, B A, A B, ...) so that
        neither always runs right after the other.
    """
    names = list(fns)
    for name in names:
        for _ in range(warmup):
            fns[name]()
    times = {name: [] for name in names}
    for i in range(repeats):
        for name in names if i % 2 == 0 else reversed(names):
            start = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - start)
    return times


def median_ms(seconds):
    return 1000.0 * statistics.median(seconds)


def summarize(times, candidate, baseline):
    """Medians (ms) and their ratio for one interleaved measurement.

    The ratio of the minima is returned too: on a shared machine it is the
    better estimate of the unloaded ratio when a few repeats were slowed
    down by other processes.
    """
    a, b = median_ms(times[candidate]), median_ms(times[baseline])
    a_min, b_min = 1000 * min(times[candidate]), 1000 * min(times[baseline])
    return {
        "candidate_ms": a,
        "baseline_ms": b,
        "ratio": a / b if b else float("nan"),
        "min_ratio": a_min / b_min if b_min else float("nan"),
        "candidate_all_ms": [1000 * t for t in times[candidate]],
        "baseline_all_ms": [1000 * t for t in times[baseline]],
    }


def peak_rss_bytes():
    """Peak resident set size of this process so far (whole lifetime).

    Includes the Python interpreter and the framework, so measure each
    network in a fresh process (`run_child`). On Linux this reads `VmHWM`
    from `/proc/self/status`: `ru_maxrss` of a child started with
    `subprocess` also holds the *parent's* peak (the kernel records the
    high-water mark of the memory image replaced by `exec`, which after
    `vfork` is the parent's), so it is useless there.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def current_rss_bytes():
    """Current resident set size (Linux `/proc`; `None` elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def gpu_present():
    """Whether the current Keras backend runs on a GPU."""
    name = backend()
    if name == "torch":
        import torch

        return torch.cuda.is_available()
    if name == "jax":
        import jax

        return jax.devices()[0].platform == "gpu"
    if name == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    return False


def reset_device_peak():
    """Resets the GPU peak-memory counter where the backend allows it."""
    if not gpu_present():
        return
    name = backend()
    if name == "torch":
        import torch

        torch.cuda.reset_peak_memory_stats()
    elif name == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.reset_memory_stats("GPU:0")
    # JAX has no reset: its peak covers the whole process.


def device_peak_bytes():
    """Peak GPU memory in use, or `None` without a GPU."""
    if not gpu_present():
        return None
    name = backend()
    if name == "torch":
        import torch

        return int(torch.cuda.max_memory_allocated())
    if name == "jax":
        import jax

        stats = jax.devices()[0].memory_stats() or {}
        return stats.get("peak_bytes_in_use")
    import tensorflow as tf

    return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])


def device_name():
    name = backend()
    if not gpu_present():
        return f"CPU ({platform.processor() or platform.machine()})"
    if name == "torch":
        import torch

        return torch.cuda.get_device_name(0)
    if name == "jax":
        import jax

        return str(jax.devices()[0].device_kind)
    import tensorflow as tf

    gpu = tf.config.list_physical_devices("GPU")[0]
    return tf.config.experimental.get_device_details(gpu).get(
        "device_name", gpu.name
    )


def environment():
    """Date, machine, CPU count, load, versions, backend and device."""
    import keras

    name = backend()
    module = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}
    try:
        version = __import__(module[name]).__version__
    except (KeyError, ImportError):
        version = "?"
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpu_count": os.cpu_count(),
        "load_average": load,
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": name,
        "backend_version": version,
        "device": device_name(),
    }


def format_environment(env):
    load = env["load_average"]
    load = "n/a" if load is None else " ".join(f"{v:.2f}" for v in load)
    return (
        f"- date: {env['date']}\n"
        f"- machine: {env['machine']}, {env['cpu_count']} CPUs, "
        f"load average {load} (at start)\n"
        f"- python {env['python']}, keras {env['keras']}, backend "
        f"{env['backend']} {env['backend_version']}\n"
        f"- device: {env['device']}"
    )


def markdown_table(headers, rows):
    """A markdown table; floats get 2 or 3 significant decimals."""

    def cell(v):
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return str(v)

    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def parser(description):
    """Argument parser with the options every benchmark script shares."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and repeats, to smoke-test the script")
    p.add_argument("--repeats", type=int, default=None,
                   help="timed calls per measurement (default per script)")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed calls first (default per script)")
    p.add_argument("--json", metavar="OUT", default=None,
                   help="save the environment and raw results to OUT")
    return p


def save_json(path, env, results):
    if path:
        with open(path, "w") as f:
            json.dump({"environment": env, "results": results}, f, indent=1)


def run_child(argv, timeout=900):
    """Runs `python argv...` and returns the JSON printed on its last line.

    Used for peak-memory measurements, which need a fresh process per
    network. Raises `RuntimeError` with the child's stderr on failure.
    """
    proc = subprocess.run(
        [sys.executable] + list(argv),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"child {argv} failed (rc {proc.returncode}):\n"
            f"{proc.stderr[-3000:]}"
        )
    return json.loads(lines[-1])


def compare_models(candidate, baseline, data, repeats, warmup, train=True,
                   loss="mse"):
    """Forward and training-step timings of two Keras models, interleaved.

    Both models are compiled alike (SGD, `loss`, Keras' default
    `jit_compile="auto"`); forward is `predict_on_batch`, training is
    `train_on_batch`.

    Args:
        candidate: the model under test.
        baseline: the model it is compared with.
        data: `{"candidate": (x, y), "baseline": (x, y)}`.
        repeats: timed calls per measurement.
        warmup: untimed calls first.
        train: also time the training step.
        loss: loss of the training step.

    Returns:
        `{"fwd": summary, "train": summary}` (see `summarize`).
    """
    import keras

    models = {"candidate": candidate, "baseline": baseline}
    for model in models.values():
        model.compile(optimizer=keras.optimizers.SGD(1e-3), loss=loss)
    fwd = {
        name: (lambda m=m, x=data[name][0]: m.predict_on_batch(x))
        for name, m in models.items()
    }
    out = {"fwd": summarize(interleaved(fwd, repeats, warmup),
                            "candidate", "baseline")}
    if train:
        steps = {
            name: (lambda m=m, xy=data[name]: m.train_on_batch(*xy))
            for name, m in models.items()
        }
        out["train"] = summarize(interleaved(steps, repeats, warmup),
                                 "candidate", "baseline")
    return out
