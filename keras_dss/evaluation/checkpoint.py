"""Resumable evaluation: the running totals of a long evaluation on disk.

The scale-generalisation test of a full test split at many factors runs
for hours on a CPU. Its state between batches is small (confusion
matrices and consistency counts), so it is written after every batch and
an interrupted run continues where it stopped.
"""

import hashlib
import json
import os

import numpy as np


def data_fingerprint(images, masks):
    """sha256 over the shapes, dtypes and bytes of images and masks.

    Args:
        images: a list of arrays.
        masks: a list of arrays aligned with `images`.

    Returns:
        A hex digest that changes when any image or mask changes.
    """
    digest = hashlib.sha256()
    for array in list(images) + list(masks):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(array.data)
    return digest.hexdigest()


class EvaluationCheckpoint:
    """Running totals of one evaluation, saved to and resumed from a file.

    Args:
        path: the `.npz` file. Written atomically (a temporary file beside
            it, then renamed), so an interruption never leaves it torn.
        fingerprint: a JSON-serialisable dict identifying the evaluation
            (model weights, data, factors, options). A saved state is only
            resumed by an evaluation with the same fingerprint.
    """

    def __init__(self, path, fingerprint):
        self.path = os.fspath(path)
        self.key = json.dumps(fingerprint, sort_keys=True)

    def load(self):
        """The saved arrays and the number of batches done, or `None`.

        Raises:
            ValueError: the file was written by a different evaluation.
        """
        if not os.path.exists(self.path):
            return None
        with np.load(self.path, allow_pickle=False) as saved:
            key = str(saved["fingerprint"])
            if key != self.key:
                raise ValueError(
                    f"The evaluation checkpoint {self.path} was written by "
                    f"a different evaluation ({key}; this one is "
                    f"{self.key}). Delete it to start over, or point "
                    "`checkpoint` elsewhere."
                )
            arrays = {name: saved[name] for name in saved.files
                      if name not in ("fingerprint", "batches_done")}
            return arrays, int(saved["batches_done"])

    def save(self, arrays, batches_done):
        """Writes `arrays` (a dict of numpy arrays) and the batch count."""
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        temporary = self.path + ".tmp.npz"
        np.savez(temporary, fingerprint=np.array(self.key),
                 batches_done=np.array(batches_done), **arrays)
        os.replace(temporary, self.path)

    def remove(self):
        """Deletes the file once the evaluation is complete."""
        if os.path.exists(self.path):
            os.remove(self.path)
