"""Read a drawing as a number: its stroke groups in one batched call, touching digits by the
string reader (`drawing.touching`), and the label the drawing app shows.

Apart from `strokes` (recording, rendering and grouping, no model) so that the string
reader can build on the renderer without the two modules importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from recognizer.core import config
from recognizer.core.preprocess import to_mnist
from recognizer.core.records import Digit
from recognizer.drawing.strokes import (
    Drawing,
    Stroke,
    digit_box,
    group_strokes,
    ink_length,
    render_digit,
)
from recognizer.drawing.touching import read_touching_groups

EMPTY_MESSAGE = "Draw a digit"
REJECTED_MESSAGE = "That does not look like a digit"


@dataclass(frozen=True)
class NumberReading:
    """A drawing read left to right: one `Digit` record per digit (none for an empty canvas)."""

    digits: tuple[Digit, ...]

    @property
    def is_empty(self) -> bool:
        return not self.digits

    @property
    def number(self) -> str:
        """The digits read, left to right ("" for an empty drawing)."""
        return "".join(str(d.prediction.digit) for d in self.digits)

    @property
    def is_rejected(self) -> bool:
        """Some of the drawing is not a digit at all (a letter, a smiley, a scribble)."""
        return any(not d.is_digit for d in self.digits)

    def is_confident(self, min_confidence: float = config.MIN_CONFIDENCE) -> bool:
        return bool(self.digits) and all(d.is_confident(min_confidence) for d in self.digits)

    def least_confident(self) -> Digit | None:
        """The digit most worth a second look (the only one, for a single digit): a part
        that is not a digit first, else the least sure digit."""
        if not self.digits:
            return None
        return min(self.digits, key=lambda d: (d.is_digit, d.prediction.confidence))

    def label(self, min_confidence: float = config.MIN_CONFIDENCE) -> str:
        """"Draw a digit", the tutorial's "7, 98%" (or "not sure: 4? 41%"), for a number
        "42 (4 98%, 2 95%)" or "not sure: 42? (4 98%, 2? 41%)", and "That does not look like
        a digit" when any part of the drawing is not one."""
        if not self.digits:
            return EMPTY_MESSAGE
        if self.is_rejected:
            return REJECTED_MESSAGE
        if len(self.digits) == 1:
            return self.digits[0].label(min_confidence)
        parts = []
        for d in self.digits:
            mark = "" if d.is_confident(min_confidence) else "?"
            parts.append(f"{d.prediction.digit}{mark} {d.prediction.confidence * 100:.0f}%")
        details = ", ".join(parts)
        if self.is_confident(min_confidence):
            return f"{self.number} ({details})"
        return f"not sure: {self.number}? ({details})"


def read_strokes(strokes: Sequence[Stroke], recognizer) -> NumberReading:
    """Split strokes into digits and read them all in ONE batched inference call; a group
    that may be several touching digits (too wide, "not a digit" or unsure) is then re-read
    by the string reader (`core.strings`, one more batched call for all such groups)."""
    groups = group_strokes(strokes)
    boxes = [digit_box(group) for group in groups]
    patches = [to_mnist(render_digit(group)) for group in groups]
    predictions = recognizer.predict_patches(patches)
    digits = [
        Digit(
            box=box,
            patch=patch,
            prediction=prediction,
            scribble=ink_length(group) > config.SCRIBBLE_INK_LENGTH,
        )
        for group, box, patch, prediction in zip(groups, boxes, patches, predictions)
    ]
    digits = read_touching_groups(groups, digits, recognizer)
    return NumberReading(digits=tuple(d for d in digits if d.prediction is not None))


def read_drawing(drawing: Drawing, recognizer) -> NumberReading:
    """Read a drawing's finished strokes (and the one in progress) as a number."""
    return read_strokes(drawing.all_strokes(), recognizer)
