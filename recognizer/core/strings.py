"""Read a blob of touching digits as a string: segmentation by recognition.

A quickly written "10" or "2024" has digits whose ink runs together: one connected blob,
and cutting it at its thinnest column works only where the neck is clear. This reader, the
one every frontend uses (photos, webcam, drawing app), proposes many cut paths through the
blob, reads every piece between two cuts with the shipped model in ONE batched call, and
picks the cuts whose pieces the model reads best: dynamic programming over the pieces'
log-probabilities plus a per-class width prior. Reading the whole blob as one digit is one
of the paths, so a wide 0, a 4 with a long bar or a 7 with a crossbar stays one digit unless
a split explains the ink clearly better; a cut that leaves half a digit is read as "not a
digit" or unsure by the model, and scores low.

Cut paths are least-ink seams from the top row to the bottom one (seam carving over the ink:
they bend around overlapping strokes and cross a touching stroke where it is thinnest),
ending at the bottom row's local minima of accumulated ink - projection minima and contour
valleys alike end up there. The constants are in `recognizer.core.config` (STRING_*).

Input: an ink image, float in [0, 1], ink bright on 0 (what `ink_from_gray` makes of a
crop), holding only the blob's ink. Output: a `StringReading` per image.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.predict import Prediction
from recognizer.core.preprocess import to_mnist
from recognizer.core.records import Digit

_TINY = 1e-6


@dataclass(frozen=True)
class StringPiece:
    """One digit of a string: its columns in the ink image, its 28x28 patch and reading."""

    left: int
    right: int
    patch: np.ndarray | None
    prediction: Prediction | None


@dataclass(frozen=True)
class StringReading:
    """The best reading of one blob: its pieces left to right, the path's score (sum of the
    pieces' scores) and whether the reading explains the ink (every piece a digit read at
    least STRING_MIN_PROBABILITY sure). One piece: the blob is one digit."""

    pieces: tuple[StringPiece, ...]
    score: float
    explained: bool

    @property
    def is_split(self) -> bool:
        return len(self.pieces) > 1

    @property
    def text(self) -> str:
        return "".join(str(p.prediction.digit) if p.prediction else "?" for p in self.pieces)

    def digits_for(
        self, digit: Digit, span: Callable[[StringPiece], tuple[int, int]]
    ) -> list[Digit] | None:
        """What this reading puts in place of the candidate `digit`: one digit per piece
        when it is split (`span` gives a piece's left edge and width in the candidate's
        frame; its quadrilateral, if any, does not fit a piece, so pieces are drawn by
        their box), the candidate marked unexplained when the reader could not explain a
        digit-looking blob, None to keep the candidate as it is. The photo/webcam and the
        drawing paths differ only in `span`. A candidate the model reads as "not a digit"
        stays so unless a split explains its ink: a letter's strokes cut into unsure
        pieces are no digits to show."""
        if not self.pieces:
            return None
        rejected = digit.prediction is not None and not digit.prediction.is_digit
        if rejected and not self.explained:
            return None
        if not self.is_split:
            if not self.explained and digit.prediction is not None and digit.prediction.is_digit:
                return [replace(digit, unexplained=True)]
            return None
        _, y, _, h = digit.box
        digits = []
        for piece in self.pieces:
            left, width = span(piece)
            digits.append(replace(digit, box=(left, y, width, h), patch=piece.patch,
                                  prediction=piece.prediction,
                                  unexplained=not self.explained, quad=None))
        return digits


def needs_string_reader(width: float, height: float, prediction: Prediction | None,
                        min_confidence: float = config.MIN_CONFIDENCE) -> bool:
    """Whether a candidate may be several digits: read as "not a digit" or unsure, or read
    as a sure digit but wider than STRING_SURE_MIN_ASPECT x its height."""
    if prediction is None or height <= 0:
        return False
    if not prediction.is_digit or prediction.confidence < min_confidence:
        return True
    return width > config.STRING_SURE_MIN_ASPECT * height


def _split_margin(whole: Prediction | None) -> float:
    """How much better than reading the blob whole a split must score: more when the
    model reads the whole blob as a digit, sure or not (a wide 0 whose halves read as 1s);
    touching digits read whole are mostly "not a digit" (the model was trained so)."""
    if whole is not None and whole.is_digit:
        return config.STRING_SURE_SPLIT_MARGIN
    return config.STRING_SPLIT_MARGIN


def ink_from_gray(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A crop (gray, either polarity) and the blob's mask -> ink in [0, 1], bright on 0,
    zero outside the mask. The paper's level is the crop's median outside the mask, the
    ink's the median inside it."""
    gray = np.asarray(gray, dtype=np.float32)
    inside = mask > 0
    if not inside.any():
        return np.zeros(gray.shape, np.float32)
    ink_level = float(np.median(gray[inside]))
    outside = ~inside
    paper = float(np.median(gray[outside])) if outside.any() else (
        0.0 if ink_level > 127 else 255.0)
    span = ink_level - paper
    if abs(span) < _TINY:
        return inside.astype(np.float32)
    ink = np.clip((gray - paper) / span, 0.0, 1.0)
    ink[outside] = 0.0
    return ink


def _normalised(ink: np.ndarray) -> tuple[np.ndarray, float, int]:
    """The ink cropped to its rows and scaled to STRING_HEIGHT px high; the scale and the
    first column of ink (to map columns back)."""
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = config.STRING_HEIGHT / ink.shape[0]
    width = max(1, int(round(ink.shape[1] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(ink.astype(np.float32), (width, config.STRING_HEIGHT),
                       interpolation=interpolation)
    return np.clip(small, 0.0, 1.0), scale, int(cols[0])


def cut_paths(ink: np.ndarray, max_cuts: int, digits: int = 2) -> list[np.ndarray]:
    """Least-ink seams from top to bottom, each an int array of one column per row (pixels
    left of it belong to the left piece), left to right; at most max_cuts of them.

    One seam-carving pass accumulates ink from the top, a step sideways costing
    STRING_SEAM_STEP; every bottom column's seam is traced back, and the cheapest seams
    that leave STRING_MIN_PIECE_INK of a digit's share of the ink (the blob's over
    `digits`) on both sides are kept, each at least STRING_CUT_SPACING x the height
    (on average over the rows) from the seams kept before it."""
    height, width = ink.shape
    cost = ink.astype(np.float32)
    step = np.float32(config.STRING_SEAM_STEP)
    moves = np.zeros((height, width), np.int8)
    total = cost[0].copy()
    big = np.float32(1e9)
    columns = np.arange(width)
    for y in range(1, height):
        left = np.concatenate(([big], total[:-1])) + step
        right = np.concatenate((total[1:], [big])) + step
        options = np.stack((left, total, right))
        choice = options.argmin(axis=0)
        total = options[choice, columns] + cost[y]
        moves[y] = choice.astype(np.int8) - 1
    seams = np.empty((width, height), np.int32)
    position = columns.copy()
    for y in range(height - 1, -1, -1):
        seams[:, y] = position
        if y > 0:
            position = position + moves[y, position]
    # Ink left of each seam: it must leave at least a piece's worth on either side.
    ink_columns = np.cumsum(np.concatenate((np.zeros((height, 1), np.float32), cost), axis=1),
                            axis=1)
    left_ink = ink_columns[np.arange(height)[None, :], seams].sum(axis=1)
    total_ink = float(ink_columns[:, -1].sum())
    least = config.STRING_MIN_PIECE_INK * total_ink / max(1, digits)
    spacing = config.STRING_CUT_SPACING * height
    kept: list[np.ndarray] = []
    for x in np.argsort(total, kind="stable"):
        if left_ink[x] < least or total_ink - left_ink[x] < least:
            continue
        seam = seams[x]
        if any(np.abs(seam - other).mean() < spacing for other in kept):
            continue
        kept.append(seam)
        if len(kept) >= max_cuts:
            break
    return sorted(kept, key=lambda seam: float(seam.mean()))


def _width_prior(width: float, height: float, digit: int) -> float:
    """log N(log aspect; class mean, spread) relative to its peak, for a piece wider than its
    class's mean; 0 for a narrower one. One-sided: too wide is what marks a piece holding
    more than one digit, while narrow digits (a drawn 1 is a pen's width) are common."""
    aspect = max(width, 1.0) / max(height, 1.0)
    z = (np.log(aspect) - config.STRING_LOG_ASPECT_MEAN[digit]) / config.STRING_LOG_ASPECT_STD[digit]
    return -0.5 * float(max(z, 0.0) ** 2)


def piece_score(prediction: Prediction | None, width: float, height: float) -> float:
    """A piece's score in a path: log P(its digit) + STRING_WIDTH_WEIGHT x the width prior
    + STRING_PIECE_BONUS; -inf for a piece with nothing to read."""
    if prediction is None:
        return -np.inf
    log_p = float(np.log(max(prediction.confidence, _TINY)))
    prior = _width_prior(width, height, prediction.digit)
    return log_p + config.STRING_WIDTH_WEIGHT * prior + config.STRING_PIECE_BONUS


@dataclass
class _Plan:
    """The pieces proposed for one blob: its normalised ink, cut paths (edges included) and
    the (i, j, patch index) of each piece between cut i and cut j."""

    ink: np.ndarray
    scale: float
    offset: int
    paths: list[np.ndarray]
    pieces: list[tuple[int, int, int]]
    bounds: list[tuple[int, int]]


def _plan(ink: np.ndarray, patches: list[np.ndarray | None]) -> _Plan | None:
    if not (ink > 0).any():
        return None
    small, scale, offset = _normalised(ink)
    height, width = small.shape
    digits = min(config.STRING_MAX_DIGITS,
                 max(2, int(np.ceil(width / (config.STRING_DIGIT_ASPECT * height)))))
    inner = cut_paths(small, config.STRING_CUTS_PER_DIGIT * (digits - 1), digits)
    paths = [np.zeros(height, np.int32)] + inner + [np.full(height, width, np.int32)]
    columns = np.arange(width)[np.newaxis, :]
    min_w = config.STRING_MIN_PIECE * height
    max_w = config.STRING_MAX_PIECE * height
    plan = _Plan(small, scale, offset, paths, [], [])
    for i in range(len(paths)):
        for j in range(i + 1, len(paths)):
            if i == 0 and j == len(paths) - 1:
                continue  # the whole blob: its own reading is given
            span = float(np.mean(paths[j] - paths[i]))
            if span > max_w:
                break
            if span < min_w:
                continue
            inside = (columns >= paths[i][:, None]) & (columns < paths[j][:, None])
            piece = np.where(inside, small, 0.0)
            cols = np.flatnonzero(piece.max(axis=0) > 0.25)
            if len(cols) == 0:
                continue
            patch = to_mnist(piece.astype(np.float32))
            if patch is None:
                continue
            plan.pieces.append((i, j, len(patches)))
            plan.bounds.append((int(cols[0]), int(cols[-1]) + 1))
            patches.append(patch)
    return plan


def _best_path(plan: _Plan, predictions: Sequence[Prediction | None],
               whole: Prediction | None, whole_patch) -> StringReading:
    height = plan.ink.shape[0]
    last = len(plan.paths) - 1
    best = np.full(len(plan.paths), -np.inf)
    back: list[tuple[int, int] | None] = [None] * len(plan.paths)
    best[0] = 0.0
    by_end: dict[int, list[int]] = {}
    for k, (i, j, _) in enumerate(plan.pieces):
        by_end.setdefault(j, []).append(k)
    for j in range(1, len(plan.paths)):
        for k in by_end.get(j, []):
            i, _, index = plan.pieces[k]
            left, right = plan.bounds[k]
            score = best[i] + piece_score(predictions[index], right - left, height)
            if score > best[j]:
                best[j], back[j] = score, (i, k)
    whole_width = plan.ink.shape[1]
    whole_score = piece_score(whole, whole_width, height)
    to_source = 1.0 / plan.scale
    if whole is not None and whole_score + _split_margin(whole) >= best[last]:
        piece = StringPiece(plan.offset, plan.offset + int(round(whole_width * to_source)),
                            whole_patch, whole)
        return StringReading((piece,), whole_score, _explains([whole]))
    if back[last] is None:
        return StringReading((), -np.inf, False)
    chosen = []
    j = last
    while j > 0:
        i, k = back[j]
        chosen.append(k)
        j = i
    pieces = []
    for k in reversed(chosen):
        left, right = plan.bounds[k]
        index = plan.pieces[k][2]
        pieces.append(StringPiece(
            plan.offset + int(round(left * to_source)),
            plan.offset + int(round(right * to_source)),
            None, predictions[index]))
    # Many pieces far narrower than digits (a zigzag cut into slivers that read as 1s):
    # not a number the reader can vouch for.
    widths = [(p.right - p.left) * plan.scale for p in pieces]
    slivers = len(pieces) >= 3 and float(np.mean(widths)) < config.STRING_MIN_MEAN_ASPECT * height
    return StringReading(tuple(pieces), float(best[last]),
                         _explains([p.prediction for p in pieces]) and not slivers)


def _explains(predictions: Sequence[Prediction | None]) -> bool:
    return all(p is not None and p.is_digit and p.confidence >= config.STRING_MIN_PROBABILITY
               for p in predictions)


def read_strings(
    inks: Sequence[np.ndarray],
    recognizer,
    wholes: Sequence[Prediction | None] | None = None,
    whole_patches: Sequence[np.ndarray | None] | None = None,
) -> list[StringReading | None]:
    """Read each ink image (bright ink on 0, one blob each) as a string of digits; all the
    pieces of all the images in ONE batched recognizer call.

    wholes: each blob's own reading as one digit (the detector has it already); a blob
    without one is read whole in the same call. None for an image without ink.
    Piece columns are in the given ink image's pixels; a piece's patch is set.
    """
    patches: list[np.ndarray | None] = []
    plans: list[_Plan | None] = []
    whole_index: list[int | None] = []
    for n, ink in enumerate(inks):
        plan = _plan(np.asarray(ink, np.float32), patches)
        plans.append(plan)
        given = wholes[n] if wholes is not None else None
        if plan is not None and given is None:
            whole_index.append(len(patches))
            patches.append(to_mnist(plan.ink))
        else:
            whole_index.append(None)
    predictions = recognizer.predict_patches(patches) if patches else []
    readings: list[StringReading | None] = []
    for n, plan in enumerate(plans):
        if plan is None:
            readings.append(None)
            continue
        if whole_index[n] is not None:
            whole, whole_patch = predictions[whole_index[n]], patches[whole_index[n]]
        else:
            whole = wholes[n]
            whole_patch = whole_patches[n] if whole_patches is not None else None
        reading = _best_path(plan, predictions, whole, whole_patch)
        readings.append(_with_patches(reading, plan, predictions, patches))
    return readings


def _with_patches(reading: StringReading, plan: _Plan, predictions, patches) -> StringReading:
    """Attach each split piece's patch (the model input it was read from)."""
    if not reading.is_split:
        return reading
    by_prediction = {id(predictions[index]): patches[index] for _, _, index in plan.pieces}
    pieces = tuple(
        StringPiece(p.left, p.right, by_prediction.get(id(p.prediction)), p.prediction)
        for p in reading.pieces
    )
    return StringReading(pieces, reading.score, reading.explained)
