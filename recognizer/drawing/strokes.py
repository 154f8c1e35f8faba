"""Drawings made of pen strokes: record them, render them, split them into digits.

Pure code, no Tk: the drawing app feeds pointer positions in, and the same renderer draws the
benchmark's pen drawings. A stroke is recorded into an offscreen uint8 image (black ink on
white, like the canvas) as it is made, so the app never grabs the screen, which breaks on
Linux, on high-DPI screens, with several monitors and when the window is covered.

A drawing is split into digits by the strokes themselves, not by connected ink: strokes whose
ink touches, or whose horizontal extents overlap, belong to one digit, so a 5's detached top
bar or a 4 drawn in two strokes stays one digit, while digits written apart separate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from recognizer.core import config

BACKGROUND = 255  # white paper
INK = 0  # black pen
# Points are drawn with this many fractional bits (cv2's `shift`), so that traced or scaled
# strokes keep sub-pixel positions.
_SHIFT = 4
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class Stroke:
    """One pen stroke: the points from press to release, and the pen's width in pixels."""

    points: tuple[tuple[float, float], ...]
    width: int

    @property
    def left(self) -> float:
        return min(x for x, _ in self.points) - self.width / 2

    @property
    def right(self) -> float:
        return max(x for x, _ in self.points) + self.width / 2

    @property
    def top(self) -> float:
        return min(y for _, y in self.points) - self.width / 2

    @property
    def bottom(self) -> float:
        return max(y for _, y in self.points) + self.width / 2


def pen_width_for(width: int, height: int) -> int:
    """The round pen's width for a canvas of this size (PEN_WIDTH_FRACTION of its short side)."""
    return max(1, round(config.PEN_WIDTH_FRACTION * min(width, height)))


def draw_stroke(
    image: np.ndarray,
    points: Sequence[tuple[float, float]],
    width: int,
    offset: tuple[float, float] = (0.0, 0.0),
    dot: bool = True,
) -> None:
    """Draw a stroke into `image` in place with a round pen: the pen-down dot (unless `dot`
    is False, for a segment that continues a stroke), then round-capped lines."""
    fixed = [
        (int(round((x - offset[0]) * _ONE)), int(round((y - offset[1]) * _ONE)))
        for x, y in points
    ]
    if not fixed:
        return
    if dot:
        # cv2.circle takes a radius, cv2.line a full thickness; both end round.
        cv2.circle(image, fixed[0], int(round(width / 2 * _ONE)), INK, -1, cv2.LINE_AA, _SHIFT)
    for start, end in zip(fixed, fixed[1:]):
        cv2.line(image, start, end, INK, width, cv2.LINE_AA, _SHIFT)


def render_strokes(
    strokes: Sequence[Stroke], size: tuple[int, int], offset: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """A fresh white uint8 image of size (width, height) with the strokes drawn in black."""
    width, height = size
    image = np.full((height, width), BACKGROUND, dtype=np.uint8)
    for stroke in strokes:
        draw_stroke(image, stroke.points, stroke.width, offset)
    return image


class Drawing:
    """Strokes recorded from pointer events into an offscreen image, with undo.

    `begin`, `extend` and `end` follow the pen (press, motion, release); the image is updated
    as each segment arrives, so it is always ready to read or save.
    """

    def __init__(self, width: int, height: int, pen_width: int | None = None):
        if width < 1 or height < 1:
            raise ValueError(f"a drawing needs a positive size, not {width}x{height}")
        self.width, self.height = int(width), int(height)
        self.pen_width = pen_width if pen_width is not None else pen_width_for(width, height)
        self.strokes: list[Stroke] = []
        self._current: list[tuple[float, float]] | None = None
        self.image = np.full((self.height, self.width), BACKGROUND, dtype=np.uint8)

    @property
    def is_empty(self) -> bool:
        return not self.strokes and not self._current

    @property
    def is_drawing(self) -> bool:
        """True between `begin` and `end`."""
        return self._current is not None

    def all_strokes(self) -> list[Stroke]:
        """The finished strokes plus the one being drawn, for live reading mid-stroke."""
        if not self._current:
            return list(self.strokes)
        return [*self.strokes, Stroke(points=tuple(self._current), width=self.pen_width)]

    def begin(self, x: float, y: float) -> None:
        """The pen goes down: start a stroke with a round dot."""
        if self._current is not None:
            self.end()
        self._current = [(float(x), float(y))]
        draw_stroke(self.image, self._current, self.pen_width)

    def extend(self, x: float, y: float) -> None:
        """The pen moves: draw the segment from the last point (ignored while the pen is up)."""
        if self._current is None:
            return
        point = (float(x), float(y))
        if point == self._current[-1]:
            return
        draw_stroke(self.image, [self._current[-1], point], self.pen_width, dot=False)
        self._current.append(point)

    def end(self) -> Stroke | None:
        """The pen goes up: the stroke joins the drawing's undo history."""
        if self._current is None:
            return None
        stroke = Stroke(points=tuple(self._current), width=self.pen_width)
        self.strokes.append(stroke)
        self._current = None
        return stroke

    def add_stroke(self, points: Sequence[tuple[float, float]]) -> Stroke | None:
        """Record a whole stroke at once (tests, benchmark, replay)."""
        if not len(points):
            return None
        self.begin(*points[0])
        for x, y in points[1:]:
            self.extend(x, y)
        return self.end()

    def undo(self) -> Stroke | None:
        """Remove the last stroke (finishing one in progress first); None when empty."""
        self.end()
        if not self.strokes:
            return None
        stroke = self.strokes.pop()
        self._redraw()
        return stroke

    def clear(self) -> None:
        self.strokes.clear()
        self._current = None
        self.image[:] = BACKGROUND

    def resize(self, width: int, height: int) -> None:
        """Follow the canvas to a new size: strokes stay where they are, new strokes get the
        pen width that suits the new size."""
        width, height = max(1, int(width)), max(1, int(height))
        if (width, height) == (self.width, self.height):
            return
        self.end()
        self.width, self.height = width, height
        self.pen_width = pen_width_for(width, height)
        self._redraw()

    def _redraw(self) -> None:
        self.image = render_strokes(self.strokes, (self.width, self.height))


def usable_strokes(strokes: Sequence[Stroke]) -> list[Stroke]:
    """The strokes as they can be read: points that are not numbers (NaN, inf) or lie
    beyond MAX_STROKE_COORDINATE dropped, strokes left without points dropped, pen widths
    kept within 1 to MAX_PEN_WIDTH. A replayed file or a bad event gives no digit, not a
    crash; strokes from the canvas pass unchanged."""
    limit = config.MAX_STROKE_COORDINATE
    usable = []
    for stroke in strokes:
        points = tuple(
            (float(x), float(y)) for x, y in stroke.points
            if math.isfinite(x) and math.isfinite(y) and abs(x) <= limit and abs(y) <= limit
        )
        width = min(max(1, int(stroke.width)), config.MAX_PEN_WIDTH)
        if not points:
            continue
        if len(points) == len(stroke.points) and width == stroke.width:
            usable.append(stroke)
        else:
            usable.append(Stroke(points=points, width=width))
    return usable


def touching_groups(strokes: Sequence[Stroke]) -> list[int]:
    """For each stroke, the id of the connected ink it belongs to: strokes whose ink touches
    (directly or through other strokes) share an id. Strokes spread over more than
    TOUCH_MAX_SIDE px are checked on a reduced copy."""
    if len(strokes) < 2:
        return [0] * len(strokes)
    left, top, width, height = digit_box(strokes)
    scale = min(1.0, config.TOUCH_MAX_SIDE / max(width, height))
    if scale < 1.0:
        strokes = [
            Stroke(tuple(((x - left) * scale, (y - top) * scale) for x, y in s.points),
                   max(1, round(s.width * scale)))
            for s in strokes
        ]
        left, top = 0.0, 0.0
        width, height = max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))
    image = render_strokes(strokes, (width, height), (left, top))
    _, labels = cv2.connectedComponents((image < 128).astype(np.uint8), connectivity=8)
    ids = []
    for stroke in strokes:
        # The pen-down dot is always ink, so the stroke's first point lies on its component.
        x, y = stroke.points[0]
        column = min(max(int(round(x - left)), 0), width - 1)
        row = min(max(int(round(y - top)), 0), height - 1)
        ids.append(int(labels[row, column]))
    return ids


def stroke_extent(group: Sequence[Stroke]) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) of the strokes' ink, pen width included."""
    return (
        min(s.left for s in group),
        max(s.right for s in group),
        min(s.top for s in group),
        max(s.bottom for s in group),
    )


def _merge_overlapping(groups: list[list[Stroke]]) -> bool:
    """Merge the first two groups whose horizontal extents overlap by GROUP_OVERLAP of the
    narrower one; True if it merged."""
    extents = [stroke_extent(g) for g in groups]
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            left_i, right_i = extents[i][:2]
            left_j, right_j = extents[j][:2]
            overlap = min(right_i, right_j) - max(left_i, left_j)
            narrower = min(right_i - left_i, right_j - left_j)
            if overlap > 0 and overlap >= config.GROUP_OVERLAP * narrower:
                groups[i].extend(groups.pop(j))
                return True
    return False


def _merge_fragment(groups: list[list[Stroke]]) -> bool:
    """Merge the shortest group into its horizontally nearest neighbour when it is far
    shorter than that neighbour (FRAGMENT_HEIGHT) and close to it (FRAGMENT_GAP of the
    neighbour's height): a bar or a tick is part of a digit, not a digit."""
    if len(groups) < 2:
        return False
    extents = [stroke_extent(g) for g in groups]
    heights = [bottom - top for _, _, top, bottom in extents]
    for k in sorted(range(len(groups)), key=lambda i: heights[i]):
        left, right = extents[k][:2]
        gaps = {
            i: max(extents[i][0] - right, left - extents[i][1])
            for i in range(len(groups))
            if i != k
        }
        nearest = min(gaps, key=gaps.get)
        if (
            heights[k] < config.FRAGMENT_HEIGHT * heights[nearest]
            and gaps[nearest] <= config.FRAGMENT_GAP * heights[nearest]
        ):
            groups[nearest].extend(groups.pop(k))
            return True
    return False


def _drop_dots(groups: list[list[Stroke]]) -> list[list[Stroke]]:
    """The groups without dots: ink whose box's longest side is under DOT_FRACTION of the
    tallest group's height, or under DOT_PEN_WIDTHS widths of its own pen. A tap, a dot or a
    slip of the pen, beside a digit or alone, is no digit."""
    extents = [stroke_extent(g) for g in groups]
    tallest = max((bottom - top for _, _, top, bottom in extents), default=0.0)
    kept = []
    for group, (left, right, top, bottom) in zip(groups, extents):
        pen = max(stroke.width for stroke in group)
        if max(right - left, bottom - top) >= max(
            config.DOT_FRACTION * tallest, config.DOT_PEN_WIDTHS * pen
        ):
            kept.append(group)
    return kept


def group_strokes(strokes: Sequence[Stroke]) -> list[list[Stroke]]:
    """Split strokes into digits, left to right.

    Strokes whose ink touches are one digit. Groups that do not touch still merge when their
    horizontal extents overlap by GROUP_OVERLAP of the narrower one (a 4 drawn in two
    strokes), and a group far shorter than its nearest neighbour joins it (a 5's detached
    top bar, a 7's tick). Merging repeats until nothing changes, so the result does not
    depend on the order the strokes were drawn in. Dots and slips of the pen, far smaller
    than the tallest digit (DOT_FRACTION), are part of no digit and are left out. Digits of
    a number are written apart, as on a form; digits that touch are read as one. Points
    and strokes that cannot be drawn are left out first (`usable_strokes`).
    """
    strokes = usable_strokes(strokes)
    by_ink: dict[int, list[Stroke]] = {}
    for stroke, ink_id in zip(strokes, touching_groups(strokes)):
        by_ink.setdefault(ink_id, []).append(stroke)
    groups = _drop_dots(list(by_ink.values()))
    while _merge_overlapping(groups) or _merge_fragment(groups):
        pass
    return sorted(groups, key=lambda g: sum(stroke_extent(g)[:2]))


def digit_box(strokes: Sequence[Stroke]) -> tuple[int, int, int, int]:
    """(x, y, width, height) on the canvas of the ink of these strokes, with a 1 px margin."""
    left = int(np.floor(min(s.left for s in strokes))) - 1
    top = int(np.floor(min(s.top for s in strokes))) - 1
    right = int(np.ceil(max(s.right for s in strokes))) + 1
    bottom = int(np.ceil(max(s.bottom for s in strokes))) + 1
    return left, top, right - left + 1, bottom - top + 1


def render_transform(strokes: Sequence[Stroke], by_height: bool) -> tuple[float, float, float, int]:
    """(left, top, scale, margin) that `render_digit` maps canvas points with:
    rendered = (point - (left, top)) * scale + margin."""
    xs = [x for s in strokes for x, _ in s.points]
    ys = [y for s in strokes for _, y in s.points]
    left, top = min(xs), min(ys)
    span = max(max(ys) - top, 1.0) if by_height else max(max(xs) - left, max(ys) - top, 1.0)
    pen = max(1, round(config.DIGIT_STROKE_FRACTION * config.DIGIT_RENDER_BOX))
    return left, top, config.DIGIT_RENDER_BOX / span, pen


def render_digit(strokes: Sequence[Stroke], by_height: bool = False) -> np.ndarray:
    """Only these strokes, redrawn at a normalised size and pen width: what `to_mnist` reads.

    The stroke path (the pen's centre line) is scaled so that its longest side is
    DIGIT_RENDER_BOX px and drawn with a pen DIGIT_STROKE_FRACTION of that, MNIST's
    stroke-to-size ratio, whatever size and pen the user drew with: a small digit drawn with
    a thick pen keeps its loops open. Drawing the group's own strokes (instead of cropping
    the canvas) also keeps a neighbouring digit's ink out of this digit's image.
    by_height: scale the height, not the longest side, to DIGIT_RENDER_BOX (a group of
    touching digits, for the string reader: each digit keeps a digit's pen).
    """
    left, top, scale, margin = render_transform(strokes, by_height)
    xs = [x for s in strokes for x, _ in s.points]
    ys = [y for s in strokes for _, y in s.points]
    pen = margin
    size = (
        int(np.ceil((max(xs) - left) * scale)) + 2 * margin + 1,
        int(np.ceil((max(ys) - top) * scale)) + 2 * margin + 1,
    )
    image = np.full((size[1], size[0]), BACKGROUND, dtype=np.uint8)
    for stroke in strokes:
        points = [((x - left) * scale + margin, (y - top) * scale + margin) for x, y in stroke.points]
        draw_stroke(image, points, pen)
    return image


def ink_length(strokes: Sequence[Stroke]) -> float:
    """The strokes' total path length in units of their box's longest side.

    A digit written once is at most about 4 (measured on 3,000 MNIST test digits traced into
    strokes: 99.9% below 3.4, an 8 or a 0 the longest); a scribble or a digit scratched out
    runs far longer, however confident the model's guess at it.
    """
    length = sum(
        float(np.hypot(*np.diff(np.asarray(stroke.points), axis=0).T).sum())
        for stroke in strokes
        if len(stroke.points) > 1
    )
    left, right, top, bottom = stroke_extent(strokes)
    return length / max(right - left, bottom - top, 1.0)
