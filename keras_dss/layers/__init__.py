"""Scale-space layers. Tensors on a scale-space have the layout
`(batch, scales, height, width, channels)`.

Batch normalization needs no layer of its own: `keras.layers.
BatchNormalization(axis=-1)` on a 5-D scale-space tensor already shares its
statistics over batch, scales and space (every axis but the channels), as DSS
prescribes.
"""

from keras_dss.layers.projection import Projection
from keras_dss.layers.scale_conv2d import ScaleConv2D
from keras_dss.layers.scale_dropout import ScaleDropout
from keras_dss.layers.scale_max_pool import ScaleMaxPool
from keras_dss.layers.scale_space_lift import ScaleSpaceLift
from keras_dss.layers.scale_up_sample import ScaleUpSample

__all__ = [
    "Projection",
    "ScaleConv2D",
    "ScaleDropout",
    "ScaleMaxPool",
    "ScaleSpaceLift",
    "ScaleUpSample",
]
