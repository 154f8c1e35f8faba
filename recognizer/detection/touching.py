"""Touching digits on paper: re-read wide or rejected candidates as strings of digits.

`find_digits` runs without the model, so a blob of digits whose ink runs together reaches
the reading step as one candidate. Once every candidate has its prediction (`read_digits`,
the webcam's `process_frame`), `read_touching` hands the ones that may be several digits
(`core.strings.needs_string_reader`: too wide for one digit, "not a digit" or unsure) to
the string model (`core.string_model`, which reads a blob whole) and, for what it does not
read as several digits, to the cut-path reader (`core.strings.read_strings`) - one batched
call each for all candidates - and puts the digits read in their place, in the same line
and number.
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


def _read_blobs(inks, digits: list[Digit], recognizer) -> list:
    """Each blob's reading: the string model's (`core.string_model`, all blobs read whole
    in one call) where it reads two digits or more and its digits look like digits, else
    the cut-path reader's (`core.strings`, one batched call for the rest).

    The string model learnt digits only and reads letters, words and shapes as digits too;
    the digit model, which learnt "not a digit", reads the string model's pieces (one
    call), and a reading whose pieces it finds "not a digit" by STRING_LINE_MAX_NOT_DIGIT or
    more on average is not taken. A blob the digit model reads as a digit (a wide 0, a 4
    with a long bar; sure or not) is split only where the cut-path reader, whose split must
    beat the whole digit by a margin, splits it too: the string model never saw a single
    wide digit and reads a stretched 2 as "22" for sure."""
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
    cut_needed = [k for k in range(len(inks))
                  if k not in proposed or (digits[k].prediction is not None
                                           and digits[k].prediction.is_digit)]
    cut = dict(zip(cut_needed, read_strings(
        [inks[k] for k in cut_needed], recognizer,
        wholes=[digits[k].prediction for k in cut_needed],
        whole_patches=[digits[k].patch for k in cut_needed]))) if cut_needed else {}
    readings = []
    for k in range(len(inks)):
        if k in proposed and (k not in cut or (cut[k] is not None and cut[k].is_split
                                               and cut[k].explained)):
            readings.append(proposed[k])
        else:
            readings.append(cut.get(k))
    return readings


def read_touching(frame: np.ndarray, detections: Detections, recognizer,
                  min_confidence: float = config.MIN_CONFIDENCE) -> Detections:
    """The detections with each candidate that may be several touching digits re-read by
    the string reader: split into its digits where that explains the ink better, kept
    whole otherwise; a candidate the reader cannot explain is marked unsure."""
    chosen, inks, factors = [], [], []
    for index, digit in enumerate(detections.digits):
        _, _, w, h = digit.box
        if not needs_string_reader(w, h, digit.prediction, min_confidence):
            continue
        found = _blob_ink(frame, detections.mask, digit.box)
        if found is None:
            continue
        chosen.append(index)
        inks.append(found[0])
        factors.append(found[1])
    if not chosen:
        return detections
    readings = _read_blobs(inks, [detections.digits[i] for i in chosen], recognizer)
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
    if not replaced:
        return detections
    digits = []
    for index, digit in enumerate(detections.digits):
        digits.extend(replaced.get(index, [digit]))
    return Detections(digits=tuple(digits), mask=detections.mask)
