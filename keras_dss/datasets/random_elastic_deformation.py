"""Random smooth (elastic) deformation applied jointly to images and masks."""

import keras
import numpy as np
import scipy.ndimage
from keras import ops

from keras_dss.datasets.pipeline_data import merge_pipeline_data
from keras_dss.datasets.pipeline_data import split_pipeline_data


@keras.saving.register_keras_serializable(package="keras_dss")
class RandomElasticDeformation(keras.layers.Layer):
    """Warps each example by its own random smooth displacement field.

    The displacement field is the one of the U-Net paper's augmentation:
    random displacement vectors on a coarse `grid x grid` lattice spread
    over the image, each component drawn from a normal distribution with
    standard deviation `magnitude` pixels, interpolated to every pixel by
    cubic splines. Output pixel `p` reads the input at `p + d(p)` with
    `keras.ops.image.map_coordinates` on the active backend: linear for
    `"images"`, nearest for `"segmentation_masks"` (masks keep their label
    values), the same field for both; reflection fills what comes from
    outside the image. With `training=False` or `magnitude=0` the input is
    returned unchanged.

    Random numbers come from numpy (`seed`), so the layer runs eagerly
    only: it is a data-pipeline layer, not a model layer.

    Args:
        magnitude: standard deviation of the lattice displacements, in
            pixels (>= 0).
        grid: lattice points per side (>= 2); fewer points give smoother,
            larger-scale deformations.
        seed: seed of the random displacements.
        **kwargs: base `Layer` arguments (the dtype defaults to float32).

    Input:
        A batch `(B, H, W, C)` of images, or a dict with `"images"` and
        optionally `"segmentation_masks"` `(B, H, W, 1)`.

    Output:
        The same structure and shapes, float32.

    Example:

    >>> layer = RandomElasticDeformation(magnitude=10, grid=3, seed=0)
    >>> out = layer({"images": np.zeros((2, 64, 64, 1)),
    ...              "segmentation_masks": np.zeros((2, 64, 64, 1))})
    >>> out["images"].shape
    (2, 64, 64, 1)
    """

    def __init__(self, magnitude=10.0, grid=3, seed=None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        name = "RandomElasticDeformation"
        if (not isinstance(magnitude, (int, float, np.number))
                or isinstance(magnitude, bool) or not magnitude >= 0):
            raise ValueError(
                f"{name}: `magnitude` must be a number of pixels >= 0, got "
                f"{magnitude!r}."
            )
        if (not isinstance(grid, (int, np.integer)) or isinstance(grid, bool)
                or grid < 2):
            raise ValueError(
                f"{name}: `grid` must be an int >= 2, got {grid!r}."
            )
        self.magnitude = float(magnitude)
        self.grid = int(grid)
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True

    def displacements(self, batch, height, width):
        """Random fields `(B, 2, H, W)`: row and column displacements."""
        coarse = self._rng.normal(
            0.0, self.magnitude, (batch, 2, self.grid, self.grid)
        )
        zoom = (1, 1, height / self.grid, width / self.grid)
        return scipy.ndimage.zoom(coarse, zoom, order=3, mode="nearest",
                                  grid_mode=True).astype("float32")

    def _coordinates(self, fields, channels):
        """Sampling coordinates `(4, B, H, W, C)` of every output value."""
        batch, _, height, width = fields.shape
        b, y, x, c = np.meshgrid(np.arange(batch), np.arange(height),
                                 np.arange(width), np.arange(channels),
                                 indexing="ij")
        y = y + fields[:, 0, :, :, None]
        x = x + fields[:, 1, :, :, None]
        return np.stack([b, y, x, c]).astype("float32")

    def _warp(self, x, fields, order):
        coordinates = self._coordinates(fields, int(x.shape[-1]))
        return ops.image.map_coordinates(
            x, ops.convert_to_tensor(coordinates), order=order,
            fill_mode="reflect",
        )

    def call(self, data, training=True):
        images, masks = split_pipeline_data("RandomElasticDeformation", data)
        if training and self.magnitude > 0:
            fields = self.displacements(*(int(n) for n in images.shape[:3]))
            images = self._warp(images, fields, order=1)
            if masks is not None:
                masks = self._warp(masks, fields, order=0)
        return merge_pipeline_data(data, images, masks)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {"magnitude": self.magnitude, "grid": self.grid,
             "seed": self.seed}
        )
        return config
