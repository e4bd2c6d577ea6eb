"""What the tests of shipped pretrained weights share: which entries are
registered, the real data they were trained on, and that data's splits."""

import dataclasses
import functools
import pathlib

import numpy as np
import pytest

from keras_dss import datasets
from keras_dss.training import load_recipe
from keras_dss.training.tasks import get_task
from keras_dss.zoo import registry

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Data set name -> folder of ../shared/data holding it.
DATA_FOLDERS = {
    "oxford_iiit_pet": "oxford_iiit_pet_128",
    "dic_hela": "dic_hela",
    "fashion_mnist_scale": "fashion_mnist",
}


def shipped(kind=None):
    """`(model, name)` of every registered weights file shipped in the
    repository, segmenters only with `kind="segmentation"`."""
    entries = [info for info in registry.available_weights()
               if info.recipe.startswith("zoo/")]
    if kind == "segmentation":
        entries = [i for i in entries if i.dataset != "fashion_mnist_scale"]
    return [(info.model, info.name) for info in entries]


def params(kind=None):
    """pytest parameters for `shipped()`; one skipped case if there are none."""
    found = shipped(kind)
    if found:
        return [pytest.param(m, n, id=f"{m}:{n}") for m, n in found]
    return [pytest.param(None, None, marks=pytest.mark.skip(
        reason="no pretrained weights are registered in weights/"))]


def available_data_folder(info):
    """The real data folder of a weights entry, or `None` if absent."""
    root = datasets.default_data_dir()
    folder = None if root is None else root / DATA_FOLDERS[info.dataset]
    return folder if folder is not None and folder.is_dir() else None


def data_folder(info):
    """The real data folder of a weights entry, or a skip with the reason."""
    folder = available_data_folder(info)
    if folder is None:
        pytest.skip(f"real data ../shared/data/{DATA_FOLDERS[info.dataset]} "
                    "is not present on this machine")
    return folder


# Test examples compared across backends: `count`, but fewer of the large
# ones (4 HeLa frames of 512 x 512 are a million pixels).
TEST_COUNT_LIMIT = {"dic_hela": 4}


def first_test_examples(info, count):
    """The first `count` test images (uint8) and labels of the entry's data
    (at most `TEST_COUNT_LIMIT` of large ones)."""
    count = min(count, TEST_COUNT_LIMIT.get(info.dataset, count))
    task = get_task(info.dataset)
    data = task.load_test(data_folder(info), limit=count)
    if info.dataset == "fashion_mnist_scale":
        return data["test"]["images"], data["test"]["labels"]
    return data


def first_validation_examples(info, count):
    """The first `count` validation examples the weights were selected on:
    the split of the recipe that trained them."""
    return _validation_examples(info.recipe, str(data_folder(info)), count)


@functools.lru_cache(maxsize=4)
def _validation_examples(recipe_folder, data_path, count):
    recipe = load_recipe(ROOT / recipe_folder)
    train, val = get_task(recipe.data["dataset"]).train_val(
        dataclasses.replace(recipe, data=dict(recipe.data, path=data_path)))
    x, y = [], []
    for i in range(len(val)):
        batch_x, batch_y = val[i]
        x.append(batch_x)
        y.append(batch_y)
        if sum(len(b) for b in x) >= count:
            break
    return np.concatenate(x)[:count], np.concatenate(y)[:count]
