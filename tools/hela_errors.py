"""Where the DIC-HeLa models' foreground errors are, frame by frame.

For each MODEL:WEIGHTS, predicts every frame of the sequence at factor 1
(in tiles, as `keras-dss evaluate --tile`) and writes to `--out`:

- `errors.json`: per-frame foreground IoU (training, validation and test
  frames), and for the test frames the share of false positives and false
  negatives, and how many false-positive pixels lie farther than 4, 8 or
  16 px from every annotated cell, with the IoU those pixels leave;
- `per_frame.png`: foreground IoU against frame index, splits shaded;
- `error_maps.png`: image, mask and the first model's errors on a few
  frames.

The masks are the Cell Tracking Challenge's silver truth: false positives
far from every annotated cell are mostly cells the annotation leaves out
(look at `error_maps.png`), so the far-away counts bound how much of the
test IoU is lost to missing labels rather than to the model.

    python tools/hela_errors.py SEUNet:hela UNet:hela SResNet:hela \
        --data ../shared/data/dic_hela --out zoo/results/hela/errors
"""

import argparse
import json
import pathlib

import numpy as np
from scipy import ndimage

DISTANCES = (4, 8, 16)


def error_breakdown(predicted, truth, distances=DISTANCES):
    """Pixel counts of a binary prediction against a binary mask.

    Args:
        predicted: boolean array, the predicted foreground.
        truth: boolean array of the same shape, the annotated foreground.
        distances: false positives are also counted when farther than each
            of these (Euclidean, pixels) from every annotated pixel.

    Returns:
        A dict of integer counts: `"tp"`, `"fp"`, `"fn"` and
        `"fp_beyond_<d>"` per distance.
    """
    predicted = np.asarray(predicted, bool)
    truth = np.asarray(truth, bool)
    if predicted.shape != truth.shape:
        raise ValueError(f"shapes differ: {predicted.shape} and {truth.shape}")
    counts = {"tp": int(np.sum(predicted & truth)),
              "fp": int(np.sum(predicted & ~truth)),
              "fn": int(np.sum(~predicted & truth))}
    if truth.any():
        distance = ndimage.distance_transform_edt(~truth)
    else:
        distance = np.full(truth.shape, np.inf)
    for d in distances:
        counts[f"fp_beyond_{d}"] = int(np.sum(predicted & (distance > d)))
    return counts


def summarize(counts, distances=DISTANCES):
    """IoU, error shares and the IoU without far false positives."""
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    union = tp + fp + fn
    out = {"foreground_iou": tp / union, "fp_share_of_union": fp / union,
           "fn_share_of_union": fn / union}
    for d in distances:
        far = counts[f"fp_beyond_{d}"]
        out[f"fp_beyond_{d}_of_fp"] = far / fp if fp else 0.0
        out[f"iou_without_fp_beyond_{d}"] = tp / (union - far)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", metavar="MODEL:WEIGHTS")
    parser.add_argument("--data", default="../shared/data/dic_hela")
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--tile-overlap", type=int, default=64)
    parser.add_argument("--maps", type=int, nargs="+", default=[20, 60, 72],
                        help="frames shown in error_maps.png")
    parser.add_argument("--out", default="zoo/results/hela/errors")
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tqdm.auto import tqdm

    from keras_dss import evaluation
    from keras_dss.cli import models as cli_models
    from keras_dss.datasets import hela_split
    from keras_dss.datasets import load_dic_hela

    images, masks, frames = load_dic_hela(args.data, return_frames=True)
    split = hela_split(len(frames))
    test = split["test"]
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"frames": frames.tolist(),
              "splits": {k: [int(frames[i]) for i in v]
                         for k, v in split.items()},
              "tile": args.tile, "tile_overlap": args.tile_overlap,
              "models": {}}
    predictions = {}
    for text in args.models:
        spec = cli_models.model_spec(True)(text)
        model = cli_models.build_model(spec)
        predicted = []
        for image in tqdm(images, desc=text, unit="frame"):
            logits = evaluation.predict_tiled(
                lambda b: np.asarray(model.predict_on_batch(b)),
                image[None].astype("float32"), args.tile,
                args.tile_overlap, 8)
            predicted.append(logits[0].argmax(-1) == 1)
        predictions[text] = predicted
        counts = [error_breakdown(p, m == 1) for p, m in zip(predicted, masks)]
        per_frame = [summarize(c)["foreground_iou"] for c in counts]
        totals = {key: sum(counts[i][key] for i in test) for key in counts[0]}
        report["models"][text] = {
            "per_frame_foreground_iou": per_frame,
            "mean_per_split": {k: float(np.mean([per_frame[i] for i in v]))
                               for k, v in split.items()},
            "test_counts": totals, "test": summarize(totals)}
        print(text, json.dumps(report["models"][text]["mean_per_split"]),
              json.dumps(report["models"][text]["test"]))
    (out / "errors.json").write_text(json.dumps(report, indent=1) + "\n")

    fig, ax = plt.subplots(figsize=(8, 3.5))
    for name, colour in (("val", "0.9"), ("test", "0.8")):
        chosen = [frames[i] for i in split[name]]
        ax.axvspan(min(chosen) - 0.5, max(chosen) + 0.5, color=colour,
                   label=f"{name} frames")
    for text, result in report["models"].items():
        ax.plot(frames, result["per_frame_foreground_iou"], marker=".",
                label=text)
    ax.set_xlabel("frame")
    ax.set_ylabel("foreground IoU at factor 1")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "per_frame.png", dpi=90)

    first = args.models[0]
    index = {int(f): i for i, f in enumerate(frames)}
    shown = [index[f] for f in args.maps if f in index]
    fig, axes = plt.subplots(len(shown), 3, figsize=(9, 3 * len(shown)),
                             squeeze=False)
    for row, i in zip(axes, shown):
        truth, predicted = masks[i] == 1, predictions[first][i]
        colours = np.zeros(truth.shape + (3,))
        colours[predicted & truth] = 0.7
        colours[predicted & ~truth] = (1, 0, 0)
        colours[~predicted & truth] = (0, 0.3, 1)
        iou = report["models"][first]["per_frame_foreground_iou"][i]
        row[0].imshow(images[i][..., 0], cmap="gray")
        row[0].set_title(f"frame {frames[i]}")
        row[1].imshow(truth, cmap="gray")
        row[1].set_title("mask (silver truth)")
        row[2].imshow(colours)
        row[2].set_title(f"{first}: red FP, blue FN (IoU {iou:.3f})",
                         fontsize=9)
        for a in row:
            a.axis("off")
    fig.tight_layout()
    fig.savefig(out / "error_maps.png", dpi=60)
    print(f"wrote {out}/errors.json, per_frame.png, error_maps.png")


if __name__ == "__main__":
    main()
