"""Find the sheet of paper in a frame, straighten it, and map what is found on it back.

A sheet held up before a camera is the brightest large region of the frame, of low
saturation (white or off-white paper; a yellow sticky note is bright but saturated, so a
second mask on brightness alone is tried too), with a quadrilateral outline. `find_sheet`:

1. reduces the frame to at most SHEET_MAX_SIDE px and thresholds a "paperness" image
   (brightness, less saturation) with Otsu; closes the digits' holes and opens off what
   is thinner than SHEET_OPEN (fingers of light skin holding the sheet);
2. takes the large connected regions, their convex hull (fingers over an edge make notches
   that the hull bridges) and reduces the hull to four corners by repeatedly replacing the
   edge whose removal adds the least area with the meeting point of its neighbours (so a
   corner hidden by a finger or cut off by the frame's border is found where the sheet's
   sides, extended, meet - it may lie outside the frame);
3. validates the quadrilateral: convex, SHEET_MIN_AREA to SHEET_MAX_AREA of the frame, the
   region filling at least SHEET_MIN_FILL of it, interior angles within SHEET_ANGLE_RANGE.
   A page that fills the frame, a close-up or no paper at all give None: the caller reads
   the whole frame, if `paper_in_view` says paper may fill it (else a live frame holds no
   digits);
4. light falling unevenly: a shadow across the sheet (or a strong gradient) leaves only its
   lit part bright. The paper in the shadow is still brighter than what lies beside it,
   in ratio: the sides are an edge all round (`outline_coverage`, on the log image, where a
   shadow is a constant offset). So a candidate grows over the shadow where its sides go
   on as edges beyond it (`through_shadow`), a lit pentagon (a shadow across a corner) is
   taken when its quadrilateral's outline is an edge, and the candidates are ranked by
   their area x coverage**SHEET_COVERAGE_POWER (coverage above SHEET_FULL_COVERAGE counts
   as whole): a region run into the lit background beside the sheet is larger, but its
   outline runs through the background.

`warp_sheet` gives the upright view by homography (cv2.getPerspectiveTransform), and
`quads_to_frame` maps boxes found in it back to quadrilaterals in the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.core import config


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


def _angles_ok(quad: np.ndarray) -> bool:
    low, high = config.SHEET_ANGLE_RANGE
    for i in range(4):
        u, v = quad[i - 1] - quad[i], quad[(i + 1) % 4] - quad[i]
        cosine = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if not low <= np.degrees(np.arccos(np.clip(cosine, -1, 1))) <= high:
            return False
    return True


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
    return float(np.median(image[inner > 0])) - float(np.median(image[outer > 0]))


def _steps(log_image: np.ndarray, points: np.ndarray, normals: np.ndarray,
           floor: float = -np.inf) -> np.ndarray:
    """The relative step of brightness across a line at each of points (N, 2): the log image
    SHEET_RATIO_OFFSET px along its normal (N, 2 or 2; towards the paper) less that as far
    against it, NaN where either sample lies outside the image, -inf where the paper's side
    is below `floor` (too dark to be paper). Light falling on both sides alike (a shadow,
    a gradient) leaves the step as it is."""
    height, width = log_image.shape
    offset = config.SHEET_RATIO_OFFSET * np.asarray(normals, np.float64)
    samples = np.rint(np.concatenate([points + offset, points - offset])).astype(np.int64)
    x, y = samples[:, 0], samples[:, 1]
    known = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    values = log_image[y.clip(0, height - 1), x.clip(0, width - 1)]
    inner, outer = values[: len(points)], values[len(points) :]
    steps = np.where(inner >= floor, inner - outer, -np.inf)
    return np.where(known[: len(points)] & known[len(points) :], steps, np.nan)


def _inward_normals(quad: np.ndarray) -> np.ndarray:
    """Each side's (i to i + 1) unit normal pointing into the quadrilateral."""
    sides = np.roll(quad, -1, axis=0) - quad
    normals = np.stack([-sides[:, 1], sides[:, 0]], axis=1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-9
    towards = quad.mean(axis=0) - (quad + np.roll(quad, -1, axis=0)) / 2
    return normals * np.sign(np.einsum("ij,ij->i", normals, towards))[:, None]


def _edge_counts(log_image: np.ndarray, quad: np.ndarray, floor: float = -np.inf,
                 sides=range(4)) -> tuple[int, int]:
    """Along the quadrilateral's sides (one sample a px): how many samples are an edge (the
    paper inside at least SHEET_MIN_RATIO brighter, in log, than just outside), and how
    many can be told (both samples within the image)."""
    normals = _inward_normals(quad)
    points, towards = [], []
    for i in sides:
        a, b = quad[i], quad[(i + 1) % 4]
        count = max(1, int(np.linalg.norm(b - a)))
        points.append(a + ((np.arange(count) + 0.5) / count)[:, None] * (b - a))
        towards.append(np.broadcast_to(normals[i], (count, 2)))
    steps = _steps(log_image, np.concatenate(points), np.concatenate(towards), floor)
    known = ~np.isnan(steps)
    return int(np.sum(steps[known] > config.SHEET_MIN_RATIO)), int(known.sum())


def _floor(paper: float) -> float:
    """The log image's level below which nothing is paper of level `paper` (in shadow)."""
    return float(np.log1p(config.SHEET_SHADOW_MIN * paper))


def outline_coverage(log_image: np.ndarray, quad: np.ndarray, floor: float = -np.inf) -> float:
    """How much of the quadrilateral's outline (where it can be told within the image) is
    an edge (`_edge_counts`)."""
    hits, total = _edge_counts(log_image, np.asarray(quad, np.float64), floor)
    return hits / total if total else 0.0


def _follow(log_image: np.ndarray, start: np.ndarray, direction: np.ndarray,
            normal: np.ndarray, limit: int, floor: float) -> int:
    """How far (px) the edge at `start` goes on along `direction` with the paper (above
    `floor`) on the `normal` side: to the end of its run that no gap of more than
    SHEET_FOLLOW_GAP px breaks."""
    points = start + np.arange(1, limit + 1)[:, None] * direction
    edges = np.flatnonzero(_steps(log_image, points, normal, floor) > config.SHEET_MIN_RATIO)
    gaps = np.diff(edges, prepend=-1) - 1  # px without an edge before each edge
    broken = np.flatnonzero(gaps > config.SHEET_FOLLOW_GAP)
    run = edges[: broken[0]] if len(broken) else edges
    return int(run[-1]) + 1 if len(run) else 0


def _median_in(image: np.ndarray, inside: np.ndarray, outside: np.ndarray | None = None) -> float:
    """The median of image within the quadrilateral `inside` (and not within `outside`)."""
    mask = np.zeros(image.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(inside).astype(np.int32), 1)
    if outside is not None:
        cv2.fillConvexPoly(mask, np.round(outside).astype(np.int32), 0)
    values = image[mask > 0]
    return float(np.median(values)) if values.size else float("nan")


def _continuations(quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sides beyond each corner: unit directions (4, 2, 2) and inward normals (4, 2, 2);
    [k, 0] goes on along side k - 1 past corner k, [k, 1] along side k backwards past it."""
    normals = _inward_normals(quad)
    forwards = quad - np.roll(quad, 1, axis=0)
    backwards = quad - np.roll(quad, -1, axis=0)
    directions = np.stack([forwards, backwards], axis=1)
    directions /= np.linalg.norm(directions, axis=2, keepdims=True) + 1e-9
    return directions, np.stack([np.roll(normals, 1, axis=0), normals], axis=1)


def through_shadow(log_image: np.ndarray, saturation: np.ndarray, quad: np.ndarray,
                   paper: float) -> np.ndarray:
    """The quadrilateral of a sheet's bright part (paper of level `paper` in the image whose
    log is log_image) grown over the part in shadow or in dimmer light: where the sides at
    one or both ends of one side go on as edges beyond it (the paper in the shadow is still
    brighter than what lies beside it, `_follow`), that side moves out to where they end,
    if it is an edge there too (SHEET_MIN_COVERAGE of it), the quadrilateral is still a
    sheet's (angles, in the frame) and what it gains is of the paper's colour (a shadow
    darkens paper but leaves its HSV saturation: within SHEET_SHADOW_CHROMA)."""
    quad = np.asarray(quad, np.float64)
    height, width = log_image.shape
    limit = int(np.hypot(width, height))
    least = config.SHEET_FOLLOW_MIN * min(width, height)
    floor = _floor(paper)
    colour = None
    # past a corner its own edge shows for about SHEET_RATIO_OFFSET px (blur, rounding)
    head = config.SHEET_RATIO_OFFSET + np.arange(1, config.SHEET_FOLLOW_GAP + 2)
    moved = True
    for i in range(4):
        if moved:  # most sides end at their corners: look just past all eight ends at once
            directions, normals = _continuations(quad)
            points = quad[:, None, None, :] + head[:, None] * directions[:, :, None, :]
            steps = _steps(log_image, points.reshape(-1, 2),
                           np.repeat(normals.reshape(-1, 2), len(head), axis=0), floor)
            goes_on = (steps.reshape(4, 2, len(head)) > config.SHEET_MIN_RATIO).any(axis=2)
            moved = False
        j = (i + 1) % 4
        if not (goes_on[i, 0] or goes_on[j, 1]):
            continue
        grown = quad.copy()
        for corner, way in ((i, 0), (j, 1)):
            if goes_on[corner, way]:
                grown[corner] += directions[corner, way] * _follow(
                    log_image, quad[corner], directions[corner, way], normals[corner, way],
                    limit, floor)
        if max(np.linalg.norm(grown - quad, axis=1)) < least:
            continue
        hits, total = _edge_counts(log_image, grown, floor, sides=(i,))
        if not (total and hits >= config.SHEET_MIN_COVERAGE * total and _angles_ok(grown)
                and _in_frame(grown.astype(np.float32), (width, height))):
            continue
        if colour is None:
            colour = _median_in(saturation, quad)
        if abs(_median_in(saturation, grown, quad) - colour) <= config.SHEET_SHADOW_CHROMA:
            quad, moved = grown, True
    return quad.astype(np.float32)


def _masks(small: np.ndarray) -> list[np.ndarray]:
    """Candidate paper masks of a small BGR frame, each with the image it thresholds:
    bright and unsaturated (Otsu on V - S, then Otsu again within its bright class), and
    bright alone (Otsu on V: a sticky note)."""
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    value, saturation = hsv[:, :, 2], hsv[:, :, 1]
    paperness = cv2.subtract(value, saturation)
    masks = []
    for image in (paperness, value):
        image = cv2.GaussianBlur(image, (5, 5), 0)
        level, mask = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        masks.append((mask, image))
        if image is not value:
            # A light background (a pale wall, a light colour) falls in the bright class
            # with the paper: Otsu again within that class parts them.
            bright = image[image > level]
            if bright.size > 16:
                upper, _ = cv2.threshold(bright.reshape(1, -1), 0, 255,
                                         cv2.THRESH_BINARY + cv2.THRESH_OTSU)
                masks.append(((image > upper).astype(np.uint8) * 255, image))
    return masks


def find_sheet(frame: np.ndarray) -> Sheet | None:
    """The sheet's outline in a BGR (or gray) uint8 frame, or None when there is none to
    find (no paper, a page filling the frame, a close-up)."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3) or min(frame.shape[:2]) < config.SHEET_MIN_SIDE:
        return None  # a float or 16-bit image, or a tiny one: read whole
    if frame.ndim == 3 and frame.shape[2] not in (3, 4):
        return None
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    height, width = frame.shape[:2]
    scale = min(1.0, config.SHEET_MAX_SIDE / max(height, width))
    small = frame if scale >= 1.0 else cv2.resize(frame, None, fx=scale, fy=scale,
                                                  interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    frame_area = float(sh * sw)
    close = cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (int(config.SHEET_CLOSE * min(sh, sw)) | 1,) * 2)
    best, best_score, saturation = None, 0.0, None
    opening = cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (int(config.SHEET_OPEN * min(sh, sw)) | 1,) * 2)
    for mask, image in _masks(small):
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, close)
        # fingers (light skin passes for paper) stick out of the sheet: open them off
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, opening)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
        log_image = None
        for label in range(1, count):
            area = float(stats[label, cv2.CC_STAT_AREA])
            if area < config.SHEET_MIN_AREA * frame_area or area <= best_score:
                continue  # too small, or smaller than the best sheet's score
            if area > config.SHEET_MAX_AREA * frame_area:
                continue  # the page fills the frame (or the frame is a bright wall)
            x, y, w, h = stats[label, :4]
            # (ints: NumPy booleans add up as "or", so this never reached 3)
            sides = int(x <= 0) + int(y <= 0) + int(x + w >= sw) + int(y + h >= sh)
            if sides >= 3:
                continue  # a bright field behind, not a sheet held before it
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
                if not _in_frame(quad, (sw, sh)):
                    continue  # mostly outside the frame, or filling it: read the frame whole
                if _edge_step(image, quad) < config.SHEET_MIN_STEP:
                    continue  # no edge: the bright part of a page lit unevenly
                if log_image is None:
                    log_image = np.log1p(image.astype(np.float32))
                if saturation is None:
                    saturation = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1]
                if paper is None:
                    paper = float(np.median(image[y : y + h, x : x + w][region > 0]))
                if (fill < config.SHEET_MIN_FILL or rank > 0) and outline_coverage(
                        log_image, quad, _floor(paper)) < config.SHEET_MIN_COVERAGE:
                    continue  # not a quadrilateral, unless a shadow hides a corner of it
                grown = through_shadow(log_image, saturation, quad, paper)
                if not _angles_ok(grown):
                    continue  # (a shadow's edge across a corner is a sharp one: grown first)
                paper_area = area + abs(float(cv2.contourArea(grown))) - quad_area  # + in shadow
                quad = grown
                # a region run into the bright background beside the sheet is larger than the
                # sheet's, but its outline is no edge where it runs through the background
                coverage = outline_coverage(log_image, quad) / config.SHEET_FULL_COVERAGE
                score = paper_area * min(1.0, coverage) ** config.SHEET_COVERAGE_POWER
                if score > best_score:
                    best, best_score = quad, score
                if coverage >= 1.0:
                    break  # an outline that is an edge all round: no other reduction is better
    if best is None:
        return None
    return Sheet(order_corners(best / scale))


def _corners_in(quad: np.ndarray, size: tuple[int, int]) -> bool:
    """Whether all four corners lie within a frame of size (w, h)."""
    return bool(np.all((quad >= 0) & (quad <= np.float32(size) - 1)))


def _in_frame(quad: np.ndarray, size: tuple[int, int]) -> bool:
    """Whether at least SHEET_MIN_INSIDE of the quadrilateral lies in a frame of size (w, h)
    and that part covers at most SHEET_MAX_AREA of the frame (else it fills the frame)."""
    inside = quad_inside_fraction(quad, size)
    area = inside * abs(float(cv2.contourArea(np.asarray(quad, np.float32))))
    return inside >= config.SHEET_MIN_INSIDE and area <= config.SHEET_MAX_AREA * size[0] * size[1]


def quad_inside_fraction(quad: np.ndarray, size: tuple[int, int]) -> float:
    """How much of the quadrilateral's area lies inside a frame of size (w, h)."""
    width, height = size
    frame = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    area, _ = cv2.intersectConvexConvex(np.asarray(quad, np.float32), frame)
    return float(area) / max(1e-6, abs(float(cv2.contourArea(np.asarray(quad, np.float32)))))


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
