"""A digit merged with a small piece beside it: one digit, or a big digit and a small one?

The detector merges a fragment beside a digit into it (`merging._merge_fragments`): a light
stroke the threshold broke, a 5's bar drawn apart. On a page of digits of mixed sizes a
small digit beside a big one is such a "fragment" too, and merged it is lost (a small 2
beside a big 0 is read as the 0). Shape does not tell them apart; the model does. Once the
candidates are read, `split_fragments` reads the pieces of each merged candidate (one
batched call for all) and keeps them apart where each is a sure digit and no fragment reads
as a 1: a stroke broken off any digit is a bar, and a bar alone reads as a sure 1. In the
live loop a candidate read apart on earlier frames stays apart while its pieces are digits,
sure or not (`split_before`), so a piece near the threshold does not come and go.

Measured on the tuning scene seeds 101, 13 and 7 (15 frames of each condition): 77 merged
candidates. 8 were a big digit and a small one (all on pages of mixed sizes); in 5 of them
each piece is a sure digit. Of the 69 that are one digit, 10 had pieces that are all sure
digits, and in each the fragment read as a 1 (0.81-1.00).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from recognizer.core import config
from recognizer.core.records import Digit
from recognizer.detection.results import Detections


def split_fragments(detections: Detections, recognizer,
                    min_confidence: float = config.MIN_CONFIDENCE,
                    split_before: Callable[[Digit], bool] = lambda digit: False) -> Detections:
    """The detections with each read candidate that has parts (`Digit.parts`: the digit as
    it was, then the fragments merged into it) replaced by its parts, read and left to
    right, where each part is a sure digit and no fragment is a 1. Unread candidates stay
    as they are.

    split_before: whether earlier frames read the candidate apart (the live loop: its parts
    continue tracks of their own). Such a candidate stays apart while each part is read as
    a digit, sure or not, so that a part near the threshold does not come and go."""
    chosen = [index for index, digit in enumerate(detections.digits)
              if digit.parts and digit.prediction is not None]
    if not chosen:
        return detections
    readings = recognizer.predict_patches(
        [part.patch for index in chosen for part in detections.digits[index].parts])
    replaced, start = {}, 0
    for index in chosen:
        digit = detections.digits[index]
        found = readings[start : start + len(digit.parts)]
        start += len(digit.parts)
        if split_before(digit):
            apart = all(p is not None and p.is_digit for p in found)
        else:
            apart = (all(p is not None and p.is_confident(min_confidence) for p in found)
                     and all(p.digit != 1 for p in found[1:]))
        if apart:
            parts = [replace(part, prediction=p, line=digit.line, number=digit.number)
                     for part, p in zip(digit.parts, found)]
            replaced[index] = sorted(parts, key=lambda part: part.box[0])
    return detections.with_split(replaced)
