"""Tracing digit images into pen strokes: centre lines, loops, spurs, and the app's reading."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("skimage", reason="tracing needs scikit-image: pip install -e '.[test]'")

from recognizer.core.preprocess import to_mnist  # noqa: E402
from recognizer.drawing.strokes import Stroke, render_digit  # noqa: E402
from recognizer.drawing.trace import digit_strokes, prune_spurs, trace_skeleton  # noqa: E402


def thick_polyline(points, width=3, size=28, closed=False):
    """A light-on-dark digit image (like MNIST) of a polyline drawn `width` px thick."""
    image = np.zeros((size, size), np.uint8)
    cv2.polylines(image, [np.int32(points)], closed, 255, width, cv2.LINE_AA)
    return image


def distance_to_polylines(point, polylines):
    """Distance from a point to the nearest segment of any of the polylines."""
    p = np.asarray(point, float)
    best = np.inf
    for line in polylines:
        line = np.asarray(line, float)
        if len(line) == 1:
            best = min(best, float(np.hypot(*(p - line[0]))))
        for a, b in zip(line, line[1:]):
            ab = b - a
            t = np.clip(np.dot(p - a, ab) / max(np.dot(ab, ab), 1e-12), 0, 1)
            best = min(best, float(np.hypot(*(p - (a + t * ab)))))
    return best


def sample(points, closed=False, step=0.5):
    """Points every `step` px along a polyline."""
    points = [np.asarray(p, float) for p in points]
    if closed:
        points.append(points[0])
    out = []
    for a, b in zip(points, points[1:]):
        n = max(1, int(np.hypot(*(b - a)) / step))
        out.extend(a + (b - a) * t for t in np.linspace(0, 1, n, endpoint=False))
    out.append(points[-1])
    return out


def test_blank_image_has_no_strokes():
    assert digit_strokes(np.zeros((28, 28), np.uint8)) == []


def test_a_thick_seven_is_one_stroke_along_its_centre_line():
    seven = [(7, 5), (21, 5), (12, 23)]
    strokes = digit_strokes(thick_polyline(seven, width=4))
    assert len(strokes) == 1  # the thick corner leaves no spur
    stroke = strokes[0]
    # Every traced point lies near the drawn centre line, reaching into the round caps half a
    # stroke beyond its ends (a thick corner is cut by about a pixel) ...
    capped = [(5, 5), (21, 5), (11.1, 24.8)]
    assert max(distance_to_polylines(p, [capped]) for p in stroke) < 1.2
    # ... its ends near the drawn ends (round caps reach half a stroke beyond them) ...
    ends = sorted([stroke[0], stroke[-1]])
    assert np.hypot(*np.subtract(ends[0], seven[0])) < 2.5
    assert np.hypot(*np.subtract(ends[1], seven[-1])) < 2.5
    # ... and the trace covers the line; the sharp corner it cuts by less than a stroke.
    gaps = [(distance_to_polylines(p, strokes), np.hypot(*(p - seven[1]))) for p in sample(seven)]
    assert max(gap for gap, from_corner in gaps if from_corner > 3) < 1.0
    assert max(gap for gap, _ in gaps) < 2.5


def test_a_ring_is_one_closed_stroke():
    ring = cv2.ellipse2Poly((14, 14), (7, 9), 0, 0, 360, 10)
    strokes = digit_strokes(thick_polyline(ring, width=3, closed=True))
    assert len(strokes) == 1
    stroke = np.asarray(strokes[0])
    assert np.allclose(stroke[0], stroke[-1])  # closed
    assert max(distance_to_polylines(p, strokes) for p in sample(ring, closed=True)) < 1.0
    assert max(distance_to_polylines(p, [ring]) for p in stroke) < 1.0


def test_a_t_junction_keeps_its_three_arms_in_at_most_two_strokes():
    bar, stem = [(5, 6), (23, 6)], [(14, 6), (14, 24)]
    image = np.maximum(thick_polyline(bar), thick_polyline(stem))
    strokes = digit_strokes(image)
    assert 1 <= len(strokes) <= 2
    for line in (bar, stem):
        assert max(distance_to_polylines(p, strokes) for p in sample(line)[3:-3]) < 1.0


def test_prune_spurs_removes_branches_that_add_no_ink_only():
    skeleton = np.zeros((20, 30), bool)
    skeleton[10, 2:28] = True  # a long stroke
    skeleton[7:10, 15] = True  # a 3-pixel branch off its middle, inside a thick junction
    skeleton[10:19, 8] = True  # a 9-pixel branch: a stroke of its own, kept
    # The ink is thick around the middle junction and the branch runs into its corner, where
    # the ink's radius shrinks as fast as the branch goes on.
    radius = np.full(skeleton.shape, 1.0, np.float32)
    radius[10, 15], radius[9, 15], radius[8, 15], radius[7, 15] = 4.0, 3.0, 2.0, 1.0
    pruned = prune_spurs(skeleton, radius, longest=1.0)
    assert not pruned[7:10, 15].any()
    assert pruned[10, 2:28].all() and pruned[11:19, 8].all()
    # Where the ink is thin, the same 3-pixel branch reaches beyond the junction: a stroke.
    assert prune_spurs(skeleton, np.ones(skeleton.shape, np.float32), longest=1.0)[7:10, 15].all()


def test_a_short_foot_at_a_thick_corner_survives():
    """A 2's short foot meets the diagonal at a thick corner whose own spur is as long: the
    foot reaches out of the corner's ink, the spur does not."""
    two = thick_polyline([(8, 8), (14, 5), (19, 9), (8, 22), (13, 22)], width=4)
    strokes = digit_strokes(two)
    assert max(x for stroke in strokes for x, y in stroke if y > 19) > 13


def test_a_walk_round_a_tiny_loop_keeps_a_heading():
    """Round a 4-pixel loop the walk comes back to where its heading was measured from; it
    must still pick its way on by a real direction, not 0/0."""
    skeleton = np.zeros((8, 8), bool)
    skeleton[4:6, 4:6] = True
    skeleton[4, 0:4] = True
    skeleton[0:4, 4] = True
    with np.errstate(all="raise"):
        paths = trace_skeleton(skeleton)
    covered = {p for path in paths for p in path}
    assert covered == {(int(y), int(x)) for y, x in zip(*np.nonzero(skeleton))}


def test_trace_skeleton_covers_every_pixel_once_per_edge():
    skeleton = np.zeros((12, 12), bool)
    skeleton[2, 2:10] = True
    skeleton[2:10, 9] = True
    skeleton[11, 0] = True  # an isolated dot
    paths = trace_skeleton(skeleton)
    covered = {p for path in paths for p in path}
    assert covered == {(int(y), int(x)) for y, x in zip(*np.nonzero(skeleton))}
    assert [(11, 0)] in paths
    assert len(paths) == 2  # the corner is one stroke, the dot another


def test_traced_test_digits_redrawn_by_the_app_are_read_right(recognizer, mnist_test):
    """Traced, redrawn by the app's renderer and put through to_mnist, MNIST test digits
    come out centred like MNIST and are read right by the shipped model."""
    x_test, y_test = mnist_test
    patches = []
    for digit in x_test[:300]:
        strokes = [Stroke(points=tuple(line), width=1) for line in digit_strokes(digit)]
        patches.append(to_mnist(render_digit(strokes)))
    assert all(p.shape == (28, 28) and p.dtype == np.float32 for p in patches)
    stack = np.stack(patches)
    assert 0.0 <= stack.min() and stack.max() <= 1.0
    ys, xs = np.mgrid[:28, :28]
    centre = [(float((p * xs).sum() / p.sum()), float((p * ys).sum() / p.sum())) for p in patches]
    assert np.allclose(np.mean(centre, axis=0), 14.0, atol=0.3)
    probabilities = recognizer.predict_probabilities(stack)
    assert np.mean(probabilities.argmax(axis=1) == y_test[:300]) > 0.97
