"""Training and validation data of a recipe."""

from keras_dss.training.tasks import get_task


def make_datasets(recipe, limit=None):
    """`(train, val, task_info)` for `recipe`.

    Args:
        recipe: a `Recipe`.
        limit: keep only this many training and validation examples.

    Returns:
        Two `keras.utils.PyDataset`s and `{"kind", "num_classes",
        "ignore_class"}` (`ignore_class`: a label left out of the loss and
        mean IoU, or `None`).
    """
    task = get_task(recipe.data.get("dataset"))
    train, val = task.train_val(recipe, limit=limit)
    return train, val, {"kind": task.kind, "num_classes": task.num_classes,
                        "ignore_class": getattr(task, "ignore_class", None)}
