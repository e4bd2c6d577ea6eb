"""Argument parsing and dispatch of the `keras-dss` subcommands."""

import argparse
import sys

from keras_dss.cli import demo
from keras_dss.cli import equivariance
from keras_dss.cli import evaluate
from keras_dss.cli import listing
from keras_dss.cli import predict
from keras_dss.cli import train

COMMANDS = (listing, predict, evaluate, equivariance, train, demo)


class UsageError(Exception):
    """A bad argument found after parsing; printed without a traceback."""


def build_parser():
    """The `argparse` parser of `keras-dss` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="keras-dss",
        description="Scale-equivariant models for Keras 3: pretrained zoo, "
        "scale-generalisation evaluation, training recipes.",
    )
    parser.add_argument(
        "--backend",
        choices=("tensorflow", "torch", "jax"),
        help="Keras backend (sets KERAS_BACKEND before Keras is imported).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def run(argv):
    """Parses `argv` and runs the chosen subcommand; returns an exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args) or 0
    except UsageError as error:
        parser.exit(2, f"keras-dss {args.command}: error: {error}\n")
    except (ValueError, FileNotFoundError) as error:
        sys.stderr.write(f"keras-dss {args.command}: error: {error}\n")
        return 1
