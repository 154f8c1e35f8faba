"""The `recognizer` command: argument definitions only, one subcommand per frontend.

Building the parser imports nothing heavy (no numpy, OpenCV or model runtime), so that
`recognizer --help` and a mistyped option answer at once. Each subcommand names the
frontend function that runs it ("module:function"); that module is imported only when its
subcommand runs, and frontends import what they need at their top like ordinary code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from recognizer import __version__
from recognizer.apps.webcam.frame_size import FrameSize, parse_size
from recognizer.core import config
from recognizer.core.errors import RecognizerError, one_line_reason

DESCRIPTION = """\
Real-time handwritten digit recognition: draw digits, hold paper up to a webcam, or read a
folder of photos. Every frontend shares one preprocessing path and one fast model core."""

WEBCAM_KEYS = (
    ("q / Esc", "quit"),
    ("space", "pause / resume"),
    ("s", "save a snapshot (annotated frame, raw frame, digit crops)"),
    ("t", "show / hide the inset (threshold mask and the 28x28 patches)"),
    ("+ / -", "raise / lower the confidence threshold"),
)

PHOTOS_EPILOG = f"""\
outputs (in OUTDIR, created if needed; never inside DIR, inputs are never overwritten):
  predictions.csv        file,digit,confidence,x,y,w,h,line - one row per digit read, each
                         file's rows in reading order; file relative to DIR; box in the
                         original image's pixels; line numbers a file's lines from 0;
                         written as files are read, so a stopped or killed run keeps
                         its rows (then in the order files finished)
  progress.jsonl         one line per file read (size, time, tallies): what --resume skips
  annotated/REL.png      each photo with boxes, digits and confidences drawn (REL = the
                         path relative to DIR; at most {config.ANNOTATED_MAX_SIDE} px on the longest side, tiny
                         crops enlarged to at least {config.ANNOTATED_MIN_SIDE} px)
  summary.json           files read, digits found, files with errors and why, seconds, options,
                         and "interrupted" (true after Ctrl+C or SIGTERM)

exit status:
  0  every image was read (also when DIR holds no images: that is said on stderr)
  1  the model could not be loaded
  2  some files could not be read (each one reported on stderr and in summary.json; an
     unexpected error in one file too, in one line: --debug adds its traceback), or DIR
     or OUTDIR is unusable (missing, not a folder, not writable, OUTDIR inside DIR)
  130 interrupted (Ctrl+C or SIGTERM): the rows read so far and summary.json are kept

PDF pages and multi-page TIFFs are read page by page, each named FILE#page=N.

examples:
  recognizer photos samples/photos --out out/photos
  recognizer photos scans.txt --out out/scans --engine ray --workers 2 --no-annotate
  recognizer photos scans.txt --out out/scans --engine ray --resume   # after a stop
  recognizer score out/photos/predictions.csv samples/photos/labels.csv"""


# --- Argument types and shared options ----------------------------------------------------


def probability(text: str) -> float:
    """An argparse type: a float between 0 and 1."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def frame_size(text: str) -> FrameSize:
    """An argparse type: WxH, e.g. 640x480."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


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


# --- The subcommands ------------------------------------------------------------------------


DEBUG_HELP = (
    "report an unexpected error with its traceback (by default: the input's name and a "
    "one-line reason, and the run goes on)"
)


def _add_command(subparsers, name: str, target: str, **options) -> argparse.ArgumentParser:
    """A subcommand whose run is `target` ("module:function", imported when it runs).

    Each takes --debug after its name too (`recognizer photos DIR --debug`); SUPPRESS keeps
    the subcommand from resetting a --debug given before it."""
    parser = subparsers.add_parser(name, **options)
    parser.set_defaults(run=target)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=DEBUG_HELP)
    return parser


def add_predict(subparsers) -> None:
    parser = _add_command(
        subparsers, "predict", "recognizer.apps.predict:run",
        help="read the single digit in each image file",
        description="Read the single digit in each image (any size, gray or colour, dark on "
        "light or light on dark). Prints 'FILE: DIGIT, CONFIDENCE%', 'not sure' below "
        "--min-confidence, and 'no digit' for a blank image. Exit status 1 if a file "
        "cannot be read.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    parser.add_argument("--json", action="store_true", help="print one JSON object per image")
    add_model_arguments(parser)


def add_draw(subparsers) -> None:
    parser = _add_command(
        subparsers, "draw", "recognizer.drawing.app:run",
        help="draw a digit or a number with the mouse and see it read live",
        description="Open a window to draw digits with the mouse: the reading updates as you "
        "draw, with the ten probabilities and the 28x28 image the model saw. Several digits "
        "side by side are read as a number. " + config.DRAW_KEYS_HINT.replace("   ", "; ")
        + ". Needs a display; without one use 'recognizer photos' or "
        "'recognizer webcam --headless'.",
    )
    add_model_arguments(parser)


def _webcam_epilog() -> str:
    width = max(len(key) for key, _ in WEBCAM_KEYS)
    lines = ["keys in the window:"] + [f"  {key:<{width}}  {what}" for key, what in WEBCAM_KEYS]
    lines += [
        "",
        "without a display, or with --headless, the annotated video and one JSON line of",
        f"detections per frame go to {config.WEBCAM_OUTPUT_DIR}/NAME_annotated.mp4 and",
        "NAME_detections.jsonl (NAME = the video's name, or camera0); --record sets the video",
        "path (the .jsonl goes beside it). Snapshots (s) go to "
        f"{config.SNAPSHOT_DIR}/TIME/.",
        "",
        "examples:",
        "  recognizer webcam                              # camera 0, in a window",
        "  recognizer webcam --camera 1 --size 1280x720",
        "  recognizer webcam --source samples/demo.mp4    # the bundled demo video",
        "  recognizer webcam --source samples/demo.mp4 --headless",
    ]
    return "\n".join(lines)


def add_webcam(subparsers) -> None:
    parser = _add_command(
        subparsers, "webcam", "recognizer.apps.webcam.loops:run",
        help="read digits live from a camera or a video file",
        description="Hold handwritten digits on paper up to a camera: every digit is boxed "
        "and labelled live with its confidence, numbers are read as a whole, labels are "
        "steadied over frames. A video file works in place of a camera.",
        epilog=_webcam_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--camera", type=int, metavar="N", default=None,
        help=f"camera index for cv2.VideoCapture (default: {config.DEFAULT_CAMERA})",
    )
    where.add_argument("--source", metavar="FILE", default=None, help="read a video file instead")
    parser.add_argument(
        "--size", type=frame_size, metavar="WxH", default=None,
        help="frame size, e.g. 640x480 (asked of the camera; files are resized)",
    )
    parser.add_argument(
        "--record", type=Path, metavar="OUT.mp4", default=None,
        help="also write the annotated frames to this video",
    )
    parser.add_argument(
        "--headless", action="store_true",
        help="no window: write the annotated video and JSON-lines detections, show progress",
    )
    parser.add_argument(
        "--max-frames", type=int, metavar="N", default=None, help="stop after N frames"
    )
    add_model_arguments(parser, unsure="a digit is shown as unsure '?'")


def add_photos(subparsers) -> None:
    parser = _add_command(
        subparsers, "photos", "recognizer.apps.photo_runs:run",
        help="read every handwritten digit in a folder of photos",
        description="Read every handwritten digit in the photos under DIR, walked recursively\n"
        "for " + ", ".join(e.lstrip(".") for e in config.PHOTO_EXTENSIONS) + " files (any case): "
        "sheets of digits,\nnumbers on forms, single digits on paper, tight crops, "
        "white-on-black MNIST-style\nimages. EXIF orientation is respected; gray, colour, "
        "alpha and 16-bit images of any\nsize are handled (large photos are analysed on a "
        "reduced copy and cropped at full size).",
        epilog=PHOTOS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="SOURCE",
                        help="folder of photos, PDFs and TIFFs (walked recursively), a glob in "
                        "quotes, or a .txt file listing one path or URI a line")
    parser.add_argument("--out", metavar="OUTDIR", default=None,
                        help="output folder (required unless --json)")
    parser.add_argument("--jobs", "-j", type=positive_int, default=1, metavar="N",
                        help="processes to use (default: 1)")
    parser.add_argument("--json", action="store_true",
                        help="print the results as JSON on stdout instead of a one-line summary")
    archive = parser.add_argument_group("large archives")
    archive.add_argument("--engine", choices=("local", "ray"), default="local",
                         help="local: processes on this machine (default); ray: Ray actors, "
                         "on this machine or a cluster (pip install 'recognizer[cluster]')")
    archive.add_argument("--address", metavar="ADDR", default=None,
                         help="with --engine ray: join the Ray cluster at ADDR ('auto' = the "
                         "one started on this machine); without it a local Ray is started")
    archive.add_argument("--workers", type=positive_int, default=None, metavar="N",
                         help="with --engine ray: actors reading (default: one per CPU)")
    archive.add_argument("--resume", action="store_true",
                         help="skip the files OUTDIR already holds (same size and "
                         "modification time): go on with a run that was stopped")
    archive.add_argument("--no-annotate", dest="annotate", action="store_false",
                         help="write no annotated images (faster, for big runs)")
    archive.add_argument("--format", choices=("csv", "parquet"), default="csv",
                         help="parquet: also write predictions.parquet (needs pyarrow)")
    archive.add_argument("--pdf-dpi", type=positive_int, default=config.PDF_DPI, metavar="DPI",
                         help=f"resolution PDF pages are rendered at (default: {config.PDF_DPI})")
    add_model_arguments(
        parser, unsure="a digit is marked unsure: '?' in the annotations and numbers"
    )
    parser.set_defaults(check=_check_photos)


def _check_photos(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.out is None and not args.json:
        parser.error("--out OUTDIR is required (or use --json to print the results)")
    if args.resume and args.out is None:
        parser.error("--resume needs --out OUTDIR (the run to go on with)")
    if args.engine != "ray" and (args.address is not None or args.workers is not None):
        parser.error("--address and --workers are options of --engine ray")
    if args.engine == "ray" and args.jobs != 1:
        parser.error("--jobs is the local engine's; with --engine ray use --workers N")
    if args.engine == "ray" and args.out is None:
        parser.error("--engine ray needs --out OUTDIR")


def add_score(subparsers) -> None:
    parser = _add_command(
        subparsers, "score", "recognizer.apps.score:run",
        help="score a photos run's predictions.csv against a labels CSV",
        description="Score PREDICTIONS.csv (from 'recognizer photos') against LABELS.csv "
        "(columns file,label; label = the file's digits in reading order). Prints digit "
        "accuracy (1 - edit distance / label length) and exact-match rate per folder and "
        "overall, and the worst files. Exit status 2 if a CSV cannot be read.",
    )
    parser.add_argument("predictions", metavar="PREDICTIONS.csv")
    parser.add_argument("labels", metavar="LABELS.csv")
    parser.add_argument("--worst", type=int, default=config.SCORE_WORST_FILES, metavar="N",
                        help=f"list the N worst files (default: {config.SCORE_WORST_FILES})")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")


# Subcommands, in the order --help lists them.
SUBCOMMANDS = (add_predict, add_draw, add_webcam, add_photos, add_score)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recognizer",
        description=DESCRIPTION,
        epilog="Run 'recognizer COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def frontend(target: str):
    """The function a subcommand's "module:function" names, its module imported now."""
    module_name, function_name = target.split(":")
    return getattr(importlib.import_module(module_name), function_name)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check = getattr(args, "check", None)
    if check is not None:
        check(parser, args)
    try:
        return int(frontend(args.run)(args) or 0)
    except RecognizerError as exc:
        print(f"recognizer: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("recognizer: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last boundary: one line, unless --debug asks for more
        if args.debug:
            raise
        print(f"recognizer: unexpected error: {one_line_reason(exc)} (rerun with --debug for "
              "the traceback, and please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
