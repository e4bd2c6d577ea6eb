"""`ScaleSpaceLift` under 16-bit compute dtypes: float32 blurs, one rounding.

Run once per backend. The hang this guards against was torch 2.13's CPU
kernel for bfloat16 depthwise convolutions in channels-last layout, which
never returned for a 1x17 kernel over a (1, 32, 48, 3) image: what the lift
with `num_scales=3` does to a 32 px image.
"""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from keras import ops

from keras_dss import ScaleSpaceLift
from tests.test_keras_contract import dtype_policy


def lift_numpy(image, policy, num_scales):
    with dtype_policy(policy):
        out = ScaleSpaceLift(num_scales=num_scales)(image)
    return out, ops.convert_to_numpy(ops.cast(out, "float32"))


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_blurs_run_in_float32_and_round_once(policy):
    # Integer pixels are exact in float16 and bfloat16, so the float32 lift
    # of the same image, rounded once, is what the 16-bit lift must give.
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (2, 12, 20, 3)).astype("float32")
    _, want32 = lift_numpy(image, "float32", 2)
    out, got = lift_numpy(image, policy, 2)
    compute = keras.mixed_precision.Policy(policy).compute_dtype
    assert keras.backend.standardize_dtype(out.dtype) == compute
    want = ops.convert_to_numpy(ops.cast(ops.cast(want32, compute), "float32"))
    np.testing.assert_array_equal(got, want)


def test_bfloat16_lift_of_a_32px_image_returns():
    # In a subprocess with a time limit, so that a hang fails the test
    # instead of stalling the suite.
    code = textwrap.dedent(
        """
        import numpy as np, keras
        keras.config.set_dtype_policy("mixed_bfloat16")
        from keras_dss import ScaleSpaceLift
        out = ScaleSpaceLift(num_scales=3)(np.ones((1, 32, 32, 3), "float32"))
        assert np.allclose(keras.ops.convert_to_numpy(
            keras.ops.cast(out, "float32")), 1.0)
        print("done")
        """
    )
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True,
            timeout=180, env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the bfloat16 lift of a (1, 32, 32, 3) image hung")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("done")
