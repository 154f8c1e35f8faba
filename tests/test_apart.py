"""Rows of digits joined into one candidate by compression's rings (detection/apart.py):
the view read again with its ink apart, and the model's readings decide."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.apps.score import edit_distance
from recognizer.core import config
from recognizer.core.predict import Prediction
from recognizer.core.records import Digit
from recognizer.detection.apart import has_stacked_candidate, read_apart
from recognizer.detection.results import Detections

SURE = Prediction.from_probabilities([0.9] + [0.0] * 9 + [0.1])
UNSURE = Prediction.from_probabilities([0.4, 0.3] + [0.0] * 8 + [0.3])
REJECTED = Prediction.from_probabilities([0.1] + [0.0] * 9 + [0.9])
SEVEN = Prediction.from_probabilities([0.0] * 7 + [0.9, 0.0, 0.0, 0.1])


def _reading(*candidates) -> Detections:
    """Detections of (height, prediction) candidates side by side."""
    digits = tuple(Digit(box=(20 * i, 0, 12, h), patch=np.zeros((28, 28), np.float32),
                         line=0, number=i, prediction=p)
                   for i, (h, p) in enumerate(candidates))
    return Detections(digits=digits, mask=np.zeros((4, 4), np.uint8))


def test_a_stacked_candidate_is_one_in_doubt_twice_as_tall_as_the_median():
    stack = config.APART_MIN_STACK
    assert has_stacked_candidate(_reading((18, SURE), (17, SURE), (int(np.ceil(18 * stack)), REJECTED)))
    assert has_stacked_candidate(_reading((18, SURE), (17, SURE), (int(np.ceil(18 * stack)), UNSURE)))
    # sure of it (a big digit among small ones), shorter, too few candidates, or unread
    assert not has_stacked_candidate(_reading((18, SURE), (17, SURE), (72, SURE)))
    assert not has_stacked_candidate(_reading((18, SURE), (17, SURE), (28, REJECTED)))
    assert not has_stacked_candidate(_reading((18, SURE), (72, REJECTED)))
    assert not has_stacked_candidate(_reading((18, SURE), (17, SURE), (72, None)))


def _boxed(*candidates) -> Detections:
    """Detections of (box, prediction) candidates."""
    digits = tuple(Digit(box=box, patch=np.zeros((28, 28), np.float32), line=0, number=i,
                         prediction=p) for i, (box, p) in enumerate(candidates))
    return Detections(digits=digits, mask=np.zeros((4, 4), np.uint8))


def test_the_reading_apart_is_kept_only_when_it_splits_the_tall_candidate_alone():
    """Two small digits and, right of them, a candidate three rows tall that the model
    rejects: read apart, the tall one's three digits replace it when nothing else changed."""
    row = [((0, 0, 12, 18), SURE), ((20, 0, 12, 18), SURE)]
    first = _boxed(*row, ((40, 0, 14, 70), REJECTED))
    seen = []

    def read(share):
        seen.append(share)
        return read.result

    rows_apart = [((41, 0, 12, 18), SURE), ((41, 26, 12, 18), SURE), ((41, 52, 12, 18), SURE)]
    read.result = _boxed(*row, *rows_apart)
    assert read_apart(first, read) is read.result
    assert seen == [config.DEBLUR_WEAK_INK_DEPTH_SHARE]
    for worse in (
        _boxed(*row, ((41, 0, 12, 40), SURE)),  # no more candidates where the tall one was
        _boxed(*row, ((41, 0, 12, 18), UNSURE), ((41, 40, 12, 18), UNSURE)),  # none surer
        _boxed(*row, *rows_apart, ((41, 20, 12, 5), REJECTED), ((41, 46, 12, 5), REJECTED)),
        # more rejected (two, where the tall one was the only one)
        _boxed(row[0], ((20, 0, 5, 18), SURE), ((26, 0, 6, 18), SURE), *rows_apart),  # a
        # small digit beside it cut in two (a page of mixed sizes)
        _boxed(row[0], ((20, 0, 12, 18), SEVEN), *rows_apart),  # ... or read otherwise
    ):
        read.result = worse
        assert read_apart(first, read) is first
    plain = _boxed(*row, ((40, 0, 14, 20), REJECTED))
    assert read_apart(plain, lambda share: pytest.fail("read again")) is plain


def test_a_big_digit_read_surely_elsewhere_must_stay_as_it_was():
    """A page of mixed sizes: a big digit read surely, apart from the stacked candidate, is
    tall too, but it is no part of the rows joined; a second reading that cuts it in two is
    not kept, one that leaves it as it was is."""
    row = [((0, 0, 12, 18), SURE), ((20, 0, 12, 18), SURE), ((160, 0, 12, 18), SURE)]
    big = ((100, 0, 40, 70), SURE)
    first = _boxed(*row, ((40, 0, 14, 70), REJECTED), big)
    rows_apart = [((41, 0, 12, 18), SURE), ((41, 26, 12, 18), SURE), ((41, 52, 12, 18), SURE)]
    cut = _boxed(*row, *rows_apart, ((100, 0, 40, 30), UNSURE), ((100, 40, 40, 30), UNSURE))
    assert read_apart(first, lambda share: cut) is first
    kept = _boxed(*row, *rows_apart, big)
    assert read_apart(first, lambda share: kept) is kept


def _jpeg_frame(mnist_test):
    """Tuning scene seed 13, JPEG, frame 21: a small sheet whose rows the default weak level
    joins into two tall candidates (all but the first row's three digits lost)."""
    from recognizer.synth.scenes import render_frames

    *_, scene = render_frames("jpeg", 13, *mnist_test, (640, 480), 22)
    return scene


def test_rows_joined_by_compression_are_read_apart(mnist_test, recognizer, monkeypatch):
    import recognizer.detection.rereading as rereading
    from recognizer.detection.detector import read_digits

    scene = _jpeg_frame(mnist_test)
    text = lambda found: "".join(str(d.prediction.digit) for d in found.digits_only().digits)
    assert edit_distance(text(read_digits(scene.frame, recognizer)), scene.text) <= 1
    monkeypatch.setattr(rereading, "read_apart", lambda first, read: first)
    assert edit_distance(text(read_digits(scene.frame, recognizer)), scene.text) >= 8


def test_the_live_loop_reads_joined_rows_apart(mnist_test, recognizer, monkeypatch):
    """The live loop tries the reading apart on the frames that look for the sheet (every
    SHEET_LOOK_EVERY while it stays put) and reads the frames between at the level that
    stood; without the step the rows stay joined."""
    import recognizer.apps.webcam.processing as processing
    import recognizer.detection.rereading as rereading

    scene = _jpeg_frame(mnist_test)
    tries = []
    monkeypatch.setattr(rereading, "read_apart",
                        lambda first, read: tries.append(1) or read_apart(first, read))

    def shown_after(frames):
        tracker = None
        for _ in range(frames):
            result = processing.process_frame(scene.frame, recognizer, tracker)
            tracker = result.tracker
        return "".join(str(d.prediction.digit) for d in result.detections.digits), tracker

    frames = config.SHEET_LOOK_EVERY + 1
    shown, tracker = shown_after(frames)
    assert edit_distance(shown, scene.text) <= 1
    assert len(tries) == 2  # the first frame and the next look
    assert tracker.sheet.weak_share == config.DEBLUR_WEAK_INK_DEPTH_SHARE
    monkeypatch.setattr(rereading, "read_apart", lambda first, read: first)
    shown, tracker = shown_after(frames)
    assert edit_distance(shown, scene.text) >= 8 and tracker.sheet.weak_share is None
