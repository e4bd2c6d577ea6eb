"""Same-run A/B: the SEUNet of `bench_network.py` (depth 4, 16 filters,
128 px, batch 8) with `ScaleMaxPool` reading its levels by one unstack
(what it does) vs one slice per level (`bench_layers.SlicedScaleMaxPool`),
same weights, interleaved training steps and forwards.

    KERAS_BACKEND=tensorflow python benchmarks/ab_pool_levels.py [--quick]
"""

try:
    from benchmarks.ab_seunet import compare_seunets
    from benchmarks.bench_layers import SlicedScaleMaxPool
except ImportError:  # run as a script from anywhere
    from ab_seunet import compare_seunets
    from bench_layers import SlicedScaleMaxPool

from keras_dss import ScaleMaxPool


def main(argv=None):
    compare_seunets(__doc__.splitlines()[0], ScaleMaxPool,
                    SlicedScaleMaxPool, "ScaleMaxPool",
                    ("unstack", "slices"), argv)


if __name__ == "__main__":
    main()
