"""Resumed runs keep their learning-rate and early-stopping schedules.

The oracle is Keras's own `ReduceLROnPlateau` and `EarlyStopping` fed the
whole sequence of validation losses in one `fit`. A run interrupted after
any epoch and resumed with the replaying callbacks must give the same
learning rates and stop at the same epoch; the plain callbacks must not
(they restart their patience, which is the bug these classes fix).
"""

import keras
import pytest

from keras_dss.training.callbacks import ResumedEarlyStopping
from keras_dss.training.callbacks import ResumedReduceLROnPlateau

# Plateaus long enough for reductions (patience 3) and a stop (patience 6).
VAL_LOSSES = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.85, 0.9, 0.91, 0.86,
              0.92, 0.84, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0]
LR_PATIENCE = 3
STOP_PATIENCE = 6


def model_with_rate(learning_rate):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def run_session(end, learning_rate, history, resumed):
    """Feeds the epochs after `history` up to `end` (or a stop); returns the
    new log rows (`val_loss`, `learning_rate`), the optimiser's rate after
    them and the stop epoch."""
    model = model_with_rate(learning_rate)
    if resumed:
        schedule = ResumedReduceLROnPlateau(
            history, monitor="val_loss", factor=0.5, patience=LR_PATIENCE)
        stopper = ResumedEarlyStopping(
            history, monitor="val_loss", patience=STOP_PATIENCE)
    else:
        schedule = keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=LR_PATIENCE)
        stopper = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=STOP_PATIENCE)
    for callback in (schedule, stopper):
        callback.set_model(model)
        callback.on_train_begin()
    rows = []
    for epoch in range(len(history), end):
        logs = {"val_loss": VAL_LOSSES[epoch]}
        schedule.on_epoch_end(epoch, logs)
        stopper.on_epoch_end(epoch, logs)
        rows.append(dict(logs))
        if model.stop_training:
            break
    rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    return rows, rate, stopper.stopped_epoch


def sessions(splits, resumed):
    """The log of a run interrupted before each epoch in `splits`."""
    history, rate, stopped = [], 1.0, 0
    for end in list(splits) + [len(VAL_LOSSES)]:
        rows, rate, stopped = run_session(end, rate, history, resumed)
        history = history + rows
        if stopped:
            break
    return [row["learning_rate"] for row in history], stopped


def test_the_oracle_reduces_and_stops():
    rates, stopped = sessions([], resumed=False)
    assert sorted(set(rates), reverse=True) == [1.0, 0.5, 0.25, 0.125]
    assert 0 < stopped < len(VAL_LOSSES) - 1


@pytest.mark.parametrize("split", range(1, 18))
def test_one_interruption_keeps_the_schedule(split):
    assert sessions([split], resumed=True) == sessions([], resumed=False)


def test_several_interruptions_keep_the_schedule():
    expected = sessions([], resumed=False)
    assert sessions([2, 5, 6, 9, 13], resumed=True) == expected
    assert sessions(range(1, 18), resumed=True) == expected


def test_plain_callbacks_lose_the_schedule_on_resume():
    expected = sessions([], resumed=False)
    assert any(sessions([split], resumed=False) != expected
               for split in range(1, 18))


def test_a_rate_lowered_after_the_last_logged_epoch_restarts_the_wait():
    # Three epochs without improvement, then the optimiser's rate fell (the
    # reduction after the last logged epoch): the wait starts from zero.
    history = [{"val_loss": 1.0, "learning_rate": 1.0},
               {"val_loss": 1.1, "learning_rate": 1.0},
               {"val_loss": 1.2, "learning_rate": 1.0},
               {"val_loss": 1.3, "learning_rate": 1.0}]
    for rate, wait in ((0.5, 0), (1.0, 3)):
        schedule = ResumedReduceLROnPlateau(history, patience=LR_PATIENCE)
        schedule.set_model(model_with_rate(rate))
        schedule.on_train_begin()
        assert (schedule.best, schedule.wait) == (1.0, wait)


def test_an_empty_history_is_a_fresh_start():
    for callback in (ResumedReduceLROnPlateau([]), ResumedEarlyStopping([])):
        callback.set_model(model_with_rate(1.0))
        callback.on_train_begin()
        assert (callback.best, callback.wait) == (None, 0)
