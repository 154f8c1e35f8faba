"""`recognizer predict IMAGE...`: read the one digit in each image file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(subparsers) -> None:
    from recognizer.cli import add_model_arguments

    parser = subparsers.add_parser(
        "predict",
        help="read the single digit in each image file",
        description="Read the single digit in each image (any size, gray or colour, dark on "
        "light or light on dark). Prints 'FILE: DIGIT, CONFIDENCE%', 'not sure' below "
        "--min-confidence, and 'no digit' for a blank image. Exit status 1 if a file "
        "cannot be read.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    parser.add_argument("--json", action="store_true", help="print one JSON object per image")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from recognizer.cli import load_recognizer
    from recognizer.photos import PhotoError, load_image

    recognizer = load_recognizer(args)
    images, errors = [], {}
    for path in args.images:
        try:
            images.append((path, load_image(Path(path))))  # the photo mode's loader: EXIF, 16 bit
        except PhotoError as exc:
            errors[path] = str(exc)
            print(f"{path}: error: {exc}", file=sys.stderr)
    predictions = dict(zip([path for path, _ in images],
                           recognizer.predict_batch([image for _, image in images])))
    for path in args.images:  # in the order given, failures included
        if path in errors:
            if args.json:
                print(json.dumps({"file": path, "error": errors[path]}))
            continue
        prediction = predictions[path]
        if args.json:
            record = {"file": path, "digit": None, "confidence": None, "confident": False}
            if prediction is not None:
                record.update(
                    digit=prediction.digit,
                    confidence=round(prediction.confidence, 4),
                    confident=prediction.is_confident(args.min_confidence),
                    probabilities=[round(p, 4) for p in prediction.probabilities],
                )
            print(json.dumps(record))
        elif prediction is None:
            print(f"{path}: no digit")
        else:
            print(f"{path}: {prediction.label(args.min_confidence)}")
    return 1 if errors else 0
