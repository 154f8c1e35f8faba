"""Sheet finding (detection.sheet), its tracking across frames (detection.sheet_tracking) and
the detector reading the sheet upright: on generated frames with known digits at known places
(recognizer.synth.scenes) for each hard case of issue 12."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from recognizer.core import config
from recognizer.core.predict import Recognizer
from recognizer.detection.annotate import draw_digits
from recognizer.detection.detector import find_digits, read_digits
from recognizer.detection.sheet import (
    Sheet, find_sheet, order_corners, reduce_frame, reduce_to_quads)
import recognizer.detection.sheet as sheet_module
from recognizer.detection.sheet_tracking import SheetTrack, must_look, skip_look, update_sheet
from recognizer.synth.scenes import load_digits, render_frames, render_scene

sys.path.insert(0, str(config.PROJECT_ROOT / "benchmarks"))

import bench_sheet  # noqa: E402

SEED = 2  # frames of these seeds were looked at while writing the tests, not tuned on


@pytest.fixture(scope="module")
def digits():
    return load_digits("test")


@pytest.fixture(scope="module")
def recognizer():
    return Recognizer()


def corner_error(found: Sheet, truth: np.ndarray, size=(640, 480)) -> float:
    """Largest distance between found and true corners that lie in the frame (a corner off
    the frame is extrapolated from the sides and may be far off in pixels)."""
    width, height = size
    inside = (truth[:, 0] >= 0) & (truth[:, 0] < width) & (truth[:, 1] >= 0) & (truth[:, 1] < height)
    return float(np.linalg.norm(found.corners - truth, axis=1)[inside].max(initial=0.0))


def test_reduce_to_quad_extends_a_cut_corner():
    """A rectangle with one corner cut off (hidden by a finger, off the frame) comes back
    with the corner where its sides meet."""
    pentagon = np.float32([[0, 0], [100, 0], [100, 60], [70, 80], [0, 80]])
    quad = order_corners(reduce_to_quads(pentagon)[0])  # least added area first
    assert np.allclose(quad, [[0, 0], [100, 0], [100, 80], [0, 80]], atol=0.5)


def test_order_corners_from_any_start():
    square = np.float32([[110, 90], [10, 100], [0, 0], [100, -10]])  # rotated a little
    ordered = order_corners(square)
    assert np.allclose(ordered[0], [0, 0]) and np.allclose(ordered[2], [110, 90])


@pytest.mark.parametrize("size", [(640, 480), (1280, 720), (1920, 1080), (800, 600), (641, 479),
                                  (300, 200)])
@pytest.mark.parametrize("channels", [0, 3, 4])
def test_reduce_frame_by_whole_blocks_first_gives_the_same_size_and_near_the_same_image(
        size, channels):
    """whole_first reduces by a whole factor first where it divides both sides (OpenCV's
    fast path), then by the rest: the size cv2.resize gives, the same mean, pixels close to
    one resize's; a frame no whole factor divides is reduced as before, and so is every
    frame without whole_first."""
    width, height = size
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:height, 0:width]
    shape = (height, width) if channels == 0 else (height, width, channels)
    wave = 100 * np.sin(xs / 23.0) * np.cos(ys / 17.0)
    frame = (128 + (wave if channels == 0 else wave[..., None]) + rng.normal(0, 3, shape)
             ).clip(0, 255).astype(np.uint8)
    scale = config.SHEET_MAX_SIDE / max(size)
    direct = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    assert np.array_equal(reduce_frame(frame, scale), direct)
    fast = reduce_frame(frame, scale, whole_first=True)
    assert fast.shape == direct.shape
    difference = np.abs(fast.astype(int) - direct.astype(int))
    assert difference.mean() < 1.0 and abs(float(fast.mean()) - float(direct.mean())) < 0.5
    k = int(1 / scale)
    blocks = (width // k, height // k)
    if k >= 2 and width % k == 0 and height % k == 0 and blocks != direct.shape[1::-1]:
        assert difference.max() > 0  # (it took the other way: blocks, then the rest)
    else:
        assert np.array_equal(fast, direct)  # (blocks alone, or one resize)
    assert reduce_frame(frame, 1.0) is frame


@pytest.mark.parametrize("condition", [
    "background: dark", "background: textured", "fingers on edges", "perspective 35",
    "rotation 30", "paper: sticky"])
def test_sheet_found_where_it_is(condition, digits):
    found = 0
    rng = np.random.default_rng(SEED)
    for _ in range(5):
        scene = render_scene(condition, rng, *digits)
        sheet = find_sheet(scene.frame)
        found += sheet is not None and corner_error(sheet, scene.sheet) < 0.05 * 640
    # Fingers over a corner still pull it off on some frames (measured: 2 of these 5 within
    # 32 px; the live tracker holds the last good outline): a known gap of issue 12.
    assert found >= (2 if condition == "fingers on edges" else 4)


def quad_iou(found: np.ndarray, truth: np.ndarray, size=(640, 480)) -> float:
    """Intersection over union of two quadrilaterals within the frame: the sheet benchmark's
    measure (benchmarks/bench_sheet.py), so that the tests and its figures agree."""
    return bench_sheet.quad_iou(found, truth, size)


def test_whole_sheet_found_under_a_cast_shadow(digits):
    """A shadow across part of the sheet: the outline found is the whole sheet's, not its
    lit part's alone (measured before outline.through_shadow: 1 of these 6 frames within
    IoU 0.9, the lit part only on three; after: 4, the other two no sheet at all - the
    shadow covers nearly all of it and the lit wall beside it is the bright region)."""
    rng = np.random.default_rng(SEED)
    found = 0
    for _ in range(6):
        scene = render_scene("cast shadow", rng, *digits)
        sheet = find_sheet(scene.frame)
        found += sheet is not None and quad_iou(sheet.corners, scene.sheet) > 0.9
    assert found >= 4


def _sheet_on_a_card() -> tuple[np.ndarray, np.ndarray]:
    """A white sheet with digits on a larger pink card, before a green wall: the card's
    edges close a quadrilateral around the sheet's. (Frame, the sheet's corners.)"""
    frame = np.full((480, 640, 3), (60, 150, 40), np.uint8)
    card = np.array([[120, 60], [560, 40], [540, 420], [140, 440]], np.int32)
    cv2.fillConvexPoly(frame, card, (150, 90, 235))
    sheet = np.array([[230, 120], [420, 110], [430, 370], [240, 380]], np.float32)
    cv2.fillConvexPoly(frame, sheet.astype(np.int32), (235, 240, 242))
    for i, x in enumerate(range(260, 400, 35)):
        cv2.putText(frame, str(i + 3), (x, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (30, 30, 30), 3)
    noise = np.random.default_rng(0).normal(0, 3, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8), sheet


def test_the_sheet_within_a_coloured_card_is_found_not_the_card(monkeypatch):
    """The card and the sheet together are the largest region bright enough, edged all
    round; the sheet inside it, whose paper differs in colour from the card around it, is
    the outline found (`sheet_within.sheet_within`). Without that step the card is (IoU 0.31)."""

    frame, truth = _sheet_on_a_card()
    found = find_sheet(frame)
    assert found is not None and quad_iou(found.corners, truth) > 0.95
    monkeypatch.setattr(sheet_module, "sheet_within", lambda small, best, found: best)
    found = find_sheet(frame)
    assert found is not None and quad_iou(found.corners, truth) < 0.5


def test_an_outline_within_stands_only_when_it_is_the_paper_and_the_ring_coloured():
    """`sheet_within.sheet_within` on hand-made outlines: a white sheet within a pink card is taken; a
    sheet within a white card (one paper) is not; nor is a yellow note stuck on a white
    sheet, which is more coloured than the paper around it."""
    outer = np.array([[20, 20], [220, 20], [220, 160], [20, 160]], np.float32)
    inner = np.array([[70, 50], [170, 50], [170, 130], [70, 130]], np.float32)
    found = [(2.0, outer), (1.0, inner)]

    def frame(ring, paper):
        small = np.full((180, 240, 3), (60, 150, 40), np.uint8)
        cv2.fillConvexPoly(small, outer.astype(np.int32), ring)
        cv2.fillConvexPoly(small, inner.astype(np.int32), paper)
        return small

    within = sheet_module.sheet_within
    assert within(frame((150, 90, 235), (235, 240, 242)), outer, found) is inner  # pink card
    assert within(frame((225, 228, 230), (235, 240, 242)), outer, found) is outer  # white card
    assert within(frame((200, 200, 200), (120, 240, 250)), outer, found) is outer  # a note
    assert within(frame((150, 90, 235), (235, 240, 242)), outer, [(2.0, outer)]) is outer


@pytest.mark.parametrize("condition", ["no paper", "page fills frame"])
def test_no_sheet_to_find(condition, digits):
    rng = np.random.default_rng(SEED)
    none = sum(find_sheet(render_scene(condition, rng, *digits).frame) is None for _ in range(5))
    assert none >= 4


def _reading(detections) -> str:
    return "".join(str(d.prediction.digit) for d in detections.digits_only().digits)


@pytest.mark.parametrize("condition", [
    "background: dark", "background: textured", "mixed sizes", "fingers on edges",
    "page fills frame"])
def test_digits_read_on_hard_frames(condition, digits, recognizer):
    """Most frames read exactly (the scene benchmark holds the figures)."""
    from recognizer.apps.score import edit_distance

    rng = np.random.default_rng(SEED)
    edits = length = 0
    for _ in range(4):
        scene = render_scene(condition, rng, *digits)
        edits += min(len(scene.text), edit_distance(_reading(read_digits(scene.frame, recognizer)), scene.text))
        length += len(scene.text)
    # Floors, not the targets (bench_scenes.py reports the figures): small digits beside
    # big ones and fingers over the sheet are the weakest cases (measured 74% and 79% on
    # these frames).
    weak = {"mixed sizes": 0.7, "fingers on edges": 0.75}
    assert 1 - edits / length >= weak.get(condition, 0.85)


def test_no_paper_frames_show_few_digits(digits, recognizer):
    rng = np.random.default_rng(SEED)
    shown = sum(len(_reading(read_digits(render_scene(c, rng, *digits).frame, recognizer)))
                for c in ("no paper", "no paper: person") for _ in range(4))
    # Known gap (issue 12's target is 0.02 a frame): the model (run 16, trained with the
    # detector's own scene candidates, synth.scene_crops) still reads some of a scene's
    # background as digits.
    assert shown <= 8  # at most one a frame


def test_boxes_land_on_the_digits_in_the_frame(digits):
    """Boxes found on the upright view, mapped back, cover the digits' ink in the original
    frame: checked by pixels (the true quad's centre lies in a found quad, and the found
    quad holds ink)."""
    scene = render_scene("perspective 35", np.random.default_rng(SEED + 1), *digits)
    found = find_digits(scene.frame)
    assert found.digits and all(d.quad is not None for d in found.digits)
    gray = cv2.cvtColor(scene.frame, cv2.COLOR_BGR2GRAY)
    hits = 0
    for quad in scene.quads:
        centre = tuple(float(v) for v in quad.mean(axis=0))
        hits += any(cv2.pointPolygonTest(d.quad.astype(np.float32), centre, False) >= 0
                    for d in found.digits)
    assert hits >= 0.8 * len(scene.quads)
    for digit in found.digits:
        x, y, w, h = digit.box
        assert 0 <= x and 0 <= y and x + w <= 640 and y + h <= 480
        mask = np.zeros(gray.shape, np.uint8)
        cv2.fillConvexPoly(mask, np.round(digit.quad).astype(np.int32), 1)
        inside = gray[mask > 0]
        assert inside.min() < np.median(inside) - 40  # ink inside the mapped quad


def test_overlay_draws_quadrilaterals(digits, recognizer):
    scene = render_scene("rotation 30", np.random.default_rng(SEED), *digits)
    detections = read_digits(scene.frame, recognizer)
    drawn = draw_digits(scene.frame, detections)
    assert drawn.shape == scene.frame.shape and not np.array_equal(drawn, scene.frame)
    assert any(d.quad is not None for d in detections.digits)


def test_outline_stays_put_over_a_shaky_sequence(digits):
    """A sheet shaken by a few pixels (and lost on one frame) keeps one outline; moved
    far for good, the outline follows after a few frames."""
    scene = render_scene("background: dark", np.random.default_rng(SEED), *digits)
    rng = np.random.default_rng(SEED)
    track, shown = SheetTrack(), []
    for index in range(12):
        dx, dy = rng.uniform(-3, 3, 2)
        shifted = cv2.warpAffine(scene.frame, np.float32([[1, 0, dx], [0, 1, dy]]), (640, 480),
                                 borderMode=cv2.BORDER_REPLICATE)
        if index == 6:  # glare: nothing found on this frame
            shifted = np.full_like(shifted, 255)
        track = update_sheet(track, find_sheet(shifted))
        shown.append(track.shown)
    assert all(s is shown[0] for s in shown) and shown[0] is not None
    moved = cv2.warpAffine(scene.frame, np.float32([[1, 0, 40], [0, 1, 0]]), (640, 480),
                           borderMode=cv2.BORDER_REPLICATE)
    for _ in range(3):
        track = update_sheet(track, find_sheet(moved))
    assert track.shown is not shown[0]
    assert np.allclose(track.shown.corners[:, 0] - shown[0].corners[:, 0], 40, atol=8)


def test_lost_outline_is_kept_briefly_then_dropped(digits):
    sheet = Sheet(np.float32([[100, 100], [500, 100], [500, 400], [100, 400]]))
    track = update_sheet(None, sheet)

    for _ in range(config.SHEET_KEEP_FRAMES):
        track = update_sheet(track, None)
        assert track.shown is sheet
    assert update_sheet(track, None).shown is None


def _step(track, found):
    """One frame of the live loop's sheet schedule: look (and fold in `found`) or skip.
    Returns the new state and whether it looked."""
    if must_look(track):
        return update_sheet(track, found), True
    return skip_look(track), False


def test_steady_outline_is_looked_for_on_one_frame_in_three():

    sheet = Sheet(np.float32([[100, 100], [500, 100], [500, 400], [100, 400]]))
    track, looks = None, []
    for _ in range(30):
        track, looked = _step(track, sheet)
        looks.append(looked)
        assert track.shown is not None
    assert looks[0] and sum(looks) == 30 // config.SHEET_LOOK_EVERY
    # no sheet in view at all (a page filling the frame, an empty room): the same schedule
    track, looks = None, []
    for _ in range(30):
        track, looked = _step(track, None)
        looks.append(looked)
    assert sum(looks) == 30 // config.SHEET_LOOK_EVERY and track.shown is None


def test_a_moved_or_lost_outline_is_looked_for_on_every_frame():

    sheet = Sheet(np.float32([[100, 100], [500, 100], [500, 400], [100, 400]]))
    moved = Sheet(sheet.corners + np.float32([80, 0]))
    track = update_sheet(None, sheet)
    while not must_look(track):  # steady: wait for the next look
        track = skip_look(track)
    # the sheet moved: once seen elsewhere, every frame looks until the move is confirmed
    frames = 0
    while track.shown is sheet:
        assert must_look(track)
        track = update_sheet(track, moved)
        frames += 1
    assert track.shown is moved and frames == config.SHEET_CONFIRM_FRAMES
    # lost: noticed at the next look, then looked for on every frame, and dropped after
    # SHEET_KEEP_FRAMES looks as before
    while not must_look(track):
        track = skip_look(track)
    frames = 0
    while track.shown is not None:
        assert must_look(track)
        track = update_sheet(track, None)
        frames += 1
    assert frames == config.SHEET_KEEP_FRAMES + 1


def test_live_loop_finds_a_sheet_held_up_within_the_look_schedule(digits, recognizer, monkeypatch):
    """process_frame on a steady room, then a sheet held up: find_sheet runs on a third of
    the steady frames, and the sheet's digits are read within SHEET_LOOK_EVERY frames."""
    from recognizer.apps.webcam import processing

    calls = []

    def counted(frame):
        calls.append(1)
        return find_sheet(frame)

    monkeypatch.setattr(processing, "find_sheet", counted)
    rng = np.random.default_rng(SEED)
    empty = render_scene("no paper", rng, *digits).frame
    scene = render_scene("background: dark", rng, *digits)
    tracker = None
    for _ in range(9):
        result = processing.process_frame(empty, recognizer, tracker)
        tracker = result.tracker
    assert len(calls) == 9 // config.SHEET_LOOK_EVERY
    for frame_index in range(config.SHEET_LOOK_EVERY):
        result = processing.process_frame(scene.frame, recognizer, tracker)
        tracker = result.tracker
        if tracker.sheet.shown is not None:
            break
    assert tracker.sheet.shown is not None
    assert corner_error(tracker.sheet.shown, scene.sheet) < 0.05 * 640
    assert sum(d.quad is not None for d in result.raw.digits) >= len(scene.labels) - 1


def test_a_shadow_cutting_off_a_large_corner_still_gives_the_whole_sheet():
    """The lit part of a sheet whose upper right a shadow covers is a pentagon; the corner
    to restore is the one behind the shadow's edge, though it adds the most area (the
    least-area reduction alone found no sheet here: its quadrilateral ran along the shadow)."""
    frame = np.full((480, 640, 3), (120, 112, 118), np.float32)  # a grey-pink wall
    sheet = np.float32([[150, 70], [470, 60], [490, 420], [160, 430]])
    cv2.fillConvexPoly(frame, np.round(sheet).astype(np.int32), (235, 238, 240))
    ys, xs = np.mgrid[0:480, 0:640]
    frame[xs - ys > 160] *= 0.45  # a shadow's straight edge across the sheet and the wall
    frame = cv2.GaussianBlur(frame, (0, 0), 1.5).astype(np.uint8)
    found = find_sheet(frame)
    assert found is not None
    assert quad_iou(found.corners, sheet) > 0.95


@pytest.mark.parametrize("softness", [10, 16])
def test_a_sheet_in_a_soft_shadow_beside_a_lit_wall_is_found_whole(softness):
    """A soft shadow (its edge spread over tens of px) darkens the left of the frame: the
    sheet's lit part runs into the lit wall beside it and its shaded part is no brighter than
    paper-grey, so no threshold gives the sheet (before sheet._bounded: no sheet found at
    either softness). Its edges are sharp and the shadow's is not: the region they bound is
    the sheet, shadow and all."""
    frame = np.full((480, 640, 3), (196, 214, 200), np.float32)  # a pale green wall
    sheet = np.float32([[140, 90], [500, 80], [510, 390], [130, 400]])
    cv2.fillConvexPoly(frame, np.round(sheet).astype(np.int32), (236, 232, 234))
    xs = np.arange(640, dtype=np.float32)
    frame *= (1 - 0.45 / (1 + np.exp((xs - 380) / softness)))[None, :, None]
    frame = cv2.GaussianBlur(frame, (0, 0), 1.0).astype(np.uint8)
    found = find_sheet(frame)
    assert found is not None
    assert quad_iou(found.corners, sheet) > 0.95  # (measured 0.98 at both softnesses)


def test_a_sheet_running_off_the_frame_keeps_its_corners_in_the_frame():
    """The demo video's sheet runs off the frame's right edge: the outline found ends at the
    edge. A corner restored off the frame (one of the other four-corner reductions) took in
    the frame's border, which the upright view showed as a sliver read "1, 99%"."""
    from pathlib import Path

    from recognizer.apps.webcam.sources import open_video

    demo = Path(__file__).resolve().parents[1] / "samples" / "demo.mp4"
    frames = open_video(str(demo)).frames
    frame = next(f for i, f in enumerate(frames) if i == 27)  # the sheet cut by the right edge
    width = frame.shape[1]
    found = find_sheet(frame)
    assert found is not None
    assert found.corners[:, 0].max() <= width + 1  # (640 wide; 675 with the corner restored)


def test_a_sticky_note_before_colour_fields_as_bright_as_it_is_found():
    """A yellow note on a blue wall, a magenta sheet behind one of its sides: the note is no
    brighter than either (V) nor less saturated (V - S), so neither threshold parts it from
    them, and the edges of V - S bound it on two sides only. Its outline is an edge of its
    colours all round: brighter than the blue in R and G, than the magenta in G (before the
    colour-bounded mask: no sheet found)."""
    frame = np.empty((480, 640, 3), np.float32)
    frame[:] = (225, 105, 95)  # blue
    frame *= np.linspace(0.9, 1.05, 640, dtype=np.float32)[None, :, None]
    cv2.fillConvexPoly(frame, np.int32([[400, 130], [620, 200], [470, 470]]), (200, 30, 205))
    note = np.float32([[110, 70], [420, 45], [440, 350], [140, 380]])
    cv2.fillConvexPoly(frame, np.round(note).astype(np.int32), (85, 205, 222))
    frame = frame.astype(np.uint8)
    for k, (x, y) in enumerate([(170, 110), (250, 110), (330, 115), (180, 230), (270, 240)]):
        cv2.putText(frame, "47102"[k], (x, y + 60), cv2.FONT_HERSHEY_SIMPLEX, 2.2,
                    (120, 60, 40), 5, cv2.LINE_AA)
    frame = cv2.GaussianBlur(frame, (0, 0), 1.0)
    found = find_sheet(frame)
    assert found is not None
    # (0.92: the region stops short of the note's strong edges by the width marked as edge)
    assert quad_iou(found.corners, note) > 0.9


@pytest.mark.parametrize("seed, condition, frame_no", [
    (7, "no paper", 4), (21, "no paper", 9), (13, "no paper", 0)])
def test_a_triangle_with_a_corner_cut_off_is_no_sheet(seed, condition, frame_no, digits):
    """Coloured triangles on colour fields, a corner of each cut off by another shape: the
    region, reduced to four corners, passes the angle test (the cut corner's two angles are
    about 125 degrees), but a side replaced by its neighbours' meeting point adds almost
    nothing (SHEET_TRIANGLE_AREA; 0.001-0.025 on these frames of the tuning seeds, at least
    1.11 for the sheets found there). Without that test an outline was found on each."""
    *_, scene = render_frames(condition, seed, *digits, (640, 480), frame_no + 1)  # bench_sheet's
    assert find_sheet(scene.frame) is None


def test_a_sheet_out_of_focus_is_found_at_the_coarser_size(monkeypatch):
    """A sheet before a pale yellow wall, out of focus (Gaussian sigma 7 px at 640x480): its
    edges are too soft for the masks at SHEET_MAX_SIDE px, sharp enough at
    SHEET_COARSE_SIDE, where the sheet is looked for when not found first (before: the whole
    frame read, and in the live loop, a saturated frame, nothing at all)."""
    frame = np.full((480, 640, 3), (150, 225, 240), np.uint8)  # pale yellow
    cv2.fillConvexPoly(frame, np.int32([[40, 20], [300, 60], [60, 200]]), (170, 180, 240))
    cv2.fillConvexPoly(frame, np.int32([[500, 60], [620, 80], [600, 330]]), (60, 30, 150))
    sheet = np.float32([[95, 80], [500, 75], [492, 380], [104, 366]])
    cv2.fillConvexPoly(frame, np.round(sheet).astype(np.int32), (228, 236, 232))
    for k, (x, y) in enumerate([(160, 110), (240, 110), (320, 115), (170, 230), (260, 240)]):
        cv2.putText(frame, "16673"[k], (x, y + 60), cv2.FONT_HERSHEY_SIMPLEX, 2.2,
                    (60, 40, 40), 5, cv2.LINE_AA)
    frame = cv2.GaussianBlur(frame.astype(np.float32), (0, 0), 7)
    frame = np.clip(frame + np.random.default_rng(0).normal(0, 2, frame.shape), 0, 255)
    frame = frame.astype(np.uint8)
    found = find_sheet(frame)
    assert found is not None
    assert quad_iou(found.corners, sheet) > 0.9  # (measured 0.96)
    monkeypatch.setattr(config, "SHEET_COARSE_SIDE", config.SHEET_MAX_SIDE)
    assert find_sheet(frame) is None  # not at the first size alone


def test_the_lit_part_of_a_page_filling_the_frame_is_no_sheet(digits, recognizer):
    """A page filling the frame, lit unevenly (scene seed 2, "page fills frame", frame 7):
    the bright mask's second threshold takes its lit right part, whose outline runs off the
    frame and through the paper (an edge for 0.58 of it), under SHEET_MIN_OUTLINE. Taken for
    the sheet, it cut the page's left half off and "052171901" read "71"."""
    from recognizer.synth.scenes import render_frames

    scene = list(render_frames("page fills frame", 2, *digits, (640, 480), 8))[7]
    assert find_sheet(scene.frame) is None
    assert _reading(read_digits(scene.frame, recognizer)) == scene.text


def test_at_the_coarser_size_a_blob_cut_by_the_border_is_no_sheet(digits, monkeypatch):
    """The second look (SHEET_COARSE_SIDE) takes only a region clear of the frame's border:
    on this frame without paper (a mottled surface, a pale blob cut by the left border) the
    coarse copy's masks give a quadrilateral otherwise, which the live loop then held as the
    sheet."""
    import recognizer.detection.sheet as sheet

    frame = render_scene("no paper", np.random.default_rng(SEED), *digits).frame
    assert find_sheet(frame) is None
    loose = sheet._find_quad
    monkeypatch.setattr(sheet, "_find_quad", lambda small, whole_only=False: loose(small))
    assert find_sheet(frame) is not None
