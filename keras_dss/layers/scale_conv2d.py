"""Scale cross-correlation (DSS eq. 24) on a dyadic scale-space."""

import keras
from keras import ops

from keras_dss.layers import checks
from keras_dss.layers.padding import constant_pad_axes
from keras_dss.layers.polyphase import divides_static_sides
from keras_dss.layers.polyphase import polyphase_conv
from keras_dss.layers.subsample import subsample

SCALE_PADDINGS = ("zero", "replicate")


@keras.saving.register_keras_serializable(package="keras_dss")
class ScaleConv2D(keras.layers.Layer):
    """Scale cross-correlation on a scale-space (DSS eq. 24).

    For output level `k`, channel `o` and position `z`:

        out[k, o](z) = b[o] + sum_i sum_{l < scale_size} sum_y
                       kernel[y, l, i, o] * x[k + l, i](s * z + base**k * y)

    i.e. level `k` correlates the filter dilated by `base**k` with input
    levels `k .. k + scale_size - 1`, sampled with stride `s`. Spatial offsets
    `y` run over `-((kernel - 1) // 2) .. kernel // 2` and positions outside
    the image read zeros ("same" padding). The layer commutes exactly with
    the dyadic action `(R x)_k(z) = x_{k+1}(base * z)` away from the
    scale-axis truncation.

    Strided outputs sample at `z = s * n` (phase 0, the top-left sample is
    kept), the convention shared by every strided layer of `keras_dss`. Level
    `k >= 1` of a strided layer is computed exactly, without discarded
    outputs, as a stride-1 convolution with dilation `base**(k-1)` on the
    input subsampled by `base`.

    Levels past the last one do not exist: `scale_padding="zero"` drops the
    corresponding terms (DSS), `"replicate"` reads the coarsest level in
    their place (SEU-Net).

    Args:
        filters: number of output channels.
        kernel_size: int or pair, spatial size of the filter.
        scale_size: number of input levels each output level reads, between
            1 and the number of scales.
        strides: 1 or `base`.
        padding: `"same"`, the only spatial padding that keeps the levels of
            a scale-space aligned.
        scale_padding: `"zero"` or `"replicate"`.
        base: integer scale factor between levels (dilation of level `k` is
            `base**k`).
        use_bias: whether to add a bias per output channel.
        kernel_initializer: initializer for the kernel, e.g. `"he_normal"`
            or `keras_dss.initializers.Delta()` (the DSS "delta" init, also
            available by the name `"delta"` once `keras_dss` is imported).
        bias_initializer: initializer for the bias.
        kernel_regularizer: optional regularizer for the kernel.
        bias_regularizer: optional regularizer for the bias.
        kernel_constraint: optional constraint for the kernel.
        bias_constraint: optional constraint for the bias.
        **kwargs: base `Layer` arguments.

    Weights:
        `kernel` of shape `(kernel_h, kernel_w, scale_size, in_channels,
        filters)` and `bias` of shape `(filters,)`.

    Input shape:
        5-D tensor `(batch, scales, height, width, channels)`; with
        `strides > 1` the height and width must be multiples of `strides`.

    Output shape:
        5-D tensor `(batch, scales, height // strides, width // strides,
        filters)`.

    Example:

    >>> x = ScaleSpaceLift(num_scales=4)(np.zeros((2, 32, 32, 3)))
    >>> ScaleConv2D(8, 3, scale_size=2, strides=2)(x).shape
    (2, 4, 16, 16, 8)
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        scale_size=1,
        strides=1,
        padding="same",
        scale_padding="zero",
        base=2,
        use_bias=True,
        kernel_initializer="he_normal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = "ScaleConv2D"
        self.filters = checks.check_positive_int(name, "filters", filters)
        self.kernel_size = checks.check_pair(name, "kernel_size", kernel_size)
        self.scale_size = checks.check_positive_int(
            name, "scale_size", scale_size
        )
        self.base = checks.check_integer_base(name, base)
        self.strides = checks.check_positive_int(name, "strides", strides)
        if self.strides not in (1, self.base):
            raise ValueError(
                f"{name}: `strides` must be 1 or base={self.base} (exact "
                f"strided scale-convolution), got {strides!r}."
            )
        self.padding = checks.check_choice(name, "padding", padding, ("same",))
        self.scale_padding = checks.check_choice(
            name, "scale_padding", scale_padding, SCALE_PADDINGS
        )
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.num_scales = None

    def build(self, input_shape):
        name = "ScaleConv2D"
        checks.check_rank(name, input_shape, 5)
        self.num_scales = checks.check_known(name, input_shape, 1, "scales")
        in_channels = checks.check_known(name, input_shape, -1, "channels")
        if self.scale_size > self.num_scales:
            raise ValueError(
                f"{name}: `scale_size` ({self.scale_size}) must not exceed "
                f"the number of scales of the input ({self.num_scales})."
            )
        checks.check_divisible(
            name, input_shape, self.strides, f"strides={self.strides}"
        )
        kh, kw = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(kh, kw, self.scale_size, in_channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    def _level_kernel(self, kernel, available):
        """Kernel for a level that sees `available` existing input levels."""
        kh, kw, ks, cin, cout = kernel.shape
        if available < ks:
            if self.scale_padding == "replicate":
                # The missing levels all read the coarsest level: fold their
                # taps onto it instead of concatenating copies of it.
                tail = ops.sum(kernel[:, :, available - 1 :], axis=2)
                kernel = ops.concatenate(
                    [kernel[:, :, : available - 1], tail[:, :, None]], axis=2
                )
            else:
                kernel = kernel[:, :, :available]
        return ops.reshape(kernel, (kh, kw, available * cin, cout))

    @staticmethod
    def _drop_padding_taps(x, kernel, dilation):
        # A method, so that a subclass (benchmarks/ab_padding_taps.py) can
        # keep every tap.
        return drop_padding_taps(x, kernel, dilation)

    # A class attribute, so that a subclass (benchmarks/ab_subsample.py)
    # can sample by strided slices instead.
    _subsample = staticmethod(subsample)

    @staticmethod
    def _use_polyphase(x, dilation):
        """Whether a dilated stride-1 level runs as `polyphase_conv`: on
        TensorFlow, whose CPU dilated convolutions are slow (SEU-Net
        training step 0.90x, forward 0.87x with polyphase; on torch 1.28x
        and JAX 1.60x, so they keep the native path; measured on CPU only,
        `benchmarks/ab_polyphase.py`), where `dilation` divides both static
        sides. A method, so that the benchmark's subclasses can force
        either path."""
        return (keras.backend.backend() == "tensorflow"
                and divides_static_sides(x, dilation))

    def _correlate(self, x, kernel, dilation, strides):
        """Zero-padded correlation sampling phase 0, offsets as documented."""
        kernel = self._drop_padding_taps(x, kernel, dilation)
        kh, kw = kernel.shape[0], kernel.shape[1]
        if kh == 1 and kw == 1 and strides > 1:
            # Sampling first is exact for 1x1 kernels and skips the discarded
            # outputs. It also avoids oneDNN 3.x's weight gradient of a
            # strided 1x1 convolution on few channels, which corrupts the
            # heap on TensorFlow and PyTorch CPU (free(): invalid size).
            x = self._subsample(x, strides, 1)
            strides = 1
        if strides == 1 and kh % 2 == 1 and kw % 2 == 1:
            if (dilation > 1 and max(kh, kw) > 1
                    and self._use_polyphase(x, dilation)):
                return polyphase_conv(x, kernel, dilation)
            return ops.conv(
                x, kernel, strides=1, padding="same", dilation_rate=dilation
            )
        pads = {
            1: (dilation * ((kh - 1) // 2), dilation * (kh // 2)),
            2: (dilation * ((kw - 1) // 2), dilation * (kw // 2)),
        }
        x = constant_pad_axes(x, pads)
        return ops.conv(
            x, kernel, strides=strides, padding="valid", dilation_rate=dilation
        )

    def _check_input(self, shape):
        """Rank, scale count and stride divisibility of an input shape."""
        checks.check_rank("ScaleConv2D", shape, 5)
        checks.check_scales("ScaleConv2D", self.num_scales, shape)
        checks.check_divisible(
            "ScaleConv2D", shape, self.strides, f"strides={self.strides}"
        )

    def call(self, inputs):
        self._check_input(inputs.shape)
        s = self.num_scales
        strided = self.strides > 1
        # Levels >= 1 of a strided layer read the input subsampled at phase 0.
        # One unstack per source, not a slice per level: the gradient of
        # a slice is a zero-filled input-sized tensor (S of them, summed),
        # that of an unstack a single stack.
        full = ops.unstack(inputs, axis=1)
        sub = (ops.unstack(self._subsample(inputs, self.strides, 2), axis=1)
               if strided else None)
        outputs = []
        for k in range(s):
            available = min(self.scale_size, s - k)
            source = full if (k == 0 or not strided) else sub
            levels = [source[k + i] for i in range(available)]
            x = ops.concatenate(levels, axis=-1) if available > 1 else levels[0]
            kernel = self._level_kernel(self.kernel, available)
            if not strided:
                y = self._correlate(x, kernel, self.base**k, 1)
            elif k == 0:
                y = self._correlate(x, kernel, 1, self.strides)
            else:
                y = self._correlate(x, kernel, self.base ** (k - 1), 1)
            outputs.append(y)
        out = ops.stack(outputs, axis=1)
        if self.use_bias:
            out = out + self.bias
        return out

    def compute_output_shape(self, input_shape):
        # Symbolic calls of a built layer reach this method, not call().
        self._check_input(input_shape)
        b, s, h, w, _ = input_shape
        return (
            b,
            s,
            checks.ceil_div(h, self.strides),
            checks.ceil_div(w, self.strides),
            self.filters,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "scale_size": self.scale_size,
                "strides": self.strides,
                "padding": self.padding,
                "scale_padding": self.scale_padding,
                "base": self.base,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
                "bias_regularizer": keras.regularizers.serialize(
                    self.bias_regularizer
                ),
                "kernel_constraint": keras.constraints.serialize(
                    self.kernel_constraint
                ),
                "bias_constraint": keras.constraints.serialize(
                    self.bias_constraint
                ),
            }
        )
        return config


def drop_padding_taps(x, kernel, dilation):
    """The kernel without the rows or columns that only ever read padding.

    Tap offsets are multiples of `dilation`; on an axis of static length at
    most `dilation` every tap but offset 0 falls outside the image for every
    output position, so it multiplies zeros. Dropping those taps is exact and
    skips work that dilated convolutions on small maps (the coarse levels at
    the bottleneck) pay in full, and more on TensorFlow's CPU kernels.

    Args:
        x: the `(batch, height, width, channels)` input of one level.
        kernel: its `(kh, kw, in, out)` kernel.
        dilation: the level's dilation.
    """
    for axis in (0, 1):
        size, taps = x.shape[axis + 1], kernel.shape[axis]
        if size is not None and taps > 1 and dilation >= size:
            centre = (taps - 1) // 2  # the tap at offset 0
            kernel = (kernel[centre : centre + 1] if axis == 0
                      else kernel[:, centre : centre + 1])
    return kernel
