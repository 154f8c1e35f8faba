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
and keeps the second reading only where it changed nothing but the stacked candidates (and
tall ones overlapping them: elsewhere on a page of mixed sizes the level apart can cut a
small 0, or a big digit, in two), and the model reads them apart as more digits, and surer.
The live loop tries it on the frames that look for the sheet, and reads the frames between
at the level that stood (`processing.process_frame`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from recognizer.core import config
from recognizer.core.records import Digit
from recognizer.detection.results import Detections
from recognizer.detection.tracking import box_iou


def _tall(detections: Detections) -> list[Digit]:
    """The candidates at least APART_MIN_STACK x as tall as the median one (three or more
    candidates: with fewer there is no median to speak of)."""
    digits = detections.digits
    if len(digits) < 3:
        return []
    median = float(np.median([d.box[3] for d in digits]))
    return [d for d in digits if d.box[3] >= config.APART_MIN_STACK * median]


def _in_doubt(digit: Digit) -> bool:
    """Read this frame and not a confident digit (a settled track's, unread, is in none)."""
    return digit.prediction is not None and not digit.is_confident()


def has_stacked_candidate(detections: Detections) -> bool:
    """Whether a reading has a tall candidate (`_tall`) that the model doubts or rejects."""
    return any(_in_doubt(d) for d in _tall(detections))


def _stacked_region(detections: Detections) -> list[tuple[int, int, int, int]]:
    """The boxes the rows may come apart in: the stacked candidates (tall, in doubt) and
    the tall ones that overlap them (the same joined rows, one part read as a sure digit);
    a big digit read surely elsewhere on the page is not among them."""
    tall = _tall(detections)
    stacked = [d.box for d in tall if _in_doubt(d)]
    return stacked + [d.box for d in tall if not _in_doubt(d)
                      and any(box_iou(d.box, box) > 0 for box in stacked)]


def _within(digit: Digit, boxes) -> bool:
    """Whether the digit's centre lies in one of the boxes."""
    x, y, w, h = digit.box
    cx, cy = x + w / 2, y + h / 2
    return any(bx <= cx < bx + bw and by <= cy < by + bh for bx, by, bw, bh in boxes)


def _reads(digit: Digit) -> int | None:
    """The digit read (None: not a digit, or not read)."""
    p = digit.prediction
    return p.digit if p is not None and p.is_digit else None


def _same(first: list[Digit], second: list[Digit]) -> bool:
    """Whether two lists of candidates are the same candidates read the same: each of the
    first overlaps one of the second by half (IoU) with the same reading (a candidate not
    read in the first, a settled track's, by its box alone)."""
    if len(first) != len(second):
        return False
    left = list(second)
    for digit in first:
        match = next((other for other in left if box_iou(digit.box, other.box) >= 0.5
                      and (digit.prediction is None or _reads(digit) == _reads(other))), None)
        if match is None:
            return False
        left.remove(match)
    return True


def read_apart(first: Detections, read: Callable[[float], Detections]) -> Detections:
    """The better of a reading and the view read again with its ink apart.

    `read(share)` reads the view again with the ink's weak level at `share` of its depth;
    it is called only when `first` has a stacked candidate (`has_stacked_candidate`). The
    second reading is kept when, outside the stacked candidates' boxes (`_stacked_region`),
    it is the first reading again (`_same`), and within them it has more candidates (the
    rows came apart), more of them confident digits, and no more rejected: else the first
    stands."""
    if not has_stacked_candidate(first):
        return first
    second = read(config.DEBLUR_WEAK_INK_DEPTH_SHARE)
    boxes = _stacked_region(first)
    inside = [[d for d in r.digits if _within(d, boxes)] for r in (first, second)]
    outside = [[d for d in r.digits if not _within(d, boxes)] for r in (first, second)]
    # (an unread candidate, a settled track's, counts as sure: its vote stands for it)
    before, after = (Detections(digits=tuple(d), mask=first.mask).tally() for d in inside)
    if (_same(*outside) and len(inside[1]) > len(inside[0])
            and after.confident + after.unread > before.confident + before.unread
            and after.rejected <= before.rejected):
        return second
    return first
