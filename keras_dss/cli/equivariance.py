"""`keras-dss equivariance`: the DSS eq. 25 table of a zoo model."""

import numpy as np

from keras_dss.cli import models


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "equivariance",
        help="measure the scale equivariance of a zoo model (DSS eq. 25)",
        description="Prints L(l, k) = |Phi[f]_{k+l}(2^l .) - Phi[D_l f]_k| / "
        "|Phi[f]_{k+l}(2^l .)| for the model's scale-space features (the "
        "input of its projection) on a real photograph, in inference mode.",
    )
    parser.add_argument("model", type=models.model_spec(False),
                        metavar="MODEL[:WEIGHTS]",
                        help="a scale-space model: SEUNet, SResNet or "
                        "SDenseNet, with optional weights")
    parser.add_argument("--image", help="image file (default: scikit-image's "
                        "astronaut photograph)")
    parser.add_argument("--size", type=int, default=256,
                        help="side the image is resized to (default 256)")
    parser.add_argument("--max-level", type=int, default=2,
                        help="largest downscaling exponent l (default 2)")
    parser.add_argument("--margin", type=int, default=0,
                        help="coarse-grid pixels ignored at each border")
    models.add_model_args_option(parser)
    parser.set_defaults(handler=run)


def _photograph(path, channels, size):
    from PIL import Image

    if path:
        from keras_dss.cli.images import read_image

        image = read_image(path, channels)
    else:
        from skimage import data

        image = data.astronaut()
        if channels == 1:
            image = np.asarray(Image.fromarray(image).convert("L"))[..., None]
    mode = "L" if channels == 1 else "RGB"
    resized = Image.fromarray(image.squeeze() if channels == 1 else image, mode)
    resized = np.asarray(resized.resize((size, size), Image.BILINEAR))
    return resized[..., None] if channels == 1 else resized


def run(args):
    import keras

    from keras_dss.cli.app import UsageError
    from keras_dss.equivariance import equivariance_errors
    from keras_dss.equivariance import format_table

    model = models.build_model(args.model, args.model_args)
    try:
        projection = model.get_layer("projection")
    except ValueError:
        raise UsageError(
            f"{args.model[0]} has no scale-space (no projection layer); "
            "choose SEUNet, SResNet or SDenseNet"
        ) from None
    if len(projection.input.shape) != 5:
        raise UsageError(f"{args.model[0]} has no 5-D scale-space features")
    features = keras.Model(model.input, projection.input)
    step = 2**args.max_level * models.required_multiple(model)
    if args.size % step:
        raise UsageError(
            f"--size must be a multiple of 2**max_level * {step // 2**args.max_level}"
            f" = {step}, got {args.size}"
        )
    image = _photograph(args.image, model.input.shape[-1], args.size)
    errors = equivariance_errors(
        lambda x: features.predict_on_batch(x),
        image.astype(np.float32),
        max_level=args.max_level,
        margin=args.margin,
        border="reflect",
    )
    name = f"{args.model[0]}:{args.model[1] or 'random weights'}"
    print(format_table(errors, title=f"Eq. 25 errors L(l, k) of {name}, "
                       f"{args.size}x{args.size} image, inference mode"))
    return 0
