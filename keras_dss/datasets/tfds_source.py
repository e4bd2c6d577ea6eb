"""Lazy import of tensorflow-datasets, only for `source="tfds"`."""


def import_tfds(dataset):
    """Imports `tensorflow_datasets`, with an actionable error if missing.

    TensorFlow is heavy and grabs GPU memory, so the package only imports it
    when a loader is explicitly asked for `source="tfds"`.

    Args:
        dataset: name of the calling loader, for the error message.

    Returns:
        The `tensorflow_datasets` module.
    """
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise ImportError(
            f"{dataset}: source='tfds' needs the packages "
            "`tensorflow-datasets` and `tensorflow` (or `tensorflow-cpu`): "
            "`pip install keras-dss[tfds] tensorflow-cpu`. Or download the "
            "official files and pass their folder with source='auto'."
        ) from error
    return tfds
