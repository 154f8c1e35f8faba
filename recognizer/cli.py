"""The `recognizer` command: a small argparse CLI with one subcommand per frontend.

Each frontend module offers `add_parser(subparsers)`, which registers its subcommand and sets
`func` to the function that runs it; a frontend is imported only to build the parser, and its
heavy dependencies (the model runtime, Tk, camera) load only when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from recognizer import __version__, config

# Subcommand modules, in the order --help lists them.
COMMAND_MODULES = (
    "recognizer.predict_cli",
    "recognizer.draw_app",
    "recognizer.webcam",
    "recognizer.photos",
    "recognizer.score",
)

DESCRIPTION = """\
Real-time handwritten digit recognition: draw digits, hold paper up to a webcam, or read a
folder of photos. Every frontend shares one preprocessing path and one fast model core."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recognizer",
        description=DESCRIPTION,
        epilog="Run 'recognizer COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def probability(text: str) -> float:
    """An argparse type: a float between 0 and 1."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def add_model_arguments(
    parser: argparse.ArgumentParser, unsure: str = "a reading is marked unsure"
) -> None:
    """--min-confidence, --model and --backend, shared by every command that reads digits.

    unsure: what happens below --min-confidence, in the command's own words.
    """
    parser.add_argument(
        "--min-confidence",
        type=probability,
        default=config.MIN_CONFIDENCE,
        metavar="P",
        help=f"below this {unsure} (default: {config.MIN_CONFIDENCE})",
    )
    parser.add_argument(
        "--model",
        default=None,
        help="model file (.tflite or .keras); default: $RECOGNIZER_MODEL or "
        "models/mnist_cnn.tflite",
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "litert", "keras"),
        default="auto",
        help="inference runtime; auto uses LiteRT when installed, else Keras (default: auto)",
    )


def load_recognizer(args: argparse.Namespace):
    """The Recognizer that --model and --backend ask for."""
    from recognizer.predict import Recognizer

    return Recognizer(args.model, backend=args.backend)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from recognizer.predict import RecognizerError

    try:
        return int(args.func(args) or 0)
    except RecognizerError as exc:
        print(f"recognizer: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("recognizer: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
