"""Where torch's time goes in the plain U-Net's inference: `torch.profiler`
over `predict_on_batch` of `zoo.UNet(num_classes=3, filters=16, depth=4)`
at batch 8, 128 px (the `bench_network.py` baseline), after 5 warm-ups.
Prints the operators by self CPU time.

    python benchmarks/profile_torch_unet.py [--calls 3] [--model unet|seunet]
"""

import argparse
import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
from torch.profiler import ProfilerActivity  # noqa: E402
from torch.profiler import profile  # noqa: E402

from keras_dss import zoo  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--model", choices=("unet", "seunet"),
                        default="unet")
    args = parser.parse_args(argv)
    build = zoo.UNet if args.model == "unet" else zoo.SEUNet
    model = build(num_classes=3, filters=16, depth=4)
    x = np.random.default_rng(0).uniform(0, 255, (8, 128, 128, 3)).astype(
        "float32")
    for _ in range(5):
        model.predict_on_batch(x)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.calls):
            model.predict_on_batch(x)
    print(prof.key_averages().table(sort_by="self_cpu_time_total",
                                    row_limit=12))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
