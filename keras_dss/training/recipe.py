"""Training recipes: one `recipe.json` per folder of `zoo/`."""

import dataclasses
import json
import pathlib

SECTIONS = ("model", "data", "augmentation", "training")
TRAINING_DEFAULTS = {
    "batch_size": 8,
    "epochs": 300,
    "optimizer": "adamw",
    "learning_rate": 1e-3,
    "weight_decay": 1e-4,
    "reduce_lr_patience": 10,
    "reduce_lr_factor": 0.5,
    "early_stopping_patience": 30,
    "steps_per_epoch": None,
    "validation_batch_size": None,
    "seed": 0,
    "jit_compile": "auto",
    # Training batches to recompute batch-norm statistics from before each
    # validation (keras_dss.training.precise_bn); 0 keeps the moving
    # averages.
    "precise_bn_batches": 0,
    # Keras dtype policy of the model while it trains: "mixed_bfloat16"
    # trains about 1.4x faster on CPUs with AMX (TensorFlow, torch;
    # BENCHMARKS.md, 2026-12-07). The weights stay float32 either way.
    "dtype_policy": "float32",
}
DTYPE_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


@dataclasses.dataclass
class Recipe:
    """A parsed `recipe.json`.

    Args:
        folder: the recipe folder (outputs go to `folder/run/`).
        name: the weights name the recipe produces, e.g. `"pets"`.
        model: `{"constructor": "SEUNet", "args": {...}}`.
        data: `{"dataset": "oxford_iiit_pet" | "dic_hela" |
            "fashion_mnist_scale" | "patch_camelyon" | "cityscapes",
            "path": ..., ...}`; segmentation data also take `"repeat"`
            (draws of each training image per epoch, default 1), and
            Fashion-MNIST-scale takes `"train_scales": [low, high]` (train
            and validate only on images rescaled by a factor in that range;
            the test split keeps all scales).
        augmentation: keyword arguments of the data set's augmentation.
        training: optimisation settings (see `TRAINING_DEFAULTS`).
        description: free text for the model card.
    """

    folder: pathlib.Path
    name: str
    model: dict
    data: dict
    augmentation: dict
    training: dict
    description: str = ""

    @property
    def run_dir(self):
        return self.folder / "run"


def load_recipe(folder):
    """Reads and validates `folder/recipe.json`.

    Args:
        folder: a recipe folder, or the path of its `recipe.json`.

    Returns:
        A `Recipe` with the training defaults filled in.
    """
    folder = pathlib.Path(folder)
    path = folder if folder.suffix == ".json" else folder / "recipe.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no recipe at {str(path)!r}: a recipe is a folder of zoo/ with a "
            "recipe.json"
        )
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from error
    unknown = set(raw) - set(SECTIONS) - {"name", "description"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    for key in ("name", "model", "data"):
        if key not in raw:
            raise ValueError(f"{path}: missing key {key!r}")
    if "constructor" not in raw["model"]:
        raise ValueError(f"{path}: model.constructor is missing")
    training = dict(TRAINING_DEFAULTS)
    extra = set(raw.get("training", {})) - set(TRAINING_DEFAULTS)
    if extra:
        raise ValueError(
            f"{path}: unknown training settings {sorted(extra)}; known: "
            f"{sorted(TRAINING_DEFAULTS)}"
        )
    training.update(raw.get("training", {}))
    if training["dtype_policy"] not in DTYPE_POLICIES:
        raise ValueError(
            f"{path}: training.dtype_policy must be one of "
            f"{list(DTYPE_POLICIES)}, got {training['dtype_policy']!r}"
        )
    return Recipe(
        folder=path.parent,
        name=raw["name"],
        model={"constructor": raw["model"]["constructor"],
               "args": dict(raw["model"].get("args", {}))},
        data=dict(raw["data"]),
        augmentation=dict(raw.get("augmentation", {})),
        training=training,
        description=raw.get("description", ""),
    )
