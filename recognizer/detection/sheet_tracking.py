"""Hold the sheet's outline steady across the frames of the live loop.

`find_sheet` on each frame of a hand-held sheet jitters by a few pixels, loses the sheet on
a frame of glare or motion blur, and may, for one frame, take something else for it. The
live loop reads the digits on the outline this tracker shows instead:

- an outline that agrees with the shown one (every corner within SHEET_AGREE of the sheet's
  diagonal) keeps the shown one, so the upright view, and the digits' boxes, stay put;
- with no outline shown, a found one is shown at once (the whole frame is the worse guess);
- a different outline is shown only once SHEET_CONFIRM_FRAMES outlines in a row agree with
  each other (the sheet really moved, or a new sheet came into view), and then the latest;
- when no outline is found, the shown one is kept for SHEET_KEEP_FRAMES frames, then dropped
  (the loop reads the whole frame).

Pure functions on a small frozen state, like `tracking` does for the digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognizer.core import config
from recognizer.detection.sheet import Sheet


@dataclass(frozen=True, eq=False)
class SheetTrack:
    """The shown outline (None: read the whole frame), the outlines that disagree with it
    seen in a row (candidates for the next one), and the frames since one was found."""

    shown: Sheet | None = None
    pending: tuple[Sheet, ...] = ()
    missed: int = 0


def agree(a: Sheet, b: Sheet, tolerance: float = config.SHEET_AGREE) -> bool:
    """Whether two outlines are the same sheet in the same place: every corner within
    tolerance x the diagonal of the first."""
    diagonal = float(np.linalg.norm(a.corners[2] - a.corners[0]))
    distance = np.linalg.norm(a.corners - b.corners, axis=1).max()
    return bool(distance <= tolerance * max(diagonal, 1.0))


def update_sheet(track: SheetTrack | None, found: Sheet | None) -> SheetTrack:
    """The next state, given this frame's outline (None when none was found)."""
    track = track or SheetTrack()
    if found is None:
        missed = track.missed + 1
        if missed > config.SHEET_KEEP_FRAMES:
            return SheetTrack(shown=None, pending=(), missed=missed)
        return SheetTrack(shown=track.shown, pending=(), missed=missed)
    if track.shown is not None and agree(track.shown, found):
        return SheetTrack(shown=track.shown, pending=(), missed=0)
    if track.shown is None:
        return SheetTrack(shown=found, pending=(), missed=0)  # nothing to hold: show it
    pending = track.pending if track.pending and agree(track.pending[-1], found) else ()
    pending = (*pending, found)
    if len(pending) >= config.SHEET_CONFIRM_FRAMES:
        return SheetTrack(shown=found, pending=(), missed=0)
    return SheetTrack(shown=track.shown, pending=pending, missed=0)
