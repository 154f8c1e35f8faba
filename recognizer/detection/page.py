"""The page that fills a frame: where its paper is when no sheet's outline is found.

A page held close to the camera (or photographed close) fills most of the frame, so
`sheet.find_sheet` finds no sheet in it (its outline runs off the frame, or it covers more
than SHEET_MAX_AREA) and the whole frame is read. The background still shows at a corner or
along a side, and its texture (a dotted fabric, a patterned desk) reads as rows of digits.

`find_page` takes the largest region of the paper mask (Otsu on the paperness image, closed
and opened as the sheet's first mask is) and its convex hull, and keeps it only when its
outline within the frame is an edge for SHEET_MIN_COVERAGE of its length, as a sheet's
outline is (`outline.outline_coverage`): the lit part of a page lit unevenly (a gradient, a
shadow's soft edge) is no such region, so a photo of a page in uneven light is read whole
as before. The page is then every large region of paper (their hulls: a gutter or a pen
across the page parts it), and candidates whose centre lies off it are not read
(`Page.holds`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.core import config
from recognizer.detection.outline import outline_coverage
from recognizer.detection.sheet import (
    paper_in_view, paper_kernels, paperness_image, prepare_mask, reduce_frame)


@dataclass(frozen=True, eq=False)
class Page:
    """A page's region: a mask (uint8, 255 on the page) of the frame reduced by `scale`."""

    region: np.ndarray
    scale: float

    def holds(self, points: np.ndarray) -> np.ndarray:
        """Whether each of points (N, 2; x, y in frame pixels) lies on the page."""
        height, width = self.region.shape
        cells = np.floor(np.asarray(points, np.float64).reshape(-1, 2) * self.scale)
        x = cells[:, 0].astype(np.int64).clip(0, width - 1)
        y = cells[:, 1].astype(np.int64).clip(0, height - 1)
        return self.region[y, x] > 0


@dataclass(frozen=True, eq=False)
class WholeView:
    """What a frame read whole (no sheet) shows of its paper: whether paper may fill it
    (`sheet.paper_in_view`; if not, a camera's frame holds no digits) and the page filling
    it (`find_page`, None: none found). The live loop surveys a frame on the frames it looks
    for the sheet and reads the frames in between with the same view: a page held before
    the camera moves little in two frames, and the survey costs 1.4 ms of a 640x480 frame's
    9-10 ms."""

    paper: bool
    page: Page | None


def survey_frame(frame: np.ndarray) -> WholeView:
    """The frame's `WholeView` (the page looked for only where paper may fill it)."""
    paper = paper_in_view(frame)
    return WholeView(paper=paper, page=find_page(frame) if paper else None)


def find_page(frame: np.ndarray) -> Page | None:
    """The page filling a BGR (or BGRA) uint8 frame, or None: no region of paper large
    enough (at least PAGE_MIN_AREA of the frame), one whose outline is no edge, or a page
    that covers the whole frame (nothing to leave out). Gray, float and 16-bit frames: None
    (no saturation to tell paper from a grey background by; photo mode's deep images are
    read whole as before)."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] not in (3, 4):
        return None
    if min(frame.shape[:2]) < config.SHEET_MIN_SIDE:
        return None
    scale = min(1.0, config.SHEET_MAX_SIDE / max(frame.shape[:2]))
    # (the live loop looks for the page on every frame that reads the whole frame)
    small = reduce_frame(np.ascontiguousarray(frame[:, :, :3]), scale, whole_first=True)
    paperness = paperness_image(cv2.cvtColor(small, cv2.COLOR_BGR2HSV))
    _, mask = cv2.threshold(paperness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    close, opening = paper_kernels(small.shape)
    mask = prepare_mask(mask, False, close, opening, 0.0)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    if count < 2:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = 1 + int(np.argmax(areas))
    if areas[largest - 1] < config.PAGE_MIN_AREA * mask.size:
        return None
    # Every large region of paper is page (SHEET_MIN_AREA): a notebook's gutter or a pen
    # lying across the page parts it in two, and the outline of either half is an edge
    # wherever it can be told (the rest runs along the frame's border).
    region = np.zeros_like(mask)
    for label in 1 + np.flatnonzero(areas >= config.SHEET_MIN_AREA * mask.size):
        contours, _ = cv2.findContours((labels == label).astype(np.uint8),
                                       cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = cv2.convexHull(max(contours, key=cv2.contourArea))
        cv2.fillPoly(region, [hull], 255)
        if label == largest:
            outline = hull.reshape(-1, 2).astype(np.float64)
    if cv2.countNonZero(region) == region.size:
        return None
    log_image = np.log1p(paperness.astype(np.float32))
    if outline_coverage(log_image, outline) < config.SHEET_MIN_COVERAGE:
        return None
    return Page(region=region, scale=scale)
