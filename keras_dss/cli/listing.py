"""`keras-dss list`: the registered pretrained weights."""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "list", help="list the registered pretrained weights",
        description="Prints the registered pretrained weights as a table.",
    )
    parser.add_argument("--model", help="only this constructor, e.g. SEUNet")
    parser.set_defaults(handler=run)


def run(args):
    from keras_dss import zoo

    zoo.list_weights(args.model)
    return 0
