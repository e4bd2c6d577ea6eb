"""Resolving `MODEL[:WEIGHTS]` arguments of the command line."""

import argparse

CONSTRUCTORS = ("SEUNet", "UNet", "SResNet", "SDenseNet", "DenseNet")


def parse_model_spec(spec, require_weights=False):
    """Splits `MODEL[:WEIGHTS]` into a canonical constructor name and weights.

    Args:
        spec: e.g. `"SEUNet:pets"`, `"unet"` or `"SEUNet:/path/x.weights.h5"`.
        require_weights: raise unless weights are given.

    Returns:
        `(constructor_name, weights_or_None)`.
    """
    name, _, weights = spec.partition(":")
    lookup = {c.lower(): c for c in CONSTRUCTORS}
    if name.lower() not in lookup:
        raise argparse.ArgumentTypeError(
            f"unknown model {name!r}; choose from {', '.join(CONSTRUCTORS)}"
        )
    if require_weights and not weights:
        raise argparse.ArgumentTypeError(
            f"{spec!r} names no weights; use MODEL:WEIGHTS, e.g. SEUNet:pets "
            "(`keras-dss list` shows the registered ones)"
        )
    return lookup[name.lower()], (weights or None)


def model_spec(require_weights):
    """An argparse `type=` for `MODEL[:WEIGHTS]`."""
    return lambda spec: parse_model_spec(spec, require_weights)


def model_args(text):
    """An argparse `type=` for `--model-args`: a JSON object."""
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f"expected a JSON object such as '{{\"filters\": 8}}', got {text!r}"
        )
    return value


def add_model_args_option(parser):
    """Adds `--model-args JSON` (constructor arguments) to a subcommand."""
    parser.add_argument(
        "--model-args", type=model_args, default={}, metavar="JSON",
        help="constructor arguments as a JSON object, e.g. "
        "'{\"filters\": 8, \"depth\": 3}' (for weights files saved from "
        "a non-default architecture)",
    )


def build_model(spec, model_args=None):
    """Builds the zoo model of a parsed `(constructor, weights)` spec."""
    from keras_dss import zoo

    constructor, weights = spec
    try:
        return getattr(zoo, constructor)(weights=weights, **(model_args or {}))
    except TypeError as error:
        raise ValueError(f"bad --model-args for {constructor}: {error}") from None


def required_multiple(model):
    """The divisor the model's input sides need (1 if unconstrained)."""
    try:
        return model.get_layer("size_check").multiple
    except ValueError:
        return 1


def is_segmenter(model):
    """Whether the model outputs a map `(B, H, W, classes)`."""
    return len(model.output.shape) == 4


def is_weights_path_spec(weights):
    """Whether a `WEIGHTS` part is a file path rather than a registered name."""
    from keras_dss.zoo.loading import is_weights_path

    return is_weights_path(weights)


def weights_sha256(spec):
    """The sha256 of the weights file a parsed `(constructor, weights)` names.

    A registered name gives its registry checksum (the file is verified
    against it when loaded); a path gives the digest of that file.
    """
    from keras_dss.zoo import registry
    from keras_dss.zoo.weights_files import sha256_of

    constructor, weights = spec
    if is_weights_path_spec(weights):
        return sha256_of(weights)
    return registry.get_weights_info(constructor, weights).sha256
