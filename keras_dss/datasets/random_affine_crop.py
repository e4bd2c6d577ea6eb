"""Random rotation, rescale and crop applied jointly to images and masks."""

import keras
import numpy as np
from keras import ops

from keras_dss.datasets.checks import check_size
from keras_dss.datasets.pipeline_data import merge_pipeline_data
from keras_dss.datasets.pipeline_data import split_pipeline_data


@keras.saving.register_keras_serializable(package="keras_dss")
class RandomAffineCrop(keras.layers.Layer):
    """Rotates and rescales by random amounts, then crops to a fixed size.

    Each example gets its own angle, drawn uniformly in `[-rotation,
    rotation]` degrees, its own scale factor `s`, drawn uniformly in
    `scale_range`, and its own crop window, drawn uniformly among the
    integer offsets of the rotated and rescaled image (when that image is
    smaller than the crop, the window extends past it). Rotation is about
    the image centre; pixels that come from outside the image are filled by
    reflection. The whole transform is one affine map per example, applied
    by `keras.ops.image.affine_transform` on the active backend: bilinear
    for `"images"`, nearest for `"segmentation_masks"` (so masks keep their
    label values, including an ignore value such as 255), and exactly the
    same map for both. With `sizes`, each batch is cropped to a size drawn
    uniformly from that list (one size per batch, so a batch stays one
    array; training on several canvas sizes). With `training=False` there
    is no rotation or rescale, the crop is centred, and of the first size.

    One layer, rather than Keras' `RandomRotation` + `RandomZoom` +
    `RandomCrop`: a single interpolation, one crop offset per example
    (`RandomCrop` draws one per batch and resizes masks bilinearly when the
    input is smaller than the crop), and identical masks on every backend
    (in Keras 3.15 the torch backend's `affine_transform` modifies its
    `transform` argument in place, so Keras' geometric layers give the
    masks a different transform than the images there).

    Random numbers come from numpy (`seed`), so the layer runs eagerly
    only: it is a data-pipeline layer, not a model layer.

    Args:
        height: crop height, or `None` for the input height.
        width: crop width, or `None` for the input width.
        rotation: largest rotation angle in degrees, in [0, 180].
        scale_range: `(low, high)` scale factors, `0 < low <= high`, or
            `None` for no rescaling.
        sizes: `None`, or a list of crop sizes (ints or `(height, width)`)
            to draw one from per batch; `height` and `width` must then be
            `None`.
        seed: seed of the random angles, factors, sizes and offsets.
        **kwargs: base `Layer` arguments (the dtype defaults to float32).

    Input:
        A batch `(B, H, W, C)` of images, or a dict with `"images"` and
        optionally `"segmentation_masks"` `(B, H, W, 1)`.

    Output:
        The same structure, float32, with height and width `(height,
        width)`.

    Example:

    >>> layer = RandomAffineCrop(24, 24, rotation=10, scale_range=(0.8, 1.25))
    >>> out = layer({"images": np.zeros((2, 32, 32, 3)),
    ...              "segmentation_masks": np.zeros((2, 32, 32, 1))})
    >>> out["images"].shape
    (2, 24, 24, 3)
    """

    def __init__(
        self,
        height=None,
        width=None,
        rotation=0,
        scale_range=None,
        sizes=None,
        seed=None,
        **kwargs,
    ):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        name = "RandomAffineCrop"
        for arg, value in (("height", height), ("width", width)):
            if value is not None and (
                not isinstance(value, (int, np.integer))
                or isinstance(value, bool)
                or value < 1
            ):
                raise ValueError(
                    f"{name}: `{arg}` must be None or an int >= 1, got "
                    f"{value!r}."
                )
        if not isinstance(rotation, (int, float)) or not 0 <= rotation <= 180:
            raise ValueError(
                f"{name}: `rotation` must be a number of degrees in "
                f"[0, 180], got {rotation!r}."
            )
        if scale_range is not None:
            try:
                scale_range = tuple(float(v) for v in scale_range)
            except (TypeError, ValueError):
                scale_range = (0.0,)
            if (
                len(scale_range) != 2
                or not 0 < scale_range[0] <= scale_range[1]
            ):
                raise ValueError(
                    f"{name}: `scale_range` must be None or (low, high) with "
                    f"0 < low <= high, got {scale_range!r}."
                )
        if sizes is not None:
            sizes = _check_sizes(name, sizes)
            if height is not None or width is not None:
                raise ValueError(
                    f"{name}: give either `sizes` or `height` and `width`, "
                    f"not both (got sizes={sizes!r}, height={height!r}, "
                    f"width={width!r})."
                )
        self.height = height
        self.width = width
        self.sizes = sizes
        self.rotation = rotation
        self.scale_range = scale_range
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True

    def _transforms(self, batch, height, width, training):
        """Per-example transforms `(B, 8)` mapping output to input pixels."""
        rng = self._rng
        out_h, out_w = self.height or height, self.width or width
        if self.sizes is not None:
            pick = rng.integers(len(self.sizes)) if training else 0
            out_h, out_w = self.sizes[pick]
        scales = np.ones(batch)
        angles = np.zeros(batch)
        if training and self.scale_range is not None:
            scales = rng.uniform(*self.scale_range, size=batch)
        if training and self.rotation:
            angles = np.deg2rad(rng.uniform(-1, 1, batch) * self.rotation)
        # Pixel centres: input p and rescaled u satisfy u + 0.5 = s (p + 0.5).
        centre_x, centre_y = (width - 1) / 2, (height - 1) / 2
        offsets = []
        axes = ((width, out_w, centre_x), (height, out_h, centre_y))
        for size, out, centre in axes:
            extra = scales * size - out
            if training:
                low, high = np.minimum(extra, 0), np.maximum(extra, 0)
                offset = np.rint(rng.uniform(low, high))
            else:
                offset = np.rint(extra / 2)
            # Output pixel x sits at x + offset - (centre of the rescaled
            # image) from that centre.
            offsets.append(offset - (scales * (centre + 0.5) - 0.5))
        dx, dy = offsets
        k, cos, sin = 1 / scales, np.cos(angles), np.sin(angles)
        transforms = np.stack(
            [k * cos, k * sin, centre_x + k * (cos * dx + sin * dy),
             -k * sin, k * cos, centre_y + k * (cos * dy - sin * dx),
             np.zeros(batch), np.zeros(batch)],
            axis=1,
        )  # fmt: skip
        return transforms.astype("float32"), (out_h, out_w)

    def _warp(self, x, transforms, interpolation, out_size):
        height, width = x.shape[1], x.shape[2]
        identity = np.array([1, 0, 0, 0, 1, 0, 0, 0], "float32")
        if out_size == (height, width) and np.allclose(
            transforms, identity, atol=1e-6
        ):
            return x
        x = _symmetric_pad(x, 1, max(0, out_size[0] - height))
        x = _symmetric_pad(x, 2, max(0, out_size[1] - width))
        x = ops.image.affine_transform(
            x,
            ops.convert_to_tensor(np.array(transforms)),  # fresh copy
            interpolation=interpolation,
            fill_mode="reflect",
        )
        return x[:, : out_size[0], : out_size[1], :]

    def call(self, data, training=True):
        images, masks = split_pipeline_data("RandomAffineCrop", data)
        batch, height, width = (int(n) for n in images.shape[:3])
        transforms, out_size = self._transforms(batch, height, width, training)
        images = self._warp(images, transforms, "bilinear", out_size)
        if masks is not None:
            masks = self._warp(masks, transforms, "nearest", out_size)
        return merge_pipeline_data(data, images, masks)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return {
                key: self.compute_output_shape(shape)
                for key, shape in input_shape.items()
            }
        batch, height, width, channels = input_shape
        if self.sizes is not None:
            same = len(set(self.sizes)) == 1
            height, width = self.sizes[0] if same else (None, None)
            return (batch, height, width, channels)
        return (batch, self.height or height, self.width or width, channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "height": self.height,
                "width": self.width,
                "rotation": self.rotation,
                "scale_range": self.scale_range,
                "sizes": None if self.sizes is None else [
                    list(size) for size in self.sizes],
                "seed": self.seed,
            }
        )
        return config


def _check_sizes(name, sizes):
    """`sizes` as a list of `(height, width)` int pairs, or a ValueError."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or (
        len(sizes) == 0
    ):
        raise ValueError(
            f"{name}: `sizes` must be a non-empty list of sizes, got "
            f"{sizes!r}."
        )
    return [check_size(name, "sizes", size) for size in sizes]


def _symmetric_pad(x, axis, after):
    """Pads the end of `axis` by mirror images (`d c b a | a b c d`)."""
    while after > 0:
        size = x.shape[axis]
        step = min(after, size)
        index = [slice(None)] * 4
        index[axis] = slice(size - step, size)
        x = ops.concatenate([x, ops.flip(x[tuple(index)], axis=axis)], axis)
        after -= step
    return x
