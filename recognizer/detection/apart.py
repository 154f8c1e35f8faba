"""Rows of digits joined into one candidate: read the view again with its ink kept apart.

A webcam's (M)JPEG compression rings around dark strokes in blotches a few levels under the
paper. On a small sheet (digits 15-20 px high, rows a few px apart) the threshold's weak
level can take those blotches for ink and join the digits of two or three rows into one
tall candidate, which the model calls "not a digit" or doubts, and the string readers,
which read one line, cannot split: the sheet's digits are lost on that frame. The weak
level that keeps such rings apart (DEBLUR_WEAK_INK_DEPTH_SHARE of the ink's depth, which
`deblur` uses for a deconvolution's ringing) cuts the faint joins of some digits' own
strokes, so it is not the default; `read_apart` reads a frame again with it only when its
first reading has a stacked candidate (one the model doubts or rejects that is at least
APART_MIN_STACK times as tall as the reading's median candidate: rows on top of each other),
and the model decides which reading stands.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from recognizer.core import config
from recognizer.detection.results import Detections


def has_stacked_candidate(detections: Detections) -> bool:
    """Whether a reading has a candidate the model doubts or rejects that is at least
    APART_MIN_STACK x as tall as the median candidate (three or more candidates; a
    candidate not read this frame - a settled track's - is not in doubt)."""
    digits = detections.digits
    if len(digits) < 3:
        return False
    median = float(np.median([d.box[3] for d in digits]))
    return any(d.prediction is not None and not d.is_confident()
               and d.box[3] >= config.APART_MIN_STACK * median for d in digits)


def _sure_and_rejected(detections: Detections) -> tuple[int, int]:
    digits = detections.digits
    sure = sum(d.prediction is None or d.is_confident() for d in digits)
    rejected = sum(d.prediction is not None and not d.is_digit for d in digits)
    return sure, rejected


def read_apart(first: Detections, read: Callable[[float], Detections]) -> Detections:
    """The better of a reading and the view read again with its ink apart.

    `read(share)` reads the view again with the ink's weak level at `share` of its depth;
    it is called only when `first` has a stacked candidate (`has_stacked_candidate`). The
    second reading is kept when it has more candidates (the rows came apart), more of them
    confident digits, and no more rejected: else the first stands."""
    if not has_stacked_candidate(first):
        return first
    second = read(config.DEBLUR_WEAK_INK_DEPTH_SHARE)
    sure, rejected = _sure_and_rejected(first)
    sure2, rejected2 = _sure_and_rejected(second)
    if len(second.digits) > len(first.digits) and sure2 > sure and rejected2 <= rejected:
        return second
    return first
