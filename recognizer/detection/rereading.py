"""The readings of a frame after its first: one step for every frontend that reads a frame.

A first reading (`detector.find_digits` and one batched call of the model) leaves some
candidates the model could read better another way. `read_further` makes those readings,
in this order:

1. a candidate merged with a fragment beside it is split again where its pieces read as a
   small digit beside a big one (`fragments.split_fragments`);
2. a frame read whole (no sheet) whose readings are a surface's (`Detections.is_surface`:
   terrazzo or spots filling the view) is read no further: its chips are no touching or
   blurred digits;
3. candidates that may be several touching digits go to the string readers
   (`touching.read_touching`), and those left "not a digit" are read again sharpened
   (`sharpen.reread_sharpened`). In that order: sharpened first, two touching digits read
   as an unsure digit and no longer reached the string readers;
4. rows of digits joined into one tall candidate by compression's rings are read again
   with the ink kept apart (`apart.read_apart`), when the caller allows it.

`detector.read_digits` (photos, scripts, benchmarks) and the live loop
(`apps.webcam.processing.process_frame`) both call it; they differ only in what they pass:
the live loop splits fragments early where tracks already read them apart, and tries the
rows apart only on the frames that look for the sheet. Reading a frame deblurred
(`deblur.read_deblurred`) reads another frame, so it stays with each caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from recognizer.core import config
from recognizer.core.predict import Recognizer
from recognizer.core.records import Digit
from recognizer.detection.apart import read_apart
from recognizer.detection.fragments import split_fragments
from recognizer.detection.results import Detections
from recognizer.detection.sharpen import reread_sharpened
from recognizer.detection.touching import read_touching


@dataclass(frozen=True, eq=False)
class FurtherReading:
    """A frame's reading after `read_further`: its detections; whether the frame, read
    whole, is a surface by its first reading (then `detections` is that reading, fragments
    split, read no further: `read_digits` returns no digits for it, the live loop decides
    what to show on its tracks' votes); and the ink's weak level of the reading kept when
    the rows were read apart (None: the first reading's level stood)."""

    detections: Detections
    surface: bool = False
    weak_share: float | None = None


def read_further(
    frame: np.ndarray,
    first: Detections,
    recognizer: Recognizer,
    *,
    whole: bool,
    read_again: Callable[[float], Detections] | None = None,
    split_before: Callable[[Digit], bool] | None = None,
) -> FurtherReading:
    """The readings after the first (see the module's docstring), in one step.

    whole: the frame was read whole (no sheet), so it may be a surface.
    read_again(share): the same view read again with the ink's weak level at `share` of
    its depth, for the rows apart; None does not try them.
    split_before: `fragments.split_fragments`'s, for the candidates to keep apart while
    each part reads as a digit, sure or not (the live loop: where tracks already follow
    the parts).
    """
    read = split_fragments(first, recognizer, split_before=split_before or (lambda digit: False))
    if whole and read.is_surface():
        return FurtherReading(read, surface=True)
    read = reread_sharpened(read_touching(frame, read, recognizer), recognizer)
    if read_again is None:
        return FurtherReading(read)
    apart = read_apart(read, read_again)  # (read again at DEBLUR_WEAK_INK_DEPTH_SHARE)
    return FurtherReading(apart, weak_share=(
        None if apart is read else config.DEBLUR_WEAK_INK_DEPTH_SHARE))
