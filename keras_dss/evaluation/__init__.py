"""Evaluation: metrics, rescaling and the SEU-Net scale-generalisation test.

```python
from keras_dss import evaluation

result = evaluation.scale_generalization(
    model, images, masks, scales=evaluation.pets_scales(), multiple=16
)
evaluation.save_json(result, "results/seunet_pets.json")
print(evaluation.format_table({"SEU-Net": result}, "mean_iou"))
evaluation.plot_scale_generalization({"SEU-Net": result}, path="pets.png")
```
"""

from keras_dss.evaluation.classification_report import (
    format_classification_table,
)
from keras_dss.evaluation.classification_report import (
    plot_classification_by_scale,
)
from keras_dss.evaluation.metrics import accuracy
from keras_dss.evaluation.metrics import confusion_matrix
from keras_dss.evaluation.metrics import consistency
from keras_dss.evaluation.metrics import iou_from_confusion
from keras_dss.evaluation.metrics import mean_iou
from keras_dss.evaluation.metrics import pixel_accuracy
from keras_dss.evaluation.report import format_table
from keras_dss.evaluation.report import load_json
from keras_dss.evaluation.report import off_scale_mean
from keras_dss.evaluation.report import plot_scale_generalization
from keras_dss.evaluation.report import save_json
from keras_dss.evaluation.rescale import applied_factor
from keras_dss.evaluation.rescale import rescale_image
from keras_dss.evaluation.rescale import rescale_mask
from keras_dss.evaluation.rescale import resize_logits
from keras_dss.evaluation.rescale import scaled_size
from keras_dss.evaluation.scale_generalization import SCALE_BUCKETS
from keras_dss.evaluation.scale_generalization import classification_by_scale
from keras_dss.evaluation.scale_generalization import hela_scales
from keras_dss.evaluation.scale_generalization import pets_scales
from keras_dss.evaluation.scale_generalization import scale_generalization
from keras_dss.evaluation.tiling import predict_tiled

__all__ = [
    "SCALE_BUCKETS",
    "accuracy",
    "applied_factor",
    "classification_by_scale",
    "confusion_matrix",
    "consistency",
    "format_classification_table",
    "format_table",
    "hela_scales",
    "iou_from_confusion",
    "load_json",
    "mean_iou",
    "off_scale_mean",
    "pets_scales",
    "pixel_accuracy",
    "plot_classification_by_scale",
    "plot_scale_generalization",
    "predict_tiled",
    "rescale_image",
    "rescale_mask",
    "resize_logits",
    "save_json",
    "scale_generalization",
    "scaled_size",
]
