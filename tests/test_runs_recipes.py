"""The recipes in `runs/` (runs that span sessions) are valid and comparable.

The Pets comparison is only fair if the two U-Nets train exactly like the
SEU-Net: these tests pin that the three recipes differ in nothing but the
constructor, its scale count and the jittered U-Net's `scale_jitter`, and
that each builds its model.
"""

import copy
import pathlib

import pytest

from keras_dss import zoo
from keras_dss.training.recipe import load_recipe

RUNS = pathlib.Path(__file__).resolve().parent.parent / "runs"
PETS = ("seunet_pets16", "unet_pets16", "unet_pets16_jitter")


def comparable(recipe):
    """The recipe without what is meant to differ between the three."""
    parts = {"data": recipe.data, "training": recipe.training,
             "augmentation": copy.deepcopy(recipe.augmentation),
             "args": dict(recipe.model["args"])}
    parts["augmentation"].pop("scale_jitter", None)
    parts["args"].pop("num_scales", None)
    return parts


@pytest.mark.parametrize("folder", PETS)
def test_recipe_builds_its_model(folder):
    recipe = load_recipe(RUNS / folder)
    model = getattr(zoo, recipe.model["constructor"])(
        weights=None, **recipe.model["args"])
    assert model.output_shape[-1] == recipe.model["args"]["num_classes"]


def test_pets_recipes_differ_only_in_model_and_jitter():
    seunet, unet, jitter = (load_recipe(RUNS / f) for f in PETS)
    assert (seunet.model["constructor"], unet.model["constructor"],
            jitter.model["constructor"]) == ("SEUNet", "UNet", "UNet")
    assert (seunet.name, unet.name, jitter.name) == (
        "pets", "pets", "pets-jitter")
    assert comparable(unet) == comparable(seunet)
    assert comparable(jitter) == comparable(seunet)
    assert "scale_jitter" not in seunet.augmentation
    assert "scale_jitter" not in unet.augmentation
    assert jitter.augmentation["scale_jitter"] == [0.5, 2.0]
