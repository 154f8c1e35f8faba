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

Looking for the sheet costs a frame several ms, so the loop looks only every
SHEET_LOOK_EVERY frames while nothing changes (`must_look`: the shown outline was found
again, or no sheet has been in view for a while) and on every frame while something does
(a move being confirmed, a shown outline lost); a frame it does not look on leaves the
state as it was (`skip_look`). With no outline shown, the loop surveys the frame it looks on
(`page.survey_frame`: paper in view? the page filling it?) and reads the frames in between
with that `view`.

Pure functions on a small frozen state, like `tracking` does for the digits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from recognizer.core import config
from recognizer.detection.page import WholeView
from recognizer.detection.sheet import Sheet


@dataclass(frozen=True, eq=False)
class SheetTrack:
    """The shown outline (None: read the whole frame), the outlines that disagree with it
    seen in a row (candidates for the next one), the looks since one was found, the frames
    since the last look, the whole frame's view from the last look (with no outline
    shown), and the ink's weak level the frames between looks are read at (None: the
    view's own; set when the last look's reading was kept with its rows apart,
    `apart.read_apart`)."""

    shown: Sheet | None = None
    pending: tuple[Sheet, ...] = ()
    missed: int = 0
    unlooked: int = 0
    view: WholeView | None = None
    weak_share: float | None = None


def agree(a: Sheet, b: Sheet, tolerance: float = config.SHEET_AGREE) -> bool:
    """Whether two outlines are the same sheet in the same place: every corner within
    tolerance x the diagonal of the first."""
    diagonal = float(np.linalg.norm(a.corners[2] - a.corners[0]))
    distance = np.linalg.norm(a.corners - b.corners, axis=1).max()
    return bool(distance <= tolerance * max(diagonal, 1.0))


def must_look(track: SheetTrack | None, every: int = config.SHEET_LOOK_EVERY) -> bool:
    """Whether this frame must look for the sheet (`find_sheet`): always while an outline
    is being confirmed or the shown one is lost (so both take the frames they are meant
    to), else once every `every` frames (a steady outline, or no sheet in view: a sheet
    held up is found within `every` frames)."""
    if track is None or every <= 1 or track.pending:
        return True
    if track.shown is not None and track.missed:
        return True
    return track.unlooked + 1 >= every


def skip_look(track: SheetTrack | None) -> SheetTrack:
    """The state after a frame on which the loop did not look: as it was, one frame
    further from the last look."""
    track = track or SheetTrack()
    return replace(track, unlooked=track.unlooked + 1)


def update_sheet(track: SheetTrack | None, found: Sheet | None) -> SheetTrack:
    """The next state, given the outline found on a frame that looked (None when none
    was)."""
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
