"""Frame sources: sizes, cameras that fail, video files, end of stream, release on close."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.core import config

from recognizer.apps.webcam import sources
from recognizer.apps.webcam.frame_size import FrameSize, parse_size
from recognizer.apps.webcam.sources import (
    CameraNotAvailableError,
    VideoFileError,
    fit_frame,
    list_source,
    open_camera,
    open_source,
    open_video,
)


class FakeCapture:
    """Stands in for cv2.VideoCapture: `frames` are returned by read(), then failure."""

    def __init__(self, frames=(), opened=True):
        self.frames = list(frames)
        self.opened = opened
        self.released = 0
        self.settings = {}

    def isOpened(self):
        return self.opened

    def read(self):
        if not self.opened or not self.frames:
            return False, None
        return True, self.frames.pop(0)

    def set(self, prop, value):
        self.settings[prop] = value
        return True

    def get(self, prop):
        return 0.0

    def release(self):
        self.released += 1
        self.opened = False


def write_video(path, count, size=(160, 120), fps=10.0):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for i in range(count):
        frame = np.full((size[1], size[0], 3), 20 + 10 * i, np.uint8)
        writer.write(frame)
    writer.release()
    return path


def test_parse_size_reads_width_by_height():
    assert parse_size("640x480") == FrameSize(640, 480)
    assert parse_size(" 1280X720 ") == FrameSize(1280, 720)
    assert str(parse_size("320x240")) == "320x240"


@pytest.mark.parametrize("text", ["640", "640x", "x480", "640*480", "abc", "1x1", "99999x480"])
def test_parse_size_rejects_other_forms(text):
    with pytest.raises(ValueError, match="640x480|outside"):
        parse_size(text)


def test_fit_frame_makes_bgr_and_resizes():
    gray = np.zeros((50, 80), np.uint8)
    fitted = fit_frame(gray, FrameSize(40, 30))
    assert fitted.shape == (30, 40, 3) and fitted.dtype == np.uint8
    bgra = np.zeros((30, 40, 4), np.uint8)
    assert fit_frame(bgra, None).shape == (30, 40, 3)


def test_camera_that_does_not_open_says_how_to_choose_another():
    capture = FakeCapture(opened=False)
    with pytest.raises(CameraNotAvailableError) as info:
        open_camera(2, capture_factory=lambda index: capture)
    message = str(info.value)
    assert "camera 2" in message and "--camera N" in message and "--source FILE" in message
    assert capture.released == 1


def test_camera_that_opens_without_pictures_is_an_error():
    capture = FakeCapture(frames=[], opened=True)
    with pytest.raises(CameraNotAvailableError, match="sends no picture"):
        open_camera(0, capture_factory=lambda index: capture)
    assert capture.released == 1


def test_real_missing_camera_index_fails_cleanly():
    # No machine running the tests has 64 cameras: index 63 never opens.
    with pytest.raises(CameraNotAvailableError, match="--camera N"):
        open_camera(63)


def test_camera_frames_end_when_camera_stops_and_capture_is_released():
    frames = [np.full((48, 64, 3), v, np.uint8) for v in (10, 20, 30)]
    capture = FakeCapture(frames)
    source = open_camera(1, FrameSize(32, 24), capture_factory=lambda index: capture)
    raw = list(source.frames)
    # A failed read is retried: one None per failure, SOURCE_READ_RETRIES + 1 end it.
    assert raw[3:] == [None] * config.SOURCE_READ_RETRIES
    got = raw[:3]
    assert [f[0, 0, 0] for f in got] == [10, 20, 30]
    assert all(f.shape == (24, 32, 3) for f in got)
    assert capture.released == 1
    assert source.live and "stopped sending frames" in source.end_message
    assert capture.settings[cv2.CAP_PROP_FRAME_WIDTH] == 32


def test_closing_a_camera_source_midway_releases_it():
    capture = FakeCapture([np.zeros((8, 8, 3), np.uint8)] * 5)
    source = open_camera(0, capture_factory=lambda index: capture)
    next(source.frames)
    source.close()
    assert capture.released == 1


def test_video_file_frames_and_end_of_stream(tmp_path):
    path = write_video(tmp_path / "clip.mp4", 7)
    source = open_video(path, FrameSize(80, 60))
    frames = list(source.frames)
    assert len(frames) == 7
    assert frames[0].shape == (60, 80, 3)
    assert source.fps == pytest.approx(10.0)
    assert not source.live and source.end_message == "clip.mp4: end of video"


def test_missing_and_broken_video_files(tmp_path):
    with pytest.raises(VideoFileError, match="not found"):
        open_video(tmp_path / "nope.mp4")
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")
    with pytest.raises(VideoFileError):
        source = open_video(broken)
        # Some FFmpeg builds open anything and fail on the first read instead.
        if not list(source.frames):
            raise VideoFileError("no frames")


def test_open_source_picks_file_or_camera(tmp_path, monkeypatch):
    path = write_video(tmp_path / "a.mp4", 2)
    assert open_source(source=path).name == "a.mp4"
    opened = []

    def fake_open_camera(index, size=None):
        opened.append(index)
        return "camera"

    monkeypatch.setattr(sources, "open_camera", fake_open_camera)
    assert open_source(camera=3) == "camera"
    assert open_source(source="1") == "camera"  # a bare number is a camera index
    assert open_source() == "camera"
    assert opened == [3, 1, 0]


def test_list_source_fits_frames():
    source = list_source([np.zeros((10, 20), np.uint8)], FrameSize(40, 20))
    (frame,) = list(source.frames)
    assert frame.shape == (20, 40, 3)
