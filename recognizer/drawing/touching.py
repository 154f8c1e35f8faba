"""Touching digits in a drawing: a group of touching strokes re-read as several digits.

`strokes.group_strokes` keeps strokes whose ink touches together, so a quick "107" whose
strokes run into each other is one group. `read_touching_groups` (called by
`reading.read_strokes`) splits such a group between its strokes by recognition, or cuts a
single stroke through its ink with the string reader of `recognizer.core.strings`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from recognizer.core import config
from recognizer.core.preprocess import to_mnist
from recognizer.core.records import Digit
from recognizer.core.strings import needs_string_reader, piece_score, read_strings
from recognizer.drawing.strokes import Stroke, stroke_extent, render_transform, digit_box, render_digit


def _centre_span(strokes: Sequence[Stroke]) -> tuple[float, float]:
    """The horizontal extent of the strokes' centre lines (the pen's path, no pen width)."""
    xs = [x for s in strokes for x, _ in s.points]
    return min(xs), max(xs)


def _apart(left: Sequence[Stroke], right: Sequence[Stroke]) -> bool:
    """Whether two runs of strokes can be two digits: neither's centre lies within the
    other's centre-line extent (a 4's upright lies within its other stroke's extent, a 5's
    bar over its body; digits written into each other overlap only at their edges)."""
    (l0, l1), (r0, r1) = _centre_span(left), _centre_span(right)
    left_centre, right_centre = (l0 + l1) / 2, (r0 + r1) / 2
    return not (r0 <= left_centre <= r1 or l0 <= right_centre <= l1)


def _split_by_strokes(groups, digits: list[Digit], recognizer) -> dict[int, list[Digit]]:
    """A group of several touching strokes may be several digits written into each other
    (a quick "10"): segmentation by recognition over its strokes. The strokes, left to
    right by their centres, are cut into runs of at most STRING_MAX_RUN strokes; every run
    of every such group is rendered and read in ONE batched call, and the runs that read
    best (`core.strings.piece_score`, dynamic programming over runs that lie apart; the
    whole group is one of the paths) become the digits. Returns {group index: its digits}
    for the groups it splits."""
    plans = []
    patches: list[np.ndarray] = []
    for k, (group, digit) in enumerate(zip(groups, digits)):
        if len(group) < 2 or digit.scribble or digit.prediction is None:
            continue
        ordered = sorted(group, key=lambda s: sum(_centre_span([s])))
        runs = {}
        for i in range(len(ordered)):
            for j in range(i + 1, min(len(ordered), i + config.STRING_MAX_RUN) + 1):
                if (i, j) == (0, len(ordered)):
                    continue
                patch = to_mnist(render_digit(ordered[i:j]))
                if patch is not None:
                    runs[(i, j)] = len(patches)
                    patches.append(patch)
        if runs:
            plans.append((k, ordered, runs))
    if not plans:
        return {}
    predictions = recognizer.predict_patches(patches)
    result = {}
    for k, ordered, runs in plans:
        digit = digits[k]
        _, _, top, bottom = stroke_extent(ordered)
        height = max(1.0, bottom - top)
        scores = {}
        for (i, j), index in runs.items():
            left, right = stroke_extent(ordered[i:j])[:2]
            scores[(i, j)] = piece_score(predictions[index], right - left, height)
        # best[(i, j)]: the best path over strokes [0, j) whose last run is [i, j).
        best: dict[tuple[int, int], tuple[float, tuple[int, int] | None]] = {}
        for (i, j) in sorted(runs, key=lambda run: run[1]):
            if i == 0:
                best[(i, j)] = (scores[(i, j)], None)
                continue
            options = [
                (best[(h, i)][0] + scores[(i, j)], (h, i))
                for h in range(i) if (h, i) in best
                and _apart(ordered[h:i], ordered[i:j])
            ]
            if options:
                best[(i, j)] = max(options, key=lambda option: option[0])
        count = len(ordered)
        ends = [(best[run][0], run) for run in best if run[1] == count]
        whole = piece_score(digit.prediction, digit.box[2], height)
        if not ends:
            continue
        total, run = max(ends, key=lambda end: end[0])
        margin = (config.STRING_STROKE_SPLIT_MARGIN if digit.prediction.is_digit
                  else config.STRING_SPLIT_MARGIN)
        if whole + margin >= total:
            continue
        chosen = []
        while run is not None:
            chosen.append(run)
            run = best[run][1]
        split = []
        for i, j in reversed(chosen):
            index = runs[(i, j)]
            prediction = predictions[index]
            split.append(replace(
                digit, box=digit_box(ordered[i:j]), patch=patches[index], prediction=prediction,
                unexplained=not (prediction.is_digit
                                 and prediction.confidence >= config.STRING_MIN_PROBABILITY)))
        result[k] = split
    return result


def read_touching_groups(groups, digits: list[Digit], recognizer) -> list[Digit]:
    """Each group that may be several touching digits, read by the string reader: split
    between its strokes (`_split_by_strokes`), or, for one stroke that may hold several
    digits written without lifting the pen, cut through its ink (`core.strings`); replaced
    by its digits (boxes on the canvas) when a split explains it better. A group of several
    strokes is never cut through its ink: a letter or a drawing is not a number."""
    replaced = _split_by_strokes(groups, digits, recognizer)
    chosen = [
        k for k, digit in enumerate(digits)
        if len(groups[k]) == 1 and k not in replaced and not digit.scribble
        and needs_string_reader(digit.box[2], digit.box[3], digit.prediction)
    ]
    if not chosen and not replaced:
        return digits
    inks = [1.0 - render_digit(groups[k], by_height=True).astype(np.float32) / 255.0
            for k in chosen]
    readings = read_strings(inks, recognizer, wholes=[digits[k].prediction for k in chosen],
                            whole_patches=[digits[k].patch for k in chosen]) if chosen else []
    for k, reading in zip(chosen, readings):
        if reading is None:
            continue
        left, _, scale, margin = render_transform(groups[k], by_height=True)

        def span(piece, left=left, scale=scale, margin=margin):
            x0 = int(np.floor(left + (piece.left - margin) / scale))
            x1 = int(np.ceil(left + (piece.right - margin) / scale))
            return x0, max(1, x1 - x0)

        split = reading.digits_for(digits[k], span)
        if split is not None:
            replaced[k] = split
    result = []
    for k, digit in enumerate(digits):
        result.extend(replaced.get(k, [digit]))
    return result
