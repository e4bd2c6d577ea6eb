"""The SEU-Net scale-generalisation test, and accuracy by scale for
classifiers.

A segmentation model trained at one scale is run on every test image
rescaled by each factor of a list (bilinear with antialiasing; masks
nearest; sides floored to a multiple of `2**depth`). Per scale it reports
IoUs against the rescaled masks and the *consistency*: the fraction of
pixels where `argmax(model(x))` equals `argmax(resize_back(model(x_s)))`,
with `x` the image at factor 1 and `resize_back` bilinear to the size of
`x`. Images are never normalised here: the models take raw 0-255 pixels.
"""

import keras
import numpy as np
from tqdm.auto import tqdm

from keras_dss.evaluation import checkpoint as checkpoint_lib
from keras_dss.evaluation import metrics
from keras_dss.evaluation import rescale
from keras_dss.evaluation import tiling


def pets_scales():
    """Oxford-IIIT Pets factors, `2**linspace(-2, 2, 17)` (1/4 to 4)."""
    return 2.0 ** np.linspace(-2, 2, 17)


def hela_scales():
    """DIC-HeLa factors, `2**linspace(-3, 2, 11)` (1/8 to 4)."""
    return 2.0 ** np.linspace(-3, 2, 11)


def _as_list(fn, name, arrays, ndims):
    if isinstance(arrays, np.ndarray):
        if arrays.ndim != ndims[0] + 1 and arrays.ndim != ndims[-1] + 1:
            raise ValueError(
                f"{fn}: `{name}` must be an array with {ndims[0] + 1} "
                f"dimensions or a list, got shape {arrays.shape}."
            )
        arrays = list(arrays)
    else:
        arrays = [np.asarray(a) for a in arrays]
    if not arrays:
        raise ValueError(f"{fn}: `{name}` is empty.")
    for i, a in enumerate(arrays):
        if a.ndim not in ndims or min(a.shape[:2]) < 1:
            raise ValueError(
                f"{fn}: `{name}[{i}]` must have {ndims[0]} dimensions "
                f"with non-empty sides, got shape {a.shape}."
            )
    return arrays


def _batches(arrays, batch_size):
    """Index lists of at most `batch_size` arrays of equal shape."""
    groups = {}
    for i, a in enumerate(arrays):
        groups.setdefault(a.shape, []).append(i)
    for indices in groups.values():
        for start in range(0, len(indices), batch_size):
            yield indices[start:start + batch_size]


def _predict(model, batch):
    batch = np.ascontiguousarray(batch, dtype=np.float32)
    if hasattr(model, "predict_on_batch"):
        out = model.predict_on_batch(batch)
    else:
        out = model(batch)
    if isinstance(out, (list, tuple, dict)):
        raise ValueError(
            "The model must return a single tensor of logits, got a "
            f"{type(out).__name__}."
        )
    return np.asarray(keras.ops.convert_to_numpy(out))


def _check_positive_int(fn, name, value):
    if isinstance(value, bool) or not isinstance(
        value, (int, np.integer)
    ) or value < 1:
        raise ValueError(
            f"{fn}: `{name}` must be a positive integer, got {value!r}."
        )


def _json_float(value):
    value = float(value)
    return None if np.isnan(value) else value


def scale_generalization(model, images, masks, scales=None, num_classes=None,
                         multiple=16, foreground_class=None, batch_size=8,
                         ignore_index=None, progress=True, tile=None,
                         tile_overlap=64, pad_to=None, checkpoint=None,
                         checkpoint_key=None):
    """Segmentation quality and consistency as a function of input scale.

    Args:
        model: a `keras.Model` (run with `predict_on_batch`) or any callable
            mapping a float32 batch `(B, H, W, C)` of raw pixel values to
            logits `(B, H, W, num_classes)` of the same spatial size.
        images: array `(N, H, W, C)` or a list of `(H, W, C)` arrays of
            possibly different sizes (uint8 or float, raw 0-255 values).
        masks: integer array `(N, H, W)` or a list of `(H, W)` arrays
            (a trailing axis of size 1 is accepted), aligned with `images`.
        scales: rescale factors; default `pets_scales()`. See also
            `hela_scales()`.
        num_classes: number of classes; default: the model's last output
            dimension (checked against it when given).
        multiple: the rescaled sides are floored to multiples of this
            (`2**depth` of the U-Net), at least `multiple`.
        foreground_class: if given, `"foreground_iou"` (the IoU of this
            class, HeLa) is reported too.
        batch_size: images per model call; only images of the same
            original size are batched together.
        ignore_index: mask label excluded from the IoUs and pixel accuracy
            (not from consistency, which compares predictions only).
        progress: show a tqdm bar over scales x images.
        tile: if given, images larger than `tile` pixels on a side are
            predicted in overlapping tiles of that side and stitched
            (`predict_tiled`): bounded memory, and the context a model
            trained on crops of that size saw. `None` predicts whole images.
        tile_overlap: minimum overlap of neighbouring tiles.
        pad_to: if given, a rescaled input with a side shorter than this
            is padded to this side (edge pixels repeated, image centred)
            and the logits are cropped back to it, so that a zoomed-out
            image is seen inside the canvas size the model was trained on
            rather than as a smaller input. Not the papers' protocol (which
            predicts the small image as it is); a multiple of `multiple`.
        checkpoint: if given, a `.npz` path where the running totals are
            saved after every batch. A later call with the same arguments
            resumes from it (the same images, factors and options; the
            model is identified only by `checkpoint_key`), and the file is
            deleted when the evaluation completes. A file written by a
            different evaluation raises `ValueError`.
        checkpoint_key: a string identifying the model (e.g. the sha256 of
            its weights file) so that a checkpoint is never resumed with
            another model.

    Returns:
        A JSON-serialisable dict: `"scales"`, `"mean_iou"` (nanmean over
        classes), `"per_class_iou"` (one list per scale), `"foreground_iou"`
        (only with `foreground_class`), `"pixel_accuracy"`, `"consistency"`
        (pixels counted over all images, on the grid of the factor-1
        input), `"num_images"`, `"num_classes"`, `"multiple"`, `"tile"`,
        `"tile_overlap"`, `"input_scales"` (the factor really applied,
        averaged over the images: flooring to `multiple` moves it, and on
        small images several scales give the same input size; see
        `rescale.applied_factor`), `"pad_to"` and `"protocol"`; one entry
        per scale, `None` where a value is `nan`.
    """
    fn = "scale_generalization"
    images = _as_list(fn, "images", images, (3,))
    masks = _as_list(fn, "masks", masks, (2, 3))
    if len(images) != len(masks):
        raise ValueError(
            f"{fn}: got {len(images)} images but {len(masks)} masks."
        )
    for i, (image, mask) in enumerate(zip(images, masks)):
        if mask.ndim == 3 and mask.shape[-1] != 1:
            raise ValueError(
                f"{fn}: `masks[{i}]` must have shape (height, width), got "
                f"{mask.shape}."
            )
        if image.shape[:2] != mask.shape[:2]:
            raise ValueError(
                f"{fn}: image {i} is {image.shape[:2]} but its mask is "
                f"{mask.shape[:2]}."
            )
    masks = [m[..., 0] if m.ndim == 3 else m for m in masks]
    scales = pets_scales() if scales is None else scales
    scales = [float(s) for s in np.atleast_1d(np.asarray(scales, float))]
    if not scales or not all(np.isfinite(s) and s > 0 for s in scales):
        raise ValueError(
            f"{fn}: `scales` must be non-empty positive factors, got {scales}."
        )
    _check_positive_int(fn, "multiple", multiple)
    _check_positive_int(fn, "batch_size", batch_size)
    if num_classes is not None:
        _check_positive_int(fn, "num_classes", num_classes)
    if foreground_class is not None:
        if isinstance(foreground_class, bool) or not isinstance(
            foreground_class, (int, np.integer)
        ) or foreground_class < 0 or (
            num_classes is not None and foreground_class >= num_classes
        ):
            raise ValueError(
                f"{fn}: `foreground_class` must be a class index in "
                f"[0, num_classes), got {foreground_class!r}."
            )

    if tile is not None:
        _check_positive_int(fn, "tile", tile)
        if tile % multiple or tile_overlap % multiple:
            raise ValueError(
                f"{fn}: `tile` ({tile}) and `tile_overlap` ({tile_overlap}) "
                f"must be multiples of `multiple` ({multiple})."
            )

    if pad_to is not None:
        _check_positive_int(fn, "pad_to", pad_to)
        if pad_to % multiple:
            raise ValueError(
                f"{fn}: `pad_to` ({pad_to}) must be a multiple of "
                f"`multiple` ({multiple})."
            )

    def run(batch):
        if pad_to is not None and min(batch.shape[1:3]) < pad_to:
            height, width = batch.shape[1:3]
            pad_h, pad_w = max(pad_to - height, 0), max(pad_to - width, 0)
            top, left = pad_h // 2, pad_w // 2
            padded = np.pad(batch, ((0, 0), (top, pad_h - top),
                                    (left, pad_w - left), (0, 0)),
                            mode="edge")
            return run_unpadded(padded)[:, top:top + height,
                                        left:left + width]
        return run_unpadded(batch)

    def run_unpadded(batch):
        if tile is None:
            logits = _predict(model, batch)
        else:
            logits = tiling.predict_tiled(
                lambda b: _predict(model, b), batch, tile, tile_overlap,
                batch_size)
        if logits.ndim != 4 or logits.shape[:3] != batch.shape[:3]:
            raise ValueError(
                f"{fn}: the model must map inputs {batch.shape} to logits "
                f"(B, H, W, classes) of the same batch and spatial size, "
                f"got {logits.shape}."
            )
        return logits

    cms = None
    agree = np.zeros(len(scales), np.int64)
    counted = np.zeros(len(scales), np.int64)
    saver, done = None, 0
    if checkpoint is not None:
        saver = checkpoint_lib.EvaluationCheckpoint(checkpoint, {
            "data": checkpoint_lib.data_fingerprint(images, masks),
            "scales": scales, "multiple": int(multiple),
            "batch_size": int(batch_size), "num_classes": num_classes,
            "foreground_class": foreground_class,
            "ignore_index": ignore_index, "tile": tile,
            "tile_overlap": tile_overlap if tile is not None else None,
            "pad_to": pad_to, "key": checkpoint_key,
        })
        saved = saver.load()
        if saved is not None:
            arrays, done = saved
            cms, agree, counted = (arrays["cms"], arrays["agree"],
                                   arrays["counted"])
            num_classes = int(cms.shape[-1])
    batches = list(_batches(images, batch_size))
    if done:
        print(f"resuming from {saver.path}: {done} of {len(batches)} "
              "batches done")
    bar = tqdm(total=len(scales) * len(images), disable=not progress,
               desc="scale generalisation", unit="img",
               initial=len(scales) * sum(len(b) for b in batches[:done]))
    with bar:
        for batch_number, indices in enumerate(batches):
            if batch_number < done:
                continue
            base = np.stack([rescale.rescale_image(images[i], 1.0, multiple)
                             for i in indices])
            base_logits = run(base)
            if cms is None:
                if num_classes is None:
                    num_classes = int(base_logits.shape[-1])
                if base_logits.shape[-1] != num_classes:
                    raise ValueError(
                        f"{fn}: `num_classes` is {num_classes} but the "
                        f"model returns {base_logits.shape[-1]} logits."
                    )
                if foreground_class is not None and (
                    foreground_class >= num_classes
                ):
                    raise ValueError(
                        f"{fn}: `foreground_class` must be a class index "
                        f"in [0, {num_classes}), got {foreground_class!r}."
                    )
                cms = np.zeros((len(scales), num_classes, num_classes),
                               np.int64)
            base_pred = np.argmax(base_logits, axis=-1)
            # Neighbouring factors that floor to the same size give the
            # same input (the resize depends on the output size only): the
            # previous logits are reused, as are factor 1's.
            original = images[indices[0]].shape[:2]
            previous = None
            for k, factor in enumerate(scales):
                size = tuple(rescale.scaled_size(original, factor, multiple))
                if size == base.shape[1:3]:
                    logits = base_logits
                elif previous is not None and previous[0] == size:
                    logits = previous[1]
                else:
                    logits = run(np.stack([
                        rescale.rescale_image(images[i], factor, multiple)
                        for i in indices
                    ]))
                    previous = (size, logits)
                truth = np.stack([
                    rescale.rescale_mask(masks[i], factor, multiple)
                    for i in indices
                ])
                cms[k] += metrics.confusion_matrix(
                    truth, np.argmax(logits, axis=-1), num_classes,
                    ignore_index,
                )
                back = rescale.resize_logits(logits, base_pred.shape[1:3])
                agree[k] += np.count_nonzero(
                    np.argmax(back, axis=-1) == base_pred
                )
                counted[k] += base_pred.size
                bar.update(len(indices))
            if saver is not None:
                saver.save({"cms": cms, "agree": agree, "counted": counted},
                           batch_number + 1)

    per_class = [metrics.iou_from_confusion(cm) for cm in cms]
    result = {
        "scales": scales,
        "mean_iou": [_json_float(metrics.mean_iou(cm)) for cm in cms],
        "per_class_iou": [[_json_float(v) for v in iou] for iou in per_class],
    }
    if foreground_class is not None:
        result["foreground_iou"] = [
            _json_float(iou[foreground_class]) for iou in per_class
        ]
    result.update({
        "pixel_accuracy": [
            _json_float(metrics.pixel_accuracy(cm)) for cm in cms
        ],
        "consistency": [float(a / c) for a, c in zip(agree, counted)],
        "input_scales": [
            float(np.mean([
                rescale.applied_factor(image.shape[:2], factor, multiple)
                for image in images
            ]))
            for factor in scales
        ],
        "num_images": len(images),
        "num_classes": int(num_classes),
        "multiple": int(multiple),
        "tile": None if tile is None else int(tile),
        "tile_overlap": None if tile is None else int(tile_overlap),
        "pad_to": None if pad_to is None else int(pad_to),
        "protocol": (
            "SEU-Net scale generalisation: images rescaled bilinear with "
            "antialias (Pillow, float), masks nearest, sides floored to a "
            f"multiple of {int(multiple)}; IoU against the rescaled masks"
            + (f" (ignore_index={ignore_index})"
               if ignore_index is not None else "")
            + (f"; predicted in {tile} px tiles overlapping by at least "
               f"{tile_overlap} px, each pixel from the tile it is most "
               "central in" if tile is not None else "")
            + (f"; inputs with a side under {pad_to} px padded to {pad_to} "
               "px (edge pixels repeated, centred) and the logits cropped "
               "back" if pad_to is not None else "")
            + "; consistency = agreement of argmax(model(x)) with "
            "argmax(bilinear_resize(model(x_s))) on the grid of x, the "
            "factor-1 input."
        ),
    })
    if saver is not None:
        saver.remove()
    return result


def _check_buckets(fn, buckets):
    out = []
    for bucket in buckets:
        if len(bucket) != 2 or not bucket[0] < bucket[1]:
            raise ValueError(
                f"{fn}: each bucket must be (low, high) with low < high, got "
                f"{bucket!r}."
            )
        out.append((float(bucket[0]), float(bucket[1])))
    for (_, high), (low, _) in zip(out, out[1:]):
        if low < high:
            raise ValueError(
                f"{fn}: `buckets` must be increasing and non-overlapping, "
                f"got {buckets!r}."
            )
    return out


# The MNIST-scale protocol's ranges of rescale factor.
SCALE_BUCKETS = ((0.3, 0.5), (0.5, 0.7), (0.7, 1.0))


def classification_by_scale(model, images, labels, image_scales,
                            buckets=SCALE_BUCKETS,
                            batch_size=32, progress=False):
    """Classifier accuracy overall and per range of known image scale.

    For data sets such as MNIST-scale, where each test image was rescaled
    by a known factor.

    Args:
        model: a `keras.Model` or callable mapping a float32 batch
            `(B, H, W, C)` to logits `(B, num_classes)`.
        images: array `(N, H, W, C)` or a list of `(H, W, C)` arrays.
        labels: integer class labels `(N,)`.
        image_scales: the rescale factor of each image, `(N,)`.
        buckets: increasing, non-overlapping `(low, high)` ranges. Each is
            half-open, `low <= s < high`, except the last, which is closed,
            `low <= s <= high`. Images outside every bucket count only in
            the overall accuracy.
        batch_size: images per model call.
        progress: show a tqdm bar over images.

    Returns:
        A JSON-serialisable dict: `"accuracy"`, `"num_images"`,
        `"buckets"` (`[low, high]` lists), `"bucket_accuracy"` (`None` for
        an empty bucket) and `"bucket_counts"`.
    """
    fn = "classification_by_scale"
    images = _as_list(fn, "images", images, (3,))
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    image_scales = np.asarray(image_scales, dtype=np.float64)
    if labels.shape != (len(images),) or image_scales.shape != labels.shape:
        raise ValueError(
            f"{fn}: `labels` and `image_scales` must have shape "
            f"({len(images)},), got {labels.shape} and {image_scales.shape}."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{fn}: `labels` must be integers, got dtype {labels.dtype}."
        )
    _check_positive_int(fn, "batch_size", batch_size)
    buckets = _check_buckets(fn, buckets)

    predicted = np.zeros(len(images), np.int64)
    with tqdm(total=len(images), disable=not progress,
              desc="classification by scale", unit="img") as bar:
        for indices in _batches(images, batch_size):
            logits = _predict(model, np.stack([images[i] for i in indices]))
            if logits.ndim != 2 or logits.shape[0] != len(indices):
                raise ValueError(
                    f"{fn}: the model must return logits (B, num_classes), "
                    f"got {logits.shape} for a batch of {len(indices)}."
                )
            if labels.max() >= logits.shape[1] or labels.min() < 0:
                raise ValueError(
                    f"{fn}: `labels` must lie in [0, {logits.shape[1]}), "
                    f"got values in [{labels.min()}, {labels.max()}]."
                )
            predicted[indices] = np.argmax(logits, axis=-1)
            bar.update(len(indices))

    bucket_accuracy, bucket_counts = [], []
    for j, (low, high) in enumerate(buckets):
        if j == len(buckets) - 1:
            inside = (image_scales >= low) & (image_scales <= high)
        else:
            inside = (image_scales >= low) & (image_scales < high)
        bucket_counts.append(int(inside.sum()))
        bucket_accuracy.append(_json_float(
            metrics.accuracy(labels[inside], predicted[inside])
        ))
    return {
        "accuracy": _json_float(metrics.accuracy(labels, predicted)),
        "num_images": len(images),
        "buckets": [[low, high] for low, high in buckets],
        "bucket_accuracy": bucket_accuracy,
        "bucket_counts": bucket_counts,
    }
