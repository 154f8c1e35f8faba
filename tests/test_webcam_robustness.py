"""The live loop survives a long session: a frame that breaks the detector, frames of
another size or type, a camera that misses frames now and then."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from recognizer.apps.webcam import loops, processing
from recognizer.apps.webcam.sources import FrameFeed, fit_frame, list_source, open_camera
from recognizer.core import config
from recognizer.detection.tracking import TrackerState
from tests.test_webcam import clean_digits, paper_frame, read_video  # noqa: F401 (fixture)

MARK = (1, 2, 3)  # the pixel a frame carries when the detector is to fail on it


class Log:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text)

    @property
    def text(self):
        return "".join(self.lines)


def marked(frame):
    frame = frame.copy()
    frame[0, 0] = MARK
    return frame


@pytest.fixture
def detector_fails_on_marked_frames(monkeypatch):
    real = processing.find_digits

    def find_digits(frame, *args, **kwargs):
        if tuple(frame[0, 0]) == MARK:
            raise cv2.error("OpenCV(5.0.0) resize.cpp:4223: error: (-215:Assertion failed) "
                            "!dsize.empty() in function 'resize'")
        return real(frame, *args, **kwargs)

    monkeypatch.setattr(processing, "find_digits", find_digits)


def run(frames, recognizer, tmp_path, **options):
    log = Log()
    video = tmp_path / "o" / "page_annotated.mp4"
    count = loops.run_headless(list_source(frames, name="page"), recognizer, video_path=video,
                               progress=False, out=log, **options)
    records = [json.loads(line) for line in (tmp_path / "o" / "page_detections.jsonl").open()]
    return count, records, log.text, video


def test_a_frame_that_breaks_the_detector_is_skipped_and_counted(
        clean_digits, recognizer, tmp_path, detector_fails_on_marked_frames, monkeypatch, capsys):
    page = paper_frame(clean_digits)[0]
    frames = [page, page, marked(page), page, marked(page), page]
    messages = []
    real_overlay = loops.draw_overlay

    def draw_overlay(frame, result, view):
        messages.append(view.message)
        return real_overlay(frame, result, view)

    monkeypatch.setattr(loops, "draw_overlay", draw_overlay)
    count, records, log, video = run(frames, recognizer, tmp_path)
    assert count == 6 and len(read_video(video)) == 6
    assert [("skipped" in r) for r in records] == [False, False, True, False, True, False]
    assert "dsize.empty()" in records[2]["skipped"] and records[2]["digits"] == []
    assert records[3]["numbers"] == records[5]["numbers"] == ["12", "345", "67890"]
    # The tracks outlive the skipped frame: the same ids go on.
    assert [d["track"] for d in records[3]["digits"]] == [d["track"] for d in records[1]["digits"]]
    assert messages[2].startswith("frame skipped: error:") and messages[3] == ""
    assert "page: 2 frames skipped" in log
    err = capsys.readouterr().err
    assert err.count("skipped: error:") == 1  # the same reason is reported once
    assert "page: frame 2 skipped" in err and "Traceback" not in err


def test_debug_reports_every_skipped_frame_with_its_traceback(
        clean_digits, recognizer, tmp_path, detector_fails_on_marked_frames, capsys):
    page = paper_frame(clean_digits)[0]
    count, records, log, _ = run([marked(page), page, marked(page)], recognizer, tmp_path,
                                 debug=True)
    assert count == 3
    err = capsys.readouterr().err
    assert err.count("Traceback (most recent call last)") == 2 and "frame 2 skipped" in err


def test_frames_of_another_size_start_the_tracks_afresh_and_other_types_do_not(
        clean_digits, recognizer, tmp_path):
    small = paper_frame(clean_digits)[0]
    large = cv2.resize(small, (1280, 960), interpolation=cv2.INTER_LINEAR)
    deep = small.astype(np.uint16) * 257  # the same picture, 16 bit
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    broken = small.astype(np.float32) / 255.0
    broken[:2, :] = np.nan  # a corrupt line of pixels
    frames = [small, small, deep, gray, broken, large, large, small]
    count, records, _, video = run(frames, recognizer, tmp_path)
    assert count == len(frames) and not any("skipped" in r for r in records)
    for record in records:
        assert record["numbers"] == ["12", "345", "67890"], record["frame"]
    ids = [{d["track"] for d in r["digits"]} for r in records]
    assert ids[0] == ids[1] == ids[2] == ids[3] == ids[4]  # same pixels: the tracks go on
    assert not ids[5] & ids[4] and ids[5] == ids[6]  # another size: new tracks, then steady
    assert not ids[7] & (ids[5] | ids[0])  # and back: new again (ids never reused)
    recorded = read_video(video)
    assert len(recorded) == len(frames) and {f.shape for f in recorded} == {small.shape}


def test_missing_frames_are_passed_over_until_too_many_in_a_row(clean_digits, recognizer,
                                                                tmp_path):
    page = paper_frame(clean_digits)[0]
    retries = config.SOURCE_READ_RETRIES
    frames = [page, None, page, *[None] * retries, page, *[None] * (retries + 1), page]
    count, records, log, _ = run(frames, recognizer, tmp_path)
    assert count == 3  # the last page comes after too many missing frames: the stream ended
    assert "page: end of video" in log
    assert f"{1 + retries} missing frames passed over" in log


class FlakyCapture:
    """A camera whose reads fail as `script` says (True: a frame, False: a failed read)."""

    def __init__(self, frame, script):
        self.frame, self.script, self.released = frame, list(script), 0

    def isOpened(self):
        return True

    def set(self, prop, value):
        return True

    def get(self, prop):
        return 30.0

    def read(self):
        if not self.script:
            return False, None
        return (True, self.frame.copy()) if self.script.pop(0) else (False, None)

    def release(self):
        self.released += 1


def test_a_camera_that_misses_frames_now_and_then_keeps_going(clean_digits, recognizer,
                                                              tmp_path, monkeypatch):
    monkeypatch.setattr(config, "SOURCE_RETRY_DELAY", 0.0)
    page = paper_frame(clean_digits)[0]
    script = [True, True, False, True, False, False, True, True]
    capture = FlakyCapture(page, script)
    source = open_camera(0, capture_factory=lambda index: capture)
    log = Log()
    count = loops.run_headless(source, recognizer, video_path=tmp_path / "cam.mp4",
                               progress=False, out=log)
    assert count == 5 and capture.released == 1
    assert "camera 0 stopped sending frames" in log.text
    assert "3 missing frames passed over" in log.text


def test_fit_frame_takes_any_frame_and_drops_none():
    bgr = fit_frame(np.full((30, 40), 1000, np.uint16), None)
    assert bgr.dtype == np.uint8 and bgr.shape == (30, 40, 3)
    with_nan = np.full((30, 40, 3), 0.5, np.float32)
    with_nan[0] = np.nan
    assert fit_frame(with_nan, None)[5, 5, 0] == 128
    assert fit_frame(np.zeros((30, 40, 2), np.uint8), None).shape == (30, 40, 3)
    assert fit_frame(np.zeros((30, 40, 1), np.uint8), None).shape == (30, 40, 3)
    for nothing in (None, np.zeros((0, 40, 3), np.uint8), np.zeros(5), np.zeros((2, 2, 7))):
        assert fit_frame(nothing, None) is None


def test_frame_feed_counts_only_drops_it_recovered_from():
    feed = FrameFeed([1, None, 2, None, None], retries=2)
    assert list(feed) == [1, 2] and feed.dropped == 1


def test_tracker_state_for_a_new_kind_of_frame_keeps_counting_ids():
    state = TrackerState(next_id=7, frames=3, frame_key=(480, 640, 3, "uint8"))
    assert state.for_frame((480, 640, 3, "uint8")) is state
    fresh = state.for_frame((720, 1280, 3, "uint8"))
    assert fresh.tracks == () and fresh.next_id == 7 and fresh.frames == 0
    assert TrackerState().for_frame((1, 2)).frame_key == (1, 2)


@pytest.mark.slow
def test_the_window_loop_skips_a_breaking_frame(xvfb_display, clean_digits, recognizer,
                                                detector_fails_on_marked_frames, capsys):
    page = paper_frame(clean_digits)[0]
    log = Log()
    count = loops.run_window(list_source([page, marked(page), page], name="page"), recognizer,
                             out=log, title="robust")
    assert count == 3
    assert "page: 1 frame skipped" in log.text
    assert "page: frame 1 skipped: error:" in capsys.readouterr().err
