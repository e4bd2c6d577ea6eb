"""Running a training recipe with checkpoints, resume and a CSV log."""

import csv
import json
import os
import platform
import shutil
import time

import keras

from keras_dss.datasets.tf_dataset import as_tf_dataset
from keras_dss.datasets.tf_dataset import varies_batch_shape
from keras_dss.training.callbacks import EpochTimer
from keras_dss.training.callbacks import ResumedEarlyStopping
from keras_dss.training.callbacks import ResumedReduceLROnPlateau
from keras_dss.training.callbacks import TimeLimit
from keras_dss.training.precise_bn import PreciseBatchNorm
from keras_dss.training.recipe import load_recipe
from keras_dss.training.seeding import set_random_seed
from keras_dss.training.warm_start import prepare_run


def build_model(recipe):
    """The recipe's zoo model with random weights."""
    from keras_dss import zoo

    constructor = getattr(zoo, recipe.model["constructor"], None)
    if constructor is None:
        raise ValueError(
            f"{recipe.folder}: unknown constructor "
            f"{recipe.model['constructor']!r}"
        )
    return constructor(weights=None, **recipe.model["args"])


def compile_model(model, recipe, task):
    """Compiles with the recipe's optimiser, the loss and the metrics."""
    t = recipe.training
    if t["optimizer"] == "adamw":
        optimizer = keras.optimizers.AdamW(
            t["learning_rate"], weight_decay=t["weight_decay"]
        )
    elif t["optimizer"] == "adam":
        optimizer = keras.optimizers.Adam(t["learning_rate"])
    elif t["optimizer"] == "sgd":
        optimizer = keras.optimizers.SGD(t["learning_rate"], momentum=0.9)
    else:
        raise ValueError(f"unknown optimizer {t['optimizer']!r}")
    ignore_class = task.get("ignore_class")
    metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    if task["kind"] == "segmentation":
        metrics.append(
            keras.metrics.MeanIoU(
                task["num_classes"], sparse_y_pred=False, name="mean_iou",
                ignore_class=ignore_class,
            )
        )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=ignore_class),
        metrics=metrics,
        jit_compile=t["jit_compile"],
    )
    return model


def _callbacks(recipe, run_dir, max_minutes, train_data, continue_patience):
    t = recipe.training
    # A resumed run must not overwrite the best weights with a worse epoch.
    history = read_log(run_dir)
    losses = [r["val_loss"] for r in history if "val_loss" in r]
    # An interrupted run's schedules continue its logged patience; a run
    # extended on purpose (more epochs, or from shipped weights) starts anew.
    if not continue_patience:
        history = []
    callbacks = [
        keras.callbacks.BackupAndRestore(
            str(run_dir / "backup"), delete_checkpoint=False
        ),
        keras.callbacks.ModelCheckpoint(
            str(run_dir / "best.weights.h5"),
            monitor="val_loss",
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=min(losses) if losses else None,
        ),
        ResumedReduceLROnPlateau(
            history,
            monitor="val_loss",
            factor=t["reduce_lr_factor"],
            patience=t["reduce_lr_patience"],
        ),
        ResumedEarlyStopping(
            history, monitor="val_loss",
            patience=t["early_stopping_patience"],
        ),
        EpochTimer(),
        keras.callbacks.CSVLogger(str(run_dir / "log.csv"), append=True),
    ]
    if t["precise_bn_batches"]:
        callbacks.insert(0, PreciseBatchNorm(train_data,
                                             t["precise_bn_batches"]))
    limit = TimeLimit(max_minutes) if max_minutes else None
    if limit:
        callbacks.append(limit)
    return callbacks, limit


def read_log(run_dir, name="log.csv"):
    """The rows of a run's CSV log as dicts of floats (empty if absent).

    Args:
        run_dir: the folder holding the log.
        name: its file name (`"training_log.csv"` for a shipped recipe's).
    """
    path = run_dir / name
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)}
                for row in csv.DictReader(f)]


def cpu_model():
    """The CPU's model name (Linux `/proc/cpuinfo`), else the platform's."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _devices():
    """The backend's devices, e.g. `["cpu:0"]` (`None` if it cannot say)."""
    try:
        return [str(d) for d in keras.distribution.list_devices()]
    except Exception:  # not every backend implements it
        return None


def summarize(recipe, run_dir, early_stopped=None):
    """Writes `run/summary.json` from the CSV log and returns it.

    Args:
        recipe: the `Recipe`.
        run_dir: its run folder.
        early_stopped: whether the last `fit` ended by early stopping
            (`None`: keep what the previous summary said).
    """
    rows = read_log(run_dir)
    previous = {}
    if (run_dir / "summary.json").is_file():
        previous = json.loads((run_dir / "summary.json").read_text())
    if early_stopped is None:
        early_stopped = previous.get("early_stopped", False)
    best = min(rows, key=lambda r: r.get("val_loss", float("inf")), default={})
    summary = {
        "recipe": recipe.folder.name,
        "weights_name": recipe.name,
        "epochs_completed": len(rows),
        "best_epoch": int(best["epoch"]) + 1 if "epoch" in best else None,
        "best": best,
        "train_seconds": sum(r.get("epoch_seconds", 0.0) for r in rows),
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "machine": platform.platform(),
        "processor": cpu_model(),
        "cpu_count": os.cpu_count(),
        "devices": _devices(),
        "finished": (run_dir / "done").exists(),
        "early_stopped": bool(early_stopped),
        "dtype_policy": recipe.training["dtype_policy"],
    }
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def train_recipe(folder, epochs=None, fresh=False, max_minutes=None,
                 data_parallel=False, verbose="auto", limit=None,
                 from_shipped=False, learning_rate=None):
    """Trains a recipe, resuming from its last completed epoch.

    Every epoch writes a backup (model, optimiser, epoch counter) to
    `run/backup/`, the best weights by validation loss to
    `run/best.weights.h5` and a row of `run/log.csv`. Calling again after an
    interruption continues from the last completed epoch. Whenever `fit`
    returns (also when `max_minutes` stopped it), `run/last.weights.h5`
    holds the last epoch's weights. When training ends (epochs reached or
    early stopping), `run/final.weights.h5` holds the best weights and
    `run/done` marks the run complete; a later call only re-exports, unless
    `epochs` asks for more epochs than were run. A resumed run's early
    stopping and LR schedule continue its patience, replayed from
    `run/log.csv`; extending a finished run or starting from the shipped
    weights counts patience afresh.

    Args:
        folder: the recipe folder (with `recipe.json`).
        epochs: override of the recipe's epoch count.
        fresh: delete `run/` and start from scratch.
        max_minutes: stop (resumably) after the epoch during which this many
            minutes of this call have passed.
        data_parallel: shard batches over all local devices with
            `keras.distribution.DataParallel` (JAX only).
        verbose: `fit` verbosity (progress bars by default).
        limit: use only this many training and validation examples (smoke
            tests).
        from_shipped: start a new run from the recipe's shipped weights and
            training log (`keras_dss.training.warm_start`), at the epoch
            after the shipped one, with its learning rate.
        learning_rate: with `from_shipped`, start at this learning rate
            instead of the shipped epoch's (e.g. a tenth of it, to settle a
            run whose validation loss has stopped improving). The log's
            `learning_rate` column records it.

    Returns:
        The summary dict (also written to `run/summary.json`).
    """
    from keras_dss.training.data import make_datasets

    recipe = load_recipe(folder)
    if learning_rate is not None:
        if not from_shipped:
            raise ValueError(
                "learning_rate overrides the start of a run continued from "
                "the shipped weights; pass from_shipped=True (a new or "
                "resumed run takes the recipe's or its backup's rate)."
            )
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    run_dir = recipe.run_dir
    if fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    start_weights = None
    if from_shipped:
        start_weights, shipped_epochs, shipped_rate = prepare_run(recipe,
                                                                  run_dir)
        learning_rate = learning_rate or shipped_rate
        print(f"{recipe.folder}: continuing from the shipped weights "
              f"({start_weights.name}, epoch {shipped_epochs}, learning rate "
              f"{learning_rate:g}; the shipped epoch's was "
              f"{shipped_rate:g}).")
    run_dir.mkdir(parents=True, exist_ok=True)
    if (run_dir / "done").exists():
        completed = len(read_log(run_dir))
        if epochs is None or epochs <= completed:
            print(f"{recipe.folder}: training already finished after "
                  f"{completed} epochs; pass a larger --epochs to continue "
                  "or --fresh to start again.")
            return summarize(recipe, run_dir)
        print(f"{recipe.folder}: continuing a finished run from epoch "
              f"{completed} to {epochs}; early stopping and the learning-rate "
              "schedule count their patience from here.")
        (run_dir / "done").unlink()
        continue_patience = False
    else:
        continue_patience = not from_shipped
    if data_parallel:
        _set_data_parallel()
    set_random_seed(recipe.training["seed"])
    train_data, val_data, task = make_datasets(recipe, limit=limit)
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(recipe.training["dtype_policy"])
    try:
        return _fit(recipe, run_dir, task, train_data, val_data, epochs,
                    max_minutes, verbose, start_weights, learning_rate,
                    continue_patience)
    finally:
        keras.config.set_dtype_policy(previous_policy)


def _fit_data(recipe, train_data):
    """What `fit` reads, and its `steps_per_epoch`.

    On TensorFlow, batches cropped to several sizes go through
    `as_tf_dataset` (Keras would fix their shape from the first two).
    """
    steps = recipe.training["steps_per_epoch"]
    if keras.backend.backend() == "tensorflow" and varies_batch_shape(
        train_data
    ):
        print("TensorFlow: batches of several crop sizes run with unknown "
              "sides, about 1.5x the time per image of one size "
              "(BENCHMARKS.md); JAX compiles one program per size instead.")
        return as_tf_dataset(train_data), steps or len(train_data)
    return train_data, steps


def _fit(recipe, run_dir, task, train_data, val_data, epochs, max_minutes,
         verbose, start_weights, learning_rate, continue_patience):
    """Builds, trains and exports under the current dtype policy."""
    model = compile_model(build_model(recipe), recipe, task)
    if start_weights is not None:
        model.load_weights(str(start_weights))
        model.optimizer.learning_rate.assign(learning_rate)
    callbacks, time_limit = _callbacks(recipe, run_dir, max_minutes,
                                       train_data, continue_patience)
    # The epoch after the last logged one; a backup in run/backup, written
    # at the same time as the log row, takes precedence in `fit`.
    initial_epoch = len(read_log(run_dir))
    fit_data, steps_per_epoch = _fit_data(recipe, train_data)
    start = time.perf_counter()
    model.fit(
        fit_data,
        # A tf.data stream comes in the sequence's own shuffled order.
        shuffle=fit_data is train_data,
        validation_data=val_data,
        epochs=epochs or recipe.training["epochs"],
        initial_epoch=initial_epoch,
        steps_per_epoch=steps_per_epoch,
        callbacks=callbacks,
        verbose=verbose,
    )
    print(f"fit ran {time.perf_counter() - start:.0f} s")
    # The last epoch's weights, for shipping them instead of the best
    # validation loss's (`tools/ship_weights.py --epoch last`).
    model.save_weights(str(run_dir / "last.weights.h5"))
    if time_limit is None or not time_limit.stopped:
        best = run_dir / "best.weights.h5"
        if best.exists():
            model.load_weights(str(best))
        model.save_weights(str(run_dir / "final.weights.h5"))
        (run_dir / "done").write_text("finished\n")
    stopper = next(c for c in callbacks
                   if isinstance(c, keras.callbacks.EarlyStopping))
    return summarize(recipe, run_dir, early_stopped=stopper.stopped_epoch > 0)


def _set_data_parallel():
    if keras.backend.backend() != "jax":
        raise ValueError(
            "data-parallel training uses keras.distribution, which supports "
            f"the JAX backend only; the backend is {keras.backend.backend()!r}"
        )
    devices = keras.distribution.list_devices()
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=devices)
    )
    print(f"data-parallel over {len(devices)} devices: {devices}")
