#!/usr/bin/env bash
# The GPU measurements of the performance issue in one call of the lent
# machine (the `device` tool), about 8 minutes: SEUNet vs UNet at 128 px,
# batch 32, float32 and mixed_bfloat16 in the same run, with the plain
# Conv2D rate, on torch and JAX (the machine has no TensorFlow), then
# `ScaleConv2D` against its ideal on torch.
#
# Prepare here, once per checkout (downloads the Python 3.12 wheels of
# keras and the two dependencies the machine lacks into .whl/, which git
# ignores through .git/info/exclude):
#   bash benchmarks/gpu_suite.sh --fetch-wheels
# Run there (device tool): command "bash benchmarks/gpu_suite.sh",
# carry [".whl"], timeout_s 590. What it writes under $OUT comes back:
# env.txt, net_<backend>.md/.json, scale_conv_torch.md, log.txt (at most
# the tool's 8 files).
# Smoke test on any machine: QUICK=1 OUT=/tmp/gpu_out bash benchmarks/gpu_suite.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KERAS_VERSION="3.15.1"
WHEELS="keras==${KERAS_VERSION} namex==0.1.0 optree==0.20.0"

if [[ "${1:-}" == "--fetch-wheels" ]]; then
    mkdir -p .git/info && touch .git/info/exclude
    grep -qx "/.whl/" .git/info/exclude || echo "/.whl/" >> .git/info/exclude
    # shellcheck disable=SC2086
    python3 -m pip download -q --no-deps --only-binary=:all: \
        --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d .whl $WHEELS
    ls -l .whl
    exit $?
fi

OUT="${OUT:-gpu_out}"
mkdir -p "$OUT"
LOG="$OUT/log.txt"
export PYTHONUNBUFFERED=1
# JAX would otherwise take 75% of the GPU at start, and the memory
# subprocesses of bench_network.py would run out of it.
export XLA_PYTHON_CLIENT_PREALLOCATE=false
if [[ -d .whl ]]; then
    python3 -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target /tmp/site .whl/*.whl >>"$LOG" 2>&1 \
        || { echo "wheel install failed" | tee -a "$LOG"; exit 1; }
    export PYTHONPATH="/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi

QUICK_ARGS=()
[[ -n "${QUICK:-}" ]] && QUICK_ARGS=(--quick)

{
    date -u
    nvidia-smi 2>&1 || echo "nvidia-smi: not available"
    python3 -c "import sys, keras; print('python', sys.version.split()[0], 'keras', keras.__version__)"
    python3 -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())" 2>&1
    python3 -c "import jax; print('jax', jax.__version__, jax.devices())" 2>&1
} >"$OUT/env.txt" 2>&1

step() {  # step SECONDS NAME BACKEND SCRIPT ARGS...
    local seconds=$1 name=$2 backend=$3
    shift 3
    echo "== $(date -u +%T) $name ($backend, at most ${seconds}s)" | tee -a "$LOG"
    KERAS_BACKEND=$backend timeout "$seconds" python3 "$@" \
        >"$OUT/$name.md" 2>>"$LOG"
    echo "   rc $? at $(date -u +%T)" | tee -a "$LOG"
}

NET=(benchmarks/bench_network.py --depth 4 --batch-size 32
     --dtype-policy float32 mixed_bfloat16 --conv-rate --warmup 3
     --repeats 7 "${QUICK_ARGS[@]}")
step 200 net_torch torch "${NET[@]}" --json "$OUT/net_torch.json"
step 240 net_jax jax "${NET[@]}" --json "$OUT/net_jax.json"
step 90 scale_conv_torch torch benchmarks/bench_scale_conv.py "${QUICK_ARGS[@]}"
echo "done $(date -u +%T)" | tee -a "$LOG"
