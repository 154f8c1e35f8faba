"""Turn polylines or images of handwriting into the 28x28 patches the model sees, in two
looks: drawn (the drawing app's pen and renderer) and inked (a pen on paper, photographed).

Both go through the one preprocessing path, `to_mnist`, as every frontend's digits do.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.preprocess import to_mnist
from recognizer.drawing.strokes import Stroke, render_digit
from recognizer.drawing.trace import digit_strokes

Polyline = Sequence[tuple[float, float]]


def to_uint8(patch: np.ndarray | None) -> np.ndarray | None:
    """A float [0, 1] 28x28 patch as uint8 (MNIST's storage), None stays None."""
    if patch is None:
        return None
    return np.round(np.clip(patch, 0.0, 1.0) * 255).astype(np.uint8)


def drawn(polylines: Sequence[Polyline]) -> np.ndarray | None:
    """Polylines (any coordinates, y down) drawn as the app draws a user's strokes."""
    strokes = [Stroke(tuple((float(x), float(y)) for x, y in line), 1)
               for line in polylines if len(line) >= 1]
    if not strokes:
        return None
    return to_uint8(to_mnist(render_digit(strokes)))


def inked(polylines: Sequence[Polyline], rng: np.random.Generator, size: int = 96) -> np.ndarray | None:
    """Polylines (in a unit box) inked on paper at a random pen width, blurred and noisy, as
    a camera crop of them would look."""
    paper = np.full((size, size), rng.uniform(170, 240), np.float32)
    ink = rng.uniform(10, 90)
    width = max(1, int(round(rng.uniform(0.025, 0.09) * size)))
    margin = 0.15 * size
    for line in polylines:
        points = np.array([(margin + x * (size - 2 * margin), margin + y * (size - 2 * margin))
                           for x, y in line], np.float32)
        if len(points) == 1:
            cv2.circle(paper, tuple(int(v) for v in points[0]), width, float(ink), -1, cv2.LINE_AA)
        else:
            cv2.polylines(paper, [np.round(points * 16).astype(np.int32)], False, float(ink),
                          width, cv2.LINE_AA, shift=4)
    return photographed(paper, rng)


def motion_blur(image: np.ndarray, length: float, angle: float) -> np.ndarray:
    """The image smeared along a line `length` px long at `angle` degrees, as a camera or a
    sheet moving during the exposure smears it."""
    size = max(3, int(length))
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, :] = 1.0 / size
    rotation = cv2.getRotationMatrix2D((size / 2 - 0.5, size / 2 - 0.5), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (size, size))
    return cv2.filter2D(image, -1, kernel / max(kernel.sum(), 1e-6))


def photographed(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """A dark-on-light float image as a webcam sees it, then preprocessed: slightly blurred,
    or defocused, or smeared by motion (PHOTO_DEFOCUS_SHARE, PHOTO_MOTION_SHARE, at the
    strengths the scene generator's "defocus" and "motion blur" conditions give a digit),
    a light gradient and sensor noise. Digits and negatives both go through it, so a blur
    tells the model nothing about which of the two it sees."""
    height, width = gray.shape
    side = max(height, width)
    look = rng.uniform()
    if look < config.PHOTO_MOTION_SHARE:
        gray = motion_blur(gray, rng.uniform(*config.PHOTO_MOTION_LENGTH) * side,
                           rng.uniform(0, 180))
    elif look < config.PHOTO_MOTION_SHARE + config.PHOTO_DEFOCUS_SHARE:
        gray = cv2.GaussianBlur(gray, (0, 0), rng.uniform(*config.PHOTO_DEFOCUS_SIGMA) * side)
    else:
        sigma = rng.uniform(0.0, 1.5)
        if sigma > 0.3:
            gray = cv2.GaussianBlur(gray, (0, 0), sigma)
    ramp = np.linspace(1.0, rng.uniform(0.75, 1.0), width, dtype=np.float32)[None, :]
    gray = gray * ramp + rng.normal(0, rng.uniform(1, 6), gray.shape).astype(np.float32)
    return to_uint8(to_mnist(np.clip(gray, 0, 255).astype(np.uint8)))


def traced(image: np.ndarray) -> list[list[tuple[float, float]]]:
    """The pen strokes of a dark-on-light image of handwriting (through a 28x28 copy, as the
    drawing benchmark traces MNIST digits)."""
    patch = to_mnist(image)
    if patch is None:
        return []
    return digit_strokes(to_uint8(patch))
