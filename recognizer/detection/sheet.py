"""Find the sheet of paper in a frame, straighten it, and map what is found on it back.

A sheet held up before a camera is the brightest large region of the frame, of low
saturation (white or off-white paper; a yellow sticky note is bright but saturated, so a
second mask on brightness alone is tried too), with a quadrilateral outline. `find_sheet`:

1. reduces the frame to at most SHEET_MAX_SIDE px and thresholds a "paperness" image
   (brightness, less saturation) with Otsu; closes the digits' holes and opens off what
   is thinner than SHEET_OPEN (fingers of light skin holding the sheet). A third kind of
   mask takes the regions that sharp edges bound (`_bounded`; opened, not closed, which
   would bridge its thin edges, and its small holes filled): a soft shadow's edge is no
   sharp edge, so a sheet whose lit part runs into a lit wall is still a region of its own.
   It is made twice: from the paperness image, and from the colour channels (a yellow
   note before a colour field as bright and as saturated as it differs only in colour;
   such a region must be brighter than what surrounds it in some channel, all round, and
   lie clear of the frame's border, where a wall cut off by a shadow's edge is one too);
   the colour one only when no outline found before it is an edge all round. When no sheet
   is found, all of it is done again on a copy at most SHEET_COARSE_SIDE px: a sheet out of
   focus or moving has edges too soft at the first size, sharp at half of it;
2. takes the large connected regions, their convex hull (fingers over an edge make notches
   that the hull bridges) and reduces the hull to four corners by repeatedly replacing the
   edge whose removal adds the least area with the meeting point of its neighbours (so a
   corner hidden by a finger or cut off by the frame's border is found where the sheet's
   sides, extended, meet - it may lie outside the frame);
3. validates the quadrilateral: convex, SHEET_MIN_AREA to SHEET_MAX_AREA of the frame, the
   region filling at least SHEET_MIN_FILL of it, interior angles within SHEET_ANGLE_RANGE,
   and no triangle with a corner cut off (`_is_cut_triangle`: a shape on a colour field).
   A page that fills the frame, a close-up or no paper at all give None: the caller reads
   the whole frame, if `paper_in_view` says paper may fill it (else a live frame holds no
   digits), leaving out what lies off a page that fills it (`page.find_page`);
4. light falling unevenly: a shadow across the sheet (or a strong gradient) leaves only its
   lit part bright. The paper in the shadow is still brighter than what lies beside it,
   in ratio: the sides are an edge all round (`outline_coverage`, on the log image, where a
   shadow is a constant offset). So a candidate grows over the shadow where its sides go
   on as edges beyond it (`through_shadow`), a lit pentagon (a shadow across a corner) is
   taken when its quadrilateral's outline is an edge, and the candidates are ranked by
   their area x coverage**SHEET_COVERAGE_POWER (coverage above SHEET_FULL_COVERAGE counts
   as whole): a region run into the lit background beside the sheet is larger, but its
   outline runs through the background;
5. a coloured surface beside the sheet (a card, a shirt, a skin-coloured shape) whose edges
   close a larger quadrilateral with the sheet's: the best outline gives way to one found
   within it whose paper differs in colour from the ring between them and is the less
   coloured (`sheet_within`; a coloured note stuck on the sheet is more coloured than it).

`warp_sheet` gives the upright view by homography (cv2.getPerspectiveTransform), and
`quads_to_frame` maps boxes found in it back to quadrilaterals in the frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.core import config
from recognizer.detection.outline import (
    angles_ok, in_frame, outline_coverage, shadow_floor, through_shadow)
from recognizer.detection.sheet_within import is_mixed, may_lie_within, sheet_within


@dataclass(frozen=True, eq=False)
class Sheet:
    """A sheet's outline: corners float32 (4, 2) in frame pixels, top-left, top-right,
    bottom-right, bottom-left (reading the sheet upright); they may lie outside the frame."""

    corners: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the upright view: the mean lengths of opposite sides."""
        c = self.corners
        width = (np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2
        height = (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])) / 2
        return max(1, int(round(width))), max(1, int(round(height)))


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left: by angle around their
    centre, starting from the one pointing most to the upper left (rotations under 45
    degrees keep the sheet's top at the top)."""
    points = np.asarray(points, np.float32).reshape(4, 2)
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ring = points[np.argsort(angles)]  # clockwise in image coordinates (y down)
    ring_angles = np.arctan2(ring[:, 1] - centre[1], ring[:, 0] - centre[0])
    start = int(np.argmin(np.abs(np.angle(np.exp(1j * (ring_angles + 3 * np.pi / 4))))))
    return np.roll(ring, -start, axis=0)


def _meetings(poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each edge of a convex polygon (N, 2): the point where its two neighbouring edges,
    extended, meet, and the area replacing the edge by that point adds (inf where they do
    not meet ahead: parallel, or diverging).

    Every edge at once with NumPy (a hull has tens of points and this runs on every frame
    of the live loop)."""
    # edge i runs from b = poly[i] to c = poly[i + 1]; a and d are its neighbours' far ends
    # (shifted by slicing: np.roll, np.delete and np.einsum cost more than the arithmetic)
    a, b = np.concatenate((poly[-1:], poly[:-1])), poly
    c, d = np.concatenate((poly[1:], poly[:1])), np.concatenate((poly[2:], poly[:2]))
    ab, dc = b - a, c - d
    cross = ab[:, 0] * dc[:, 1] - ab[:, 1] * dc[:, 0]
    valid = np.abs(cross) >= 1e-9  # parallel neighbours never meet
    t = ((d[:, 0] - a[:, 0]) * dc[:, 1] - (d[:, 1] - a[:, 1]) * dc[:, 0]) / np.where(
        valid, cross, 1.0)
    point = a + t[:, None] * ab
    # the point must lie beyond b and c (the sides extended forwards)
    pb, pc = point - b, point - c
    valid &= pb[:, 0] * ab[:, 0] + pb[:, 1] * ab[:, 1] >= 0
    valid &= pc[:, 0] * dc[:, 0] + pc[:, 1] * dc[:, 1] >= 0
    cost = np.abs((c[:, 0] - b[:, 0]) * pb[:, 1] - (c[:, 1] - b[:, 1]) * pb[:, 0]) / 2
    return point, np.where(valid, cost, np.inf)


def _replace_edge(poly: np.ndarray, edge: int, point: np.ndarray) -> np.ndarray:
    """The polygon with edge `edge` replaced by `point` (one corner fewer)."""
    poly = poly.copy()
    poly[edge] = point
    drop = (edge + 1) % len(poly)
    return np.concatenate((poly[:drop], poly[drop + 1 :]))


def reduce_to_quads(hull: np.ndarray) -> list[np.ndarray]:
    """A convex polygon (N, 2) reduced to 4 corners, in the ways worth trying: repeatedly,
    the edge whose two neighbouring edges, extended until they meet, add the least area is
    replaced by their meeting point, down to five corners; then each way of taking away the
    fifth, least added area first. A shadow across a sheet cuts a corner off its bright
    part: the edge to replace then is the shadow's, which adds the most area, not the least,
    so the caller weighs the candidates by their edges. [] when it cannot be done (too few
    points, parallel sides)."""
    poly = np.asarray(hull, np.float64).reshape(-1, 2)
    if len(poly) < 4:
        return []
    if len(poly) == 4:
        return [poly.astype(np.float32)]
    while len(poly) > 5:
        point, cost = _meetings(poly)
        best = int(np.argmin(cost))
        if not np.isfinite(cost[best]):
            return []
        poly = _replace_edge(poly, best, point[best])
    point, cost = _meetings(poly)
    return [_replace_edge(poly, edge, point[edge]).astype(np.float32)
            for edge in np.argsort(cost) if np.isfinite(cost[edge])]


def _edge_step(image: np.ndarray, quad: np.ndarray) -> float:
    """How much brighter the image is just inside the quadrilateral's sides than just
    outside them (medians of two thin bands; the outside band only where it is in the
    frame): a sheet's edge is a step, a gradient of light across one page is not."""
    shape = image.shape[:2]
    inside = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(inside, np.round(quad).astype(np.int32), 1)
    kernel = np.ones((2 * config.SHEET_EDGE_BAND + 1,) * 2, np.uint8)
    inner = inside - cv2.erode(inside, kernel)
    outer = cv2.dilate(inside, kernel) - inside
    if not inner.any() or not outer.any():
        return 0.0
    step = np.median(image[inner > 0], axis=0) - np.median(image[outer > 0], axis=0)
    return float(np.max(step))  # (in colour, the channel it is largest in)


def _masks(small: np.ndarray, hsv: np.ndarray, settled: Callable[[], bool] = lambda: False
           ) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """Candidate paper masks of a small BGR frame (hsv: the same in HSV), one at a time, each
    with the image it comes from and whether it is bounded by edges: bright and unsaturated
    (Otsu on V - S), bright alone (Otsu on V: a sticky note), each also by Otsu again within
    its bright class, and the regions that sharp edges of V - S bound, and of B, G or R
    (`_bounded`; its image is the blurred colour frame, whose outline tests take the largest
    step of the channels). The last is made only when `settled()` is false: it is for
    sheets the others miss, and it costs about 1 ms a frame."""
    paperness = paperness_image(hsv)
    for image in (paperness, cv2.GaussianBlur(hsv[:, :, 2], (5, 5), 0)):
        level, mask = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        yield mask, image, False
        # A light background (a pale wall, a light colour) falls in the bright class with
        # the paper: Otsu again within that class parts them.
        bright = image[image > level]
        if bright.size > 16:
            upper, _ = cv2.threshold(bright.reshape(1, -1), 0, 255,
                                     cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            yield (image > upper).astype(np.uint8) * 255, image, False
    yield _bounded(paperness), paperness, True
    if not settled():
        colours = cv2.GaussianBlur(small, (5, 5), 0)
        yield _bounded(colours), colours, True


def paperness_image(hsv: np.ndarray) -> np.ndarray:
    """Brightness less saturation of an image given in HSV, blurred a little: high on paper
    (white or off-white), low on ink, shadow and colour."""
    return cv2.GaussianBlur(cv2.subtract(hsv[:, :, 2], hsv[:, :, 1]), (5, 5), 0)


def paper_kernels(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The discs a paper mask of a reduced frame of this shape is closed (SHEET_CLOSE: the
    digits' holes) and opened (SHEET_OPEN: fingers) with."""
    side = min(shape[:2])
    return tuple(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(share * side) | 1,) * 2)
                 for share in (config.SHEET_CLOSE, config.SHEET_OPEN))


def _bounded(image: np.ndarray) -> np.ndarray:
    """The mask of what is no sharp edge of `image` (in any of its channels): where the log
    image changes by less than SHEET_MIN_RATIO over 2 px across and down. A soft shadow's
    edge is spread over more than that, a sheet's edge is not; so a sheet whose lit part runs
    into a lit wall beside it (no threshold parts them) is a region of its own here, shadow
    and all. In colour, a sticky note before a colour field as bright as it is one too."""
    edges = np.zeros(image.shape[:2], bool)
    for channel in cv2.split(image):  # (one 2-D plane at a time: 3x faster than on axis 2)
        log = np.log1p(channel.astype(np.float32))
        edges[:, 1:-1] |= np.abs(log[:, 2:] - log[:, :-2]) > config.SHEET_MIN_RATIO
        edges[1:-1, :] |= np.abs(log[2:, :] - log[:-2, :]) > config.SHEET_MIN_RATIO
    return (~edges).astype(np.uint8) * 255


def prepare_mask(mask: np.ndarray, bounded: bool, close: np.ndarray, opening: np.ndarray,
                 largest_hole: float) -> np.ndarray:
    """A paper mask made ready for its regions: the digits' holes filled (closed; in a mask
    bounded by edges, where closing would bridge the thin edges between regions, filled as
    holes up to largest_hole px), and what is thinner than `opening` opened off (fingers of
    light skin holding the sheet)."""
    if not bounded:
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, close)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, opening)
    if bounded:
        contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        if contours:
            holes = [c for c, link in zip(contours, hierarchy[0])
                     if link[3] >= 0 and cv2.contourArea(c) < largest_hole]
            mask = cv2.drawContours(mask, holes, -1, 255, cv2.FILLED)
    return mask


def find_sheet(frame: np.ndarray) -> Sheet | None:
    """The sheet's outline in a BGR (or gray) uint8 frame, or None when there is none to
    find (no paper, a page filling the frame, a close-up). Looked for on a copy at most
    SHEET_MAX_SIDE px, then, if none is found, on one at most SHEET_COARSE_SIDE px (unless
    that copy's shorter side is under SHEET_MIN_SIDE)."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3) or min(frame.shape[:2]) < config.SHEET_MIN_SIDE:
        return None  # a float or 16-bit image, or a tiny one: read whole
    if frame.ndim == 3 and frame.shape[2] not in (3, 4):
        return None
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    # A sheet's edges blurred by motion or defocus are soft at SHEET_MAX_SIDE px and sharp
    # again at SHEET_COARSE_SIDE: looked for at the second size when not found at the first.
    scale = min(1.0, config.SHEET_MAX_SIDE / max(frame.shape[:2]))
    small = reduce_frame(frame, scale)
    quad = _find_quad(small)
    if quad is not None:
        return Sheet(order_corners(quad / scale))
    coarse = min(1.0, config.SHEET_COARSE_SIDE / max(frame.shape[:2]))
    if coarse < scale and min(frame.shape[:2]) * coarse >= config.SHEET_MIN_SIDE:
        # (from the first copy: halving it costs 0.01 ms, the frame 0.6 ms at 640x480)
        quad = _find_quad(reduce_frame(small, coarse / scale), whole_only=True)
        if quad is not None:
            return Sheet(order_corners(quad / coarse))
    return None


def reduce_frame(frame: np.ndarray, scale: float, whole_first: bool = False) -> np.ndarray:
    """The frame resized by scale (at most 1), by area (to the size cv2.resize gives).

    whole_first: where a whole factor k (the whole part of 1 / scale) divides both sides,
    by k first, then by what is left: OpenCV averages whole blocks on a fast path, and a
    factor such as 640 to 240 px costs twice as long without it (0.8 against 0.4 ms at
    640x480, 2.0 against 1.1 ms at 1280x720). The pixels differ a little from one
    resize's; `find_sheet`'s first copy does not use it: on the sheet benchmark's tuning
    seeds (101, 13, 6174) 4 of its 1,379 outlines within IoU 0.9 were lost with it, none
    gained. (Its second copy, half the first, is two steps too: there the same benchmark
    changed no outline.)"""
    if scale >= 1.0:
        return frame
    height, width = frame.shape[:2]
    k = int(1.0 / scale)
    if not (whole_first and k >= 2 and width % k == 0 and height % k == 0):
        return cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    size = (max(1, int(round(width * scale))), max(1, int(round(height * scale))))
    blocks = cv2.resize(frame, (width // k, height // k), interpolation=cv2.INTER_AREA)
    if (blocks.shape[1], blocks.shape[0]) == size:
        return blocks
    return cv2.resize(blocks, size, interpolation=cv2.INTER_AREA)


def _find_quad(small: np.ndarray, whole_only: bool = False) -> np.ndarray | None:
    """The sheet's corners in a reduced BGR frame (see `find_sheet`), or None. whole_only
    (the coarser copy): only a region clear of the frame's border whose quadrilateral is
    an edge for SHEET_MIN_COVERAGE of its outline: at that size a rounded blob cut by the
    border (a mottled surface close up) passed for a sheet. When the best outline holds
    paper of two colours (`is_mixed`), the regions within it are looked at too, and a sheet
    within it may stand instead (`sheet_within`)."""
    best, found = _outlines(small, whole_only)
    if best is None or not is_mixed(small, best):
        return best
    inner = sheet_within(small, best, found)
    if inner is not best:
        return inner
    # (the regions a smaller score passed over, looked at within the best outline)
    return sheet_within(small, best, _outlines(small, whole_only, within=best)[1])


def _outlines(small: np.ndarray, whole_only: bool, within: np.ndarray | None = None
              ) -> tuple[np.ndarray | None, list[tuple[float, np.ndarray]]]:
    """The best outline of `_find_quad`'s search and every outline it accepted, with its
    score. A region smaller than the best outline's score is passed over, unless it may be
    a sheet within the outline `within` (`may_lie_within`: a first search's best)."""
    sh, sw = small.shape[:2]
    frame_area = float(sh * sw)
    close, opening = paper_kernels(small.shape)
    best, best_score = None, 0.0
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)  # (once: the masks and the growth use it)
    saturation = hsv[:, :, 1]
    whole = False  # the best outline so far is an edge all round: no colour mask needed
    found: list[tuple[float, np.ndarray]] = []  # every outline accepted, with its score
    for mask, image, bounded in _masks(small, hsv, lambda: whole):
        mask = prepare_mask(mask, bounded, close, opening, config.SHEET_MIN_AREA * frame_area)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
        log_image = None
        for label in range(1, count):
            area = float(stats[label, cv2.CC_STAT_AREA])
            if area < config.SHEET_MIN_AREA * frame_area:
                continue  # too small
            x, y, w, h = stats[label, :4]
            if area <= best_score and not may_lie_within(within, (x, y, w, h), area):
                continue  # smaller than the best sheet's score, and no sheet within it
            if area > config.SHEET_MAX_AREA * frame_area:
                continue  # the page fills the frame (or the frame is a bright wall)
            # (ints: NumPy booleans add up as "or", so this never reached 3)
            sides = int(x <= 0) + int(y <= 0) + int(x + w >= sw) + int(y + h >= sh)
            if sides >= 3 or (sides and (image.ndim == 3 or whole_only)):
                continue  # a bright field behind, not a sheet held before it; in colour,
                # any region at the border (a wall cut off by a shadow's edge is bounded
                # too: on the tuning seeds 11 outlines on frames without a sheet, not 8)
            region = (labels[y : y + h, x : x + w] == label).astype(np.uint8)
            contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            hull = cv2.convexHull(max(contours, key=cv2.contourArea)).reshape(-1, 2) + (x, y)
            # least added area first; then the others (a shadow cuts a corner off: see
            # reduce_to_quads), each only if it lies in the frame and its outline is an edge
            # (SHEET_MIN_COVERAGE; a corner restored off the frame takes in the frame's border)
            paper_in_hull = min(area, cv2.contourArea(hull.astype(np.float32)))
            paper = None  # the region's paper level, once a candidate gets that far
            for rank, quad in enumerate(reduce_to_quads(hull)):
                if rank and not _corners_in(quad, (sw, sh)):
                    continue
                quad_area = abs(float(cv2.contourArea(quad)))
                if quad_area <= 0:
                    continue
                fill = paper_in_hull / quad_area
                if fill < config.SHEET_SHADOW_FILL:
                    continue
                if not in_frame(quad, (sw, sh)):
                    continue  # mostly outside the frame, or filling it: read the frame whole
                stepped = _edge_step(image, quad) >= config.SHEET_MIN_STEP
                if not (stepped or bounded):
                    continue  # no edge: the bright part of a page lit unevenly
                if log_image is None:
                    log_image = np.log1p(image.astype(np.float32))
                if not stepped and outline_coverage(log_image, quad) < config.SHEET_MIN_COVERAGE:
                    continue  # (a region bounded by edges may be in shadow: a step in ratio
                    # all round will do)
                if paper is None:
                    paper = np.median(image[y : y + h, x : x + w][region > 0], axis=0)
                if (fill < config.SHEET_MIN_FILL or rank > 0 or bounded) and outline_coverage(
                        log_image, quad, shadow_floor(paper)) < config.SHEET_MIN_COVERAGE:
                    continue  # not a quadrilateral, unless a shadow hides a corner of it
                    # (a region bounded by edges may be any shape they leave: its outline
                    # must be an edge, as a sheet's is, not just bound it)
                grown = through_shadow(log_image, saturation, quad, paper)
                if not angles_ok(grown) or _is_cut_triangle(grown):
                    continue  # (a shadow's edge across a corner is a sharp one: grown first)
                paper_area = area + abs(float(cv2.contourArea(grown))) - quad_area  # + in shadow
                quad = grown
                # a region run into the bright background beside the sheet is larger than the
                # sheet's, but its outline is no edge where it runs through the background
                edge_share = outline_coverage(log_image, quad)
                if edge_share < (config.SHEET_MIN_COVERAGE if whole_only
                                 else config.SHEET_MIN_OUTLINE):
                    continue  # (the lit part of a page lit unevenly: its outline runs
                    # through the paper where the light falls off)
                coverage = edge_share / config.SHEET_FULL_COVERAGE
                score = paper_area * min(1.0, coverage) ** config.SHEET_COVERAGE_POWER
                found.append((score, quad))
                if score > best_score:
                    best, best_score, whole = quad, score, coverage >= 1.0
                if coverage >= 1.0:
                    break  # an outline that is an edge all round: no other reduction is better
    return best, found


def _is_cut_triangle(quad: np.ndarray) -> bool:
    """Whether a quadrilateral is a triangle with a corner cut off (a shape on a colour
    field, its corner under another shape): one of its sides, replaced by the meeting point
    of its neighbours, adds less than SHEET_TRIANGLE_AREA of its area. A sheet's opposite
    sides never meet so soon, even seen at a slant."""
    quad = np.asarray(quad, np.float64)
    _, cost = _meetings(quad)
    return float(cost.min()) < config.SHEET_TRIANGLE_AREA * abs(
        float(cv2.contourArea(quad.astype(np.float32))))


def _corners_in(quad: np.ndarray, size: tuple[int, int]) -> bool:
    """Whether all four corners lie within a frame of size (w, h)."""
    return bool(np.all((quad >= 0) & (quad <= np.float32(size) - 1)))


def warp_matrix(sheet: Sheet, max_side: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The homography from the frame to the upright sheet, and the upright view's size
    (its sides as long as the sheet's in the frame, at most max_side px)."""
    width, height = sheet.size
    factor = min(1.0, max_side / max(width, height))
    width, height = max(1, int(width * factor)), max(1, int(height * factor))
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    return cv2.getPerspectiveTransform(sheet.corners.astype(np.float32), target), (width, height)


def paper_colour(frame: np.ndarray, sheet: Sheet) -> tuple[float, ...]:
    """The paper's colour: the median of the frame's pixels within the sheet (sampled)."""
    frame = np.asarray(frame)
    step = max(1, min(frame.shape[:2]) // 160)
    small = frame[::step, ::step]
    inside = np.zeros(small.shape[:2], np.uint8)
    cv2.fillConvexPoly(inside, np.round(sheet.corners / step).astype(np.int32), 1)
    pixels = small[inside > 0]
    if not len(pixels):
        return (255.0,) * (1 if frame.ndim == 2 else frame.shape[2])
    return tuple(float(v) for v in np.median(pixels.reshape(len(pixels), -1), axis=0))


def warp_sheet(frame: np.ndarray, sheet: Sheet, max_side: int = config.DETECT_MAX_SIDE):
    """The upright view of the sheet, and the homography that made it. What lies outside
    the frame (a sheet partly out of view) is the paper's colour: replicating the frame's
    border would smear its ink and the background into streaks across the sheet."""
    matrix, size = warp_matrix(sheet, max_side)
    colour = paper_colour(frame, sheet)
    upright = cv2.warpPerspective(frame, matrix, size, flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=colour)
    return upright, matrix


def quads_to_frame(boxes, matrix: np.ndarray) -> np.ndarray:
    """Boxes (x, y, w, h) of the upright view as float32 (N, 4, 2) quadrilaterals in the
    frame: their corners through the inverse homography."""
    if not len(boxes):
        return np.zeros((0, 4, 2), np.float32)
    corners = np.float32([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]] for x, y, w, h in boxes])
    inverse = np.linalg.inv(matrix)
    return cv2.perspectiveTransform(corners.reshape(-1, 1, 2), inverse).reshape(-1, 4, 2)


def paper_in_view(frame: np.ndarray) -> bool:
    """Whether paper (or a board) may fill a frame in which no sheet was found: its median
    HSV saturation is at most PAPER_MAX_SATURATION (a page, a whiteboard, a close-up, a dark
    board are grey; clothes, skin, a desk, a coloured wall are not). Gray frames: yes."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] not in (3, 4):
        return True
    if min(frame.shape[:2]) < config.SHEET_MIN_SIDE:
        return True  # too small to tell (and maybe empty): read as before
    step = max(1, min(frame.shape[:2]) // 120)
    sample = np.ascontiguousarray(frame[::step, ::step, :3])
    saturation = cv2.cvtColor(sample, cv2.COLOR_BGR2HSV)[:, :, 1]
    return float(np.median(saturation)) <= config.PAPER_MAX_SATURATION
