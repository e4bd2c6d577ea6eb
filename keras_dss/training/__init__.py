"""Training recipes: `keras-dss train zoo/<recipe>` and `train_recipe`."""

from keras_dss.training.recipe import Recipe
from keras_dss.training.recipe import load_recipe
from keras_dss.training.trainer import train_recipe
