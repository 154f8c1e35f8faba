"""`Digit`: one digit found in an image and what it reads, the record every frontend shares.

The detector (photos, webcam), the drawing app and `recognizer predict` all describe a digit
by this record, and all write it out through `Digit.to_dict`, so their JSON agrees.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from recognizer.core import config
from recognizer.core.predict import Prediction

Box = tuple[int, int, int, int]  # x, y, w, h in the pixels of the image it was found in


@dataclass(frozen=True, eq=False)
class Digit:
    """One digit: where, what the model saw, and (once read) what it is.

    patch: the 28x28 float32 model input from `to_mnist` (None once dropped: results that
    cross processes or go to disk need no pixels).
    line, number: reading order, indices from 0 (lines top to bottom; a number is digits
    side by side).
    scribble: its ink runs far longer than any digit's (the drawing app's
    SCRIBBLE_INK_LENGTH): shown unsure whatever the model's confidence.
    unexplained: it comes from ink the string reader (`core.strings`) could not read as
    digits (a piece it is unsure of, or "not a digit"): shown unsure as well.
    """

    box: Box
    patch: np.ndarray | None = None
    prediction: Prediction | None = None
    line: int = 0
    number: int = 0
    scribble: bool = False
    unexplained: bool = False
    # The box's corners in the frame (float32 (4, 2), clockwise from the top left) when it
    # was found on a sheet's upright view (detection.sheet): a quadrilateral in perspective.
    quad: np.ndarray | None = None
    # The candidates it may be instead: a digit with small pieces beside it merged in (a
    # broken-off stroke, or a small digit beside a big one) is also cut into them, the digit
    # as it was first, and the model decides (`detection.fragments.split_fragments`).
    parts: tuple["Digit", ...] = ()

    @property
    def is_digit(self) -> bool:
        """Not rejected: unread, or read as a digit (sure or not). A candidate the model
        reads as "not a digit" is no digit of the image's, and frontends leave it out."""
        return self.prediction is None or self.prediction.is_digit

    def is_confident(self, min_confidence: float = config.MIN_CONFIDENCE) -> bool:
        """Read as a digit, not a scribble, and at least min_confidence sure."""
        return (
            self.prediction is not None
            and not self.scribble
            and not self.unexplained
            and self.prediction.is_confident(min_confidence)
        )

    def text(self, min_confidence: float = config.MIN_CONFIDENCE) -> str:
        """The digit as a character, '?' when unread or unsure."""
        return str(self.prediction.digit) if self.is_confident(min_confidence) else "?"

    def label(self, min_confidence: float = config.MIN_CONFIDENCE) -> str:
        """"7, 98%", "not sure: 4? 41%" when unsure or a scribble, "not a digit"; "?" when
        unread."""
        if self.prediction is None:
            return "?"
        # No confidence is enough for a scribble: the model's own label then says "not sure".
        return self.prediction.label(
            float("inf") if self.scribble or self.unexplained else min_confidence)

    def without_patch(self) -> "Digit":
        """The same record without its pixels (cheap to pickle and to keep), nor the
        candidates it may be instead (decided once it is read)."""
        return replace(self, patch=None, parts=())

    def to_dict(
        self, min_confidence: float = config.MIN_CONFIDENCE, probabilities: bool = False
    ) -> dict:
        """The JSON form, the same in every frontend: digit and confidence (None when
        unread), whether it is confident, whether it is a digit at all (None when unread)
        and the probability that it is not, its box [x, y, w, h], line and number; with
        probabilities=True also the ten digits' probabilities."""
        record = {
            "digit": None,
            "confidence": None,
            "confident": self.is_confident(min_confidence),
            "is_digit": None,
            "not_digit": None,
            "box": [int(v) for v in self.box],
            "line": self.line,
            "number": self.number,
        }
        if self.quad is not None:
            record["quad"] = [[round(float(x), 1), round(float(y), 1)] for x, y in self.quad]
        if self.prediction is not None:
            record["digit"] = self.prediction.digit
            record["confidence"] = round(self.prediction.confidence, 4)
            record["is_digit"] = self.prediction.is_digit
            record["not_digit"] = round(self.prediction.not_digit, 4)
            if probabilities:
                record["probabilities"] = [round(p, 4) for p in self.prediction.probabilities]
        return record
