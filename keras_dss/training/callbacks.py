"""Callbacks of the training loop: epoch timing, a wall-clock limit, and
learning-rate and early-stopping schedules that continue a resumed run."""

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


def _replayed_patience(callback, rows, learning_rates_after=None):
    """The best value and wait count `callback` had after the logged epochs.

    Improvements are judged by the callback's own rule (monitor, mode,
    `min_delta`). With `learning_rates_after` (the learning rate that
    followed each logged epoch), an epoch after which the learning rate
    fell resets the wait count, as `ReduceLROnPlateau` does when it reduces.
    """
    if callback.monitor_op is None:
        callback._set_monitor_op()
    best, wait = None, 0
    for i, row in enumerate(rows):
        value = row.get(callback.monitor)
        if value is None:
            continue
        if bool(callback._is_improvement(value, best)):
            best, wait = value, 0
        else:
            wait += 1
        if (learning_rates_after is not None
                and "learning_rate" in row
                and learning_rates_after[i] < row["learning_rate"] * (1 - 1e-6)):
            wait = 0
    return best, wait


class ResumedReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
    """`ReduceLROnPlateau` that continues the patience of a logged run.

    Keras resets the best value and the wait count at the start of every
    `fit`, so a run resumed each session would measure its plateau from the
    session's first epoch. This one replays the run's CSV log instead: the
    best monitored value of the whole run, and the epochs since it or since
    the last epoch after which the learning rate fell (read from the log and
    from the restored optimiser). Place it after `BackupAndRestore`.

    Args:
        history: the logged epochs, a list of dicts holding the monitored
            value and `learning_rate` (e.g. `read_log(run_dir)`).
        **kwargs: the arguments of `keras.callbacks.ReduceLROnPlateau`.
    """

    def __init__(self, history, **kwargs):
        super().__init__(**kwargs)
        self.history = list(history)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if not self.history:
            return
        current = float(keras.ops.convert_to_numpy(
            self.model.optimizer.learning_rate))
        after = [row.get("learning_rate", current) for row in self.history[1:]]
        self.best, self.wait = _replayed_patience(
            self, self.history, after + [current])


class ResumedEarlyStopping(keras.callbacks.EarlyStopping):
    """`EarlyStopping` that continues the patience of a logged run.

    Replays the run's CSV log at the start of `fit`, so that the best value
    and the epochs since it are the whole run's, not this call's.

    Args:
        history: the logged epochs, a list of dicts holding the monitored
            value (e.g. `read_log(run_dir)`).
        **kwargs: the arguments of `keras.callbacks.EarlyStopping`.
    """

    def __init__(self, history, **kwargs):
        super().__init__(**kwargs)
        self.history = list(history)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.history:
            self.best, self.wait = _replayed_patience(self, self.history)
