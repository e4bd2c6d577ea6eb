"""Callbacks of the training loop: epoch timing and a wall-clock limit."""

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Adds `epoch_seconds` to the logs of every epoch (for the CSV log).

    Place it before `CSVLogger` in the callback list.
    """

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start


class TimeLimit(keras.callbacks.Callback):
    """Stops training after the epoch during which `minutes` have passed.

    Args:
        minutes: wall-clock budget of this `fit` call.
    """

    def __init__(self, minutes):
        super().__init__()
        self.minutes = float(minutes)
        self.stopped = False

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if time.perf_counter() - self._start > 60 * self.minutes:
            self.stopped = True
            self.model.stop_training = True
