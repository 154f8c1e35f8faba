"""`recognizer predict IMAGE...`: read the one digit in each image file.

A file that cannot be read, or an unexpected error on one image, is reported with the
file's name (the traceback with --debug); the other images are still read (exit 1)."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from recognizer.core.errors import ImageLoadError, unexpected_reason
from recognizer.core.images import load_image
from recognizer.core.predict import Recognizer
from recognizer.core.preprocess import to_mnist
from recognizer.core.records import Digit


def run(args: argparse.Namespace) -> int:
    recognizer = Recognizer(args.model, backend=args.backend)
    images, errors = {}, {}
    for path in args.images:
        try:
            images[path] = load_image(Path(path))  # EXIF orientation, 16 bit, sane sizes
        except ImageLoadError as exc:
            errors[path] = str(exc)
            print(f"{path}: error: {exc}", file=sys.stderr)
    patches = {}
    for path, image in images.items():  # each image is the boundary of its own error
        try:
            patches[path] = to_mnist(image)
        except Exception as exc:
            errors[path] = unexpected_reason(exc)
            print(f"{path}: error: {errors[path]}", file=sys.stderr)
            if getattr(args, "debug", False):
                traceback.print_exc()
    predictions = dict(zip(patches, recognizer.predict_patches(list(patches.values()))))
    for path in args.images:  # in the order given, failures included
        if path in errors:
            if args.json:
                print(json.dumps({"file": path, "error": errors[path]}))
            continue
        height, width = images[path].shape[:2]
        digit = Digit(box=(0, 0, width, height), prediction=predictions[path])
        if args.json:
            print(json.dumps({"file": path, **digit.to_dict(args.min_confidence, probabilities=True)}))
        elif digit.prediction is None:
            print(f"{path}: no digit")
        else:
            print(f"{path}: {digit.label(args.min_confidence)}")
    return 1 if errors else 0
