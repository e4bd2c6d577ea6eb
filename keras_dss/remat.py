"""Rematerialisation: trade compute for training memory.

`keras.RematScope(mode="full")` wraps each layer's call on its own, which
saves nothing in a conv -> batch norm -> ReLU network (every layer's output
is the next layer's saved input) and, with Keras 3.15, fails on TensorFlow
in a compiled train step and on JAX for batch normalisation. `rematerialize`
instead runs each straight chain of convolutions, batch normalisations and
activations as one `keras.remat` function: the backward pass keeps only the
chain's input and recomputes the rest, and batch-norm statistics leave the
function as outputs, so the moving averages are updated outside it (never
twice, and without a traced `training` flag). It saves memory on
TensorFlow and PyTorch; XLA's CPU compiler undoes it on JAX (BENCHMARKS.md).
"""

import collections

import keras
from keras import ops

from keras_dss.layers import ScaleConv2D

_CONVOLUTIONS = (ScaleConv2D, keras.layers.Conv2D)
_ELEMENTWISE = (keras.layers.ReLU, keras.layers.Activation)


@keras.saving.register_keras_serializable(package="keras_dss")
class RematChain(keras.layers.Layer):
    """Runs a chain of existing layers as one rematerialised function.

    The backward pass keeps the chain's input only and recomputes the
    intermediate tensors. In training mode each `BatchNormalization` of the
    chain normalises with its batch statistics, which the function returns;
    the moving averages are updated from them after the function, exactly as
    the layer itself would update them. The layers are shared, not copied:
    their variables are the chain's variables.

    Args:
        chain: list of built layers, each taking one tensor: convolutions
            (`ScaleConv2D`, `Conv2D`), `BatchNormalization` (without
            `renorm` or `synchronized`), `ReLU` and `Activation`. Nothing
            random: the backward pass repeats the forward computation.
        **kwargs: base `Layer` arguments.
    """

    def __init__(self, chain, **kwargs):
        super().__init__(**kwargs)
        chain = [
            keras.saving.deserialize_keras_object(layer)
            if isinstance(layer, dict) else layer
            for layer in chain
        ]
        for layer in chain:
            reason = _not_fusable(layer)
            if reason:
                raise ValueError(f"RematChain: {layer.name!r} {reason}.")
        if not chain:
            raise ValueError("RematChain: `chain` is empty.")
        self.chain = chain

    def build(self, input_shape):
        shape = input_shape
        for layer in self.chain:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.built = True

    def call(self, inputs, training=None):
        batch_stats = [
            bool(training) and layer.trainable
            if isinstance(layer, keras.layers.BatchNormalization) else False
            for layer in self.chain
        ]

        def forward(x):
            statistics = []
            for layer, use_batch in zip(self.chain, batch_stats):
                if use_batch:
                    x, mean, variance = _batch_norm_with_statistics(layer, x)
                    statistics += [mean, variance]
                elif isinstance(layer, keras.layers.BatchNormalization):
                    x = layer(x, training=False)
                else:
                    x = layer(x)
            return x, *statistics

        outputs, *statistics = keras.remat(forward)(inputs)
        norms = [layer for layer, use in zip(self.chain, batch_stats) if use]
        for layer, mean, variance in zip(norms, statistics[::2],
                                         statistics[1::2]):
            mean = ops.stop_gradient(mean)
            variance = ops.stop_gradient(variance)
            momentum = layer.momentum
            layer.moving_mean.assign(
                ops.cast(layer.moving_mean, mean.dtype) * momentum
                + mean * (1.0 - momentum)
            )
            layer.moving_variance.assign(
                ops.cast(layer.moving_variance, variance.dtype) * momentum
                + variance * (1.0 - momentum)
            )
        return outputs

    def compute_output_spec(self, inputs, training=None):
        spec = inputs
        for layer in self.chain:
            spec = layer.compute_output_spec(spec)
        return spec

    def compute_output_shape(self, input_shape):
        for layer in self.chain:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["chain"] = [
            keras.saving.serialize_keras_object(layer) for layer in self.chain
        ]
        return config


def _batch_norm_with_statistics(layer, x):
    """`layer(x, training=True)` without the moving-average update; returns
    the output and the batch mean and (biased) variance."""
    x = ops.cast(x, keras.backend.result_type(x.dtype, "float32"))
    axis = layer.axis % len(x.shape)
    mean, variance = ops.moments(
        x, axes=[i for i in range(len(x.shape)) if i != axis]
    )
    outputs = ops.batch_normalization(
        x,
        mean,
        variance,
        axis=axis,
        offset=ops.cast(layer.beta, x.dtype) if layer.center else None,
        scale=ops.cast(layer.gamma, x.dtype) if layer.scale else None,
        epsilon=layer.epsilon,
    )
    return ops.cast(outputs, layer.compute_dtype), mean, variance


def _not_fusable(layer):
    """Why `layer` cannot join a chain, or `None`."""
    if isinstance(layer, keras.layers.BatchNormalization):
        if layer.renorm or layer.synchronized:
            return "uses renorm or synchronized batch norm"
        return None
    if isinstance(layer, _CONVOLUTIONS + _ELEMENTWISE):
        return None
    return (f"is a {type(layer).__name__}; chains take convolutions, "
            "BatchNormalization, ReLU and Activation layers")


def _single_use_chains(model):
    """Maximal straight chains of fusable layers in a Functional `model`.

    A layer belongs to a chain when it is called once in the model on one
    tensor, and a chain continues only while the tensor between two layers
    is used by nothing else (no other layer and no model output). Chains
    without a convolution or shorter than two layers are left out.
    """
    nodes = [node for depth in model._nodes_by_depth.values()
             for node in depth]
    consumers = {}
    for node in nodes:
        for tensor in node.input_tensors:
            consumers.setdefault(id(tensor), []).append(node)
    outputs = {id(t) for t in keras.tree.flatten(model.outputs)}
    calls = collections.Counter(id(node.operation) for node in nodes)

    def fusable(node):
        layer = node.operation
        return (_not_fusable(layer) is None and calls[id(layer)] == 1
                and len(node.input_tensors) == 1
                and len(node.output_tensors) == 1)

    def successor(node):
        tensor = node.output_tensors[0]
        users = consumers.get(id(tensor), [])
        if id(tensor) in outputs or len(users) != 1:
            return None
        return users[0] if fusable(users[0]) else None

    successors = {id(node): successor(node) for node in nodes
                  if fusable(node)}
    has_predecessor = {id(next_node) for next_node in successors.values()
                       if next_node is not None}
    chains = []
    for node in nodes:
        if id(node) not in successors or id(node) in has_predecessor:
            continue
        chain = [node.operation]
        while (node := successors[id(node)]) is not None:
            chain.append(node.operation)
        if len(chain) > 1 and any(isinstance(l, _CONVOLUTIONS) for l in chain):
            chains.append(chain)
    return chains


def rematerialize(model):
    """A model that computes like `model` and keeps less for the backward.

    Every straight chain of convolutions, batch normalisations and
    activations (in the zoo's encoder-decoders, a whole stem or double-conv
    block) becomes one `RematChain`; the backward pass keeps the chain's
    input and recomputes the rest, about one extra forward pass in all. The
    returned model shares `model`'s layers and variables: train either,
    save weights with `model` (the original layout, loadable by the zoo
    constructors).

    Args:
        model: a Functional `keras.Model`, e.g. from `keras_dss.zoo`.

    Returns:
        A Functional `keras.Model` with the same inputs, outputs, weights
        and compiled state as `model`.

    Example:

    ```python
    model = keras_dss.zoo.SEUNet(input_shape=(128, 128, 3), num_classes=3)
    lean = keras_dss.rematerialize(model)
    lean.compile("adam", "sparse_categorical_crossentropy")
    lean.fit(images, masks, batch_size=16)   # TF/torch: ~0.6x the peak memory
    model.save_weights("seunet.weights.h5")  # same variables
    ```
    """
    if not isinstance(model, keras.Model) or not hasattr(
        model, "_nodes_by_depth"
    ):
        raise ValueError(
            "rematerialize takes a Functional keras.Model (e.g. a "
            f"keras_dss.zoo model), got {type(model).__name__}."
        )
    chains = _single_use_chains(model)
    heads = {id(chain[0]): chain for chain in chains}
    members = {id(layer) for chain in chains for layer in chain[1:]}

    def call_function(layer, *args, **kwargs):
        if id(layer) in heads:
            chain = heads[id(layer)]
            return RematChain(chain, name=f"remat_{layer.name}")(args[0])
        if id(layer) in members:
            return args[0]
        return layer(*args, **kwargs)

    return keras.models.clone_model(
        model, clone_function=lambda layer: layer, call_function=call_function
    )
