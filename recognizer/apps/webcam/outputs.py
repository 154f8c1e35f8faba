"""What the live loop writes: recordings, JSON lines of detections, snapshots."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from recognizer.apps.webcam.processing import FrameResult
from recognizer.core import config
from recognizer.core.errors import OutputError


def open_video_writer(path: Path, fps: float, size: tuple[int, int]):
    """An MPEG-4 writer for (width, height) frames; OutputError when it cannot be opened."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*config.VIDEO_FOURCC), fps, size)
    if not writer.isOpened():
        raise OutputError(
            f"cannot write video {path} (OpenCV has no MPEG-4 encoder here?); "
            "try a path ending in .avi, or leave out --record"
        )
    return writer


class Recorder:
    """Writes frames to a video opened once its size (and, live, its rate) is known.

    A file plays back at the rate its frames were written: the source's own rate, or for a
    camera (`measure=True`) the rate the loop actually reached over its first
    RECORD_MEASURE_FRAMES frames, which are held until then. Always `close()` it (the loops
    do so in `finally`): release() writes the file's index, without which an .mp4 does not
    play.
    """

    def __init__(
        self, path: Path | None, fps: float, measure: bool = False,
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.path = path
        self.fps = fps
        self.frames = 0
        self._measure = measure
        self._clock = clock
        self._held: list[np.ndarray] = []
        self._times: list[float] = []
        self._writer = None
        self._size: tuple[int, int] = (0, 0)  # (width, height) of the video, once opened

    def write(self, frame: np.ndarray) -> None:
        if self.path is None:
            return
        self.frames += 1
        if self._writer is None:
            self._held.append(frame)
            self._times.append(self._clock())
            if self._measure and len(self._held) < config.RECORD_MEASURE_FRAMES:
                return
            self._open()
            return
        self._writer.write(self._fitted(frame))

    def _fitted(self, frame: np.ndarray) -> np.ndarray:
        """The frame at the video's size: a camera that switches resolution mid-session
        still records one playable video (a writer drops frames of another size)."""
        if frame.shape[:2] != self._size[::-1]:
            frame = cv2.resize(frame, self._size, interpolation=cv2.INTER_AREA)
        return frame

    def _open(self) -> None:
        if self._measure and len(self._times) >= 2 and self._times[-1] > self._times[0]:
            measured = (len(self._times) - 1) / (self._times[-1] - self._times[0])
            self.fps = float(min(self.fps, max(1.0, measured)))
        height, width = self._held[0].shape[:2]
        self._size = (width, height)
        self._writer = open_video_writer(self.path, self.fps, self._size)
        for held in self._held:
            self._writer.write(self._fitted(held))
        self._held, self._times = [], []

    def close(self) -> None:
        if self._writer is None and self._held:
            self._open()
        if self._writer is not None:
            self._writer.release()
            self._writer = None


def detection_record(index: int, result: FrameResult, min_confidence: float) -> dict:
    """One JSON-lines record: the numbers shown and every digit found (box, voted reading,
    this frame's own reading, and whether it is shown: its track is confirmed and voted a
    digit, on a frame that is no surface; "surface": true marks a frame read as one,
    `Detections.is_surface`)."""
    digits = []
    for raw, track in zip(result.raw.digits, result.tracks):
        entry = replace(raw, prediction=track.prediction).to_dict(min_confidence)
        entry.update(
            track=track.track_id,
            shown=track.confirmed and not result.surface
            and (track.prediction is None or track.prediction.is_digit),
            read=raw.prediction is not None,  # False: settled, its vote stood this frame
            raw_digit=raw.prediction.digit if raw.prediction else None,
        )
        digits.append(entry)
    record = {
        "frame": index,
        "latency_ms": round(result.latency_ms, 2),
        "numbers": result.numbers(min_confidence),
        "digits": digits,
    }
    if result.surface:
        record["surface"] = True
    if result.skipped is not None:  # the frame broke the detector: nothing read in it
        record["skipped"] = result.skipped
    return record


def save_snapshot(
    folder: Path, frame: np.ndarray, annotated: np.ndarray, result: FrameResult
) -> Path:
    """Write annotated.png, raw.png, mask.png and crop_NN_D.png (each 28x28 patch) to a new
    time-stamped folder under `folder`; returns that folder."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
    target = folder / stamp
    images = {"annotated.png": annotated, "raw.png": frame, "mask.png": result.detections.mask}
    for i, digit in enumerate(result.detections.digits):
        if digit.patch is None:
            continue
        label = digit.prediction.digit if digit.prediction is not None else "x"
        images[f"crop_{i:02d}_{label}.png"] = np.clip(digit.patch * 255.0, 0, 255).astype(np.uint8)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the snapshot folder {target}: {exc}") from exc
    for name, image in images.items():
        if not cv2.imwrite(str(target / name), image):
            raise OutputError(f"cannot write the snapshot {target / name}; check the folder")
    return target
