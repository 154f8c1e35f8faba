"""A sheet within a coloured surface: which of the outlines the sheet finder accepted is the
sheet, when the best one holds paper of two colours.

A sheet held before a coloured surface (a pink card, a shirt's fold, a skin-coloured shape)
whose edges close a larger quadrilateral with the sheet's is found as that quadrilateral:
it is edged all round and larger, so it outscores the sheet's own outline
(`sheet._find_quad`). Paper keeps its chromaticity (each channel's share of a pixel's sum)
in light and in shadow; a coloured surface has another. So when the best outline's pixels
are of two chromaticities (`is_mixed`), an outline found within it whose paper differs from
the ring between them, and is the greyer of the two, is the sheet (`sheet_within`).
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config


def is_mixed(small: np.ndarray, quad: np.ndarray) -> bool:
    """Whether at least SHEET_MIXED_SHARE of the pixels within an outline differ from their
    median chromaticity by SHEET_WITHIN_CHROMA or more: paper and a coloured surface beside
    it, not one sheet (ink is a small share; a shadow keeps the paper's chromaticity)."""
    if small.ndim != 3:
        return False
    inside = np.zeros(small.shape[:2], np.uint8)
    cv2.fillConvexPoly(inside, np.round(quad).astype(np.int32), 1)
    pixels = small[::2, ::2][inside[::2, ::2] > 0].astype(np.float32) + 1.0  # (every 4th)
    if not len(pixels):
        return False
    chroma = pixels / pixels.sum(axis=1, keepdims=True)
    off = np.abs(chroma - np.median(chroma, axis=0)).sum(axis=1) >= config.SHEET_WITHIN_CHROMA
    return float(off.mean()) >= config.SHEET_MIXED_SHARE


def may_lie_within(best: np.ndarray | None, box: tuple[int, int, int, int],
                    area: float) -> bool:
    """Whether a region (its bounding box, its area) may be a sheet within the best outline
    (`sheet_within`): its box inside the outline's, its area at most SHEET_WITHIN_MAX_AREA
    of the outline's (the same sheet's region in another mask is not looked at again)."""
    if best is None:
        return False
    x0, y0 = best.min(axis=0)
    x1, y1 = best.max(axis=0)
    x, y, w, h = box
    return (x >= x0 - 1 and y >= y0 - 1 and x + w <= x1 + 1 and y + h <= y1 + 1
            and area <= config.SHEET_WITHIN_MAX_AREA * abs(float(cv2.contourArea(best))))


def _chroma(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The median chromaticity (each channel's share of the pixel's sum) of the masked
    pixels: the same for paper in light and in shadow, different for a coloured surface."""
    pixels = image[mask].astype(np.float32) + 1.0
    return np.median(pixels / pixels.sum(axis=1, keepdims=True), axis=0)


def sheet_within(small: np.ndarray, best: np.ndarray | None,
                  found: list[tuple[float, np.ndarray]]) -> np.ndarray | None:
    """The best outline, or an outline found within it whose paper differs in colour from
    the ring between them and is the less coloured (nearer grey): the best is then the
    sheet together with a coloured surface beside it (a pink card, a shirt, a skin-coloured
    shape) whose edges close a larger quadrilateral, and the sheet is the one inside. (A
    coloured note stuck on the sheet is within it too, but more coloured than the paper
    around it: the sheet stands.) An outline within is one lying at least
    SHEET_WITHIN_SHARE inside the best and at most SHEET_WITHIN_MAX_AREA of its area (a
    sheet's outline found again a little inside is no other surface); of several, the
    highest scoring whose ring differs by SHEET_WITHIN_CHROMA or more."""
    if best is None or not found or small.ndim != 3:
        return best
    size = small.shape[:2]
    outer = np.zeros(size, np.uint8)
    cv2.fillConvexPoly(outer, np.round(best).astype(np.int32), 1)
    outer_area = int(outer.sum())
    for _, quad in sorted(found, key=lambda item: -item[0]):
        inner = np.zeros(size, np.uint8)
        cv2.fillConvexPoly(inner, np.round(quad).astype(np.int32), 1)
        area = int(inner.sum())
        if not 0 < area <= config.SHEET_WITHIN_MAX_AREA * outer_area:
            continue
        if int((inner & outer).sum()) < config.SHEET_WITHIN_SHARE * area:
            continue
        ring, paper = _chroma(small, (outer > 0) & (inner == 0)), _chroma(small, inner > 0)
        if (np.abs(ring - paper).sum() >= config.SHEET_WITHIN_CHROMA
                and np.abs(paper - 1 / 3).sum() < np.abs(ring - 1 / 3).sum()):
            return quad
    return best
