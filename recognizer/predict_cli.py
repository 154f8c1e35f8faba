"""`recognizer predict IMAGE...`: read the one digit in each image file."""

from __future__ import annotations

import argparse
import json
import sys


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
    import cv2

    from recognizer.cli import load_recognizer

    recognizer = load_recognizer(args)
    images, failed = [], 0
    for path in args.images:
        image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if image is None:
            print(f"{path}: error: not a readable image", file=sys.stderr)
            failed += 1
            continue
        images.append((path, image))
    predictions = recognizer.predict_batch([image for _, image in images])
    for (path, _), prediction in zip(images, predictions):
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
    return 1 if failed else 0
