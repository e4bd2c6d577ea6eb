"""`keras-dss evaluate`: the scale-generalisation report of a model."""

from keras_dss.cli import models

# keras_dss.training.tasks.TASKS, named here so that `--help` and argument
# parsing do not import Keras before `--backend` is applied.
DATASETS = ("cityscapes", "dic_hela", "fashion_mnist_scale", "oxford_iiit_pet",
            "patch_camelyon")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "evaluate",
        help="scale-generalisation report (JSON, PNG plot, table)",
        description="Evaluates each MODEL:WEIGHTS on the test split (or "
        "with --split validation the split that training held out) of "
        "--data at every factor of --scales (SEU-Net protocol: bilinear "
        "antialiased images, nearest masks, sides floored to the model's "
        "multiple): mean IoU, per-class IoU, foreground IoU, pixel accuracy "
        "and consistency for segmenters; accuracy per scale bucket for "
        "classifiers. Writes <out>/<model>_<weights>.json and .png per "
        "model; with several models also <out>/comparison.png and "
        "<out>/comparison.md (one figure, Markdown tables). Segmenters "
        "save their running totals to <out>/<model>_<weights>.partial.npz "
        "after every batch: the same command resumes an interrupted run.",
    )
    parser.add_argument("model", type=models.model_spec(True), nargs="+",
                        metavar="MODEL:WEIGHTS")
    parser.add_argument("--data", required=True,
                        help="data folder (e.g. ../shared/data/"
                        "oxford_iiit_pet_128)")
    parser.add_argument("--dataset", choices=DATASETS,
                        help="data set (default: the one the weights were "
                        "trained on)")
    parser.add_argument("--scales", type=float, nargs="+",
                        help="rescale factors (default: the data set's "
                        "protocol)")
    parser.add_argument("--buckets", type=float, nargs="+",
                        metavar="EDGE",
                        help="classifiers on data with known rescale "
                        "factors (Fashion-MNIST-scale): accuracy per range "
                        "between consecutive edges, e.g. 0.3 0.4 0.5 0.6 "
                        "0.7 0.8 0.9 1 (default: 0.3 0.5 0.7 1)")
    parser.add_argument("--split", choices=("test", "validation"),
                        default="test",
                        help="segmenters with an in-memory split (Pets, "
                        "HeLa): 'validation' evaluates the images training "
                        "held out (the recipes' default split), to choose "
                        "between checkpoints without looking at the test "
                        "split (default: test)")
    parser.add_argument("--limit", type=int,
                        help="evaluate only the first N examples")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--tile", type=int,
                        help="segmenters: predict images larger than this "
                        "many pixels per side in overlapping tiles of that "
                        "side (e.g. the training crop size); default: whole "
                        "images")
    parser.add_argument("--tile-overlap", type=int, default=64,
                        help="minimum overlap of neighbouring tiles "
                        "(default 64)")
    parser.add_argument("--pad-to", type=int,
                        help="segmenters: pad rescaled inputs with a side "
                        "under this many pixels to it (edge pixels repeated) "
                        "and crop the prediction back, so zoomed-out images "
                        "are seen in the canvas size of training (not the "
                        "papers' protocol, which predicts them as they are)")
    parser.add_argument("--out", default="evaluation",
                        help="output folder (default ./evaluation)")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="take a model's result from <out>/<model>_"
                        "<weights>.json when it was computed from the same "
                        "weights file (sha256), data set, scales and number "
                        "of images (to add a "
                        "model to a comparison without recomputing)")
    models.add_model_args_option(parser)
    parser.set_defaults(handler=run)


def run(args):
    import json
    import pathlib

    from keras_dss import evaluation
    from keras_dss.cli.app import UsageError
    from keras_dss.training.tasks import get_task
    from keras_dss.zoo import registry

    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit must be >= 1, got {args.limit}")
    if args.scales and any(s <= 0 for s in args.scales):
        raise UsageError(f"--scales must be positive, got {args.scales}")
    if args.tile is not None and not 0 <= args.tile_overlap < args.tile:
        raise UsageError(f"--tile-overlap must be in [0, --tile), got "
                         f"{args.tile_overlap} with --tile {args.tile}")
    datasets = {_dataset(args.dataset, spec) for spec in args.model}
    if len(datasets) > 1:
        raise UsageError(
            f"the models were trained on different data sets "
            f"({', '.join(sorted(datasets))}); evaluate them separately or "
            "pass --dataset"
        )
    dataset = datasets.pop()
    task = get_task(dataset)
    options = {}
    if args.tile is not None:
        if task.kind != "segmentation":
            raise UsageError("--tile applies to segmentation models only")
        options.update(tile=args.tile, tile_overlap=args.tile_overlap)
    if args.buckets is not None:
        if not getattr(task, "scale_buckets", False):
            raise UsageError(f"--buckets: {dataset} has no per-image rescale "
                             "factors")
        edges = args.buckets
        if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])):
            raise UsageError("--buckets needs at least two increasing edges, "
                             f"got {edges}")
        options["buckets"] = _bucket_pairs(edges)
    if args.pad_to is not None:
        if task.kind != "segmentation":
            raise UsageError("--pad-to applies to segmentation models only")
        if args.pad_to < 1:
            raise UsageError(f"--pad-to must be >= 1, got {args.pad_to}")
        options["pad_to"] = args.pad_to
    if args.split == "test":
        data = task.load_test(args.data, limit=args.limit)
    elif hasattr(task, "load_validation"):
        data = task.load_validation(args.data, limit=args.limit)
    else:
        raise UsageError(f"--split validation: not available for "
                         f"{dataset} (its validation split is not held in "
                         "memory)")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for constructor, weights in args.model:
        label = f"{constructor}:{weights}"
        stem = f"{constructor}_{pathlib.Path(weights).name.split('.')[0]}"
        sha256 = models.weights_sha256((constructor, weights))
        previous = _reusable(out / f"{stem}.json", args, task, data, dataset,
                             sha256)
        if previous is not None:
            print(f"{label}: reusing {out / (stem + '.json')}")
            results[label] = previous
            continue
        model = models.build_model((constructor, weights), args.model_args)
        resumable = {}
        if task.kind == "segmentation":
            # Running totals after every batch: an interrupted run of the
            # same command continues; deleted when the model is done.
            partial = out / f"{stem}.partial.npz"
            resumable = {"checkpoint": partial, "checkpoint_key": (
                f"{constructor} {sha256} {args.split} "
                f"{json.dumps(args.model_args, sort_keys=True)}")}
        result = task.evaluate(
            model, data, scales=args.scales, batch_size=args.batch_size,
            multiple=models.required_multiple(model),
            progress=not args.no_progress, **options, **resumable,
        )
        result.update({"model": constructor, "weights": weights,
                       "weights_sha256": sha256, "dataset": dataset,
                       "split": args.split, "limit": args.limit})
        results[label] = result
        evaluation.save_json(result, out / f"{stem}.json")
        if task.kind == "segmentation":
            evaluation.plot_scale_generalization(
                {label: result}, metrics=task.metrics,
                path=out / f"{stem}.png",
            )
        else:
            evaluation.plot_classification_by_scale(
                {label: result}, path=out / f"{stem}.png")
        print(f"wrote {out / (stem + '.json')}")
    if task.kind == "segmentation":
        for metric in task.metrics:
            print(evaluation.format_table(results, metric))
    else:
        print(evaluation.format_classification_table(results))
    if len(results) > 1:
        _write_comparison(results, task, out)
    return 0


def _reusable(path, args, task, data, dataset, sha256):
    """A saved result of the same weights file, data set, scales and images."""
    import math

    from keras_dss import evaluation

    if not args.reuse or not path.exists():
        return None
    result = evaluation.load_json(path)
    if result.get("weights_sha256") != sha256:
        print(f"{path}: not reused, it was computed from other weights "
              f"(sha256 {result.get('weights_sha256') or 'not recorded'}, "
              f"now {sha256})")
        return None
    if result.get("dataset") != dataset:
        return None
    if result.get("split", "test") != args.split:
        return None
    if task.kind != "segmentation":
        same = result["num_images"] == len(data["test"]["images"])
        wanted = _bucket_pairs(args.buckets)
        same = same and result.get("buckets") == [list(b) for b in wanted]
        return result if same else None
    scales = args.scales or task.scales()
    same_scales = len(scales) == len(result["scales"]) and all(
        math.isclose(a, b, rel_tol=1e-9)
        for a, b in zip(scales, result["scales"]))
    same_tiles = result.get("tile") == args.tile and (
        args.tile is None or result.get("tile_overlap") == args.tile_overlap)
    same_padding = result.get("pad_to") == args.pad_to
    return result if same_scales and same_tiles and same_padding and result[
        "num_images"] == len(data[0]) else None


def _dataset(given, spec):
    from keras_dss.cli.app import UsageError
    from keras_dss.zoo import registry

    constructor, weights = spec
    if given is not None:
        return given
    if models.is_weights_path_spec(weights):
        raise UsageError("--dataset is required with a weights file path")
    return registry.get_weights_info(constructor, weights).dataset


def _write_comparison(results, task, out):
    from keras_dss import evaluation

    if task.kind == "segmentation":
        evaluation.plot_scale_generalization(
            results, metrics=task.metrics, path=out / "comparison.png"
        )
        sections = [f"### {metric}\n\n"
                    + evaluation.format_table(results, metric, markdown=True)
                    for metric in task.metrics]
    else:
        evaluation.plot_classification_by_scale(
            results, path=out / "comparison.png"
        )
        sections = ["### accuracy\n\n" + evaluation.format_classification_table(
            results, markdown=True)]
    (out / "comparison.md").write_text("\n\n".join(sections) + "\n")
    print(f"wrote {out / 'comparison.png'} and {out / 'comparison.md'}")


def _bucket_pairs(edges):
    """`(low, high)` buckets from `--buckets` edges (the default if `None`)."""
    from keras_dss import evaluation

    if edges is None:
        return [tuple(b) for b in evaluation.SCALE_BUCKETS]
    return list(zip(edges, edges[1:]))
