"""Where frames come from: a camera, a video file, or a plain list of frames (tests).

Each source is a `FrameSource` whose `frames` is a generator of BGR uint8 frames (None for a
frame that could not be read; the loops take them through `FrameFeed`); the loop only
iterates it, so tests swap in a list of generated frames. A generator ends when the
stream does (end of file, camera unplugged) and releases its capture when it is closed or
garbage-collected, so Ctrl+C never leaves a camera busy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import cv2
import numpy as np

from recognizer.apps.webcam.frame_size import FrameSize
from recognizer.core import config
from recognizer.core.errors import RecognizerError, UnsupportedImageError
from recognizer.core.images import to_bgr8
from recognizer.core.preprocess import check_image


class SourceError(RecognizerError):
    """A frame source cannot be opened or read; the message says what to try instead."""


class CameraNotAvailableError(SourceError):
    """The camera index does not open or sends no frame."""


class VideoFileError(SourceError):
    """The video file is missing or cannot be decoded."""


@dataclass(frozen=True)
class FrameSource:
    """A stream of BGR frames with what the loop needs to know about it.

    name: shown in messages ("camera 0", "demo.mp4"); fps: the rate the source reports
    (DEFAULT_FPS when it reports none); live: a camera (frames are dropped, not queued,
    while the loop is busy) rather than a file; frames: the generator itself.
    """

    name: str
    frames: Iterator[np.ndarray]
    fps: float = config.DEFAULT_FPS
    live: bool = False

    def close(self) -> None:
        """Release the underlying capture now (also done when the generator is collected)."""
        close = getattr(self.frames, "close", None)
        if close is not None:
            close()

    @property
    def end_message(self) -> str:
        """What to tell the user when the frames stop."""
        if self.live:
            return f"{self.name} stopped sending frames (unplugged or used by another program?)"
        return f"{self.name}: end of video"


def fit_frame(frame: np.ndarray | None, size: FrameSize | None) -> np.ndarray | None:
    """The frame as 3-channel BGR uint8, resized to `size` when given and different.

    Any pixel type and layout a broken driver or a corrupt video frame may give (16-bit,
    float with NaN, gray, 2 or 4 channels) is converted; None for no frame at all (None,
    empty, or an array that is no image), which the loops skip (see `FrameFeed`).
    """
    if frame is None:
        return None
    try:
        frame = check_image(frame)
    except UnsupportedImageError:
        return None
    if frame.size == 0:
        return None
    if frame.dtype != np.uint8 or frame.ndim == 2 or frame.shape[2] != 3:
        frame = to_bgr8(frame)
    if size is not None and (frame.shape[1], frame.shape[0]) != (size.width, size.height):
        shrinking = size.width * size.height < frame.shape[0] * frame.shape[1]
        interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        frame = cv2.resize(frame, (size.width, size.height), interpolation=interpolation)
    return frame


class FrameFeed:
    """A source's frames as the loops take them: a missing frame (None) now and then is
    passed over, and only SOURCE_READ_RETRIES + 1 in a row end the stream.

    `dropped` counts the missing frames that were followed by a good one (those at the very
    end are the stream's end, not drops).
    """

    def __init__(self, frames: Iterable[np.ndarray | None], retries: int = config.SOURCE_READ_RETRIES):
        self._frames = iter(frames)
        self.retries = retries
        self.dropped = 0

    def __iter__(self) -> "FrameFeed":
        return self

    def __next__(self) -> np.ndarray:
        misses = 0
        for frame in self._frames:
            if frame is not None:
                self.dropped += misses
                return frame
            misses += 1
            if misses > self.retries:
                break
        raise StopIteration


def _capture_frames(
    capture, size: FrameSize | None, first: np.ndarray | None, live: bool = False
) -> Iterator[np.ndarray | None]:
    """Frames from an opened cv2.VideoCapture until it fails; always releases it.

    A camera (`live`) that returns no frame is read again: None is yielded for each failed
    read, SOURCE_RETRY_DELAY apart, and SOURCE_READ_RETRIES + 1 failures in a row end it. A
    video file ends at its first failed read (its end, as a rule).
    """
    try:
        if first is not None:
            yield fit_frame(first, size)
        failures = 0
        while True:
            ok, frame = capture.read()
            if ok and frame is not None:
                failures = 0
                yield fit_frame(frame, size)
                continue
            failures += 1
            if not live or failures > config.SOURCE_READ_RETRIES:
                return
            yield None
            time.sleep(config.SOURCE_RETRY_DELAY)
    finally:
        capture.release()


def _reported_fps(capture) -> float:
    fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    return fps if 1.0 <= fps <= 240.0 else config.DEFAULT_FPS


def _quietly(function, *args):
    """Call an OpenCV function with its log silenced: a missing camera prints pages of
    backend warnings, and the user gets one clear message from us instead."""
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is None:
        return function(*args)
    previous = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        return function(*args)
    finally:
        logging.setLogLevel(previous)


def open_camera(
    index: int = config.DEFAULT_CAMERA,
    size: FrameSize | None = None,
    capture_factory: Callable[[int], object] = cv2.VideoCapture,
) -> FrameSource:
    """Open camera `index` (cv2.VideoCapture) and check that it sends a frame.

    Raises CameraNotAvailableError saying how to pick another camera or a video file.
    `capture_factory` lets tests stand in for a camera.
    """
    capture = _quietly(capture_factory, index)
    hint = (
        "try another camera with --camera N (0, 1, 2 ...), or read a video file with "
        "--source FILE (e.g. --source samples/demo.mp4)"
    )
    if capture is None or not capture.isOpened():
        if capture is not None:
            capture.release()
        raise CameraNotAvailableError(f"camera {index} does not open; {hint}")
    if size is not None:
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, size.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size.height)
    ok, first = capture.read()
    if not ok or first is None:
        capture.release()
        raise CameraNotAvailableError(
            f"camera {index} opens but sends no picture (in use by another program?); {hint}"
        )
    return FrameSource(
        name=f"camera {index}",
        frames=_capture_frames(capture, size, first, live=True),
        fps=_reported_fps(capture),
        live=True,
    )


def open_video(path: str | Path, size: FrameSize | None = None) -> FrameSource:
    """Open a video file; VideoFileError when it is missing or not decodable."""
    path = Path(path)
    if not path.is_file():
        raise VideoFileError(f"video file not found: {path}; give an existing file to --source")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise VideoFileError(
            f"cannot decode {path} as a video (OpenCV/FFmpeg); try an .mp4 or .avi file"
        )
    return FrameSource(
        name=path.name, frames=_capture_frames(capture, size, None), fps=_reported_fps(capture)
    )


def list_source(
    frames: Iterable[np.ndarray],
    size: FrameSize | None = None,
    fps: float = config.DEFAULT_FPS,
    name: str = "frames",
) -> FrameSource:
    """Frames from any iterable (tests, benchmarks), fitted like a camera's."""
    return FrameSource(name=name, frames=(fit_frame(f, size) for f in frames), fps=fps)


def open_source(
    camera: int | None = None, source: str | Path | None = None, size: FrameSize | None = None
) -> FrameSource:
    """The source the command line asks for: --source FILE, else --camera N (default 0).

    A --source that is a plain number is taken as a camera index, as OpenCV users expect.
    """
    if source is not None:
        if str(source).isdigit() and not Path(source).exists():
            return open_camera(int(source), size)
        return open_video(source, size)
    return open_camera(config.DEFAULT_CAMERA if camera is None else camera, size)
