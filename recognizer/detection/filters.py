"""What is not a digit, by shape and place: lines, edges, outlines, the desk around the sheet.

Each filter looks at blobs (`recognizer.detection.blobs`) and keeps or drops them; ruled and
form lines are erased from the mask instead, so that digits resting on them are freed.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config
from recognizer.detection.blobs import Blob, touches_border, typical_height


def is_line_or_edge(blob: Blob, frame_shape: tuple[int, int]) -> bool:
    """Ruled lines, the paper's edge and other long thin strokes are not digits."""
    height, width = frame_shape
    long_side, short_side = max(blob.w, blob.h), max(1, min(blob.w, blob.h))
    if blob.w / max(1, blob.h) > config.MAX_ASPECT_WIDE:
        return True
    if long_side > config.MAX_DIGIT_FRACTION * min(height, width) and blob.h > 0:
        fill = blob.area / float(blob.w * blob.h)
        return fill < config.MIN_FILL or long_side / short_side > config.MAX_ASPECT_TALL
    return False


def is_vertical_stroke(blob: Blob, frame_shape: tuple[int, int]) -> bool:
    """A tall thin stroke (filtered as a possible paper edge) clear of the frame's sides:
    in a close-up it is a 1, which the photo mode's whole-frame fallback may read."""
    height, width = frame_shape
    tall = blob.h > config.MAX_ASPECT_TALL * max(1, blob.w) and blob.h >= config.VERTICAL_STROKE_MIN_HEIGHT * height
    margin = config.BORDER_MARGIN
    return tall and blob.x0 > margin and blob.x1 < width - margin


def containers(blobs: list[Blob], labels: np.ndarray, min_height: float) -> list[Blob]:
    """The outlines among blobs (see `drop_containers`)."""
    kept = set(id(b) for b in drop_containers(blobs, labels, min_height))
    return [b for b in blobs if id(b) not in kept]


def _encloses(outer: Blob, inner: Blob, labels: np.ndarray) -> bool:
    """Whether outer's ink lies above, below, left and right of inner (it surrounds it)."""
    window = labels[outer.y0 : outer.y1, outer.x0 : outer.x1]
    top, bottom = inner.y0 - outer.y0, inner.y1 - outer.y0
    left, right = inner.x0 - outer.x0, inner.x1 - outer.x0
    bands = (window[:top, left:right], window[bottom:, left:right],
             window[top:bottom, :left], window[top:bottom, right:])
    if len(outer.labels) == 1:
        return all((band == outer.labels[0]).any() for band in bands)
    return all(np.isin(band, outer.labels).any() for band in bands)


def drop_containers(blobs: list[Blob], labels: np.ndarray, min_height: float) -> list[Blob]:
    """Drop thin outlines that enclose digits: a form's box, the edge of the sheet.

    A digit's loop (0, 6, 8, 9) encloses nothing but specks, so a sparse blob that surrounds
    a blob of digit height is a frame, not a digit.
    """
    if len(blobs) < 2:
        return blobs
    boxes = np.array([(b.x0, b.y0, b.x1, b.y1, b.h) for b in blobs], dtype=np.float32)
    tall = np.flatnonzero(boxes[:, 4] >= min_height)
    if not len(tall):
        return blobs
    # Every blob against every tall blob at once: which tall boxes lie inside which boxes.
    inner = boxes[tall]
    holds = (
        (inner[None, :, 0] > boxes[:, None, 0]) & (inner[None, :, 1] > boxes[:, None, 1])
        & (inner[None, :, 2] < boxes[:, None, 2]) & (inner[None, :, 3] < boxes[:, None, 3])
        & (inner[None, :, 4] * np.float32(config.CONTAINER_MIN_RATIO) <= boxes[:, None, 4])
    )
    keep = []
    for blob, row in zip(blobs, holds):
        if row.any() and blob.h >= config.CONTAINER_MIN_HEIGHT * min_height:
            fill = blob.area / float(max(1, blob.w * blob.h))
            if fill < config.CONTAINER_MAX_FILL and any(
                _encloses(blob, blobs[i], labels) for i in tall[row][: config.CONTAINER_CHECKS]
            ):
                continue
        keep.append(blob)
    return keep


def candidates(pieces: list[Blob], labels: np.ndarray, frame_shape, min_height: float):
    """Pieces that may be (parts of) digits, and the typical digit height among them."""
    kept = [
        p for p in pieces
        if not is_line_or_edge(p, frame_shape) and not touches_border(p, frame_shape)
    ]
    kept = drop_containers(kept, labels, min_height)
    return kept, typical_height([p for p in kept if p.h >= min_height])


def _line_kernel(length: int, angle: float) -> np.ndarray:
    """A 1-px line `length` long at `angle` degrees from horizontal, as a structuring element
    (ruled lines in a photo are rarely level)."""
    radians = np.deg2rad(angle)
    dx, dy = np.cos(radians) * (length - 1) / 2, np.sin(radians) * (length - 1) / 2
    height = 2 * int(np.ceil(abs(dy))) + 1
    kernel = np.zeros((height, length), np.uint8)
    centre_x, centre_y = (length - 1) / 2, (height - 1) / 2
    cv2.line(kernel, (int(round(centre_x - dx)), int(round(centre_y - dy))),
             (int(round(centre_x + dx)), int(round(centre_y + dy))), 1, 1)
    return kernel


def _bare_lines(lines: np.ndarray, region: np.ndarray) -> np.ndarray:
    """The runs of `lines` (uint8 masks of the runs and of the piece's ink) that run bare,
    with no other ink in their column, over at least LINE_BARE of their width: a ruled or
    form line runs on between and beyond the digits on it, while the bars of touching
    digits (a 4's bar running into a 5's, a thick 0's bottom) have digit ink above or
    below them in nearly every column."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    if count < 2:
        return lines
    extra = np.count_nonzero(region, axis=0) - np.count_nonzero(lines, axis=0)
    bare = extra <= config.LINE_BARE_SLACK
    keep = np.zeros(count, bool)
    for label in range(1, count):
        x, width = stats[label, cv2.CC_STAT_LEFT], stats[label, cv2.CC_STAT_WIDTH]
        keep[label] = bare[x : x + width].mean() >= config.LINE_BARE
    return np.where(keep[labels], lines, 0).astype(np.uint8)


def erase_ruled_lines(
    mask: np.ndarray, labels: np.ndarray, pieces: list[Blob], typical: float
) -> bool:
    """Erase ruled and form lines from the mask (in place), freeing digits that touch them.

    Only pieces much wider than a digit and not much taller than one (a line, with perhaps
    digits resting on it, or a box around a field) are searched, for horizontal runs longer
    than a digit's strokes and running bare over part of their length (LINE_BARE: not the
    bars of a number whose digits touch), and vertical runs taller than a digit (a box's sides).
    Returns whether anything was erased.
    """
    run = max(3, int(config.LINE_RUN * typical))
    horizontals = [_line_kernel(run, angle) for angle in config.LINE_ANGLES]
    vertical = np.ones((max(3, int(config.BOX_SIDE_RUN * typical)), 1), np.uint8)
    erased = False
    for piece in pieces:
        if piece.w < config.LINE_PIECE_MIN_WIDTH * typical:
            continue
        if piece.h > config.LINE_PIECE_MAX_HEIGHT * typical:
            continue
        window = labels[piece.y0 : piece.y1, piece.x0 : piece.x1]
        region = np.isin(window, piece.labels).astype(np.uint8) * 255
        lines = np.zeros_like(region)
        for kernel in horizontals:
            lines |= cv2.morphologyEx(region, cv2.MORPH_OPEN, kernel)
        lines = _bare_lines(lines, region)
        if not lines.any():
            continue
        lines = cv2.dilate(lines, np.ones((3, 1), np.uint8))
        rows = np.flatnonzero(lines.any(axis=1))
        edge = config.BOX_LINE_EDGE * piece.h
        if rows[0] < edge and rows[-1] > piece.h - edge:
            # Lines along its top and its bottom: a box around a field, whose sides are
            # vertical runs taller than any digit.
            sides = cv2.morphologyEx(region, cv2.MORPH_OPEN, vertical)
            lines |= cv2.dilate(sides, np.ones((1, 3), np.uint8))
        mask[piece.y0 : piece.y1, piece.x0 : piece.x1][lines > 0] = 0
        erased = True
    return erased


def cut_by_border(pieces: list[Blob], frame_shape, typical: float) -> list[Blob]:
    """Pieces touching the frame's border that have a digit's size and fill: a digit of a
    number that runs off a tight crop (not the sheet's edge, a ruled line or a shadow)."""
    cut = []
    for piece in pieces:
        if not touches_border(piece, frame_shape):
            continue
        if not config.CUT_MIN_HEIGHT * typical <= piece.h <= config.CUT_MAX_HEIGHT * typical:
            continue
        fill = piece.area / float(max(1, piece.w * piece.h))
        if piece.w <= config.CUT_MAX_WIDTH * typical and config.CUT_MIN_FILL <= fill <= config.CUT_MAX_FILL:
            cut.append(piece)
    return cut


def drop_off_sheet(
    frame: np.ndarray, gray: np.ndarray, scale: float, mask: np.ndarray, blobs: list[Blob]
) -> list[Blob]:
    """Drop candidates on the desk around the sheet (wood grain, a shadow on a table): the
    paper around them is clearly more colourful and darker than around the other candidates.

    Only colour frames with a few candidates (so that the median describes the sheet).
    """
    frame = np.asarray(frame)
    if len(blobs) < config.OFF_SHEET_MIN_DIGITS or frame.ndim != 3 or frame.shape[2] < 3:
        return blobs
    if frame.dtype != np.uint8:
        return blobs
    colour = frame[:, :, :3]
    height, width = gray.shape
    step = config.OFF_SHEET_RING_STEP
    surroundings = []  # (brightness, colourfulness) of the paper around each blob, or None
    for blob in blobs:
        margin = max(2, int(config.OFF_SHEET_RING * blob.h))
        x0, y0 = max(0, blob.x0 - margin), max(0, blob.y0 - margin)
        x1, y1 = min(width, blob.x1 + margin), min(height, blob.y1 + margin)
        ring = mask[y0:y1:step, x0:x1:step] == 0
        ring[(blob.y0 - y0 + 1) // step : (blob.y1 - y0 + 1) // step,
             (blob.x0 - x0 + 1) // step : (blob.x1 - x0 + 1) // step] = False
        if not ring.any():
            surroundings.append(None)
            continue
        if scale == 1.0:
            window = colour[y0:y1:step, x0:x1:step]
        else:  # only this window of the full-size frame, brought to the working scale
            window = cv2.resize(
                colour[int(y0 / scale) : int(y1 / scale), int(x0 / scale) : int(x1 / scale)],
                (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)[::step, ::step]
        blue, green, red = window[:, :, 0], window[:, :, 1], window[:, :, 2]
        brightest = cv2.max(cv2.max(blue, green), red)
        spread = cv2.subtract(brightest, cv2.min(cv2.min(blue, green), red))
        saturation = cv2.divide(spread, brightest, scale=255)  # HSV's S: (max - min) / max
        surroundings.append(
            (cv2.mean(gray[y0:y1:step, x0:x1:step], ring.view(np.uint8))[0],
             cv2.mean(saturation, ring.view(np.uint8))[0]))
    known = [s for s in surroundings if s is not None]
    if len(known) < config.OFF_SHEET_MIN_DIGITS:
        return blobs
    brightness_ref = float(np.median([s[0] for s in known]))
    chroma_ref = float(np.median([s[1] for s in known]))
    return [
        blob for blob, s in zip(blobs, surroundings)
        if s is None or not (s[1] > chroma_ref + config.OFF_SHEET_CHROMA
                             and s[0] < config.OFF_SHEET_DARKER * brightness_ref)
    ]
