"""Same-run A/B: the SEUNet of `bench_network.py` (depth 4, 16 filters,
128 px, batch 8) with `ScaleConv2D` dropping the kernel taps that only read
zero padding (what it does: level 3 at the 8 px bottleneck runs as a 1x1
convolution) vs computing every tap, same weights, interleaved training
steps and forwards.

    KERAS_BACKEND=tensorflow python benchmarks/ab_padding_taps.py [--quick]
"""

try:
    from benchmarks.ab_seunet import compare_seunets
except ImportError:  # run as a script from anywhere
    from ab_seunet import compare_seunets

from keras_dss import ScaleConv2D


class AllTapsScaleConv2D(ScaleConv2D):
    """`ScaleConv2D` computing every tap, also those reading only padding."""

    _drop_padding_taps = staticmethod(lambda x, kernel, dilation: kernel)


def main(argv=None):
    compare_seunets(__doc__.splitlines()[0], ScaleConv2D, AllTapsScaleConv2D,
                    "ScaleConv2D", ("padding taps dropped", "every tap"), argv)


if __name__ == "__main__":
    main()
