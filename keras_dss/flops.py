"""Floating-point operations of a Keras model's forward pass.

`count_flops(model)` walks a built model layer by layer at a concrete input
size and counts, per layer, the FLOPs of one inference forward pass.

Conventions (what one FLOP is):

- A multiply-accumulate is 2 FLOPs; a bias add, a comparison, an add, a
  multiply or an activation is 1 FLOP per element.
- `Conv1D/2D/3D`: `2 * out_elements * prod(kernel) * in_channels / groups`
  (+ bias); strides and dilation are in the output size; "same" padding
  zeros are counted as read (as every framework computes them).
  `DepthwiseConv*`, `SeparableConv*`, `Conv*Transpose` and `Dense`
  likewise (`Dense` on N-D inputs per position).
- `BatchNormalization`: 2 per element, the inference form `x * a + b` with
  the statistics folded in; training-mode statistics are not counted.
- `MaxPooling*`: `prod(pool) - 1` comparisons per output element;
  `AveragePooling*`: `prod(pool)` (adds and one divide); global pooling: 1
  per input element. `UpSampling*` "nearest": 0 (copies); "bilinear": 6
  per output element (two 1-D lerps of 2 multiplies and 1 add).
- Activations (layers or a layer's `activation`): 1 per element (softmax
  3); `Rescaling`: 1 per element, 2 with an offset; `Add`, `Maximum`, ...:
  `n_inputs - 1` per element, `Average` `n_inputs`.
- Data movement and inference identities cost 0 and say so in the row's
  note: `Reshape`, `Concatenate`, padding, cropping, dropout layers,
  `ScaleDropout`, `InputLayer`, `SideMultipleCheck`.
- `ScaleSpaceLift`: level 0 is free; level `k` applies a separable Gaussian
  of radius `r_k`: `2 * (2 * r_k + 1)` multiply-accumulates per pixel and
  channel (border padding is a copy, not counted).
- `ScaleConv2D`: level `k` reads `available_k = min(scale_size, S - k)`
  input levels, with either `scale_padding` ("replicate" folds the missing
  levels' taps onto the coarsest one):
  `2 * out_h * out_w * filters * kh * kw * available_k * in_channels`,
  plus 1 per output element for the bias.
- `ScaleMaxPool`, counted as implemented (separable: a pass along height
  to `(out_h, W)`, then along width to `(out_h, out_w)`): `"max"`
  `pool_size - 1` comparisons per element of each pass (3 per output
  element for 2x2/2); `"quadratic"` `2 * n_k - 1` per element of each pass
  (`n_k = 6 * base**k + 1` taps, an add and a max each); `"subsample"` 0.
- `ScaleUpSample` as `UpSampling2D`, per level. `Projection`: `S - 1` per
  output element (`"mean"` `S`, `"finest"` 0).

Layers that are none of the above are listed with `flops=None` ("not
counted") and reported in `FlopReport.not_counted`, never silently as 0.
Nested models are counted through their layers. Other layers that hold
sub-layers are traced: their sub-layers are counted, and the container gets
a "not counted" row of its own, since the ops it applies itself (outside its
sub-layers) are invisible to the count.
"""

import dataclasses
import math

import keras

from keras_dss.layers import Projection
from keras_dss.layers import ScaleConv2D
from keras_dss.layers import ScaleDropout
from keras_dss.layers import ScaleMaxPool
from keras_dss.layers import ScaleSpaceLift
from keras_dss.layers import ScaleUpSample

L = keras.layers


@dataclasses.dataclass
class FlopRow:
    """One counted layer call.

    Args:
        name: layer path, nested models joined with "/".
        class_name: the layer's class name.
        output_shape: output shape (batch included) of this call.
        flops: FLOPs of this call, `None` when the layer is not counted.
        note: how the count was obtained, or why it is missing.
    """

    name: str
    class_name: str
    output_shape: tuple
    flops: int | None
    note: str = ""


@dataclasses.dataclass
class FlopReport:
    """The result of `count_flops`.

    Args:
        rows: one `FlopRow` per layer call, in execution order.
        batch_size: images per forward pass the rows were counted for.
    """

    rows: list
    batch_size: int = 1

    @property
    def total(self):
        """FLOPs of one forward pass of `batch_size` images (counted rows)."""
        return sum(r.flops for r in self.rows if r.flops is not None)

    @property
    def per_image(self):
        """`total / batch_size`."""
        return self.total / self.batch_size

    @property
    def not_counted(self):
        """Rows of layers whose cost is unknown to `count_flops`."""
        return [r for r in self.rows if r.flops is None]

    def by_class(self):
        """`{class_name: flops}`, largest first."""
        sums = {}
        for r in self.rows:
            if r.flops is not None:
                sums[r.class_name] = sums.get(r.class_name, 0) + r.flops
        return dict(sorted(sums.items(), key=lambda kv: -kv[1]))

    def format(self, skip_zero=False):
        """A markdown table: layer, class, output shape, FLOPs, share.

        Args:
            skip_zero: leave out rows that cost 0 FLOPs.

        Returns:
            The table as a string, with the total and the layers that were
            not counted below it.
        """
        total = self.total or 1
        lines = [
            "| layer | class | output shape | FLOPs | share |",
            "|---|---|---|---:|---:|",
        ]
        for r in self.rows:
            if skip_zero and r.flops == 0:
                continue
            if r.flops is None:
                flops, share = "not counted", "-"
            else:
                flops, share = f"{r.flops:,}", f"{100 * r.flops / total:.1f}%"
            shape = "x".join(str(d) for d in r.output_shape)
            lines.append(
                f"| {r.name} | {r.class_name} | {shape} | {flops} | {share} |"
            )
        lines.append(
            f"\nTotal: {self.total:,} FLOPs for batch {self.batch_size} "
            f"({self.per_image:,.0f} per image = "
            f"{self.per_image / 1e9:.4g} GFLOPs)."
        )
        missing = self.not_counted
        if missing:
            names = ", ".join(f"{r.name} ({r.class_name})" for r in missing)
            lines.append(f"Not counted: {names}.")
        return "\n".join(lines)


def _n(shape):
    """Number of elements of a concrete shape."""
    return math.prod(int(d) for d in shape)


def _channels_last(layer):
    return getattr(layer, "data_format", "channels_last") != "channels_first"


def _split(layer, shape):
    """(spatial dims, channels) of a batched shape."""
    shape = tuple(shape)
    if _channels_last(layer):
        return shape[1:-1], shape[-1]
    return shape[2:], shape[1]


def _activation(layer, out):
    fn = getattr(layer, "activation", None)
    if fn is None or getattr(fn, "__name__", "") == "linear":
        return 0
    return _n(out)


def _bias(layer, out):
    return _n(out) if getattr(layer, "use_bias", False) else 0


def _conv(layer, ins, out):
    _, cin = _split(layer, ins[0])
    groups = getattr(layer, "groups", 1)
    macs = _n(out) * _n(layer.kernel_size) * cin // groups
    return 2 * macs + _bias(layer, out) + _activation(layer, out), ""


def _conv_transpose(layer, ins, out):
    spatial, cin = _split(layer, ins[0])
    macs = ins[0][0] * _n(spatial) * cin * _n(layer.kernel_size) * layer.filters
    return 2 * macs + _bias(layer, out) + _activation(layer, out), ""


def _depthwise(layer, ins, out):
    macs = _n(out) * _n(layer.kernel_size)
    return 2 * macs + _bias(layer, out) + _activation(layer, out), ""


def _separable(layer, ins, out):
    spatial, _ = _split(layer, out)
    _, cin = _split(layer, ins[0])
    mid = out[0] * _n(spatial) * cin * layer.depth_multiplier
    macs = mid * _n(layer.kernel_size) + mid * layer.filters
    return 2 * macs + _bias(layer, out) + _activation(layer, out), ""


def _dense(layer, ins, out):
    macs = _n(out) * ins[0][-1]
    return 2 * macs + _bias(layer, out) + _activation(layer, out), ""


def _per_output(cost, note=""):
    return lambda layer, ins, out: (cost(layer) * _n(out), note)


def _max_pool(layer):
    return _n(layer.pool_size) - 1


def _upsampling(layer):
    return 6 if getattr(layer, "interpolation", "nearest") == "bilinear" else 0


def _global_pool(layer, ins, out):
    return _n(ins[0]), ""


def _merge(extra):
    return lambda layer, ins, out: ((len(ins) - 1 + extra) * _n(out), "")


def _rescaling(layer, ins, out):
    offset = getattr(layer, "offset", 0.0)
    has_offset = not (isinstance(offset, (int, float)) and offset == 0)
    return (2 if has_offset else 1) * _n(out), ""


def _free(note):
    return lambda layer, ins, out: (0, note)


def _lift(layer, ins, out):
    b, h, w, c = ins[0]
    taps = sum(2 * len(g) for g in layer.kernels_1d[1:])  # 2 * (2r + 1)
    return 2 * taps * b * h * w * c, "separable Gaussian, level 0 free"


def _scale_conv(layer, ins, out):
    b, s, oh, ow, f = out
    cin = ins[0][-1]
    kh, kw = layer.kernel_size
    levels = sum(min(layer.scale_size, s - k) for k in range(s))
    macs = b * oh * ow * f * kh * kw * cin * levels
    return 2 * macs + _bias(layer, out), f"{levels} level reads"


def _scale_pool(layer, ins, out):
    if layer.mode == "subsample":
        return 0, "slicing"
    b, s, oh, ow, c = out
    w = ins[0][3]
    passes = b * c * (oh * w + oh * ow)
    flops = 0
    for k in range(s):
        if layer.mode == "max":
            flops += (layer.pool_size - 1) * passes
        else:
            taps = 6 * layer.base**k + 1
            flops += (2 * taps - 1) * passes
    return flops, f"mode {layer.mode}, separable"


def _scale_up(layer, ins, out):
    per = 6 if layer.interpolation == "bilinear" else 0
    return per * _n(out), layer.interpolation


def _projection(layer, ins, out):
    s = ins[0][1]
    per = {"finest": 0, "mean": s}.get(layer.mode, s - 1)
    return per * _n(out), f"mode {layer.mode}"


def _rules():
    """`(classes, counter)` pairs, checked in order with `isinstance`."""
    from keras_dss.zoo.pixels import SideMultipleCheck

    return [
        ((ScaleConv2D,), _scale_conv),
        ((ScaleSpaceLift,), _lift),
        ((ScaleMaxPool,), _scale_pool),
        ((ScaleUpSample,), _scale_up),
        ((Projection,), _projection),
        ((ScaleDropout,), _free("identity at inference")),
        ((SideMultipleCheck,), _free("shape check")),
        ((L.Conv1D, L.Conv2D, L.Conv3D), _conv),
        ((L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose),
         _conv_transpose),
        ((L.DepthwiseConv1D, L.DepthwiseConv2D), _depthwise),
        ((L.SeparableConv1D, L.SeparableConv2D), _separable),
        ((L.Dense,), _dense),
        ((L.BatchNormalization,),
         _per_output(lambda _: 2, "inference form x*a+b")),
        ((L.MaxPooling1D, L.MaxPooling2D, L.MaxPooling3D),
         _per_output(_max_pool, "comparisons")),
        ((L.AveragePooling1D, L.AveragePooling2D, L.AveragePooling3D),
         _per_output(lambda layer: _n(layer.pool_size))),
        ((L.GlobalMaxPooling1D, L.GlobalMaxPooling2D, L.GlobalMaxPooling3D,
          L.GlobalAveragePooling1D, L.GlobalAveragePooling2D,
          L.GlobalAveragePooling3D), _global_pool),
        ((L.UpSampling1D, L.UpSampling2D, L.UpSampling3D),
         _per_output(_upsampling)),
        ((L.Softmax,), _per_output(lambda _: 3)),
        ((L.ReLU, L.LeakyReLU, L.ELU, L.Activation),
         lambda layer, ins, out: (_activation(layer, out)
                                  if isinstance(layer, L.Activation)
                                  else _n(out), "")),
        ((L.Rescaling,), _rescaling),
        ((L.Add, L.Subtract, L.Multiply, L.Maximum, L.Minimum), _merge(0)),
        ((L.Average,), _merge(1)),
        ((L.InputLayer, L.Reshape, L.Flatten, L.Permute, L.RepeatVector,
          L.Concatenate, L.Identity, L.Cropping1D, L.Cropping2D,
          L.Cropping3D, L.ZeroPadding1D, L.ZeroPadding2D, L.ZeroPadding3D),
         _free("data movement")),
        ((L.Dropout, L.SpatialDropout1D, L.SpatialDropout2D,
          L.SpatialDropout3D, L.GaussianNoise, L.GaussianDropout,
          L.AlphaDropout, L.ActivityRegularization),
         _free("identity at inference")),
    ]


class _Counter:
    """Walks a model and collects `FlopRow`s."""

    def __init__(self):
        self.rules = _rules()
        self.rows = []

    def visit(self, op, args, kwargs, prefix):
        """Symbolically applies `op` to `args`, counting it; returns outputs."""
        path = f"{prefix}{op.name}"
        if _is_functional(op):
            return self.functional(op, tree_flatten(args[0]), path + "/")
        if isinstance(op, keras.Sequential):
            return self.sequential(op, args[0], path + "/")
        if self.rule(op) is None and _sublayers(op):
            return self.traced(op, args, kwargs, path + "/")
        out = op.compute_output_spec(*args, **kwargs)
        self.count(op, path, [_shape(a) for a in tree_flatten(args)],
                   _shape(tree_flatten(out)[0]))
        return out

    def rule(self, op):
        for classes, counter in self.rules:
            if isinstance(op, classes):
                return counter
        return None

    def count(self, op, path, ins, out):
        counter = self.rule(op)
        kind = type(op).__name__
        if counter is None:
            has = "has weights" if getattr(op, "weights", None) else "no rule"
            self.rows.append(FlopRow(path, kind, out, None, has))
            return
        flops, note = counter(op, ins, out)
        self.rows.append(FlopRow(path, kind, out, int(flops), note))

    def functional(self, model, inputs, prefix):
        def operation_fn(op):
            return lambda *a, **k: self.visit(op, a, k, prefix)

        out = model._run_through_graph(inputs, operation_fn=operation_fn)
        return out[0] if isinstance(out, (list, tuple)) and len(out) == 1 \
            else out

    def sequential(self, model, x, prefix):
        for layer in model.layers:
            x = self.visit(layer, (x,), {}, prefix)
        return x

    def traced(self, layer, args, kwargs, prefix):
        """Counts a layer holding sub-layers by tracing its `call`.

        Every nested layer's `call` is wrapped (on the instance) to record
        the shapes it sees while the backend traces `layer.call`; leaves
        are counted, containers are transparent.
        """
        records = []
        nested = layer._flatten_layers(include_self=False, recursive=True)
        saved = {}
        for sub in nested:
            saved[id(sub)] = sub.__dict__.get("call")
            original = sub.call

            def wrapped(*a, _sub=sub, _call=original, **k):
                out = _call(*a, **k)
                records.append((_sub, a, out))
                return out

            object.__setattr__(sub, "call", wrapped)
        try:
            out = layer.compute_output_spec(*args, **kwargs)
        finally:
            for sub in nested:
                if saved[id(sub)] is None:
                    object.__delattr__(sub, "call")
                else:
                    object.__setattr__(sub, "call", saved[id(sub)])
        leaves = [r for r in records if not _sublayers(r[0])]
        # The container's own ops (outside its sub-layers) are invisible.
        self.rows.append(FlopRow(
            prefix.rstrip("/"), type(layer).__name__,
            _shape(tree_flatten(out)[0]), None,
            "own ops not counted; sub-layers listed below" if leaves
            else "not traceable",
        ))
        for sub, a, o in leaves:
            self.count(sub, prefix + sub.name,
                       [_shape(x) for x in tree_flatten(a) if _is_tensor(x)],
                       _shape(tree_flatten(o)[0]))
        return out


def tree_flatten(x):
    return keras.tree.flatten(x)


def _is_tensor(x):
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _shape(x):
    return tuple(None if d is None else int(d) for d in tuple(x.shape))


def _is_functional(op):
    return isinstance(op, keras.Model) and hasattr(op, "_nodes_by_depth") \
        and not isinstance(op, keras.Sequential)


def _sublayers(op):
    if not isinstance(op, keras.layers.Layer):
        return []
    return op._flatten_layers(include_self=False, recursive=False)


def _input_specs(model, input_shape, batch_size):
    """Concrete `KerasTensor`s for the model's inputs."""
    try:
        model_inputs = model.inputs
    except (AttributeError, ValueError):
        model_inputs = None
    if not model_inputs:
        # A subclassed model: its input shape must be given.
        if input_shape is None:
            raise ValueError(
                "count_flops: the model has no symbolic inputs (a subclassed "
                "model?); pass `input_shape=(H, W, C)`."
            )
        shape = tuple(input_shape)
        several = bool(shape) and isinstance(shape[0], (list, tuple))
        model_inputs = [
            keras.KerasTensor((None,) + tuple(s))
            for s in (shape if several else [shape])
        ]
    if input_shape is None:
        shapes = [tuple(x.shape[1:]) for x in model_inputs]
    elif len(model_inputs) == 1 and not isinstance(input_shape[0], (list,
                                                                     tuple)):
        shapes = [tuple(input_shape)]
    else:
        shapes = [tuple(s) for s in input_shape]
    if len(shapes) != len(model_inputs):
        raise ValueError(
            f"count_flops: the model has {len(model_inputs)} inputs, got "
            f"{len(shapes)} input shapes."
        )
    specs = []
    for shape, ref in zip(shapes, model_inputs):
        if any(d is None for d in shape) or len(shape) != len(ref.shape) - 1:
            raise ValueError(
                f"count_flops: need a concrete per-image input shape of rank "
                f"{len(ref.shape) - 1} (model input {tuple(ref.shape)}); pass "
                f"`input_shape=(H, W, C)`, got {shape}."
            )
        specs.append(keras.KerasTensor((batch_size,) + shape, ref.dtype))
    return specs


def count_flops(model, input_shape=None, batch_size=1):
    """Counts the FLOPs of one inference forward pass of a Keras model.

    See the module docstring for what each layer type costs.

    Args:
        model: a built Functional or Sequential `keras.Model` (nested models
            and layers with sub-layers are counted through their parts).
        input_shape: per-image input shape such as `(H, W, C)` (a list of
            them for several inputs); needed when the model's input has
            `None` sides, else the model's own input shape is used.
        batch_size: images per forward pass; `FlopReport.total` is for the
            whole batch and `FlopReport.per_image` divides by it.

    Returns:
        A `FlopReport`.

    Example:

    >>> model = keras.Sequential([keras.Input((8, 8, 3)),
    ...                           keras.layers.Conv2D(4, 3, padding="same")])
    >>> count_flops(model).total  # 2*8*8*4*3*3*3 + 8*8*4 bias
    14080
    """
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"count_flops: `batch_size` must be >= 1, got "
                         f"{batch_size}.")
    if not isinstance(model, keras.Model):
        raise ValueError(
            f"count_flops: expected a keras.Model, got {type(model).__name__}."
        )
    specs = _input_specs(model, input_shape, batch_size)
    counter = _Counter()
    if _is_functional(model):
        counter.functional(model, specs, "")
    elif isinstance(model, keras.Sequential):
        counter.sequential(model, specs[0], "")
    else:
        counter.traced(model, (specs[0] if len(specs) == 1 else specs,), {},
                       f"{model.name}/")
    return FlopReport(counter.rows, batch_size)
