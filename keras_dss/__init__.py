"""keras_dss: deep scale-spaces and scale-equivariant networks for Keras 3."""

from keras_dss import initializers
from keras_dss import layers
from keras_dss import scale_space
from keras_dss import zoo
from keras_dss.initializers import Delta
from keras_dss.layers import Projection
from keras_dss.layers import ScaleConv2D
from keras_dss.layers import ScaleDropout
from keras_dss.layers import ScaleMaxPool
from keras_dss.layers import ScaleSpaceLift
from keras_dss.layers import ScaleUpSample
from keras_dss.remat import RematChain
from keras_dss.remat import rematerialize

__version__ = "0.1.0"
