"""`Detections`: every digit found in one frame, in reading order, with the mask they came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from recognizer.core import config
from recognizer.core.predict import Prediction
from recognizer.core.records import Digit


@dataclass(frozen=True)
class Tally:
    """How a reading's candidates were read: confident digits, doubtful candidates (read,
    not confident: unsure digits, rejected ones, and scribbles or unexplained candidates
    whatever they read as), unread ones (the live loop's settled
    tracks, whose votes stand for them) and, among the doubtful, those the model called
    "not a digit". The second readings (`deblur`, `apart`) compare readings by it."""

    confident: int
    doubtful: int
    unread: int
    rejected: int


@dataclass(frozen=True, eq=False)
class Detections:
    """All digits of a frame in reading order, and the threshold mask they were found in.

    cropper: set by `find_digits(..., patches=False)`, whose digits come without their
    28x28 patches: it makes digit i's patch (None when blank), so that the live loop crops
    only the digits the model will read (`with_patches`). Any other result has none."""

    digits: tuple[Digit, ...]  # lines top to bottom, left to right within a line
    mask: np.ndarray  # uint8 binary threshold mask (255 = ink), same H x W as the frame
    cropper: Callable[[int], np.ndarray | None] | None = field(default=None, repr=False)

    def with_patches(self, wanted: Sequence[bool]) -> "Detections":
        """The digits with the patches of those wanted (in order) made by the cropper; a
        wanted digit whose patch is blank is dropped (as `find_digits` drops it), the others
        keep patch None. Without a cropper (patches made already): itself."""
        if self.cropper is None:
            return self
        digits = []
        for index, (digit, want) in enumerate(zip(self.digits, wanted)):
            if not want:
                digits.append(digit)
                continue
            patch = self.cropper(index)
            if patch is not None:
                digits.append(replace(digit, patch=patch))
        return Detections(digits=tuple(digits), mask=self.mask)

    def with_predictions(
        self, predictions: Sequence[Prediction | None], keep: Sequence[bool] | None = None
    ) -> "Detections":
        """The same detections with one prediction per digit attached (in order); with
        keep, only the digits whose flag is true."""
        flags = keep if keep is not None else [True] * len(self.digits)
        pairs = zip(self.digits, predictions, flags)
        digits = tuple(replace(d, prediction=p) for d, p, k in pairs if k)
        return Detections(digits=digits, mask=self.mask)

    def with_split(self, replaced: dict[int, Sequence[Digit]]) -> "Detections":
        """The detections with candidate i replaced by the digits replaced[i] (a candidate
        read as several digits, in their place in reading order); itself if none is."""
        if not replaced:
            return self
        digits = []
        for index, digit in enumerate(self.digits):
            digits.extend(replaced.get(index, [digit]))
        return Detections(digits=tuple(digits), mask=self.mask)

    def scaled(self, factor: int) -> "Detections":
        """The same detections with every box multiplied by an integer factor (for drawing
        them on an enlarged copy of the image)."""
        digits = tuple(
            replace(d, box=tuple(v * factor for v in d.box),
                    quad=None if d.quad is None else d.quad * factor)
            for d in self.digits)
        return Detections(digits=digits, mask=self.mask)

    def digits_only(self) -> "Detections":
        """Without the candidates the model read as "not a digit" (what frontends show)."""
        return Detections(digits=tuple(d for d in self.digits if d.is_digit), mask=self.mask)

    def tally(self) -> Tally:
        """How these candidates were read (`Tally`)."""
        read = [d for d in self.digits if d.prediction is not None]
        confident = sum(d.is_confident() for d in read)
        return Tally(confident=confident, doubtful=len(read) - confident,
                     unread=len(self.digits) - len(read),
                     rejected=sum(not d.is_digit for d in read))

    def is_surface(self) -> bool:
        """Whether the model read most of these candidates, and many, as "not a digit"
        (SURFACE_MIN_REJECTED, SURFACE_MIN_SHARE), and they do not stand in rows
        (`in_rows`): a whole frame of a mottled surface, not a page, whose few candidates
        read as digits are chips and spots like the rest. (A page's words are rejected
        candidates too, but they stand in lines.)"""
        rejected = sum(not d.is_digit for d in self.digits)
        return (rejected >= config.SURFACE_MIN_REJECTED
                and rejected >= config.SURFACE_MIN_SHARE * len(self.digits)
                and self.in_rows() < config.SURFACE_MAX_IN_ROWS)

    def in_rows(self) -> float:
        """The share of the candidates that stand in a row: beside at least SURFACE_ROW_MATES
        others of a similar height (the taller at most SURFACE_ROW_HEIGHT_RATIO x the
        other), whose centres lie within SURFACE_ROW_BAND x the taller's height of theirs
        vertically and whose boxes lie at most SURFACE_ROW_GAP x it apart across. Writing
        stands in lines; chips and spots lie anywhere. (Every pair is compared, so only the
        SURFACE_MAX_CANDIDATES largest candidates are: a frame of noise holds thousands.)"""
        digits = sorted(self.digits, key=lambda d: -d.box[2] * d.box[3])
        digits = digits[: config.SURFACE_MAX_CANDIDATES]
        if len(digits) < 2:
            return 0.0
        boxes = np.array([d.box for d in digits], dtype=np.float32)
        left, width = boxes[:, 0], boxes[:, 2]
        centre = boxes[:, 1] + boxes[:, 3] / 2
        height = np.maximum(boxes[:, 3], 1.0)
        taller = np.maximum(height[:, None], height[None, :])
        lower = np.minimum(height[:, None], height[None, :])
        similar = taller <= config.SURFACE_ROW_HEIGHT_RATIO * lower
        level = np.abs(centre[:, None] - centre[None, :]) <= config.SURFACE_ROW_BAND * taller
        right = left + width
        gap = np.maximum(left[None, :] - right[:, None], left[:, None] - right[None, :])
        near = gap <= config.SURFACE_ROW_GAP * taller
        mates = (similar & level & near).sum(axis=1) - 1  # not itself
        return float(np.mean(mates >= config.SURFACE_ROW_MATES))

    def numbers(self, min_confidence: float = config.MIN_CONFIDENCE) -> list[str]:
        """Each number's digits as a string, '?' for an unsure digit; candidates read as
        "not a digit" are left out."""
        groups: dict[int, list[str]] = {}
        for digit in self.digits_only().digits:
            groups.setdefault(digit.number, []).append(digit.text(min_confidence))
        return ["".join(groups[key]) for key in sorted(groups)]

    def number_boxes(self) -> list[tuple[int, int, int, int]]:
        """The box around each number's digits, in the order of `numbers()`."""
        boxes: dict[int, list[int]] = {}
        for digit in self.digits_only().digits:
            x, y, w, h = digit.box
            box = boxes.setdefault(digit.number, [x, y, x + w, y + h])
            box[0], box[1] = min(box[0], x), min(box[1], y)
            box[2], box[3] = max(box[2], x + w), max(box[3], y + h)
        return [(b[0], b[1], b[2] - b[0], b[3] - b[1]) for _, b in sorted(boxes.items())]
