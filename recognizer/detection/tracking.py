"""Keep labels steady: follow each digit across frames and vote over its last readings.

A single frame's reading of a digit wobbles (light, blur, a hand moving the paper); shown
raw it flickers between, say, 4 and 9. `update_tracks` matches this frame's digits to the
tracks of earlier frames by box overlap (IoU), appends each reading to its track, and gives
back the track's vote: the mean of its last TRACK_VOTES probability vectors. The shown digit
changes only when another digit's mean beats it by TRACK_SWITCH_MARGIN (hysteresis), and a
new track is shown only once it has been seen in TRACK_CONFIRM_FRAMES frames, so one-frame
blips (glare, desk texture) never appear.

Everything is a frozen dataclass and `update_tracks` is a pure function (state in, state
out), so a test can replay a sequence and count label flips.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, Sequence

import numpy as np

from recognizer.core import config
from recognizer.core.predict import Prediction

Box = tuple[int, int, int, int]


class _Detected(Protocol):
    box: Box
    prediction: Prediction | None


@dataclass(frozen=True)
class Track:
    """One digit followed over frames: where it was last, its recent readings, its vote."""

    track_id: int
    box: Box
    readings: tuple[tuple[float, ...], ...] = ()  # last TRACK_VOTES Prediction.scores()
    shown: int | None = None  # the digit currently shown (after hysteresis)
    missed: int = 0  # frames since a detection last matched
    age: int = 1  # frames in which a detection matched it
    at_start: bool = False  # began on the tracker's first frame (shown at once)
    unread: int = 0  # frames since the model last read this digit

    def confirmed(self, confirm_frames: int = config.TRACK_CONFIRM_FRAMES) -> bool:
        """Seen in enough frames to be shown: a one-frame blip (glare, a speck of texture)
        never is. Tracks from the very first frame are shown at once."""
        return self.at_start or self.age >= confirm_frames

    def is_settled(
        self,
        votes: int = config.TRACK_VOTES,
        min_confidence: float = config.TRACK_SETTLED_CONFIDENCE,
    ) -> bool:
        """A full vote window whose latest reading agrees, confidently, with the shown digit:
        such a digit need not be read again every frame."""
        if len(self.readings) < votes or self.shown is None:
            return False
        last = self.readings[-1]
        digits = last[: config.NUM_CLASSES]
        return int(np.argmax(digits)) == self.shown and digits[self.shown] >= min_confidence

    def vote(self) -> Prediction | None:
        """The track's reading: mean scores over its window (the "not a digit" probability
        too), the shown digit on top."""
        if not self.readings:
            return None
        mean = np.mean(np.asarray(self.readings, dtype=np.float64), axis=0)
        vote = Prediction.from_probabilities(mean)
        if self.shown is None or self.shown == vote.digit:
            return vote
        return replace(vote, digit=self.shown, confidence=vote.probabilities[self.shown])


@dataclass(frozen=True)
class TrackerState:
    """All live tracks and the next id to hand out."""

    tracks: tuple[Track, ...] = ()
    next_id: int = 1
    frames: int = 0  # frames folded in so far
    # (height, width, channels, dtype) of the frames the boxes are in; a frame of another
    # kind (a camera switching resolution) starts the tracks afresh: its boxes are in other
    # pixels and must not match these. None: not known (tracks of bare boxes).
    frame_key: tuple | None = None
    # The sheet's outline across frames (detection.sheet_tracking.SheetTrack), kept here so
    # the live loop carries one state; the digit tracks do not use it.
    sheet: object | None = None

    def for_frame(self, key: tuple) -> "TrackerState":
        """This state for a frame of kind `key`: itself, or (another kind of frame) one
        without tracks that keeps counting track ids, so no id is handed out twice."""
        if self.frame_key is None or self.frame_key == key:
            return replace(self, frame_key=key) if self.frame_key is None else self
        return TrackerState(next_id=self.next_id, frame_key=key)


@dataclass(frozen=True)
class TrackedReading:
    """This frame's result for one detected digit: its track and the voted prediction."""

    track_id: int
    prediction: Prediction | None  # the vote (None when the track has no reading yet)
    raw: Prediction | None  # this frame's own reading
    confirmed: bool = True  # seen often enough to be shown (see Track.confirmed)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes, 0 when they do not touch."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = min(ax + aw, bx + bw) - max(ax, bx)
    ih = min(ay + ah, by + bh) - max(ay, by)
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / float(aw * ah + bw * bh - inter)


def iou_matrix(a: Sequence[Box], b: Sequence[Box]) -> np.ndarray:
    """box_iou of every box of `a` with every box of `b`, (len(a), len(b)) float64, at once
    (a sheet of 20 digits and their tracks make hundreds of pairs a frame)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    ax, ay, aw, ah = (a[:, i : i + 1] for i in range(4))
    bx, by, bw, bh = (b[:, i] for i in range(4))
    iw = np.minimum(ax + aw, bx + bw) - np.maximum(ax, bx)
    ih = np.minimum(ay + ah, by + bh) - np.maximum(ay, by)
    inter = np.where((iw > 0) & (ih > 0), iw * ih, 0.0)
    union = aw * ah + bw * bh - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(inter > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def follows_tracks(state: TrackerState | None, boxes: Sequence[Box],
                   min_iou: float = config.TRACK_MIN_IOU) -> bool:
    """Whether each box continues a confirmed track of its own (the pieces of a candidate
    that earlier frames read apart: see fragments.split_fragments)."""
    if state is None or not len(boxes):
        return False
    boxes = [tuple(int(v) for v in box) for box in boxes]
    matched = _match(state.tracks, boxes, min_iou)
    return len(matched) == len(boxes) and all(
        state.tracks[track].confirmed() for track in matched.values())


def _match(tracks: Sequence[Track], boxes: Sequence[Box], min_iou: float) -> dict[int, int]:
    """Greedy matching, best overlap first (ties: the later detection, then the later
    track): detection index -> track index."""
    if not len(tracks) or not len(boxes):
        return {}
    iou = iou_matrix(boxes, [track.box for track in tracks])
    ds, ts = np.nonzero(iou >= min_iou)
    order = np.lexsort((-ts, -ds, -iou[ds, ts]))  # the last key sorts first
    matched: dict[int, int] = {}
    used_tracks: set[int] = set()
    for d, t in zip(ds[order].tolist(), ts[order].tolist()):
        if d not in matched and t not in used_tracks:
            matched[d] = t
            used_tracks.add(t)
    return matched


def _shown_digit(shown: int | None, mean: np.ndarray, margin: float) -> int:
    """Keep the shown digit unless another one's mean probability beats it by `margin`."""
    mean = mean[: config.NUM_CLASSES]
    best = int(np.argmax(mean))
    if shown is None or best == shown or mean[best] - mean[shown] >= margin:
        return best
    return shown


def _add_reading(track: Track, prediction: Prediction | None, votes: int, margin: float) -> Track:
    if prediction is None:
        return replace(track, unread=track.unread + 1)
    readings = (track.readings + (prediction.scores(),))[-votes:]
    mean = np.mean(np.asarray(readings, dtype=np.float64), axis=0)
    return replace(
        track, readings=readings, shown=_shown_digit(track.shown, mean, margin), unread=0
    )


def digits_to_read(
    state: TrackerState | None,
    boxes: Sequence[Box],
    reread_every: int = config.TRACK_REREAD_EVERY,
    min_iou: float = config.TRACK_MIN_IOU,
) -> list[bool]:
    """Which of this frame's digits the model must read.

    A digit that continues a settled track (see Track.is_settled) is read only every
    `reread_every` frames: on a steady page most digits are, so most frames need few
    inferences. Any new digit, unsettled track or reading that disagrees is read every
    frame, and so is one whose box changed size against its track's (by more than
    TRACK_REREAD_RESIZE of its height: a neighbour merged into it, or a piece of it gone,
    is another candidate than the digit the track read). reread_every=1 reads every digit
    every frame.
    """
    if state is None or reread_every <= 1:
        return [True] * len(boxes)
    boxes = [tuple(int(v) for v in box) for box in boxes]
    matched = _match(state.tracks, boxes, min_iou)
    need = []
    for d in range(len(boxes)):
        track = state.tracks[matched[d]] if d in matched else None
        settled = track is not None and track.is_settled()
        need.append(not settled or track.unread + 1 >= reread_every
                    or _resized(track.box, boxes[d]))
    return need


def _resized(before: Box, now: Box, limit: float = config.TRACK_REREAD_RESIZE) -> bool:
    """Whether a box's width or height changed by more than `limit` of its height before."""
    return max(abs(now[2] - before[2]), abs(now[3] - before[3])) > limit * before[3]


def update_tracks(
    state: TrackerState,
    digits: Sequence[_Detected],
    min_iou: float = config.TRACK_MIN_IOU,
    votes: int = config.TRACK_VOTES,
    max_missed: int = config.TRACK_MAX_MISSED,
    margin: float = config.TRACK_SWITCH_MARGIN,
    confirm_frames: int = config.TRACK_CONFIRM_FRAMES,
) -> tuple[TrackerState, tuple[TrackedReading, ...]]:
    """Fold one frame's digits (anything with .box and .prediction) into the tracks.

    Returns the new state and, for each input digit in order, its track id and voted
    prediction, and whether the track is confirmed (seen in `confirm_frames` frames, or
    present from the first frame). Tracks unmatched for more than `max_missed` frames are
    dropped.
    """
    boxes = [tuple(int(v) for v in digit.box) for digit in digits]
    matched = _match(state.tracks, boxes, min_iou)
    tracks = list(state.tracks)
    next_id = state.next_id
    readings: list[TrackedReading] = []
    touched: set[int] = set()
    for d, digit in enumerate(digits):
        if d in matched:
            t = matched[d]
            track = replace(tracks[t], box=boxes[d], missed=0, age=tracks[t].age + 1)
        else:
            track = Track(track_id=next_id, box=boxes[d], at_start=state.frames == 0)
            next_id += 1
            tracks.append(track)
            t = len(tracks) - 1
        track = _add_reading(track, digit.prediction, votes, margin)
        tracks[t] = track
        touched.add(t)
        readings.append(
            TrackedReading(
                track.track_id, track.vote(), digit.prediction, track.confirmed(confirm_frames)
            )
        )
    survivors = []
    for t, track in enumerate(tracks):
        if t not in touched:
            track = replace(track, missed=track.missed + 1)
        if track.missed <= max_missed:
            survivors.append(track)
    return TrackerState(tuple(survivors), next_id, state.frames + 1, state.frame_key), tuple(readings)


def count_flips(labels: Sequence[int | None]) -> int:
    """How often a shown label changes between consecutive frames (None = not shown)."""
    return sum(1 for a, b in zip(labels, labels[1:]) if a is not None and b is not None and a != b)
