"""`keras-dss predict`: masks and overlays of images at several scales."""

import pathlib

import numpy as np

from keras_dss.cli import models


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "predict",
        help="segment or classify images at several scales",
        description="Runs a zoo model on images rescaled by each factor of "
        "--scales. Segmenters write <image>_x<scale>_mask.png (class "
        "colours) and <image>_x<scale>_overlay.png to --out; classifiers "
        "print the top classes.",
    )
    parser.add_argument("model", type=models.model_spec(False),
                        metavar="MODEL[:WEIGHTS]",
                        help="e.g. SEUNet:pets (weights: a registered name "
                        "or a .weights.h5 path)")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0],
                        help="rescale factors (default: 1)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--top", type=int, default=3,
                        help="classes printed per image for classifiers")
    models.add_model_args_option(parser)
    parser.set_defaults(handler=run)


def run(args):
    from keras_dss.cli.app import UsageError
    from keras_dss.cli.images import colour_mask
    from keras_dss.cli.images import overlay
    from keras_dss.cli.images import read_image
    from keras_dss.cli.images import write_png
    from keras_dss.evaluation import rescale_image

    if any(s <= 0 for s in args.scales):
        raise UsageError(f"--scales must be positive, got {args.scales}")
    model = models.build_model(args.model, args.model_args)
    channels = model.input.shape[-1]
    multiple = models.required_multiple(model)
    out = pathlib.Path(args.out)
    for path in args.images:
        image = read_image(path, channels)
        stem = pathlib.Path(path).stem
        for scale in args.scales:
            x = rescale_image(image.astype(np.float32), scale, multiple)
            logits = model.predict_on_batch(x[None])
            logits = np.asarray(logits)[0]
            if models.is_segmenter(model):
                labels = logits.argmax(-1)
                num_classes = logits.shape[-1]
                shown = np.clip(x, 0, 255).round().astype(np.uint8)
                mask = write_png(colour_mask(labels, num_classes),
                                 out / f"{stem}_x{scale:g}_mask.png")
                write_png(overlay(shown, labels, num_classes),
                          out / f"{stem}_x{scale:g}_overlay.png")
                fractions = np.bincount(labels.ravel(), minlength=num_classes)
                fractions = fractions / labels.size
                print(f"{path} x{scale:g} {x.shape[0]}x{x.shape[1]}: "
                      f"class fractions {np.round(fractions, 3).tolist()} "
                      f"-> {mask}")
            else:
                probs = np.exp(logits - logits.max())
                probs /= probs.sum()
                top = np.argsort(-probs)[: args.top]
                ranked = ", ".join(f"{c}: {probs[c]:.3f}" for c in top)
                print(f"{path} x{scale:g}: {ranked}")
    return 0
