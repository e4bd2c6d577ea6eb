"""Backend-agnostic data loaders for the model zoo.

Loaders return numpy arrays (or lazily read, indexable data sets) and the
`PyDataset`s here batch them for `model.fit` on TensorFlow, PyTorch and
JAX. TensorFlow and tensorflow-datasets are imported only when a loader is
called with `source="tfds"`.
"""

from keras_dss.datasets.augment import segmentation_augmentation
from keras_dss.datasets.cityscapes import CLASS_NAMES as CITYSCAPES_CLASSES
from keras_dss.datasets.cityscapes import CityscapesFiles
from keras_dss.datasets.cityscapes import label_ids_to_train_ids
from keras_dss.datasets.cityscapes import load_cityscapes
from keras_dss.datasets.fashion_mnist_scale import load_fashion_mnist_scale
from keras_dss.datasets.hela import hela_split
from keras_dss.datasets.hela import load_dic_hela
from keras_dss.datasets.idx import read_idx
from keras_dss.datasets.patch_camelyon import PatchCamelyon
from keras_dss.datasets.patch_camelyon import load_patch_camelyon
from keras_dss.datasets.paths import default_data_dir
from keras_dss.datasets.pets import load_oxford_iiit_pet
from keras_dss.datasets.pets import train_val_split
from keras_dss.datasets.random_affine_crop import RandomAffineCrop
from keras_dss.datasets.random_elastic_deformation import (
    RandomElasticDeformation,
)
from keras_dss.datasets.sequence import ClassificationSequence
from keras_dss.datasets.sequence import SegmentationSequence
from keras_dss.datasets.tf_dataset import as_tf_dataset
from keras_dss.datasets.tf_dataset import varies_batch_shape

__all__ = [
    "CITYSCAPES_CLASSES",
    "ClassificationSequence",
    "CityscapesFiles",
    "PatchCamelyon",
    "RandomAffineCrop",
    "RandomElasticDeformation",
    "SegmentationSequence",
    "as_tf_dataset",
    "default_data_dir",
    "hela_split",
    "label_ids_to_train_ids",
    "load_cityscapes",
    "load_dic_hela",
    "load_fashion_mnist_scale",
    "load_oxford_iiit_pet",
    "load_patch_camelyon",
    "read_idx",
    "segmentation_augmentation",
    "train_val_split",
    "varies_batch_shape",
]
