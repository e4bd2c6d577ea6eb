"""The registry of pretrained weights: what each file is and where it came from."""

import dataclasses
import json

from keras_dss.zoo.weights_files import weights_dirs

REGISTRY_FILE = "registry.json"


@dataclasses.dataclass(frozen=True)
class WeightsInfo:
    """One registered weights file.

    Args:
        model: constructor name in `keras_dss.zoo`, e.g. `"SEUNet"`.
        name: the name users pass as `weights=`, e.g. `"pets"`.
        config: the exact constructor arguments the weights belong to.
        file: file name inside the weights folder.
        sha256: hex digest the file must have.
        dataset: the training data.
        license: license of the weights (follows the data's license).
        recipe: the training recipe, a folder of `zoo/` in the repository.
        metrics: headline metrics, e.g. `{"mean_iou@1": 0.72}`.
        description: one line for `list_weights()`.
    """

    model: str
    name: str
    config: dict
    file: str
    sha256: str
    dataset: str
    license: str
    recipe: str
    metrics: dict = dataclasses.field(default_factory=dict)
    description: str = ""

    def constructor_arguments(self):
        """Keyword arguments that build this architecture with other
        weights, e.g. `zoo.SEUNet(**info.constructor_arguments())` for a
        random initialisation (`input_channels` becomes `input_shape`)."""
        kwargs = {k: tuple(v) if isinstance(v, list) else v
                  for k, v in self.config.items() if k != "input_channels"}
        channels = self.config.get("input_channels")
        if channels is not None:
            kwargs["input_shape"] = (None, None, channels)
        return kwargs


_REGISTRY = {}


def load_shipped_entries():
    """Registers the entries of the first `registry.json` in `weights_dirs()`.

    The file is a JSON list of objects with the fields of `WeightsInfo`; it
    ships next to the weights files (`weights/` in the repository,
    `keras_dss/_weights` in a wheel).

    Returns:
        The number of entries registered.
    """
    for folder in weights_dirs():
        path = folder / REGISTRY_FILE
        if path.is_file():
            try:
                entries = json.loads(path.read_text())
                infos = [WeightsInfo(**entry) for entry in entries]
            except (json.JSONDecodeError, TypeError) as error:
                raise ValueError(f"malformed weights registry {path}: {error}")
            for info in infos:
                register_weights(info, overwrite=True)
            return len(infos)
    return 0


def register_weights(info, overwrite=False):
    """Adds a `WeightsInfo` to the registry.

    Args:
        info: the `WeightsInfo` to add.
        overwrite: replace an entry with the same model and name instead of
            raising.
    """
    if not isinstance(info, WeightsInfo):
        raise TypeError(f"register_weights: expected a WeightsInfo, got {info!r}.")
    key = (info.model, info.name)
    if key in _REGISTRY and not overwrite:
        raise ValueError(
            f"Weights {info.name!r} for {info.model} are already registered; "
            "pass overwrite=True to replace them."
        )
    _REGISTRY[key] = info


def unregister_weights(model, name):
    """Removes a registered entry (no error if absent)."""
    _REGISTRY.pop((model, name), None)


def available_weights(model=None):
    """Registered entries, optionally only those of one constructor."""
    return [
        info
        for key, info in sorted(_REGISTRY.items())
        if model is None or info.model == model
    ]


def get_weights_info(model, name):
    """The entry registered as `name` for `model`, or a clear error."""
    try:
        return _REGISTRY[(model, name)]
    except KeyError:
        names = [info.name for info in available_weights(model)]
        listed = ", ".join(repr(n) for n in names) if names else "none yet"
        raise ValueError(
            f"{model}: unknown weights {name!r}. Registered for {model}: "
            f"{listed}. Pass weights=None for random initialisation or a path "
            "to a `.weights.h5` file; `keras_dss.zoo.list_weights()` lists "
            "every registered file."
        ) from None


def format_weights_table(infos):
    """A plain-text table of registered weights."""
    header = ("model", "weights", "dataset", "license", "metrics", "file")
    rows = [
        (
            info.model,
            info.name,
            info.dataset,
            info.license,
            ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                      for k, v in info.metrics.items()),
            info.file,
        )
        for info in infos
    ]
    if not rows:
        return "No pretrained weights are registered yet."
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(6)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths))
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def list_weights(model=None):
    """Prints the registered weights as a table and returns the entries.

    Args:
        model: optional constructor name to filter by, e.g. `"SEUNet"`.

    Returns:
        The list of `WeightsInfo` entries.
    """
    infos = available_weights(model)
    print(format_weights_table(infos))
    return infos


load_shipped_entries()
