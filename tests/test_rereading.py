"""The readings after the first (detection/rereading.py), the one step that photo mode,
scripts (`detector.read_digits`) and the live loop (`processing.process_frame`) share."""

from __future__ import annotations

import numpy as np

from recognizer.core import config
from recognizer.detection import rereading
from recognizer.detection.rereading import read_further
from tests.test_apart import REJECTED, SURE, _boxed
from tests.test_webcam import clean_digits, paper_frame  # noqa: F401  (a fixture, a frame)


def test_a_surface_is_read_no_further(recognizer, monkeypatch):
    """A frame read whole whose first reading is a surface's: flagged, its readings as they
    were, no string reader called; on a sheet the same reading is read on."""
    from tests.conftest import spotted_closeup
    from recognizer.detection.detector import find_digits

    found = find_digits(spotted_closeup())
    first = found.with_predictions(recognizer.predict_patches([d.patch for d in found.digits]))
    calls = []
    monkeypatch.setattr(rereading, "read_touching",
                        lambda frame, read, rec: calls.append(1) or read)
    further = read_further(spotted_closeup(), first, recognizer, whole=True)
    assert further.surface and calls == [] and further.weak_share is None
    assert len(further.detections.digits) == len(first.digits) >= config.SURFACE_MIN_REJECTED
    assert not read_further(spotted_closeup(), first, recognizer, whole=False).surface
    assert calls == [1]


def test_rows_apart_are_tried_only_when_asked_and_their_level_is_told(recognizer):
    """read_again None: no second reading; given, a second reading kept (the tall rejected
    candidate read as three rows) comes back with the level it was read at."""
    row = [((0, 0, 12, 18), SURE), ((20, 0, 12, 18), SURE)]
    first = _boxed(*row, ((40, 0, 14, 70), REJECTED))
    apart = _boxed(*row, ((41, 0, 12, 18), SURE), ((41, 26, 12, 18), SURE),
                   ((41, 52, 12, 18), SURE))
    frame = np.full((80, 60, 3), 255, np.uint8)
    plain = read_further(frame, first, recognizer, whole=False)
    assert plain.weak_share is None and len(plain.detections.digits) == 3
    shares = []
    kept = read_further(frame, first, recognizer, whole=False,
                        read_again=lambda share: shares.append(share) or apart)
    assert kept.detections is apart and shares == [config.DEBLUR_WEAK_INK_DEPTH_SHARE]
    assert kept.weak_share == config.DEBLUR_WEAK_INK_DEPTH_SHARE
    same = read_further(frame, first, recognizer, whole=False, read_again=lambda share: first)
    assert same.weak_share is None


def test_every_frontend_reads_further_through_the_one_step(clean_digits, recognizer,
                                                          monkeypatch):
    """read_digits and the live loop both call `read_further` (once per frame read), with
    rows apart offered to read_digits and to the live loop's looking frames only, and the
    live loop's tracks deciding which merged candidates stay apart."""
    import recognizer.apps.webcam.processing as processing
    import recognizer.detection.detector as detector

    seen = []
    real = rereading.read_further

    def recording(frame, first, rec, **options):
        seen.append((options["read_again"] is not None, options.get("split_before") is not None))
        return real(frame, first, rec, **options)

    monkeypatch.setattr(detector, "read_further", recording)
    monkeypatch.setattr(processing, "read_further", recording)
    frame = paper_frame(clean_digits)[0]
    detector.read_digits(frame, recognizer, undo_blur=False)
    assert seen == [(True, False)]
    seen.clear()
    tracker = None
    for _ in range(config.SHEET_LOOK_EVERY + 1):
        tracker = processing.process_frame(frame, recognizer, tracker).tracker
    assert [apart for apart, _ in seen] == [True] + [False] * (config.SHEET_LOOK_EVERY - 1) + [True]
    assert all(split for _, split in seen)
