"""Reading order: digits into lines (top to bottom) and numbers (side by side), left to right."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from recognizer.core import config
from recognizer.detection.blobs import Blob
from recognizer.detection.results import Digit


def reading_order(blobs: list[Blob]) -> list[tuple[Blob, int, int]]:
    """(blob, line, number) in reading order.

    Lines are chains of neighbours that overlap vertically, so that a slanted row stays one
    line; lines are ordered by their mean centre, digits left to right. Within a line a gap
    wider than NUMBER_GAP x the two neighbours' own mean height starts a new number (their
    own size, not the line's median: small digits beside big ones keep their gaps in
    proportion; the digits the string reader splits from one blob are always one number).
    """
    count = len(blobs)
    parent = list(range(count))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(count), key=lambda i: blobs[i].x0)
    linked = set()
    for position, i in enumerate(order):
        best = _nearest(blobs, i, order[position + 1 :], 1)
        if best is not None:
            parent[find(best)] = find(i)
            linked.update((i, best))
    # A blob left alone links to its nearest neighbour on the left, which chose another: a
    # big 6 links to the small 0 beyond the small 2 at its foot, and the 2, too low beside
    # the 0, was a line of its own. (Not every blob: on tuning scene seed 13 that joined
    # pencil smudges and JPEG specks to lines of digits.)
    right_to_left = sorted(range(count), key=lambda i: -blobs[i].x1)
    for position, i in enumerate(right_to_left):
        if i in linked:
            continue
        best = _nearest(blobs, i, right_to_left[position + 1 :], -1)
        if best is not None:
            parent[find(best)] = find(i)

    lines: dict[int, list[Blob]] = {}
    for i in range(count):
        lines.setdefault(find(i), []).append(blobs[i])
    ordered_lines = sorted(lines.values(), key=lambda line: np.mean([b.cy for b in line]))
    result = []
    number = -1
    for line_index, line in enumerate(ordered_lines):
        line.sort(key=lambda b: b.x0)
        previous = None
        for blob in line:
            size = 0.0 if previous is None else 0.5 * (blob.h + previous.h)
            if previous is None or blob.x0 - previous.x1 > config.NUMBER_GAP * size:
                number += 1
            result.append((blob, line_index, number))
            previous = blob
    return result


def renumber(digits: list[Digit]) -> list[Digit]:
    """Make line and number indices consecutive after unreadable candidates were dropped."""
    line_ids = {line: i for i, line in enumerate(dict.fromkeys(d.line for d in digits))}
    number_ids = {n: i for i, n in enumerate(dict.fromkeys(d.number for d in digits))}
    return [replace(d, line=line_ids[d.line], number=number_ids[d.number]) for d in digits]


def _nearest(blobs: list[Blob], i: int, candidates: list[int], side: int) -> int | None:
    """The neighbour of blobs[i] on its right (side 1; candidates sorted by their left edge)
    or left (side -1; sorted by their right edge, right to left) that overlaps it
    vertically by LINE_OVERLAP of the smaller height and is nearest, a vertical offset
    counting twice."""
    a = blobs[i]
    best, best_distance = None, np.inf
    for j in candidates:
        b = blobs[j]
        gap = b.x0 - a.x1 if side > 0 else a.x0 - b.x1
        if gap > best_distance or gap > config.LINE_LINK_GAP * max(a.h, b.h):
            break
        overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
        if overlap < config.LINE_OVERLAP * min(a.h, b.h) or side * (b.cx - a.cx) <= 0:
            continue
        distance = max(0, gap) + 2.0 * abs(b.cy - a.cy)
        if distance < best_distance:
            best, best_distance = j, distance
    return best
