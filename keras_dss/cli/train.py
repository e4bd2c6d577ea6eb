"""`keras-dss train`: run a training recipe from `zoo/`."""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train a recipe of zoo/ (checkpoints every epoch, resumes)",
        description="Trains the recipe in RECIPE/recipe.json. Writes "
        "RECIPE/run/: backup/ (resume state, every epoch), best.weights.h5, "
        "log.csv, final.weights.h5 (the best epoch), last.weights.h5 and "
        "summary.json. Running it again "
        "resumes after the last completed epoch.",
    )
    parser.add_argument("recipe", metavar="RECIPE", help="e.g. zoo/seunet_pets")
    parser.add_argument("--epochs", type=int, help="override the epoch count")
    parser.add_argument("--fresh", action="store_true",
                        help="delete RECIPE/run and start from scratch")
    parser.add_argument("--max-minutes", type=float,
                        help="stop resumably after this many minutes")
    parser.add_argument("--data-parallel", action="store_true",
                        help="shard batches over all local devices (JAX)")
    parser.add_argument("--limit", type=int,
                        help="use only this many examples (smoke tests)")
    parser.add_argument("--from-shipped", action="store_true",
                        help="start a new run from the recipe's shipped "
                        "weights and training_log.csv (continues training "
                        "across machines whose run/ folder is gone)")
    parser.add_argument("--learning-rate", type=float,
                        help="with --from-shipped: start at this learning "
                        "rate instead of the shipped epoch's")
    parser.add_argument("--quiet", action="store_true",
                        help="one line per epoch instead of progress bars")
    parser.set_defaults(handler=run)


def run(args):
    import json

    from keras_dss.cli.app import UsageError
    from keras_dss.training import train_recipe

    for name in ("epochs", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name} must be >= 1, got {value}")
    if args.max_minutes is not None and args.max_minutes <= 0:
        raise UsageError(f"--max-minutes must be > 0, got {args.max_minutes}")
    summary = train_recipe(
        args.recipe,
        epochs=args.epochs,
        fresh=args.fresh,
        max_minutes=args.max_minutes,
        data_parallel=args.data_parallel,
        verbose=2 if args.quiet else "auto",
        limit=args.limit,
        from_shipped=args.from_shipped,
        learning_rate=args.learning_rate,
    )
    print(json.dumps(summary, indent=2))
    return 0
