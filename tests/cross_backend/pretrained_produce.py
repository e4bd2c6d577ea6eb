"""Predictions of every shipped pretrained model on the first test images.

    KERAS_BACKEND=jax python tests/cross_backend/pretrained_produce.py \\
        --out DIR --count 64

For each weights file registered in `weights/registry.json` whose real data
folder exists (`../shared/data`), builds `Constructor(weights=name)` and
writes its logits on the first `count` test examples to
`DIR/<model>_<name>.npz` (`logits`), plus `DIR/meta.json` with the backend
and the entries done. `tests/test_cross_backend_pretrained.py` compares
the files of the three backends.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from tests import pretrained  # noqa: E402


def main():
    import keras

    from keras_dss import zoo
    from keras_dss.zoo import registry

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=64)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    done = []
    for model_name, weights in pretrained.shipped():
        info = registry.get_weights_info(model_name, weights)
        folder = pretrained.available_data_folder(info)
        if folder is None:
            continue
        images, _ = pretrained.first_test_examples(info, args.count)
        model = getattr(zoo, model_name)(weights=weights)
        logits = np.stack([
            np.asarray(model.predict_on_batch(np.asarray(image)[None]))[0]
            for image in images
        ]).astype(np.float32)
        np.savez(os.path.join(args.out, f"{model_name}_{weights}.npz"),
                 logits=logits)
        done.append(f"{model_name}:{weights}")
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump({"backend": keras.backend.backend(), "done": done}, f)


if __name__ == "__main__":
    main()
