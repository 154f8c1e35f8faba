"""Draw what the detector read onto an image: pure functions, image in, new image out."""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.images import to_bgr8
from recognizer.detection.results import Detections

# BGR colours: confident (green), unsure (orange), not read (grey); number readings (blue).
CONFIDENT_COLOUR = (40, 170, 40)
UNSURE_COLOUR = (0, 140, 255)
UNREAD_COLOUR = (150, 150, 150)
NUMBER_COLOUR = (200, 80, 0)


def _colour(digit, min_confidence: float) -> tuple[int, int, int]:
    if digit.prediction is None:
        return UNREAD_COLOUR
    return CONFIDENT_COLOUR if digit.prediction.is_confident(min_confidence) else UNSURE_COLOUR


def _put_label(image, text, x, y, colour, scale, thickness) -> None:
    """Text with a filled background so it reads on any photo; (x, y) is its bottom left."""
    (width, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    y = min(max(height + baseline, y), image.shape[0] - 1 - baseline // 2)
    x = min(max(0, x), max(0, image.shape[1] - width))
    cv2.rectangle(image, (x, y - height - baseline), (x + width, y + baseline // 2), colour, -1)
    cv2.putText(
        image, text, (x, y - baseline // 2), cv2.FONT_HERSHEY_SIMPLEX, scale,
        (255, 255, 255), thickness, cv2.LINE_AA,
    )


def draw_digits(
    image: np.ndarray, detections: Detections, min_confidence: float = config.MIN_CONFIDENCE
) -> np.ndarray:
    """Box (or, found on a sheet, quadrilateral) per digit coloured by confidence, 'digit confidence%' label ('?' when unsure),
    and each number's reading drawn once above its group (numbers of two or more digits).
    Candidates the model read as "not a digit" are not drawn. Returns a new uint8 BGR image."""
    out = to_bgr8(image)
    detections = detections.digits_only()
    if not detections.digits:
        return out
    heights = [d.box[3] for d in detections.digits]
    typical = float(np.median(heights))
    # Text and lines scale with the digits, within limits, so they stay legible.
    scale = float(np.clip(typical / 90.0, 0.35, 2.0))
    thickness = max(1, int(round(scale * 1.6)))
    for digit in detections.digits:
        x, y, w, h = digit.box
        colour = _colour(digit, min_confidence)
        if digit.quad is not None:  # found on a sheet in perspective: its quadrilateral
            points = np.round(np.asarray(digit.quad, np.float32) * 16).astype(np.int32)
            cv2.polylines(out, [points], True, colour, thickness, cv2.LINE_AA, shift=4)
        else:
            cv2.rectangle(out, (x, y), (x + w, y + h), colour, thickness)
        if digit.prediction is None:
            text = "?"
        else:
            percent = f"{digit.prediction.confidence * 100:.0f}%"
            text = f"{digit.text(min_confidence)} {percent}"
        _put_label(out, text, x, y + h + int(22 * scale) + thickness, colour, scale * 0.8, thickness)
    readings = detections.numbers(min_confidence)
    for text, (x, y, w, h) in zip(readings, detections.number_boxes()):
        if len(text) > 1:  # a one-digit number is already labelled by its digit
            _put_label(out, text, x, y - thickness * 2, NUMBER_COLOUR, scale, thickness)
    return out
