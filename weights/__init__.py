"""Pretrained keras_dss weights files (installed as `keras_dss._weights`)."""
