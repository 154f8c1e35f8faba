"""Which way round is the ink? Dark on light paper, or light on a dark ground.

A mostly dark frame is light ink on a board (MNIST style, chalk), or a dim photo of paper,
or a sheet on a dark table; the detector reads it both ways and asks here which is right.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config
from recognizer.detection.blobs import Blob, InkReading
from recognizer.detection.ink import odd_size


def reads_light_on_dark(light: InkReading, dark: InkReading) -> bool:
    """Which reading of a mostly dark image finds digits: light ink (MNIST style, chalk) or
    dark ink (a dim photo of paper, a sheet on a dark table)?

    The reading that finds clearly more candidates wins (read the wrong way round, a sheet
    of paper is one big blob, or specks); otherwise dark ink on paper, the usual. A tie is
    `reads_light_on_dark_tie`'s to settle.
    """
    return len(light.digits) > config.POLARITY_MARGIN * len(dark.digits)


def reads_light_on_dark_tie(gray: np.ndarray, light: InkReading, dark: InkReading) -> bool:
    """Both readings find as many candidates: the one whose 'ink' stands out more from its
    immediate surroundings is right (ink against paper, not paper against ink and table);
    when that is close too, the thinner strokes win (the inside of a 0 is solid)."""
    light_contrast = _local_contrast(gray, light.labels, light.digits)
    dark_contrast = _local_contrast(gray, dark.labels, dark.digits)
    margin = 1.0 + config.POLARITY_CONTRAST_MARGIN
    if light_contrast > margin * dark_contrast:
        return True
    if dark_contrast > margin * light_contrast:
        return False
    return _mean_fill(light.digits) < _mean_fill(dark.digits)


def _local_contrast(gray: np.ndarray, labels: np.ndarray, blobs: list[Blob]) -> float:
    """Mean grey-level difference between the blobs' pixels and a thin ring around them (0
    for no blobs: the full-size reading can find none where the reduced trial found some)."""
    if not blobs:
        return 0.0
    ids = [label for blob in blobs for label in blob.labels]
    region = np.isin(labels, ids).astype(np.uint8)
    height = float(np.median([b.h for b in blobs]))
    size = odd_size(height * config.POLARITY_RING, 3)
    ring = cv2.dilate(region, np.ones((size, size), np.uint8)) > region
    inside = region > 0
    if not ring.any() or not inside.any():
        return 0.0
    return abs(float(gray[ring].mean()) - float(gray[inside].mean()))


def _mean_fill(blobs: list[Blob]) -> float:
    """How much of their boxes the blobs' ink fills, on average (1 for no blobs)."""
    if not blobs:
        return 1.0
    return float(np.mean([b.area / float(max(1, b.w * b.h)) for b in blobs]))
