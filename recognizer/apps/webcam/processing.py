"""One frame of the live loop: find and read its digits, fold them into the tracks.

`process_frame` is pure apart from the model call: no window, no state outside its
arguments (the next tracker state is part of the result; the clock that times it is a
parameter), so tests and benchmarks run it on generated frames.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from recognizer.core import config
from recognizer.core.errors import one_line_reason
from recognizer.core.predict import Recognizer
from recognizer.detection.deblur import read_deblurred
from recognizer.detection.detector import find_digits, read_digits
from recognizer.detection.page import survey_frame
from recognizer.detection.rereading import read_further
from recognizer.detection.results import Detections
from recognizer.detection.sheet import find_sheet
from recognizer.detection.sheet_tracking import must_look, skip_look, update_sheet
from recognizer.detection.tracking import (
    TrackedReading,
    TrackerState,
    digits_to_read,
    follows_tracks,
    update_tracks,
)


@dataclass(frozen=True, eq=False)
class FrameResult:
    """One processed frame: what to show (confirmed tracks with their voted predictions),
    everything the detector found with this frame's own readings, the tracker state to
    pass to the next frame, and the time it took."""

    detections: Detections  # shown: digits of confirmed tracks, carrying the voted prediction
    raw: Detections  # all digits found in this frame, with this frame's own readings
    tracks: tuple[TrackedReading, ...]  # per raw digit, same order: track id, vote, confirmed
    tracker: TrackerState  # give this to the next process_frame call
    latency_ms: float  # detection + reading + tracking, wall time
    skipped: str | None = None  # why the frame could not be processed (a one-line reason)
    trace: str | None = None  # ... and where (the traceback, for --debug)
    surface: bool = False  # a whole frame of a mottled surface: none of its digits shown

    def numbers(self, min_confidence: float = config.MIN_CONFIDENCE) -> list[str]:
        return self.detections.numbers(min_confidence)


def process_frame(
    frame: np.ndarray,
    recognizer: Recognizer,
    tracker: TrackerState | None = None,
    clock: Callable[[], float] = time.perf_counter,
    reread_every: int = config.TRACK_REREAD_EVERY,
    all_patches: bool = False,
) -> FrameResult:
    """Find, read (one batched call) and track the digits of one BGR frame.

    Digits of settled tracks are read only every `reread_every` frames (their vote stands
    in between; `raw` then holds None for them, and no patch unless `all_patches`: the
    inset and snapshots show every patch); 1 reads every digit in every frame. A candidate
    merged with a fragment (`Digit.parts`) is read on every frame, and so is one whose box
    changed size against its track's (`tracking.digits_to_read`). A frame read again
    deblurred (`deblur.read_deblurred`), or with its rows apart (`apart.read_apart`), has
    every digit read and patched.
    """
    start = clock()
    if tracker is not None:  # boxes of another resolution must not match this frame's
        tracker = tracker.for_frame(frame_key(frame))
    # The sheet's outline, held steady across frames (sheet_tracking), is read upright;
    # it is looked for on every frame only while it changes. With none shown, the whole
    # frame is surveyed (paper in view, the page) on the frames that look.
    sheet_track = tracker.sheet if tracker is not None else None
    looked = must_look(sheet_track)
    if looked:
        sheet_track = update_sheet(sheet_track, find_sheet(frame))
        if sheet_track.shown is None:
            sheet_track = replace(sheet_track, view=survey_frame(frame))
    else:
        sheet_track = skip_look(sheet_track)
    found = find_digits(frame, sheet=sheet_track.shown, patches=all_patches,
                        view=sheet_track.view, weak_share=sheet_track.weak_share)
    need = digits_to_read(tracker, [digit.box for digit in found.digits], reread_every)
    # A candidate with parts is read every frame (fragments.split_fragments decides only
    # once it is read; unread, it would come and go as one box and as two), and once read
    # apart it stays apart while its parts' tracks go on.
    need = [read or bool(digit.parts) for digit, read in zip(found.digits, need)]
    if not all_patches:
        # Patches for the digits to read only (a blank one is dropped); the rest keep None.
        found = found.with_patches(need)
        need = [digit.patch is not None for digit in found.digits]
    predictions = recognizer.predict_patches(
        [digit.patch if read else None for digit, read in zip(found.digits, need)])
    # The readings after the first, as detector.read_digits makes them (rereading): a
    # candidate whose parts tracks already follow stays apart while each part reads as a
    # digit, and rows joined by compression are read apart only on the frames that look for
    # the sheet (every candidate read then); a level kept so reads the frames until the next
    # look.
    further = read_further(
        frame, found.with_predictions(predictions), recognizer,
        whole=sheet_track.shown is None,
        read_again=(lambda share: read_digits(
            frame, recognizer, sheet=sheet_track.shown, undo_blur=False, weak_share=share,
            view=sheet_track.view)) if looked else None,
        split_before=lambda digit: follows_tracks(tracker, [part.box for part in digit.parts]))
    raw = further.detections
    if further.weak_share is not None:
        sheet_track = replace(sheet_track, weak_share=further.weak_share)
    if not further.surface:
        # A moving sheet's smear: the frame read again deblurred when many candidates are
        # in doubt (deblur.read_deblurred), every candidate read then.
        raw = read_deblurred(frame, raw, lambda sharp, share=None: read_digits(
            sharp, recognizer, sheet=sheet_track.shown, undo_blur=False, weak_share=share))
    tracker, tracks = update_tracks(tracker or TrackerState(frame_key=frame_key(frame)), raw.digits)
    tracker = replace(tracker, sheet=sheet_track)
    # Shown: confirmed tracks whose vote is a digit ("not a digit" candidates are not shown);
    # none on a whole frame whose votes are mostly "not a digit" (Detections.is_surface: on
    # the votes, as settled tracks are not read on every frame).
    voted = raw.with_predictions([reading.prediction for reading in tracks])
    surface = sheet_track.shown is None and voted.is_surface()
    detections = Detections(digits=(), mask=raw.mask) if surface else Detections(
        digits=tuple(d for d, reading in zip(voted.digits, tracks)
                     if reading.confirmed and d.is_digit), mask=raw.mask)
    return FrameResult(detections, raw, tracks, tracker, (clock() - start) * 1000.0,
                       surface=surface)


def frame_key(frame: np.ndarray) -> tuple:
    """What must stay the same between frames for their boxes to be comparable."""
    return (*frame.shape, str(frame.dtype))


def skipped_frame(
    frame: np.ndarray, tracker: TrackerState | None, reason: str, trace: str | None = None
) -> FrameResult:
    """The result of a frame that could not be processed: nothing found, the tracks kept
    as they were (the next good frame continues them), and why."""
    shape = np.shape(frame)[:2] if np.ndim(frame) >= 2 else (0, 0)
    empty = Detections(digits=(), mask=np.zeros(shape, dtype=np.uint8))
    return FrameResult(empty, empty, (), tracker or TrackerState(), 0.0, reason, trace)


def process_frame_safely(
    frame: np.ndarray, recognizer: Recognizer, tracker: TrackerState | None = None, **options
) -> FrameResult:
    """`process_frame`, with the frame as the boundary of an error: whatever breaks on one
    frame (a detector bug on odd pixels) skips that frame - `skipped` says why - and the
    live loop goes on with the next."""
    try:
        return process_frame(frame, recognizer, tracker, **options)
    except Exception as exc:  # the per-frame boundary: report, skip, go on
        return skipped_frame(frame, tracker, one_line_reason(exc), traceback.format_exc())
