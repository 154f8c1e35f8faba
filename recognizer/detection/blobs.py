"""Ink pieces as blobs: the detector's working record, and the geometry every stage shares.

A `Blob` is a box in working-scale pixels with the connected-component labels it is made
of; stages filter, merge and split blobs, and only the detector turns the survivors into
`Digit` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from recognizer.core import config


@dataclass
class Blob:
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
    # What it was before fragments beside it were merged in (`merging._merge_fragments`):
    # itself as it was, then each fragment. A small digit beside a big one passes for a
    # fragment, so the model decides which reading stands (`fragments.split_fragments`).
    split_from: list["Blob"] = field(default_factory=list)

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

    def absorb_fragment(self, fragment: "Blob") -> None:
        """Absorb a fragment beside it, remembering the blobs it was made of (split_from)."""
        parts = self.split_from or [replace(self, labels=list(self.labels))]
        self.absorb(fragment)
        self.split_from = parts + [fragment]

    def absorb(self, other: "Blob") -> None:
        """Take in another blob's box and ink (a plain merge: no other reading remains)."""
        self.x0, self.y0 = min(self.x0, other.x0), min(self.y0, other.y0)
        self.x1, self.y1 = max(self.x1, other.x1), max(self.y1, other.y1)
        self.labels = self.labels + other.labels
        self.area += other.area
        self.split_from = []


@dataclass(frozen=True, eq=False)
class InkReading:
    """One reading of a frame's ink, dark on light or light on dark: the threshold mask, its
    component labels, the digit blobs found in it and every ink piece (for the fallbacks)."""

    mask: np.ndarray
    labels: np.ndarray
    digits: list[Blob]
    pieces: list[Blob]


def _labelled_with_stats(mask: np.ndarray):
    """connectedComponentsWithStats (8-connected): 16-bit labels when they fit, as OpenCV 5's
    32-bit path costs about 2 ms more on a 640x480 frame whatever its content."""
    try:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            mask, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:  # more than 65,534 pieces (a frame of noise)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return count, labels, stats


def components(mask: np.ndarray) -> tuple[np.ndarray, list[Blob]]:
    """Connected ink pieces as blobs, with the label image they index into."""
    count, labels, stats = _labelled_with_stats(mask)
    blobs = []
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if area >= config.MIN_PIECE_PIXELS:
            blobs.append(Blob(int(x), int(y), int(x + w), int(y + h), [index], int(area)))
    return labels, blobs


def typical_height(blobs: list[Blob]) -> float:
    """The height of a typical digit: the area-weighted median of the larger blobs' heights."""
    if not blobs:
        return 0.0
    heights = np.array([b.h for b in blobs], dtype=np.float32)
    areas = np.array([b.area for b in blobs], dtype=np.float32)
    big = heights >= config.TYPICAL_MIN_HEIGHT * heights.max()
    order = np.argsort(heights[big])
    cumulative = np.cumsum(areas[big][order])
    return float(heights[big][order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def touches_border(blob: Blob, frame_shape: tuple[int, int]) -> bool:
    """Whether the blob reaches the frame's border (within BORDER_MARGIN)."""
    height, width = frame_shape
    margin = config.BORDER_MARGIN
    return (blob.x0 <= margin or blob.y0 <= margin
            or blob.x1 >= width - margin or blob.y1 >= height - margin)


def box_holds(outer: Blob, inner: Blob) -> bool:
    """Whether outer's box contains inner's."""
    return (outer.x0 <= inner.x0 and outer.y0 <= inner.y0
            and outer.x1 >= inner.x1 and outer.y1 >= inner.y1)
