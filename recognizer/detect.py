"""Find handwritten digits on paper in a frame, in reading order, and read them in one batch.

The tutorial way (one global threshold, external contours, one `predict` per crop) fails on
real paper: uneven light and shadows, ruled lines and specks, a 5 whose top bar is a separate
stroke, digits that touch. This detector:

1. thresholds the ink against the paper around it (`recognizer.ink`: the paper's light is
   estimated locally and divided out, then a noise-adaptive threshold with hysteresis); a
   mostly dark image is tried both ways round (light ink on a board, or a dim sheet of paper);
2. finds the connected ink pieces and drops what is not a digit by size relative to the
   frame and to the typical digit, aspect ratio and fill: the sheet's edge and a form's boxes
   (outlines that surround digits), ruled lines (erased where digits touch them), specks and
   blobs cut by the frame's border;
3. merges pieces of one digit (a 5's detached bar, a stroke the threshold broke) and splits
   a wide blob of touching digits at its thinnest columns;
4. groups digits into lines (chains of vertically overlapping neighbours, so slanted rows
   hold together) and numbers (side by side with small gaps), in reading order;
5. crops every digit from the full-resolution frame with its own mask, so neighbours do not
   leak in, through `preprocess.to_mnist`, and reads all of them in one inference call.

Large frames are analysed on a reduced copy (at most DETECT_MAX_SIDE px) and cropped from
the full one. Every threshold is a named constant in `recognizer.config`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from recognizer import config
from recognizer.ink import (
    fitted_kernel_fraction,
    maybe_light_on_dark,
    odd_size,
    paper_to_white,
    threshold_ink,
    working_gray,
)
from recognizer.predict import Prediction, Recognizer
from recognizer.preprocess import to_mnist


@dataclass(frozen=True, eq=False)
class Digit:
    """One digit found in a frame: where, what the model sees, and (after reading) what it is."""

    box: tuple[int, int, int, int]  # x, y, w, h in the input frame's pixels
    patch: np.ndarray  # 28x28 float32 model input, from preprocess.to_mnist
    prediction: Prediction | None = None  # set by read_digits
    line: int = 0  # reading order: line index from 0, top to bottom
    number: int = 0  # index of the number (side-by-side digits) in the frame, reading order

    def text(self, min_confidence: float = config.MIN_CONFIDENCE) -> str:
        """The digit as a character, '?' when unread or unsure."""
        if self.prediction is None or not self.prediction.is_confident(min_confidence):
            return "?"
        return str(self.prediction.digit)


@dataclass(frozen=True, eq=False)
class Detections:
    """All digits of a frame in reading order, and the threshold mask they were found in."""

    digits: tuple[Digit, ...]  # lines top to bottom, left to right within a line
    mask: np.ndarray  # uint8 binary threshold mask (255 = ink), same H x W as the frame

    def numbers(self, min_confidence: float = config.MIN_CONFIDENCE) -> list[str]:
        """Each number's digits as a string, '?' for an unsure digit."""
        groups: dict[int, list[str]] = {}
        for digit in self.digits:
            groups.setdefault(digit.number, []).append(digit.text(min_confidence))
        return ["".join(groups[key]) for key in sorted(groups)]

    def number_boxes(self) -> list[tuple[int, int, int, int]]:
        """The box around each number's digits, in the order of `numbers()`."""
        boxes: dict[int, list[int]] = {}
        for digit in self.digits:
            x, y, w, h = digit.box
            box = boxes.setdefault(digit.number, [x, y, x + w, y + h])
            box[0], box[1] = min(box[0], x), min(box[1], y)
            box[2], box[3] = max(box[2], x + w), max(box[3], y + h)
        return [(b[0], b[1], b[2] - b[0], b[3] - b[1]) for _, b in sorted(boxes.items())]


@dataclass
class _Blob:
    """A candidate during detection: a box (working-scale pixels) and its component labels."""

    x0: int
    y0: int
    x1: int
    y1: int
    labels: list[int]
    area: int  # ink pixels
    # The only digit of a close-up: its crop needs no mask against neighbours, so faint
    # strokes the threshold missed are still seen by to_mnist.
    alone: bool = False

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def absorb(self, other: "_Blob") -> None:
        self.x0, self.y0 = min(self.x0, other.x0), min(self.y0, other.y0)
        self.x1, self.y1 = max(self.x1, other.x1), max(self.y1, other.y1)
        self.labels = self.labels + other.labels
        self.area += other.area


def _labelled_with_stats(mask: np.ndarray):
    """connectedComponentsWithStats (8-connected): 16-bit labels when they fit, as OpenCV 5's
    32-bit path costs about 2 ms more on a 640x480 frame whatever its content."""
    try:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            mask, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:  # more than 65,534 pieces (a frame of noise)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return count, labels, stats


def _components(mask: np.ndarray) -> tuple[np.ndarray, list[_Blob]]:
    """Connected ink pieces as blobs, with the label image they index into."""
    count, labels, stats = _labelled_with_stats(mask)
    blobs = []
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if area >= config.MIN_PIECE_PIXELS:
            blobs.append(_Blob(int(x), int(y), int(x + w), int(y + h), [index], int(area)))
    return labels, blobs


def _is_line_or_edge(blob: _Blob, frame_shape: tuple[int, int]) -> bool:
    """Ruled lines, the paper's edge and other long thin strokes are not digits."""
    height, width = frame_shape
    long_side, short_side = max(blob.w, blob.h), max(1, min(blob.w, blob.h))
    if blob.w / max(1, blob.h) > config.MAX_ASPECT_WIDE:
        return True
    if long_side > config.MAX_DIGIT_FRACTION * min(height, width) and blob.h > 0:
        fill = blob.area / float(blob.w * blob.h)
        return fill < config.MIN_FILL or long_side / short_side > config.MAX_ASPECT_TALL
    return False


def _is_vertical_stroke(blob: _Blob, frame_shape: tuple[int, int]) -> bool:
    """A tall thin stroke (filtered as a possible paper edge) clear of the frame's sides:
    in a close-up it is a 1, which the photo mode's whole-frame fallback may read."""
    height, width = frame_shape
    tall = blob.h > config.MAX_ASPECT_TALL * max(1, blob.w) and blob.h >= height * 0.3
    margin = config.BORDER_MARGIN
    return tall and blob.x0 > margin and blob.x1 < width - margin


def _touches_border(blob: _Blob, frame_shape: tuple[int, int]) -> bool:
    height, width = frame_shape
    margin = config.BORDER_MARGIN
    return blob.x0 <= margin or blob.y0 <= margin or blob.x1 >= width - margin or blob.y1 >= height - margin


def _containers(blobs: list[_Blob], labels: np.ndarray, min_height: float) -> list[_Blob]:
    """The outlines among blobs (see `_drop_containers`)."""
    kept = set(id(b) for b in _drop_containers(blobs, labels, min_height))
    return [b for b in blobs if id(b) not in kept]


def _encloses(outer: _Blob, inner: _Blob, labels: np.ndarray) -> bool:
    """Whether outer's ink lies above, below, left and right of inner (it surrounds it)."""
    window = labels[outer.y0 : outer.y1, outer.x0 : outer.x1]
    top, bottom = inner.y0 - outer.y0, inner.y1 - outer.y0
    left, right = inner.x0 - outer.x0, inner.x1 - outer.x0
    bands = (window[:top, left:right], window[bottom:, left:right],
             window[top:bottom, :left], window[top:bottom, right:])
    if len(outer.labels) == 1:
        return all((band == outer.labels[0]).any() for band in bands)
    return all(np.isin(band, outer.labels).any() for band in bands)


def _drop_containers(blobs: list[_Blob], labels: np.ndarray, min_height: float) -> list[_Blob]:
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
        if row.any() and blob.h >= 2 * min_height:
            fill = blob.area / float(max(1, blob.w * blob.h))
            if fill < config.CONTAINER_MAX_FILL and any(
                _encloses(blob, blobs[i], labels) for i in tall[row][:3]
            ):
                continue
        keep.append(blob)
    return keep


def _typical_height(blobs: list[_Blob]) -> float:
    """The height of a typical digit: the area-weighted median of the larger blobs' heights."""
    if not blobs:
        return 0.0
    heights = np.array([b.h for b in blobs], dtype=np.float32)
    areas = np.array([b.area for b in blobs], dtype=np.float32)
    big = heights >= 0.5 * heights.max()
    order = np.argsort(heights[big])
    cumulative = np.cumsum(areas[big][order])
    return float(heights[big][order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _is_underline(piece: _Blob, digit: _Blob, typical: float) -> bool:
    """A flat piece lying under a digit: a piece of a ruled or form line, not of the digit."""
    flat = piece.h <= config.UNDERLINE_MAX_HEIGHT * max(typical, digit.h) and piece.w >= 2 * piece.h
    return flat and piece.y0 >= digit.y1 - config.UNDERLINE_OVERLAP * digit.h


def _merge_pieces(blobs: list[_Blob], typical: float) -> list[_Blob]:
    """Merge pieces of one digit: boxes that overlap horizontally and nearly touch vertically.

    A 5's detached top bar, a 4 drawn in two strokes or a light stroke broken by the
    threshold sit above/below the rest of the digit with most of their width shared; the
    merged box must still look like one digit (not taller than MERGE_MAX_HEIGHT x typical).
    """
    blobs = sorted(blobs, key=lambda b: -b.area)
    merged = True
    while merged:
        merged = False
        for i, big in enumerate(blobs):
            for j in range(len(blobs) - 1, i, -1):
                small = blobs[j]
                overlap_x = min(big.x1, small.x1) - max(big.x0, small.x0)
                if overlap_x < config.MERGE_OVERLAP * min(big.w, small.w):
                    continue
                gap_y = max(big.y0, small.y0) - min(big.y1, small.y1)
                if gap_y > config.MERGE_GAP * max(typical, big.h):
                    continue
                if _is_underline(small, big, typical):
                    continue
                height = max(big.y1, small.y1) - min(big.y0, small.y0)
                width = max(big.x1, small.x1) - min(big.x0, small.x0)
                # Too tall for one digit - unless the boxes overlap (pieces of one stroke
                # the threshold broke apart) into a digit-shaped whole.
                interlocked = gap_y < 0 and width <= height
                if typical and height > config.MERGE_MAX_HEIGHT * typical and not interlocked:
                    continue
                if width > height * config.MERGE_MAX_ASPECT and small.area > big.area * 0.3:
                    continue
                big.absorb(small)
                del blobs[j]
                merged = True
    return _merge_fragments(blobs, typical)


def _merge_fragments(blobs: list[_Blob], typical: float) -> list[_Blob]:
    """Merge a small fragment (a light stroke's broken-off piece, beside rather than above
    its digit) into the nearest bigger blob when it (almost) touches it and the result
    still has a digit's shape."""
    if not typical:
        return blobs
    limit = config.PIECE_FRAGMENT_GAP * typical
    for small in sorted(blobs, key=lambda b: b.area):
        if small.h >= config.PIECE_FRAGMENT_HEIGHT * typical or small not in blobs:
            continue
        best, best_gap = None, limit
        for big in blobs:
            if big is small or big.h < small.h:
                continue
            gap_x = max(big.x0, small.x0) - min(big.x1, small.x1)
            gap_y = max(big.y0, small.y0) - min(big.y1, small.y1)
            gap = max(gap_x, gap_y, 0)
            width = max(big.x1, small.x1) - min(big.x0, small.x0)
            height = max(big.y1, small.y1) - min(big.y0, small.y0)
            if gap <= best_gap and width <= config.MERGE_MAX_ASPECT * height \
                    and height <= config.MERGE_MAX_HEIGHT * typical:
                best, best_gap = big, gap
        if best is not None:
            best.absorb(small)
            blobs.remove(small)
    return blobs


def _split_touching(blob: _Blob, labels: np.ndarray, typical: float) -> list[_Blob]:
    """Split a blob that is clearly several touching digits at its thinnest columns."""
    height = max(blob.h, typical)  # a flat digit is not several digits
    if not typical or blob.w < config.SPLIT_MIN_ASPECT * height:
        return [blob]
    parts = int(round(blob.w / (config.SPLIT_DIGIT_ASPECT * height)))
    if parts < 2:
        return [blob]
    region = np.isin(labels[blob.y0 : blob.y1, blob.x0 : blob.x1], blob.labels)
    profile = region.sum(axis=0).astype(np.float32)
    cuts = [0]
    step = blob.w / parts
    for k in range(1, parts):
        centre = int(k * step)
        lo, hi = max(1, centre - int(step * 0.35)), min(blob.w - 1, centre + int(step * 0.35))
        if hi <= lo:
            return [blob]
        cut = lo + int(np.argmin(profile[lo:hi]))
        if profile[cut] > config.SPLIT_MAX_CUT_INK * blob.h:
            return [blob]  # no clear place to cut: more likely one wide digit
        cuts.append(cut)
    cuts.append(blob.w)
    pieces = []
    for left, right in zip(cuts[:-1], cuts[1:]):
        column = region[:, left:right]
        rows = np.flatnonzero(column.any(axis=1))
        if right - left < 2 or len(rows) == 0:
            continue
        piece = _Blob(
            blob.x0 + left, blob.y0 + int(rows[0]), blob.x0 + right, blob.y0 + int(rows[-1]) + 1,
            blob.labels, int(column.sum()),
        )
        pieces.append(piece)
    return pieces or [blob]


def _reading_order(blobs: list[_Blob]) -> list[tuple[_Blob, int, int]]:
    """(blob, line, number) in reading order.

    Lines are chains of neighbours that overlap vertically, so that a slanted row stays one
    line; lines are ordered by their mean centre, digits left to right. Within a line a gap
    wider than NUMBER_GAP x the digit height starts a new number.
    """
    count = len(blobs)
    parent = list(range(count))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(count), key=lambda i: blobs[i].x0)
    for position, i in enumerate(order):
        a = blobs[i]
        best, best_distance = None, np.inf
        for j in order[position + 1 :]:
            b = blobs[j]
            gap = b.x0 - a.x1
            if gap > best_distance or gap > config.LINE_LINK_GAP * max(a.h, b.h):
                break
            overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
            if overlap < config.LINE_OVERLAP * min(a.h, b.h) or b.cx <= a.cx:
                continue
            distance = max(0, gap) + 2.0 * abs(b.cy - a.cy)
            if distance < best_distance:
                best, best_distance = j, distance
        if best is not None:
            parent[find(best)] = find(i)

    lines: dict[int, list[_Blob]] = {}
    for i in range(count):
        lines.setdefault(find(i), []).append(blobs[i])
    ordered_lines = sorted(lines.values(), key=lambda line: np.mean([b.cy for b in line]))
    result = []
    number = -1
    for line_index, line in enumerate(ordered_lines):
        line.sort(key=lambda b: b.x0)
        height = float(np.median([b.h for b in line]))
        previous = None
        for blob in line:
            if previous is None or blob.x0 - previous.x1 > config.NUMBER_GAP * height:
                number += 1
            result.append((blob, line_index, number))
            previous = blob
    return result


def _crop_patch(
    frame: np.ndarray, labels: np.ndarray, blob: _Blob, scale: float, light_on_dark: bool
):
    """The blob's box in frame pixels and its 28x28 model input (None if nothing to read).

    The crop is handed to `to_mnist` as dark ink on paper scaled to white (the paper level
    is the crop's bright part outside the digit's mask): `to_mnist` guesses polarity from
    the crop's border, which a dim photo of paper (grey paper below 50%) would fool.
    """
    height, width = frame.shape[:2]
    pad = max(1, int(round(0.08 * max(blob.w, blob.h))))
    x0, y0 = max(0, blob.x0 - pad), max(0, blob.y0 - pad)
    x1, y1 = min(labels.shape[1], blob.x1 + pad), min(labels.shape[0], blob.y1 + pad)
    window = labels[y0:y1, x0:x1]
    if len(blob.labels) == 1:
        region = window == blob.labels[0]
    else:
        region = np.isin(window, blob.labels)
    # Keep only the blob's own columns (a split part must not see its neighbour's ink).
    region[:, : max(0, blob.x0 - x0)] = False
    region[:, blob.x1 - x0 :] = False
    mask = region.astype(np.uint8) * 255
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    if blob.alone:
        mask[blob.y0 - y0 : blob.y1 - y0, blob.x0 - x0 : blob.x1 - x0] = 255
    fx0, fy0 = int(x0 / scale), int(y0 / scale)
    fx1, fy1 = min(width, int(np.ceil(x1 / scale))), min(height, int(np.ceil(y1 / scale)))
    crop = frame[fy0:fy1, fx0:fx1]
    if crop.size == 0:
        return None, None
    if scale != 1.0:
        mask = cv2.resize(mask, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_NEAREST)
    patch = to_mnist(paper_to_white(crop, mask, light_on_dark), mask)
    box = (
        int(blob.x0 / scale),
        int(blob.y0 / scale),
        max(1, int(round(blob.w / scale))),
        max(1, int(round(blob.h / scale))),
    )
    return box, patch


def _reads_light_on_dark(light: list[_Blob], dark: list[_Blob]) -> bool:
    """Which reading of a mostly dark image finds digits: light ink (MNIST style, chalk) or
    dark ink (a dim photo of paper, a sheet on a dark table)?

    The reading that finds clearly more candidates wins (read the wrong way round, a sheet
    of paper is one big blob, or specks). On a tie the thinner strokes win: read the wrong
    way round, the inside of a 0 makes a solid blob. Otherwise dark ink on paper, the usual.
    """
    if len(light) > config.POLARITY_MARGIN * len(dark):
        return True
    if len(light) == len(dark) and light:
        return _mean_fill(light) < _mean_fill(dark)
    return False


def _reads_light_on_dark_tie(gray: np.ndarray, light, dark) -> bool:
    """Both readings find as many candidates: the one whose 'ink' stands out more from its
    immediate surroundings is right (ink against paper, not paper against ink and table);
    when that is close too, the thinner strokes win (the inside of a 0 is solid)."""
    light_contrast = _local_contrast(gray, light[1], light[2])
    dark_contrast = _local_contrast(gray, dark[0], dark[1])
    margin = 1.0 + config.POLARITY_CONTRAST_MARGIN
    if light_contrast > margin * dark_contrast:
        return True
    if dark_contrast > margin * light_contrast:
        return False
    return _mean_fill(light[2]) < _mean_fill(dark[1])


def _local_contrast(gray: np.ndarray, labels: np.ndarray, blobs: list[_Blob]) -> float:
    """Mean grey-level difference between the blobs' pixels and a thin ring around them."""
    ids = [label for blob in blobs for label in blob.labels]
    region = np.isin(labels, ids).astype(np.uint8)
    height = float(np.median([b.h for b in blobs]))
    size = odd_size(height * 0.1, 3)
    ring = cv2.dilate(region, np.ones((size, size), np.uint8)) > region
    inside = region > 0
    if not ring.any() or not inside.any():
        return 0.0
    return abs(float(gray[ring].mean()) - float(gray[inside].mean()))


def _mean_fill(blobs: list[_Blob]) -> float:
    return float(np.mean([b.area / float(max(1, b.w * b.h)) for b in blobs]))


def _candidates(pieces: list[_Blob], labels: np.ndarray, frame_shape, min_height: float):
    """Pieces that may be (parts of) digits, and the typical digit height among them."""
    candidates = [
        p for p in pieces
        if not _is_line_or_edge(p, frame_shape) and not _touches_border(p, frame_shape)
    ]
    candidates = _drop_containers(candidates, labels, min_height)
    return candidates, _typical_height([p for p in candidates if p.h >= min_height])


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


def _erase_ruled_lines(
    mask: np.ndarray, labels: np.ndarray, pieces: list[_Blob], typical: float
) -> bool:
    """Erase ruled and form lines from the mask (in place), freeing digits that touch them.

    Only pieces much wider than a digit and not much taller than one (a line, with perhaps
    digits resting on it, or a box around a field) are searched, for horizontal runs longer
    than a digit's strokes and vertical runs taller than a digit (a box's sides).
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
        if not lines.any():
            continue
        lines = cv2.dilate(lines, np.ones((3, 1), np.uint8))
        rows = np.flatnonzero(lines.any(axis=1))
        if rows[0] < 0.25 * piece.h and rows[-1] > 0.75 * piece.h:
            # Lines along its top and its bottom: a box around a field, whose sides are
            # vertical runs taller than any digit.
            sides = cv2.morphologyEx(region, cv2.MORPH_OPEN, vertical)
            lines |= cv2.dilate(sides, np.ones((1, 3), np.uint8))
        mask[piece.y0 : piece.y1, piece.x0 : piece.x1][lines > 0] = 0
        erased = True
    return erased


def _cut_by_border(pieces: list[_Blob], frame_shape, typical: float) -> list[_Blob]:
    """Pieces touching the frame's border that have a digit's size and fill: a digit of a
    number that runs off a tight crop (not the sheet's edge, a ruled line or a shadow)."""
    cut = []
    for piece in pieces:
        if not _touches_border(piece, frame_shape):
            continue
        if not config.CUT_MIN_HEIGHT * typical <= piece.h <= config.CUT_MAX_HEIGHT * typical:
            continue
        fill = piece.area / float(max(1, piece.w * piece.h))
        if piece.w <= config.CUT_MAX_WIDTH * typical and config.MIN_FILL * 3 <= fill <= 0.6:
            cut.append(piece)
    return cut


def _find_blobs(gray: np.ndarray, light_on_dark: bool, refine: bool = False):
    """(mask, labels, digit blobs, all pieces) for one reading of the ink's polarity.

    refine (photo mode) also fits the paper estimate to fine strokes and keeps digits that
    the frame's border cuts (see `find_digits`)."""
    cut_digits = refine
    frame_shape = gray.shape
    fraction = config.BACKGROUND_KERNEL_FRACTION
    if refine:
        # The paper estimate must be wider than a stroke, but the wider it is, the further
        # a sharp shadow's edge bleeds into the paper as false ink: with fine strokes, use
        # a kernel fitted to them (their width is measured on a half-size copy).
        half = gray if min(gray.shape) < 256 else cv2.resize(
            gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        fitted = fitted_kernel_fraction(threshold_ink(half, light_on_dark))
        if fitted < config.BACKGROUND_KERNEL_FRACTION * 0.7:
            fraction = fitted
    mask = threshold_ink(gray, light_on_dark, fraction)
    labels, pieces = _components(mask)
    min_side = min(frame_shape)
    min_height = max(config.MIN_DIGIT_PIXELS, config.MIN_DIGIT_FRACTION * min_side)
    candidates, typical = _candidates(pieces, labels, frame_shape, min_height)
    outlines = set(id(p) for p in _containers(pieces, labels, min_height))
    lined = [p for p in pieces if id(p) not in outlines]
    if typical and _erase_ruled_lines(mask, labels, lined, typical):
        labels, pieces = _components(mask)
        candidates, typical = _candidates(pieces, labels, frame_shape, min_height)
    strokes = [p for p in pieces if _is_vertical_stroke(p, frame_shape)]
    pieces = [p for p in pieces if not _is_line_or_edge(p, frame_shape)] + strokes
    blobs = _merge_pieces(candidates, typical)
    typical = _typical_height([b for b in blobs if b.h >= min_height]) or typical

    sized = [b for b in blobs if b.h >= max(min_height, config.MIN_RELATIVE_HEIGHT * typical)]
    if cut_digits and typical and len(sized) >= 2:
        sized += [
            cut for cut in _cut_by_border(pieces, frame_shape, typical)
            if any(  # in line with the other digits: part of the same row
                min(cut.y1, b.y1) - max(cut.y0, b.y0) >= config.LINE_OVERLAP * min(cut.h, b.h)
                for b in sized
            )
        ]
    median_area = float(np.median([b.area for b in sized])) if sized else 0.0
    digits_found: list[_Blob] = []
    for blob in sized:
        if blob.area < config.MIN_RELATIVE_AREA * median_area:
            continue  # a speck or a stray mark of digit height but little ink
        fill = blob.area / float(max(1, blob.w * blob.h))
        if fill > config.MAX_FILL or blob.w > config.MAX_DIGIT_FRACTION * frame_shape[1]:
            continue
        if blob.h > config.MAX_DIGIT_FRACTION * frame_shape[0]:
            continue
        digits_found.extend(_split_touching(blob, labels, typical))
    return mask, labels, digits_found, pieces


def find_digits(
    frame: np.ndarray, *, whole_frame_fallback: bool = False, refine: bool = False
) -> Detections:
    """Find digit candidates (no model): boxes, patches, lines, numbers; predictions None.

    frame: gray, BGR or BGRA (uint8, uint16 or float), any size.
    whole_frame_fallback: when nothing digit-like is found apart from the frame's border
    (a tight crop of one digit touches the edges), read the whole frame as one digit. The
    photo mode sets it; a live camera does not, so an empty frame stays empty.
    refine: when strokes are fine, threshold a second time against a paper estimate fitted
    to them (sharper around shadow edges; costs a few ms, so the photo mode sets it).
    """
    gray, scale = working_gray(frame)
    light_on_dark = False
    mask, labels, digits_found, pieces = _find_blobs(gray, False, refine)
    if maybe_light_on_dark(gray):
        # Mostly dark: light ink on a dark ground (MNIST style, chalk), or a dim photo of
        # paper, or a sheet on a dark table. Try both readings.
        # The light reading is first tried on a half-size copy: its count is mostly enough.
        half = min(1.0, config.POLARITY_MAX_SIDE / max(gray.shape))
        trial = gray if half >= 1.0 else cv2.resize(
            gray, None, fx=half, fy=half, interpolation=cv2.INTER_AREA)
        light = _find_blobs(trial, True)
        full = None
        if len(light[2]) == len(digits_found) and digits_found:
            full = light if half >= 1.0 else _find_blobs(gray, True, refine)
            choose_light = _reads_light_on_dark_tie(gray, full, (labels, digits_found))
        else:
            choose_light = _reads_light_on_dark(light[2], digits_found)
        if choose_light or not (light[2] or digits_found):
            light_on_dark = True
            if full is None:
                full = light if half >= 1.0 else _find_blobs(gray, True, refine)
            mask, labels, digits_found, pieces = full
    digits_found = _drop_off_sheet(frame, gray, scale, mask, digits_found)
    if whole_frame_fallback:
        digits_found = _merge_close_up(digits_found, pieces, gray.shape)
    if not digits_found and whole_frame_fallback:
        whole = _whole_frame_blob(pieces, gray.shape)
        if whole is not None:
            digits_found = [whole]

    digits = []
    for blob, line, number in _reading_order(digits_found):
        box, patch = _crop_patch(frame, labels, blob, scale, light_on_dark)
        if patch is not None:
            digits.append(Digit(box=box, patch=patch, line=line, number=number))
    digits = _renumber(digits)
    if scale != 1.0:
        full = np.asarray(frame).shape[:2]
        mask = cv2.resize(mask, (full[1], full[0]), interpolation=cv2.INTER_NEAREST)
    return Detections(digits=tuple(digits), mask=mask)


def _drop_off_sheet(
    frame: np.ndarray, gray: np.ndarray, scale: float, mask: np.ndarray, blobs: list[_Blob]
) -> list[_Blob]:
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
    step = 2  # every other pixel of the ring is plenty for a mean
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


def _box_holds(outer: _Blob, inner: _Blob) -> bool:
    return outer.x0 <= inner.x0 and outer.y0 <= inner.y0 and outer.x1 >= inner.x1 and outer.y1 >= inner.y1


def _merge_close_up(
    blobs: list[_Blob], pieces: list[_Blob], frame_shape: tuple[int, int]
) -> list[_Blob]:
    """A close-up of one digit that the threshold broke into pieces (textured paper, a light
    stroke), some too small or too tall to pass as digits on their own, is one digit.

    When there are only a few candidates, they are merged - with the other sizeable pieces
    of the frame, if that still makes one digit - provided that together they fill most of
    the frame's height in a digit's shape.
    """
    if not blobs or len(blobs) > config.CLOSE_UP_MAX_PIECES:
        return blobs
    largest = max(b.area for b in blobs)
    extra = [
        p for p in pieces
        if p not in blobs and p.area >= config.CLOSE_UP_PIECE_AREA * largest
        and not any(_box_holds(p, b) for b in blobs)  # the sheet's edge around the digit
    ]
    for group in (blobs + extra, blobs):
        if len(group) < 2 or len(group) > 2 * config.CLOSE_UP_MAX_PIECES:
            continue
        whole = _Blob(group[0].x0, group[0].y0, group[0].x1, group[0].y1, [], 0)
        for blob in group:
            whole.absorb(blob)
        if whole.h < config.CLOSE_UP_MIN_HEIGHT * frame_shape[0]:
            continue
        if whole.w > config.CLOSE_UP_MAX_ASPECT * whole.h:
            continue
        whole.alone = True
        return [whole]
    return blobs


def _whole_frame_blob(pieces: list[_Blob], frame_shape: tuple[int, int]) -> _Blob | None:
    """All the frame's ink as one blob (a tight crop of one digit), or None if too little."""
    if not pieces:
        return None
    blob = _Blob(pieces[0].x0, pieces[0].y0, pieces[0].x1, pieces[0].y1, [], 0)
    for piece in pieces:
        blob.absorb(piece)
    if blob.h < config.MIN_DIGIT_FRACTION * min(frame_shape):
        return None
    blob.alone = True
    return blob


def _renumber(digits: list[Digit]) -> list[Digit]:
    """Make line and number indices consecutive after unreadable candidates were dropped."""
    line_ids = {line: i for i, line in enumerate(dict.fromkeys(d.line for d in digits))}
    number_ids = {n: i for i, n in enumerate(dict.fromkeys(d.number for d in digits))}
    return [replace(d, line=line_ids[d.line], number=number_ids[d.number]) for d in digits]


def read_digits(
    frame: np.ndarray,
    recognizer: Recognizer,
    *,
    whole_frame_fallback: bool = False,
    refine: bool = False,
) -> Detections:
    """find_digits + ONE batched recognizer.predict_patches call; Detections with predictions."""
    found = find_digits(frame, whole_frame_fallback=whole_frame_fallback, refine=refine)
    if not found.digits:
        return found
    predictions = recognizer.predict_patches([d.patch for d in found.digits])
    digits = tuple(replace(d, prediction=p) for d, p in zip(found.digits, predictions))
    return Detections(digits=digits, mask=found.mask)
