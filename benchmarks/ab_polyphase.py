"""Same-run A/B: the SEUNet of `bench_network.py` (depth 4, 16 filters,
128 px, batch 8) with `ScaleConv2D`'s dilated stride-1 convolutions run
polyphase (the `d * d` phases of a level folded into the batch, one
dilation-1 convolution, unfolded; exact when `d` divides both sides) vs
as native dilated convolutions, same weights, interleaved training steps
and forwards. `bench_dilated_conv.py` found polyphase faster per layer on
TensorFlow's CPU kernels in 13 of 15 cases and slower on JAX; this
measures what it is worth in the whole network. `ScaleConv2D` takes the
polyphase path on TensorFlow only (`ScaleConv2D._use_polyphase`); here both
paths are forced, on any backend.

    KERAS_BACKEND=tensorflow python benchmarks/ab_polyphase.py [--quick]
"""

from keras_dss import ScaleConv2D
from keras_dss.layers.polyphase import divides_static_sides

try:
    from benchmarks.ab_seunet import compare_seunets
except ImportError:  # run as a script from anywhere
    from ab_seunet import compare_seunets


class PolyphaseScaleConv2D(ScaleConv2D):
    """`ScaleConv2D` running its dilated stride-1 levels polyphase wherever
    the dilation divides both sides, on every backend."""

    @staticmethod
    def _use_polyphase(x, dilation):
        return divides_static_sides(x, dilation)


class NativeScaleConv2D(ScaleConv2D):
    """`ScaleConv2D` running every level as a native dilated convolution."""

    @staticmethod
    def _use_polyphase(x, dilation):
        return False


def main(argv=None):
    compare_seunets(__doc__.splitlines()[0], PolyphaseScaleConv2D,
                    NativeScaleConv2D, "ScaleConv2D", ("polyphase", "native"),
                    argv)


if __name__ == "__main__":
    main()
