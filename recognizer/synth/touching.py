"""Numbers whose digits touch, seeded: 2 to 6 digits side by side with their ink overlapping
by 0-25% of a digit's width, as a photo of ink on paper and as pen strokes for the drawing
app (each digit traced into strokes, `recognizer.drawing.trace`).

The benchmark (`benchmarks/bench_touching.py`) renders them from MNIST *test* digits; tests
can pass any 28x28 digit images (the bundled samples/digits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from recognizer.drawing.trace import digit_strokes

MAX_OVERLAP = 0.25  # of the mean digit width
Polyline = list[tuple[float, float]]


@dataclass(frozen=True)
class TouchingNumber:
    """One number: its digits' labels, images (28x28 uint8, light on dark; a glyph that is
    no digit has no label) and where each one's 28x28 box sits (x, y in MNIST pixels) so that the inks overlap by `overlap`."""

    label: str
    overlap: float  # fraction of the mean digit width by which neighbours' ink overlaps
    images: tuple[np.ndarray, ...]
    places: tuple[tuple[float, float], ...]

    def extent(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of all the boxes, in MNIST pixels."""
        xs = [x for x, _ in self.places]
        ys = [y for _, y in self.places]
        return min(xs), min(ys), max(xs) + 28, max(ys) + 28


def _ink_columns(image: np.ndarray) -> tuple[int, int]:
    cols = np.flatnonzero((image > 76).any(axis=0))
    return (int(cols[0]), int(cols[-1]) + 1) if len(cols) else (0, 28)


def make_number(
    images: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    count: int | None = None,
    overlap: float | None = None,
    choice: Sequence[int] | None = None,
) -> TouchingNumber:
    """A number of `count` (default 2-6) digits drawn from images/labels (or the given
    indices), each digit's ink box starting `overlap` (default 0-MAX_OVERLAP) x the mean
    ink width before the previous one's ends, with a little vertical jitter."""
    if choice is None:
        count = int(rng.integers(2, 7)) if count is None else count
        choice = rng.integers(0, len(images), size=count)
    overlap = float(rng.uniform(0.0, MAX_OVERLAP)) if overlap is None else float(overlap)
    picked = [images[int(i)] for i in choice]
    spans = [_ink_columns(image) for image in picked]
    mean_width = float(np.mean([right - left for left, right in spans]))
    places = []
    ink_right = 0.0
    for k, (left, right) in enumerate(spans):
        start = 0.0 if k == 0 else ink_right - overlap * mean_width
        x = start - left
        y = float(rng.uniform(-1.0, 1.0))
        places.append((x, y))
        ink_right = x + right
    # a label below 0 is a glyph that is no digit (a letter or a shape among the digits,
    # for training the string model to read nothing there)
    text = "".join(str(int(labels[int(i)])) for i in choice if int(labels[int(i)]) >= 0)
    return TouchingNumber(text, overlap, tuple(picked), tuple(places))


def _written(number: TouchingNumber, scale: float, origin: tuple[float, float],
             size: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """The number's digits written in dark ink on paper, its extent's top-left corner at
    `origin` of an image of `size` (w, h), a 28 px box `scale` x 28 px high: float32 gray
    (paper level, ink darkness and a little blur drawn from rng, in that order) and the
    paper's level. `photo` and `blob_ink` share it."""
    width, height = size
    left, top, _, _ = number.extent()
    ink = np.zeros((height, width), np.float32)
    for image, (x, y) in zip(number.images, number.places):
        matrix = np.float32([[scale, 0, origin[0] + (x - left) * scale],
                             [0, scale, origin[1] + (y - top) * scale]])
        placed = cv2.warpAffine(image.astype(np.float32) / 255.0, matrix, (width, height),
                                flags=cv2.INTER_LINEAR)
        np.maximum(ink, placed, out=ink)
    paper = float(rng.uniform(180, 235))
    darkness = float(rng.uniform(0.7, 0.9))
    gray = paper * (1.0 - darkness * ink)
    sigma = float(rng.uniform(0.0, 1.2))
    if sigma > 0.3:
        gray = cv2.GaussianBlur(gray, (0, 0), sigma)
    return gray, paper


def photo(number: TouchingNumber, rng: np.random.Generator, size: tuple[int, int] = (480, 640),
          digit_px: float | None = None) -> np.ndarray:
    """The number written on paper and photographed: a BGR uint8 frame of `size` (h, w),
    digits about digit_px high (default 60-90 px a 28 px box), dark ink, light gradient,
    blur and sensor noise."""
    height, width = size
    left, top, right, bottom = number.extent()
    px = float(rng.uniform(60, 90)) if digit_px is None else float(digit_px)
    scale = min(px / 28.0, 0.9 * width / (right - left), 0.9 * height / (bottom - top))
    origin_x = rng.uniform(0.03 * width, max(0.03 * width, width - (right - left) * scale - 0.03 * width))
    origin_y = rng.uniform(0.05 * height, max(0.05 * height, height - (bottom - top) * scale - 0.05 * height))
    gray, _ = _written(number, scale, (origin_x, origin_y), (width, height), rng)
    ramp = np.linspace(1.0, rng.uniform(0.8, 1.0), width, dtype=np.float32)[None, :]
    gray = gray * ramp + rng.normal(0, rng.uniform(1, 5), gray.shape).astype(np.float32)
    frame = np.clip(gray, 0, 255).astype(np.uint8)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def strokes(number: TouchingNumber, canvas: tuple[int, int], rng: np.random.Generator,
            height_fraction: tuple[float, float] = (0.35, 0.55)) -> list[Polyline]:
    """The number as pen strokes on a canvas (width, height): each digit traced from its
    image and placed where the photo has it, the number height_fraction of the canvas high
    and centred with some jitter, scaled to fit its width."""
    width, height = canvas
    left, top, right, bottom = number.extent()
    scale = float(rng.uniform(*height_fraction)) * height / 28.0
    scale = min(scale, 0.92 * width / (right - left))
    origin_x = (width - (right - left) * scale) / 2 + rng.uniform(-0.02, 0.02) * width
    origin_y = (height - (bottom - top) * scale) / 2 + rng.uniform(-0.05, 0.05) * height
    lines: list[Polyline] = []
    for image, (x, y) in zip(number.images, number.places):
        for line in digit_strokes(image):
            lines.append([(origin_x + (x - left + px) * scale, origin_y + (y - top + py) * scale)
                          for px, py in line])
    return lines


def blob_ink(number: TouchingNumber, rng: np.random.Generator,
             digit_px: tuple[float, float] = (60.0, 90.0)) -> np.ndarray:
    """The number as the photo path hands a candidate to the string reader, fast: written
    and photographed as `photo` does (a 28 px box digit_px high, ink darkness, blur,
    sensor noise) on a frame just large enough, thresholded as the detector does (a pixel
    WEAK_INK darker than the paper, or WEAK_SIGMAS x the noise, in a piece holding one
    STRONG_INK darker), and turned into ink the way `detection.touching` does (the mask
    dilated by 3x3, `ink_from_gray`): float32, bright ink on 0. For training the string
    model (`scripts/train_string_reader.py`) without running the detector on every frame.
    """
    from recognizer.core import config
    from recognizer.core.strings import ink_from_gray
    from recognizer.detection.touching import main_pieces

    left, top, right, bottom = number.extent()
    scale = float(rng.uniform(*digit_px)) / 28.0
    margin = 6
    width = int(np.ceil((right - left) * scale)) + 2 * margin
    height = int(np.ceil((bottom - top) * scale)) + 2 * margin
    gray, paper = _written(number, scale, (margin, margin), (width, height), rng)
    noise = float(rng.uniform(1, 5))
    gray = gray + rng.normal(0, noise, gray.shape).astype(np.float32)
    flat = np.clip(gray / paper, 0.0, 2.0) * 255.0
    spread = 255.0 * noise / paper
    weak = (flat < 255.0 - max(config.WEAK_INK * 255, config.WEAK_SIGMAS * spread)).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    seeded = np.zeros(count, np.uint8)
    seeded[labels[flat < 255.0 - max(config.STRONG_INK * 255, config.STRONG_SIGMAS * spread)]] = 1
    seeded[0] = 0
    mask = main_pieces(seeded[labels])  # specks and a neighbour's piece left out, as there
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    return ink_from_gray(np.clip(gray, 0, 255), mask)
