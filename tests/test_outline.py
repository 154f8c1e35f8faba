"""A sheet's outline as an edge in ratio (detection.outline): following a side past its
corner when the corner was found a px or two off."""

from __future__ import annotations

import numpy as np

from recognizer.detection.outline import _follow, shadow_floor


def _paper_below(row: int, left: int, size=(120, 200)) -> np.ndarray:
    """The log of an image with paper (200) below `row` from column `left` on, a dark
    background (60) elsewhere: one horizontal edge of a sheet."""
    image = np.full(size, 60.0, np.float32)
    image[row:, left:] = 200.0
    return np.log1p(image)


def test_a_side_is_followed_to_its_end_though_the_corner_is_two_px_off():
    """The corner found lies 2 px above the edge and the side's direction is tilted 3%
    (as a soft shadow's edge leaves them): followed straight, the samples leave the edge
    after a few px; tracked, the end is found where the paper's edge ends."""
    log_image = _paper_below(row=60, left=30)
    start = np.array([180.0, 58.0])
    direction = np.array([-1.0, -0.03]) / np.hypot(1.0, 0.03)
    normal = np.array([0.0, 1.0])
    end = _follow(log_image, start, direction, normal, limit=200, floor=shadow_floor(200.0))
    assert abs(end[0] - 30) <= 4  # the edge ends at column 30 (followed straight: 130)
    # within the samples' offset (3 px) of the edge; the tilted line is at 53.5 there
    assert abs(end[1] - 60) <= 3.5


def test_a_side_that_does_not_go_on_stays_put():
    log_image = _paper_below(row=60, left=150)
    start = np.array([150.0, 60.0])
    end = _follow(log_image, start, np.array([-1.0, 0.0]), np.array([0.0, 1.0]), limit=150,
                  floor=shadow_floor(200.0))
    assert np.array_equal(end, start)
