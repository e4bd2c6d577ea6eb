"""Same-run A/B: the SEUNet of `bench_network.py` (depth 4, 16 filters,
128 px, batch 8) with `ScaleConv2D`'s dilated stride-1 convolutions run
polyphase (the `d * d` phases of a level folded into the batch, one
dilation-1 convolution, unfolded; exact when `d` divides both sides) vs
as native dilated convolutions, same weights, interleaved training steps
and forwards. `bench_dilated_conv.py` found polyphase faster per layer on
TensorFlow's CPU kernels in 13 of 15 cases and slower on JAX; this
measures what it is worth in the whole network.

    KERAS_BACKEND=tensorflow python benchmarks/ab_polyphase.py [--quick]
"""

try:
    from benchmarks.ab_seunet import compare_seunets
    from benchmarks.bench_dilated_conv import polyphase
except ImportError:  # run as a script from anywhere
    from ab_seunet import compare_seunets
    from bench_dilated_conv import polyphase

from keras_dss import ScaleConv2D


class PolyphaseScaleConv2D(ScaleConv2D):
    """`ScaleConv2D` running its dilated stride-1 levels polyphase where
    the dilation divides both sides (the native path elsewhere)."""

    def _correlate(self, x, kernel, dilation, strides):
        _, h, w, _ = x.shape
        kh, kw = kernel.shape[0], kernel.shape[1]
        if (strides == 1 and dilation > 1 and kh % 2 == 1 and kw % 2 == 1
                and h is not None and w is not None
                and h % dilation == 0 and w % dilation == 0):
            return polyphase(x, kernel, dilation)
        return super()._correlate(x, kernel, dilation, strides)


def main(argv=None):
    compare_seunets(__doc__.splitlines()[0], PolyphaseScaleConv2D,
                    ScaleConv2D, "ScaleConv2D", ("polyphase", "native"),
                    argv)


if __name__ == "__main__":
    main()
