"""The scene generator (recognizer.synth.scenes): seeded, every condition renders, and its
truth (digit quadrilaterals, sheet corners) lies where the ink and the paper are."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.synth.scenes import (
    CONDITIONS, LOOKALIKE_CONDITIONS, NO_PAPER, load_digits, render_scene)


@pytest.fixture(scope="module")
def digits():
    return load_digits("test")  # MNIST test digits, or the samples/digits fallback


def test_same_seed_same_frame(digits):
    a = render_scene("glare", np.random.default_rng(3), *digits)
    b = render_scene("glare", np.random.default_rng(3), *digits)
    c = render_scene("glare", np.random.default_rng(4), *digits)
    assert np.array_equal(a.frame, b.frame) and a.labels == b.labels
    assert not np.array_equal(a.frame, c.frame)


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_renders_with_truth(condition, digits):
    scene = render_scene(condition, np.random.default_rng(11), *digits, size=(320, 240))
    assert scene.frame.shape == (240, 320, 3) and scene.frame.dtype == np.uint8
    assert scene.condition == condition
    if condition in NO_PAPER:
        assert scene.sheet is None and scene.labels == () and len(scene.quads) == 0
        return
    assert len(scene.labels) == len(scene.quads) >= 2
    # every digit lies inside the frame, on the sheet
    assert (scene.quads >= 0).all() and (scene.quads[..., 0] < 320).all()
    sheet = scene.sheet.astype(np.float32)
    for quad in scene.quads:
        centre = tuple(float(v) for v in quad.mean(axis=0))
        assert cv2.pointPolygonTest(sheet, centre, False) >= 0


def test_letters_and_shapes_are_written_on_the_sheet_and_are_no_digit_of_its_truth(digits):
    """The evaluation-only conditions ink held-out letters and shapes where digits would
    stand: the truth lists the digits only (none at all on a sheet of letters and shapes),
    and the sheet holds more ink than its digits' quads."""
    among, only, page = LOOKALIKE_CONDITIONS
    rng = np.random.default_rng(12)
    alone = [render_scene(only, rng, *digits) for _ in range(3)]
    for scene in alone:
        assert scene.labels == () and len(scene.quads) == 0 and scene.sheet is not None
        gray = cv2.cvtColor(scene.frame, cv2.COLOR_BGR2GRAY)
        sheet = np.zeros(gray.shape, np.uint8)
        cv2.fillConvexPoly(sheet, np.round(scene.sheet).astype(np.int32), 1)
        paper = np.median(gray[sheet > 0])
        assert (gray[sheet > 0] < paper - 60).sum() > 200  # ink that is not a digit
    mixed = [render_scene(among, rng, *digits) for _ in range(6)]
    assert all(len(s.labels) == len(s.quads) >= 1 for s in mixed)
    # a third of the cells hold a letter or shape: fewer digits than the plain sheets have
    plain = [render_scene("base", np.random.default_rng(i), *digits) for i in range(6)]
    assert sum(len(s.labels) for s in mixed) < sum(len(s.labels) for s in plain)
    # half of them on a page filling the frame
    for scene in [render_scene(page, rng, *digits) for _ in range(4)]:
        assert len(scene.labels) == len(scene.quads) >= 1
        sheet = np.zeros(scene.frame.shape[:2], np.uint8)
        cv2.fillConvexPoly(sheet, np.round(scene.sheet).astype(np.int32), 1)
        assert sheet.mean() > 0.8


def test_digit_quads_hold_ink(digits):
    """The pixels inside each digit's quad are darker than the paper around it."""
    scene = render_scene("ink: black", np.random.default_rng(5), *digits)
    gray = cv2.cvtColor(scene.frame, cv2.COLOR_BGR2GRAY)
    for quad in scene.quads:
        mask = np.zeros(gray.shape, np.uint8)
        cv2.fillConvexPoly(mask, np.round(quad).astype(np.int32), 1)
        inside = gray[mask > 0]
        assert np.percentile(inside, 5) < np.median(inside) - 60  # dark strokes in it


def test_mixed_sizes_differ_two_to_four_times(digits):
    heights = []
    rng = np.random.default_rng(21)
    for _ in range(4):
        scene = render_scene("mixed sizes", rng, *digits)
        h = np.linalg.norm(scene.quads[:, 3] - scene.quads[:, 0], axis=1)
        heights.append(h.max() / h.min())
    assert max(heights) >= 2.0


def test_scene_crops_label_the_detectors_candidates(digits):
    """Candidates on a sheet come back with the digits' labels; same seed, same set."""
    from recognizer.synth.scene_crops import scene_candidates

    patches, labels = scene_candidates(2, seed=4, digits=digits[0], labels=digits[1])
    assert patches.dtype == np.uint8 and patches.shape[1:] == (28, 28)
    assert len(patches) == len(labels) >= 4
    assert (labels < 10).sum() >= 4  # the base and the first condition's digits
    again = scene_candidates(2, seed=4, digits=digits[0], labels=digits[1])
    assert np.array_equal(labels, again[1]) and np.array_equal(patches, again[0])


def test_scene_crops_match_by_overlap():
    from recognizer.core.config import REJECT_CLASS
    from recognizer.detection.results import Detections
    from recognizer.core.records import Digit
    from recognizer.synth.scene_crops import label_candidates
    from recognizer.synth.scenes import Scene

    quads = np.float32([[[10, 10], [30, 10], [30, 40], [10, 40]],
                        [[60, 10], [80, 10], [80, 40], [60, 40]]])
    scene = Scene(np.zeros((50, 100, 3), np.uint8), (3, 8), quads, None, "base")
    patch = np.ones((28, 28), np.float32)
    found = Detections(digits=(
        Digit(box=(11, 11, 19, 29), patch=patch),      # on the 3
        Digit(box=(60, 10, 20, 30), patch=patch * 0.5),  # exactly the 8
        Digit(box=(20, 10, 50, 30), patch=patch),       # across both: left out
        Digit(box=(85, 42, 10, 8), patch=patch),        # off both: background
    ), mask=np.zeros((50, 100), np.uint8))
    labelled = label_candidates(found, scene)
    assert [label for _, label in labelled] == [3, 8, REJECT_CLASS]
    assert labelled[1][0].max() == 128


@pytest.mark.parametrize("angle, spread", [(0, (0, 1)), (90, (1, 0))])
def test_motion_blur_smears_along_its_angle(angle, spread):
    """One bright dot becomes a line `length` px long along the motion, none across it:
    the scene camera and the photographed training look (synth.pen) share this kernel."""
    from recognizer.synth.pen import motion_blur

    image = np.zeros((41, 41), np.float32)
    image[20, 20] = 1000.0
    smeared = motion_blur(image, 9, angle)
    ys, xs = np.nonzero(smeared > 1.0)
    along, across = (xs, ys) if spread == (0, 1) else (ys, xs)
    assert 8 <= np.ptp(along) + 1 <= 10 and np.ptp(across) <= 1
    assert np.isclose(smeared.sum(), 1000.0, rtol=0.02)  # the kernel keeps the ink's amount
