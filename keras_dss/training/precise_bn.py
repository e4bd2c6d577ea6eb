"""Precise batch-norm statistics: population averages instead of the EMA.

Batch normalisation keeps exponential moving averages (momentum 0.99) of
the batch statistics for inference. When the data set gives few steps per
epoch or the weights still move fast, those averages lag behind the batch
statistics the network is trained with, and inference-mode predictions
(validation, `predict`) are much worse than training-mode ones. Measured on
DIC-HeLa (SEU-Net, 8 filters, after 112 steps of batch 4): validation pixel
accuracy 0.52 with the moving averages, 0.80 after recomputing them on 16
training crops. Recomputing them from a few batches with the weights held
fixed (Wu & Johnson 2021, "Rethinking 'batch' in BatchNorm") removes the lag.
"""

import keras
import numpy as np


def batch_norm_layers(model):
    """Every `keras.layers.BatchNormalization` inside `model`."""
    return [layer for layer in model._flatten_layers(include_self=False)
            if isinstance(layer, keras.layers.BatchNormalization)]


def recalibrate_batch_norm(model, batches):
    """Sets every batch norm's moving mean and variance to the average of
    its batch statistics over `batches` (forward passes in training mode;
    nothing else is updated).

    Args:
        model: a built `keras.Model`.
        batches: an iterable of input batches (arrays `(B, H, W, C)`, or
            `(x, y)` tuples whose `x` is used).

    Returns:
        The number of batches used (0 leaves the statistics unchanged).

    Raises:
        ValueError: the model has no batch normalisation layer.
    """
    layers = batch_norm_layers(model)
    if not layers:
        raise ValueError("recalibrate_batch_norm: the model has no "
                         "BatchNormalization layer.")
    momenta = [layer.momentum for layer in layers]
    count = 0
    try:
        for batch in batches:
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            # moving <- moving * k / (k + 1) + batch / (k + 1): after K
            # batches, the plain mean of the K batch statistics.
            for layer in layers:
                layer.momentum = count / (count + 1)
            model(np.asarray(x), training=True)
            count += 1
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return count


class PreciseBatchNorm(keras.callbacks.Callback):
    """Recomputes batch-norm statistics after each epoch's last training
    step, before validation, from `batches` training batches.

    Args:
        data: a `keras.utils.PyDataset` (or any sequence of batches) of
            training data; `batches` of its batches, spread evenly, are
            used.
        batches: how many batches to average over.
    """

    def __init__(self, data, batches):
        super().__init__()
        if not isinstance(batches, int) or batches < 1:
            raise ValueError(
                f"PreciseBatchNorm: `batches` must be an int >= 1, got "
                f"{batches!r}."
            )
        self.data = data
        self.batches = batches

    def on_train_batch_end(self, batch, logs=None):
        steps = self.params.get("steps") or len(self.data)
        if batch + 1 < steps:
            return
        # On JAX, `fit` holds the variables outside the model between
        # syncs; write them back first. The next step re-reads them.
        sync = getattr(self.model, "jax_state_sync", None)
        if sync is not None:
            sync()
        picks = np.linspace(0, len(self.data) - 1, self.batches).astype(int)
        recalibrate_batch_norm(self.model, (self.data[int(i)]
                                            for i in picks))
