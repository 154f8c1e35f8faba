"""Blurred digits: re-read the candidates the model called "not a digit" with sharper strokes.

A sheet that moves before the camera, or that the camera does not focus on, gives digits
whose strokes are smeared into soft grey ramps several pixels wide. Once `to_mnist` has
scaled such a digit to 28x28 its strokes are wider and softer than any MNIST digit's, and
the model (trained on sharp MNIST strokes) calls many of them "not a digit", although a
person still reads them. `reread_sharpened` gives every candidate the model rejected a
second reading of its patch sharpened by an unsharp mask (SHARPEN_AMOUNT, SHARPEN_SIGMA), in
one batched call, and keeps it when the model reads the sharpened patch as a digit: the
model, not a blur measure, decides. A candidate read as a digit the first time is never
re-read, so a frame without rejected candidates costs nothing. (Re-reading unsure digits
too, and keeping a sure second reading, gained less and turned right digits wrong on the
tuning seed; unsure candidates go on to the string reader as before.)
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.predict import Recognizer
from recognizer.detection.results import Detections


def sharpen_patch(patch: np.ndarray) -> np.ndarray:
    """A 28x28 model input (float32, light ink on 0) with its strokes sharpened: an unsharp
    mask (the patch plus SHARPEN_AMOUNT x its difference from a Gaussian blur of
    SHARPEN_SIGMA px), clipped to [0, 1]."""
    soft = cv2.GaussianBlur(patch, (0, 0), config.SHARPEN_SIGMA)
    sharp = patch + config.SHARPEN_AMOUNT * (patch - soft)
    return np.clip(sharp, 0.0, 1.0).astype(np.float32)


def reread_sharpened(detections: Detections, recognizer: Recognizer) -> Detections:
    """The detections with each candidate read as "not a digit" re-read from its sharpened
    patch; the new reading replaces the old when it is a digit (sure or not). One batched
    model call, none when no candidate was rejected."""
    chosen = [
        index for index, digit in enumerate(detections.digits)
        if digit.prediction is not None and digit.patch is not None
        and not digit.prediction.is_digit
    ]
    if not chosen:
        return detections
    readings = recognizer.predict_patches(
        [sharpen_patch(detections.digits[index].patch) for index in chosen])
    predictions = [digit.prediction for digit in detections.digits]
    for index, reading in zip(chosen, readings):
        if reading is not None and reading.is_digit:
            predictions[index] = reading
    return detections.with_predictions(predictions)
