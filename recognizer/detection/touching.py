"""Touching digits on paper: re-read wide or rejected candidates as strings of digits.

`find_digits` runs without the model, so a blob of digits whose ink runs together reaches
the reading step as one candidate. Once every candidate has its prediction (`read_digits`,
the webcam's `process_frame`), `read_touching` hands the ones that may be several digits
(`core.strings.needs_string_reader`: too wide for one digit, "not a digit" or unsure; and
sure digits a little wider than tall) to the string model (`core.string_model`, which reads
a blob whole) and, for what it does not read as several digits or where its reading needs
confirming (a candidate of one digit's width read as a digit), to the cut-path reader
(`core.strings.read_strings`) - one batched call each for all candidates - and puts the
digits read in their place, in the same line and number.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.preprocess import to_gray
from recognizer.core.records import Digit
from recognizer.core.string_model import shared_string_model
from recognizer.core.strings import ink_from_gray, needs_string_reader, read_strings
from recognizer.detection.results import Detections

# The blob's crop is reduced to at most this many times the reader's working height first
# (the reader scales it to STRING_HEIGHT anyway; this keeps a large photo's crop cheap).
_CROP_HEIGHT_FACTOR = 2


def main_pieces(binary: np.ndarray) -> np.ndarray:
    """A blob's binary mask (uint8 0/1) without its pieces far smaller than the largest
    (under a sixth and a bit of its area: a neighbour's stroke poking into the box, specks),
    uint8 0/1. The string model's training renderer (`synth.touching.blob_ink`) uses it too."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 2:
        return binary
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.concatenate(([False], areas >= 0.15 * areas.max()))
    return keep[labels].astype(np.uint8)


def _blob_ink(frame: np.ndarray, mask: np.ndarray, box) -> tuple[np.ndarray, float] | None:
    """The ink of the candidate in its box (bright on 0) and the factor it was reduced by;
    ink of a neighbour poking into the box (a piece far smaller than the largest) is left
    out."""
    x, y, w, h = box
    crop_mask = mask[y : y + h, x : x + w]
    crop = frame[y : y + h, x : x + w]
    if crop_mask.size == 0 or not crop_mask.any():
        return None
    factor = min(1.0, _CROP_HEIGHT_FACTOR * config.STRING_HEIGHT / h)
    gray = to_gray(crop) * 255.0
    binary = main_pieces((crop_mask > 0).astype(np.uint8))
    if factor < 1.0:
        size = (max(2, round(w * factor)), max(2, round(h * factor)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        binary = cv2.resize(binary, size, interpolation=cv2.INTER_NEAREST)
    binary = cv2.dilate(binary, np.ones((3, 3), np.uint8))
    return ink_from_gray(gray, binary), factor


def _read_blobs(inks, cut_allowed: list[bool], digits: list[Digit], recognizer) -> list:
    """Each blob's reading: the string model's (`core.string_model`, all blobs read whole
    in one call) where it reads two digits or more and that reading stands (below), else
    the cut-path reader's (`core.strings`, one batched call for the rest and for the
    readings to confirm) where `cut_allowed` (None elsewhere: the candidate stays as it
    was read).

    The string model learnt letters, shapes and scribbles as lines with no digits, and a
    single digit stretched wide (a wide 0, a 4 with a long bar) as one digit
    (`scripts/train_string_reader.py`), so its reading of two digits or more is taken as it
    is, unless the digit model, which learnt "not a digit", reads its pieces (one more
    batched call) as "not a digit" by STRING_LINE_MAX_NOT_DIGIT or more on average, or the
    candidate is one digit's width, read as a digit, and the cut-path reader does not split
    it too (`_needs_confirming`)."""
    model = shared_string_model()
    lines = model.read(inks) if model is not None else [None] * len(inks)
    proposed = {k: line.as_string_reading(ink) for k, (line, ink) in enumerate(zip(lines, inks))
                if line is not None and len(line.digits) >= 2}
    checks = recognizer.predict_patches(
        [piece.patch for reading in proposed.values() for piece in reading.pieces])
    start = 0
    for k, reading in list(proposed.items()):
        found = checks[start : start + len(reading.pieces)]
        start += len(reading.pieces)
        not_digit = np.mean([1.0 if p is None else p.not_digit for p in found])
        if not_digit >= config.STRING_LINE_MAX_NOT_DIGIT:
            del proposed[k]
    confirm = {k for k in proposed if _needs_confirming(digits[k])}
    cut_needed = [k for k in range(len(inks))
                  if (k not in proposed or k in confirm) and cut_allowed[k]]
    cut = dict(zip(cut_needed, read_strings(
        [inks[k] for k in cut_needed], recognizer,
        wholes=[digits[k].prediction for k in cut_needed],
        whole_patches=[digits[k].patch for k in cut_needed]))) if cut_needed else {}
    for k in confirm:
        found = cut.get(k)  # (None where the cut-path reader may not run: not confirmed)
        if found is None or not found.is_split:
            del proposed[k]
    return [proposed[k] if k in proposed else cut.get(k) for k in range(len(inks))]


def _needs_confirming(digit: Digit) -> bool:
    """Whether the string model's reading of several digits needs the cut-path reader to
    split the candidate too: a candidate no wider than STRING_MODEL_CONFIRM_ASPECT x its
    height that the digit model reads as a digit (a 1 with a long flag, read "7 or 1", which
    the string model read "71"). Such a candidate reaches the readers only when unsure: a
    sure one that narrow is not re-read at all (`_may_be_touching`)."""
    _, _, w, h = digit.box
    prediction = digit.prediction
    return (prediction is not None and prediction.is_digit
            and w <= config.STRING_MODEL_CONFIRM_ASPECT * h)


def _may_be_touching(digit: Digit, min_confidence: float) -> tuple[bool, bool]:
    """Whether the string model reads the candidate, and whether the cut-path reader may:
    both for what `needs_string_reader` sends (too wide for one digit, "not a digit" or
    unsure); the string model alone for a sure digit wider than STRING_MODEL_MIN_ASPECT x
    its height (two touching digits the digit model reads as one: a "64" read as a 4)."""
    _, _, w, h = digit.box
    if needs_string_reader(w, h, digit.prediction, min_confidence):
        return True, True
    return digit.prediction is not None and w > config.STRING_MODEL_MIN_ASPECT * h, False


def read_touching(frame: np.ndarray, detections: Detections, recognizer,
                  min_confidence: float = config.MIN_CONFIDENCE) -> Detections:
    """The detections with each candidate that may be several touching digits re-read by
    the string reader: split into its digits where that explains the ink better, kept
    whole otherwise; a candidate the reader cannot explain is marked unsure."""
    chosen, inks, factors, cut_allowed = [], [], [], []
    for index, digit in enumerate(detections.digits):
        read, cut = _may_be_touching(digit, min_confidence)
        if not read:
            continue
        found = _blob_ink(frame, detections.mask, digit.box)
        if found is None:
            continue
        chosen.append(index)
        inks.append(found[0])
        factors.append(found[1])
        cut_allowed.append(cut)
    if not chosen:
        return detections
    readings = _read_blobs(inks, cut_allowed, [detections.digits[i] for i in chosen], recognizer)
    replaced: dict[int, list[Digit]] = {}
    for index, reading, factor in zip(chosen, readings, factors):
        if reading is None:
            continue
        x = detections.digits[index].box[0]
        split = reading.digits_for(detections.digits[index], lambda piece: (
            x + int(piece.left / factor),
            max(1, int(round((piece.right - piece.left) / factor)))))
        if split is not None:
            replaced[index] = split
    return detections.with_split(replaced)
