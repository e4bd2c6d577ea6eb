"""Turning constructor arguments and a `weights=` value into a model."""

import os

import keras

from keras_dss.zoo import registry
from keras_dss.zoo.initialization import restore_initializers
from keras_dss.zoo.initialization import weights_follow
from keras_dss.zoo.weights_files import find_weights_file
from keras_dss.zoo.weights_files import verify_checksum


def is_weights_path(weights):
    """Whether `weights` names a file rather than a registered name."""
    return isinstance(weights, (str, os.PathLike)) and (
        str(weights).endswith(".h5") or os.sep in str(weights)
        or os.path.exists(weights)
    )


def _normalize(value):
    """Lists (e.g. a config read from JSON) compare and build as tuples."""
    return tuple(value) if isinstance(value, list) else value


def resolve_config(model_name, weights, defaults, given):
    """Architecture arguments for a constructor call.

    Arguments left as `None` take the registered weights' value when
    `weights` is a registered name, else the constructor's default. An
    argument that contradicts registered weights is an error.

    Args:
        model_name: constructor name, e.g. `"SEUNet"`.
        weights: `None`, a registered name or a file path.
        defaults: the constructor's default architecture arguments.
        given: the arguments the caller passed (`None` = not given).

    Returns:
        `(config, info)`, `info` being the `WeightsInfo` or `None`.
    """
    info = None
    base = dict(defaults)
    if weights is not None and not is_weights_path(weights):
        if not isinstance(weights, str):
            raise ValueError(
                f"{model_name}: `weights` must be None, a registered name or "
                f"a path to a `.weights.h5` file, got {weights!r}."
            )
        info = registry.get_weights_info(model_name, weights)
        unknown = sorted(set(info.config) - set(defaults))
        if unknown:
            raise ValueError(
                f"{model_name}: the registered weights {weights!r} have "
                f"unknown config argument(s) {unknown}; {model_name} takes "
                f"{sorted(defaults)}."
            )
        base.update({k: _normalize(v) for k, v in info.config.items()})
    config = {}
    for key, default in base.items():
        value = given.get(key)
        if value is None:
            config[key] = default
            continue
        value = _normalize(value)
        if info is not None and key in info.config and value != base[key]:
            if key == "num_classes":
                raise ValueError(
                    f"{model_name}: weights {weights!r} have "
                    f"num_classes={base[key]}, got num_classes={value}; "
                    "leave num_classes unset with these weights. To "
                    f"fine-tune on {value} classes, build the body with "
                    f"`{model_name}(weights={weights!r}, include_top=False)` "
                    "(no num_classes) and add a new head, e.g. `keras.layers.Conv2D"
                    f"({value}, 1)(body.output)` (see the README's "
                    "fine-tuning example)."
                )
            raise ValueError(
                f"{model_name}: weights {weights!r} were trained with "
                f"{key}={base[key]!r}, got {key}={value!r}. Leave {key} unset "
                "to use the registered value."
            )
        config[key] = value
    return config, info


def load_into(model, model_name, weights, info):
    """Loads registered or file weights into a freshly built model."""
    if weights is None:
        return model
    if info is not None:
        path = verify_checksum(find_weights_file(info.file), info.sha256)
    else:
        path = os.fspath(weights)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"{model_name}: weights file {path!r} does not exist."
            )
        if not path.endswith(".weights.h5"):
            raise ValueError(
                f"{model_name}: expected a `.weights.h5` file, got {path!r}."
            )
    try:
        model.load_weights(path)
    except ValueError as error:
        raise ValueError(
            f"{model_name}: the weights in {path} do not fit this "
            f"architecture ({error}). Build the model with the arguments the "
            "weights were saved with."
        ) from error
    return model


def build_zoo_model(model_name, defaults, given, input_shape, weights,
                    include_top, build):
    """What every zoo constructor does around building its graph.

    Resolves the architecture arguments (`resolve_config`), fills in the
    default input shape, builds the full model, loads `weights` and, for
    `include_top=False`, cuts the model before its classifier.

    Args:
        model_name: constructor name, e.g. `"SEUNet"`.
        defaults: the constructor's default architecture arguments.
        given: the architecture arguments the caller passed (`None` = not
            given), without `input_channels` (taken from `input_shape`).
        input_shape: the caller's `input_shape` or `None`.
        weights: `None`, a registered name or a file path.
        include_top: whether to keep the classifier.
        build: `build(config, input_shape)` returning the full model,
            classifier included.

    Returns:
        The Functional `keras.Model`.
    """
    channels = None if input_shape is None else input_shape[-1]
    given = dict(given, input_channels=channels)
    config, info = resolve_config(model_name, weights, defaults, given)
    if input_shape is None:
        input_shape = (None, None, config["input_channels"])
    # With weights to load, the layers skip their random initialization
    # (slow on JAX: one compilation per kernel shape); `load_into` then
    # fills every variable.
    if weights is None:
        model = build(config, input_shape)
    else:
        with weights_follow():
            model = build(config, input_shape)
        restore_initializers(model)
        load_into(model, model_name, weights, info)
    return model if include_top else feature_model(model, model.name)


def feature_model(model, name, head="classifier"):
    """The model cut before its `head` layer, for `include_top=False`."""
    return keras.Model(model.inputs, model.get_layer(head).input, name=name)
