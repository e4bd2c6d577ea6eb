"""`keras-dss demo`: the README's main job, a cat segmented at several scales."""

import numpy as np

DEMO_MODELS = (("SEUNet", "pets"), ("UNet", "pets"))
OPTIONAL_MODELS = (("UNet", "pets-jitter"),)
DEMO_SCALES = (0.25, 0.5, 1.0, 1.5, 2.0)
BASE_SIDE = 128


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "demo",
        help="segment a real photograph at several scales with the "
        "pretrained SEU-Net and U-Net (writes one PNG)",
        description="Segments scikit-image's chelsea photograph (a cat), "
        f"resized to {BASE_SIDE} px as in training and rescaled by "
        f"{', '.join(f'{s:g}' for s in DEMO_SCALES)}, with the pretrained "
        "SEUNet:pets and UNet:pets, and writes the overlays side by side.",
    )
    parser.add_argument("--out", default="keras_dss_demo.png",
                        help="output PNG (default keras_dss_demo.png)")
    parser.add_argument("--scales", type=float, nargs="+",
                        default=list(DEMO_SCALES))
    parser.set_defaults(handler=run)


def missing_weights():
    """The demo's registered weights that do not exist yet."""
    from keras_dss.zoo import registry

    names = {(i.model, i.name) for i in registry.available_weights()}
    return [f"{m}:{w}" for m, w in DEMO_MODELS if (m, w) not in names]


def run(args):
    missing = missing_weights()
    if missing:
        print(
            "keras-dss demo: the pretrained weights it needs are not "
            f"registered yet ({', '.join(missing)}); no figure was written. "
            "`keras-dss list` shows what is available."
        )
        return 1
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image
    from skimage import data

    from keras_dss import zoo
    from keras_dss.cli.images import overlay
    from keras_dss.evaluation import rescale_image

    cat = np.asarray(
        Image.fromarray(data.chelsea()).resize((BASE_SIDE, BASE_SIDE),
                                               Image.BILINEAR)
    ).astype(np.float32)
    from keras_dss.zoo import registry

    shown_models = list(DEMO_MODELS) + [
        (m, w) for m, w in OPTIONAL_MODELS
        if (m, w) in {(i.model, i.name) for i in registry.available_weights()}
    ]
    models = [getattr(zoo, m)(weights=w) for m, w in shown_models]
    multiple = max(m.get_layer("size_check").multiple for m in models)
    fig, axes = plt.subplots(
        len(models), len(args.scales),
        figsize=(2.6 * len(args.scales), 2.8 * len(models)), squeeze=False,
    )
    for col, scale in enumerate(args.scales):
        x = rescale_image(cat, scale, multiple)
        shown = np.clip(x, 0, 255).round().astype(np.uint8)
        for row, (model, (name, weights)) in enumerate(zip(models,
                                                           shown_models)):
            labels = np.asarray(model.predict_on_batch(x[None]))[0].argmax(-1)
            ax = axes[row, col]
            ax.imshow(overlay(shown, labels, 3))
            ax.set_xticks([])
            ax.set_yticks([])
            pet = (labels == 0).mean()
            ax.set_title(f"{name}:{weights} x{scale:g} ({x.shape[0]} px)\n"
                         f"pet {pet:.0%}",
                         fontsize=9)
    fig.suptitle("Pet (class 0) / background / border at several scales; "
                 f"trained on {BASE_SIDE} px images (pets-jitter: rescaled "
                 "by 0.5-2 in training)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")
    return 0
