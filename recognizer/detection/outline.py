"""A sheet's outline as an edge in ratio: how much of a quadrilateral's outline is one, and
growing the outline of a sheet's lit part over the part in shadow.

The paper inside a sheet's side is brighter than what lies outside it, in ratio: light
falling on both sides alike (a shadow, a gradient) multiplies them alike, so on the log of
the image it is a constant offset and the step across the side stays. `outline_coverage`
counts the samples along the sides where that step is at least SHEET_MIN_RATIO;
`through_shadow` follows a side's neighbours past its ends while they are such an edge and
moves the side out to where they end.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config


def angles_ok(quad: np.ndarray) -> bool:
    low, high = config.SHEET_ANGLE_RANGE
    for i in range(4):
        u, v = quad[i - 1] - quad[i], quad[(i + 1) % 4] - quad[i]
        cosine = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if not low <= np.degrees(np.arccos(np.clip(cosine, -1, 1))) <= high:
            return False
    return True


def _steps(log_image: np.ndarray, points: np.ndarray, normals: np.ndarray,
           floor: float = -np.inf) -> np.ndarray:
    """The relative step of brightness across a line at each of points (N, 2): the log image
    SHEET_RATIO_OFFSET px along its normal (N, 2 or 2; towards the paper) less that as far
    against it, NaN where either sample lies outside the image, -inf where the paper's side
    is below `floor` (too dark to be paper). Light falling on both sides alike (a shadow,
    a gradient) leaves the step as it is. In a colour image (floor per channel), the largest
    step of its channels: a yellow note is brighter than blue in R and G, not in B."""
    height, width = log_image.shape[:2]
    offset = config.SHEET_RATIO_OFFSET * np.asarray(normals, np.float64)
    samples = np.rint(np.concatenate([points + offset, points - offset])).astype(np.int64)
    x, y = samples[:, 0], samples[:, 1]
    known = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    values = log_image[y.clip(0, height - 1), x.clip(0, width - 1)]
    inner, outer = values[: len(points)], values[len(points) :]
    steps = np.where(inner >= floor, inner - outer, -np.inf)
    if steps.ndim == 2:
        steps = steps.max(axis=1)
    return np.where(known[: len(points)] & known[len(points) :], steps, np.nan)


def _inward_normals(quad: np.ndarray) -> np.ndarray:
    """Each side's (i to i + 1) unit normal pointing into the quadrilateral (or any convex
    polygon)."""
    sides = np.roll(quad, -1, axis=0) - quad
    normals = np.stack([-sides[:, 1], sides[:, 0]], axis=1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-9
    towards = quad.mean(axis=0) - (quad + np.roll(quad, -1, axis=0)) / 2
    return normals * np.sign(np.einsum("ij,ij->i", normals, towards))[:, None]


def _edge_counts(log_image: np.ndarray, quad: np.ndarray, floor: float = -np.inf,
                 sides=None) -> tuple[int, int]:
    """Along the quadrilateral's sides (or a convex polygon's; one sample a px): how many
    samples are an edge (the paper inside at least SHEET_MIN_RATIO brighter, in log, than
    just outside), and how many can be told (both samples within the image)."""
    normals = _inward_normals(quad)
    points, towards = [], []
    for i in range(len(quad)) if sides is None else sides:
        a, b = quad[i], quad[(i + 1) % len(quad)]
        count = max(1, int(np.linalg.norm(b - a)))
        points.append(a + ((np.arange(count) + 0.5) / count)[:, None] * (b - a))
        towards.append(np.broadcast_to(normals[i], (count, 2)))
    steps = _steps(log_image, np.concatenate(points), np.concatenate(towards), floor)
    known = ~np.isnan(steps)
    return int(np.sum(steps[known] > config.SHEET_MIN_RATIO)), int(known.sum())


def shadow_floor(paper: float | np.ndarray) -> float | np.ndarray:
    """The log image's level below which nothing is paper of level `paper` (in shadow; a
    level per channel in colour)."""
    return np.log1p(config.SHEET_SHADOW_MIN * np.asarray(paper, np.float64))


def outline_coverage(log_image: np.ndarray, quad: np.ndarray, floor: float = -np.inf) -> float:
    """How much of the quadrilateral's (or a convex polygon's) outline, where it can be told
    within the image, is an edge (`_edge_counts`)."""
    hits, total = _edge_counts(log_image, np.asarray(quad, np.float64), floor)
    return hits / total if total else 0.0


def _follow(log_image: np.ndarray, start: np.ndarray, direction: np.ndarray,
            normal: np.ndarray, limit: int, floor: float) -> np.ndarray:
    """Where the edge at `start` ends going on along `direction` with the paper (above
    `floor`) on the `normal` side: the end of its run that no gap of more than
    SHEET_FOLLOW_GAP px breaks (`start` itself when it does not go on). The edge is tracked
    up to SHEET_RATIO_OFFSET px either side of the line (as far as a step's samples lie
    from it), a px a step at most: a corner found a px or two off (a soft shadow's edge, the
    mask's blur) tilts the line, which followed straight leaves the edge within tens of px."""
    drift = config.SHEET_RATIO_OFFSET
    offsets = np.arange(-drift, drift + 1)
    along = np.arange(1, limit + 1)
    points = (start + along[:, None, None] * direction
              + offsets[None, :, None] * normal).reshape(-1, 2)
    steps = _steps(log_image, points, normal, floor).reshape(limit, len(offsets))
    edges = np.nan_to_num(steps, nan=-np.inf) > config.SHEET_MIN_RATIO
    if not edges[: config.SHEET_FOLLOW_GAP + 1].any():
        return start  # (most calls: the side does not go on)
    lane, end, last = drift, start, -1
    for k in range(limit):
        if k - last > config.SHEET_FOLLOW_GAP + 1:
            break
        low, high = max(0, lane - 1), min(len(offsets), lane + 2)
        window = np.where(edges[k, low:high], steps[k, low:high], -np.inf)
        window -= 1e-6 * np.abs(np.arange(low, high) - lane)  # a tie keeps to its lane
        if np.isfinite(window.max()):
            lane, last = low + int(np.argmax(window)), k
            end = start + along[k] * direction + offsets[lane] * normal
    return end


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
    height, width = log_image.shape[:2]
    limit = int(np.hypot(width, height))
    least = config.SHEET_FOLLOW_MIN * min(width, height)
    floor = shadow_floor(paper)
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
                grown[corner] = _follow(log_image, quad[corner], directions[corner, way],
                                        normals[corner, way], limit, floor)
        if max(np.linalg.norm(grown - quad, axis=1)) < least:
            continue
        hits, total = _edge_counts(log_image, grown, floor, sides=(i,))
        if not (total and hits >= config.SHEET_MIN_COVERAGE * total and angles_ok(grown)
                and in_frame(grown.astype(np.float32), (width, height))):
            continue
        if colour is None:
            colour = _median_in(saturation, quad)
        if abs(_median_in(saturation, grown, quad) - colour) <= config.SHEET_SHADOW_CHROMA:
            quad, moved = grown, True
    return quad.astype(np.float32)


def in_frame(quad: np.ndarray, size: tuple[int, int]) -> bool:
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
