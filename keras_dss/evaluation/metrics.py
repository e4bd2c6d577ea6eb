"""Segmentation and classification metrics on integer label arrays (numpy).

A confusion matrix `cm` has the true class on the rows and the predicted
class on the columns; it is int64 and can be summed over images and batches.
"""

import numpy as np


def _labels(name, fn, array):
    array = np.asarray(array)
    if array.dtype == bool:
        array = array.astype(np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{fn}: `{name}` must hold integer class labels, got dtype "
            f"{array.dtype}."
        )
    return array


def confusion_matrix(y_true, y_pred, num_classes, ignore_index=None):
    """Counts `(true, predicted)` label pairs.

    Args:
        y_true: integer array of true labels, any shape.
        y_pred: integer array of predicted labels, the same shape.
        num_classes: number of classes `K`; labels must lie in `[0, K)`.
        ignore_index: a label in `y_true` whose pixels are not counted
            (it may lie outside `[0, K)`), or `None`.

    Returns:
        An int64 array `(K, K)`; entry `[t, p]` counts the elements with
        true label `t` predicted as `p`. Sum matrices to accumulate.
    """
    fn = "confusion_matrix"
    y_true = _labels("y_true", fn, y_true)
    y_pred = _labels("y_pred", fn, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn}: `y_true` and `y_pred` must have the same shape, got "
            f"{y_true.shape} and {y_pred.shape}."
        )
    if isinstance(num_classes, bool) or not isinstance(
        num_classes, (int, np.integer)
    ) or num_classes < 1:
        raise ValueError(
            f"{fn}: `num_classes` must be a positive integer, got "
            f"{num_classes!r}."
        )
    y_true = y_true.ravel().astype(np.int64)
    y_pred = y_pred.ravel().astype(np.int64)
    if ignore_index is not None:
        keep = y_true != ignore_index
        y_true = y_true[keep]
        y_pred = y_pred[keep]
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(
                f"{fn}: `{name}` labels must lie in [0, {num_classes}) "
                f"(num_classes={num_classes}"
                + (f", ignore_index={ignore_index}" if name == "y_true"
                   else "")
                + f"), got values in [{values.min()}, {values.max()}]."
            )
    counts = np.bincount(
        y_true * num_classes + y_pred, minlength=num_classes * num_classes
    )
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def _square(fn, cm):
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(
            f"{fn}: `cm` must be a square (K, K) matrix, got shape "
            f"{cm.shape}."
        )
    return cm.astype(np.float64)


def iou_from_confusion(cm):
    """Per-class intersection over union, `TP / (TP + FP + FN)`.

    Args:
        cm: confusion matrix `(K, K)` from `confusion_matrix`.

    Returns:
        A float64 array `(K,)`; `nan` for a class absent from both the
        truth and the prediction.
    """
    cm = _square("iou_from_confusion", cm)
    tp = np.diag(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - tp
    iou = np.full(tp.shape, np.nan)
    present = union > 0
    iou[present] = tp[present] / union[present]
    return iou


def mean_iou(cm):
    """Mean of the per-class IoUs, skipping `nan` (absent) classes.

    Args:
        cm: confusion matrix `(K, K)`.

    Returns:
        A float; `nan` when no class occurs at all.
    """
    iou = iou_from_confusion(cm)
    iou = iou[~np.isnan(iou)]
    return float(iou.mean()) if iou.size else float("nan")


def pixel_accuracy(cm):
    """Fraction of counted elements on the diagonal.

    Args:
        cm: confusion matrix `(K, K)`.

    Returns:
        A float; `nan` for an empty matrix.
    """
    cm = _square("pixel_accuracy", cm)
    total = cm.sum()
    return float(np.trace(cm) / total) if total > 0 else float("nan")


def _agreement(fn, names, a, b):
    a = _labels(names[0], fn, a)
    b = _labels(names[1], fn, b)
    if a.shape != b.shape:
        raise ValueError(
            f"{fn}: `{names[0]}` and `{names[1]}` must have the same shape, "
            f"got {a.shape} and {b.shape}."
        )
    return float(np.mean(a == b)) if a.size else float("nan")


def consistency(pred_a, pred_b):
    """Fraction of positions where two label maps agree.

    Args:
        pred_a: integer label array, e.g. `argmax(model(x))`.
        pred_b: integer label array of the same shape, e.g.
            `argmax(resize_back(model(x_s)))`.

    Returns:
        A float in `[0, 1]`; `nan` for empty arrays.
    """
    return _agreement("consistency", ("pred_a", "pred_b"), pred_a, pred_b)


def accuracy(labels, predicted):
    """Fraction of correct predictions.

    Args:
        labels: integer array of true labels.
        predicted: integer array of predicted labels, the same shape.

    Returns:
        A float in `[0, 1]`; `nan` for empty arrays.
    """
    return _agreement("accuracy", ("labels", "predicted"), labels, predicted)
