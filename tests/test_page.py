"""The page that fills a frame (recognizer/detection/page.py): its background is not read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.core import config
from recognizer.core.predict import Recognizer
from recognizer.detection.detector import find_digits, read_digits
from recognizer.detection.page import Page, WholeView, find_page, survey_frame
from recognizer.detection.sheet import find_sheet
from recognizer.synth import surfaces


def _page_frame(background: str) -> tuple[np.ndarray, np.ndarray]:
    """A page of five digits filling most of a 640x480 frame, turned a little, its top-left
    and bottom-right corners off the frame, and its outline. background "fabric": the scene
    generator's dotted fabric at the other two corners (seed 2: its dots read as 3s);
    "gradient": none, the page lit from one side (its lit part is no region with an edge)."""
    if background == "fabric":
        frame = np.clip(surfaces.background("fabric", 480, 640, np.random.default_rng(2)),
                        0, 255).astype(np.uint8)
    else:
        frame = np.full((480, 640, 3), (225, 230, 232), np.uint8)
    page = np.float32([[-40, -30], [600, 30], [680, 520], [40, 440]])
    cv2.fillConvexPoly(frame, np.round(page).astype(np.int32), (225, 230, 232))
    for k, digit in enumerate("47102"):
        cv2.putText(frame, digit, (120 + 80 * k, 220), cv2.FONT_HERSHEY_SIMPLEX, 2.2,
                    (40, 40, 40), 5, cv2.LINE_AA)
    frame = frame.astype(np.float32)
    if background == "gradient":
        frame *= np.linspace(1.0, 0.55, 640, dtype=np.float32)[None, :, None]
    return cv2.GaussianBlur(frame, (0, 0), 1.0).astype(np.uint8), page


def _on(page: np.ndarray, box) -> bool:
    x, y, w, h = box
    return cv2.pointPolygonTest(page, (x + w / 2, y + h / 2), False) > 0


@pytest.fixture(scope="module")
def recognizer():
    return Recognizer()


def test_the_background_beside_a_page_filling_the_frame_is_not_read(recognizer):
    frame, page = _page_frame("fabric")
    assert find_sheet(frame) is None  # the page fills the frame: it is read whole
    found = find_page(frame)
    assert found is not None
    inside = np.float32([[320, 200], [100, 400], [600, 100]])
    outside = np.float32([[5, 470], [630, 8]])
    assert found.holds(inside).all() and not found.holds(outside).any()
    read = read_digits(frame, recognizer)
    assert "".join(str(d.prediction.digit) for d in read.digits_only().digits) == "47102"
    assert all(_on(page, d.box) for d in read.digits)  # (before: "3347102333")


def test_candidates_off_the_page_are_left_out(monkeypatch):
    """The candidates themselves (no model): with no page found, as before, the fabric's
    dots beside the page are candidates; with it, none is."""
    import recognizer.detection.detector as detector

    frame, page = _page_frame("fabric")
    candidates = find_digits(frame).digits
    assert len(candidates) == 5 and all(_on(page, d.box) for d in candidates)
    monkeypatch.setattr(detector, "find_page", lambda frame: None)
    assert sum(not _on(page, d.box) for d in find_digits(frame).digits) >= 3


def test_a_page_lit_unevenly_is_read_whole(recognizer):
    """A page lit from one side fills the whole frame: the paper mask takes its lit part
    only, whose outline is no edge, so no page is found and every digit is read."""
    frame, _ = _page_frame("gradient")
    assert find_page(frame) is None
    read = read_digits(frame, recognizer).digits_only()
    assert "".join(str(d.prediction.digit) for d in read.digits) == "47102"


def test_page_holds_maps_frame_points_to_its_reduced_mask():
    region = np.zeros((90, 120), np.uint8)
    region[:, :60] = 255  # the left half
    page = Page(region=region, scale=0.25)
    assert page.holds(np.float32([[10, 10], [239, 359], [240, 10], [479, 359]])).tolist() == [
        True, True, False, False]
    assert page.holds(np.float32([[-5, -5], [900, 10]])).tolist() == [True, False]  # clipped


def test_a_page_parted_by_a_gutter_keeps_both_halves(recognizer):
    """A notebook's dark gutter parts the page filling the frame in two: the larger half's
    outline is an edge wherever it can be told (the gutter), so it passes for the page; both
    halves are page (before: the other half's four digits were left out, "4710")."""
    frame = np.full((480, 640, 3), (225, 230, 232), np.uint8)
    frame[:, 312:330] = (70, 70, 80)
    for k in range(4):
        cv2.putText(frame, "4710"[k], (60 + 70 * k, 160), cv2.FONT_HERSHEY_SIMPLEX, 2.0,
                    (40, 40, 40), 5, cv2.LINE_AA)
        cv2.putText(frame, "2583"[k], (370 + 60 * k, 380), cv2.FONT_HERSHEY_SIMPLEX, 2.0,
                    (40, 40, 40), 5, cv2.LINE_AA)
    frame = cv2.GaussianBlur(frame, (0, 0), 1.0)
    assert find_page(frame) is not None
    read = read_digits(frame, recognizer).digits_only()
    assert "".join(str(d.prediction.digit) for d in read.digits) == "47102583"


def test_no_page_in_gray_deep_or_tiny_frames():
    frame, _ = _page_frame("fabric")
    assert find_page(frame) is not None
    assert find_page(cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA)) is not None
    assert find_page(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)) is None
    assert find_page(frame.astype(np.float32)) is None
    small = cv2.resize(frame, (40, 30), interpolation=cv2.INTER_AREA)  # under SHEET_MIN_SIDE
    assert min(small.shape[:2]) < config.SHEET_MIN_SIDE and find_page(small) is None


def test_the_live_loop_surveys_the_frame_on_the_frames_it_looks_on(recognizer, monkeypatch):
    """With no sheet shown the live loop looks for the page only on the frames it looks for
    the sheet (every SHEET_LOOK_EVERY frames), and reads the frames in between with the page
    it found then: the fabric's dots beside the page are left out on every frame."""
    import recognizer.detection.detector as detector
    import recognizer.detection.page as page_module
    from recognizer.apps.webcam.processing import process_frame

    frame, page = _page_frame("fabric")
    looks = []
    real = page_module.find_page
    monkeypatch.setattr(page_module, "find_page", lambda f: looks.append(1) or real(f))
    monkeypatch.setattr(detector, "find_page", lambda f: pytest.fail("looked again"))
    tracker, frames = None, 2 * config.SHEET_LOOK_EVERY + 1
    for _ in range(frames):
        result = process_frame(frame, recognizer, tracker)
        tracker = result.tracker
        assert result.tracker.sheet.shown is None and result.tracker.sheet.view.page is not None
        assert len(result.raw.digits) == 5 and all(_on(page, d.box) for d in result.raw.digits)
    assert len(looks) == 3  # frames 0, SHEET_LOOK_EVERY and 2 x SHEET_LOOK_EVERY
    assert "".join(str(d.prediction.digit) for d in result.detections.digits) == "47102"


def test_the_survey_of_a_frame_without_paper_and_a_view_given():
    """Clothes filling the frame: no paper in view, so no page looked for. A live frame is
    read with the view given: the page frame, said to hold no paper, has no candidates;
    said to have no page, the fabric's dots beside it are candidates too."""
    clothes = np.clip(surfaces.background("clothes", 480, 640, np.random.default_rng(3)),
                      0, 255).astype(np.uint8)
    view = survey_frame(clothes)
    assert not view.paper and view.page is None
    frame, page = _page_frame("fabric")
    assert survey_frame(frame).paper and survey_frame(frame).page is not None
    assert find_digits(frame, sheet=None, view=WholeView(paper=False, page=None)).digits == ()
    unpaged = find_digits(frame, sheet=None, view=WholeView(paper=True, page=None)).digits
    assert sum(not _on(page, d.box) for d in unpaged) >= 3
    # photo mode reads any image, whatever the view says
    assert find_digits(frame, whole_frame_fallback=True, sheet=None,
                       view=WholeView(paper=False, page=None)).digits
