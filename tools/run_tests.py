#!/usr/bin/env python
"""Runs the whole test suite: once per Keras backend, then cross-backend.

Usage (from anywhere; the repository root is found from this file)::

    python tools/run_tests.py                       # all three backends
    python tools/run_tests.py --backends jax,torch  # some backends
    python tools/run_tests.py -- -x -k lift         # extra pytest arguments

Each backend gets its own pytest process with `KERAS_BACKEND` set (Keras
fixes its backend at import, so one process cannot test two), running
every test not marked `cross_backend` or `slow`. Then one more process runs
the tests marked `cross_backend`, which start their own per-backend
subprocesses and compare the results; it runs only when at least two
backends are selected, and compares only those. Arguments after `--` go to
every pytest run.

The output of each run is streamed as it comes. At the end a table gives,
per run, the counts parsed from pytest's summary line and the wall time.
The exit status is non-zero if any run failed, had errors, collected no
test, or ended without a summary line that could be read.

Only the standard library is used. `TF_CPP_MIN_LOG_LEVEL=3` is set unless
the environment already sets it.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL_BACKENDS = ("tensorflow", "torch", "jax")
PER_BACKEND_MARKS = "not cross_backend and not slow"
COUNT_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "skipped": "skipped",
    "error": "errors",
    "errors": "errors",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
    "deselected": "deselected",
}
COUNT_RE = re.compile(
    r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)\b"
)
SUMMARY_RE = re.compile(r"\bin \d+(?:\.\d+)?s\b")


def parse_summary(output):
    """Counts from the last pytest summary line of `output`, or None."""
    for line in reversed(output.splitlines()):
        line = line.strip().strip("=").strip()
        if not SUMMARY_RE.search(line):
            continue
        if "no tests ran" in line or COUNT_RE.search(line):
            counts = dict.fromkeys(set(COUNT_WORDS.values()), 0)
            for number, word in COUNT_RE.findall(line):
                counts[COUNT_WORDS[word]] += int(number)
            return counts
    return None


def stream(command, env):
    """Runs `command`, copying its output to ours as it comes; returns
    (exit status, output text)."""
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    chunks = []
    out = sys.stdout.buffer
    try:
        while True:
            chunk = proc.stdout.read1(8192)
            if not chunk:
                break
            chunks.append(chunk)
            out.write(chunk)
            out.flush()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
        raise
    return proc.wait(), b"".join(chunks).decode("utf-8", errors="replace")


class Result:
    def __init__(self, name, returncode, counts, seconds):
        self.name = name
        self.returncode = returncode
        self.counts = counts
        self.seconds = seconds

    @property
    def ran(self):
        if self.counts is None:
            return 0
        keys = ("passed", "failed", "skipped", "errors", "xfailed", "xpassed")
        return sum(self.counts[k] for k in keys)

    @property
    def problem(self):
        """Why this run counts as failed, or None."""
        if self.counts is None:
            return f"no pytest summary line (exit status {self.returncode})"
        if self.counts["failed"]:
            return "tests failed"
        if self.counts["errors"]:
            return "errors"
        if self.ran == 0:
            return "collected no test"
        if self.returncode != 0:
            return f"pytest exit status {self.returncode}"
        return None


def run_pytest(name, pytest_args, env):
    command = [sys.executable, "-m", "pytest"] + pytest_args
    banner = f" {name}: {shlex.join(command[1:])} "
    print(f"\n{banner:=^79}", flush=True)
    start = time.perf_counter()
    returncode, output = stream(command, env)
    seconds = time.perf_counter() - start
    return Result(name, returncode, parse_summary(output), seconds)


def print_table(results):
    columns = ("passed", "failed", "skipped", "errors")
    print("\n" + " summary ".center(79, "="))
    header = f"{'run':<16}" + "".join(f"{c:>9}" for c in columns)
    print(header + f"{'seconds':>10}  status")
    for r in results:
        counts = r.counts or {}
        cells = "".join(f"{counts.get(c, '-'):>9}" for c in columns)
        status = r.problem or "ok"
        print(f"{r.name:<16}{cells}{r.seconds:>10.1f}  {status}")
    totals = {
        c: sum((r.counts or {}).get(c, 0) for r in results) for c in columns
    }
    # A plain closing line, errors counted as failures.
    print(
        f"total: {totals['passed']} passed, "
        f"{totals['failed'] + totals['errors']} failed, "
        f"{totals['skipped']} skipped"
    )


def parse_args(argv):
    if "--" in argv:
        split = argv.index("--")
        argv, extra = argv[:split], argv[split + 1 :]
    else:
        extra = []
    parser = argparse.ArgumentParser(
        description="Run the keras_dss tests on every backend.",
        epilog="Arguments after `--` are passed to every pytest run.",
    )
    parser.add_argument(
        "--backends",
        default=",".join(ALL_BACKENDS),
        help="comma-separated backends to test (default: %(default)s)",
    )
    parser.add_argument(
        "--no-cross-backend",
        action="store_true",
        help="skip the cross-backend run",
    )
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in ALL_BACKENDS]
    if unknown or not backends:
        parser.error(
            f"--backends: expected some of {','.join(ALL_BACKENDS)}, "
            f"got {args.backends!r}"
        )
    args.backends = list(dict.fromkeys(backends))
    args.extra = extra
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    base_env = dict(os.environ)
    base_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    base_env["PYTHONUNBUFFERED"] = "1"
    # The 15 slowest tests of each run, to keep the suite's time in view.
    common = ["-q", "-p", "no:cacheprovider", "--durations=15"]
    results = []
    for backend in args.backends:
        env = dict(base_env, KERAS_BACKEND=backend)
        pytest_args = ["tests", "-m", PER_BACKEND_MARKS] + common + args.extra
        results.append(run_pytest(backend, pytest_args, env))
    if args.no_cross_backend:
        print("\ncross-backend run skipped (--no-cross-backend)")
    elif len(args.backends) < 2:
        print("\ncross-backend run skipped: it needs at least two backends")
    else:
        # The tests start one subprocess per backend themselves; this
        # process only collects, with the first selected backend.
        env = dict(
            base_env,
            KERAS_BACKEND=args.backends[0],
            KERAS_DSS_CROSS_BACKENDS=",".join(args.backends),
        )
        pytest_args = ["tests", "-m", "cross_backend"] + common + args.extra
        results.append(run_pytest("cross-backend", pytest_args, env))
    print_table(results)
    failed = [r.name for r in results if r.problem]
    if failed:
        print(f"FAILED runs: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
