"""Pretrained scale-equivariant models and their baselines.

Constructors return Functional `keras.Model`s that take raw pixel values
(0-255) and work on every Keras backend:

- `SEUNet`: Scale-Equivariant U-Net (segmentation).
- `UNet`: the plain U-Net with the same structure.
- `SResNet`: scale-equivariant residual network for dense prediction.
- `SDenseNet`: scale-equivariant DenseNet classifier.
- `DenseNet`: the plain DenseNet of matched parameter count.

`weights=` takes a registered name (`list_weights()`), `None` or a path to
a `.weights.h5` file; registered files are verified by sha256 when loaded.
"""

from keras_dss.zoo.densenet import DenseNet
from keras_dss.zoo.pixels import SideMultipleCheck
from keras_dss.zoo.pixels import pad_to_multiple
from keras_dss.zoo.registry import WeightsInfo
from keras_dss.zoo.registry import available_weights
from keras_dss.zoo.registry import get_weights_info
from keras_dss.zoo.registry import list_weights
from keras_dss.zoo.registry import register_weights
from keras_dss.zoo.registry import unregister_weights
from keras_dss.zoo.sdensenet import SDenseNet
from keras_dss.zoo.seunet import SEUNet
from keras_dss.zoo.sresnet import SResNet
from keras_dss.zoo.unet import UNet
