"""Render samples/photos/: photo-like images of handwritten digits, with labels.csv.

Every digit is an official MNIST *test* digit (never seen in training), drawn as pen ink on
paper and "photographed": the sheet lies on a table at an angle (perspective), under uneven
light with a soft shadow, slightly out of focus, with sensor noise and JPEG compression.

    samples/photos/sheets/   rows of digits on a sheet of paper (read row by row)
    samples/photos/forms/    multi-digit numbers written in the boxes / on the lines of a form
    samples/photos/single/   one digit on a sheet of paper
    samples/photos/crops/    plain crops: MNIST style white on black, and dark on light
    samples/photos/labels.csv  file,label,kind - label = the digits in reading order

    python scripts/make_sample_photos.py --data ../shared/data/mnist/mnist.npz
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
JPEG_QUALITY = 82


class DigitSource:
    """Hands out MNIST test digits in a seeded random order, each used once."""

    def __init__(self, x_test: np.ndarray, y_test: np.ndarray, rng: np.random.Generator):
        self._x, self._y = x_test, y_test
        self._order = rng.permutation(len(y_test))
        self._next = 0

    def take(self) -> tuple[np.ndarray, int]:
        index = self._order[self._next]
        self._next += 1
        return self._x[index], int(self._y[index])


def paper(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Off-white paper (float32 BGR 0-255) with a faint fibre texture."""
    tint = rng.uniform([215, 225, 228], [240, 248, 252])
    texture = cv2.GaussianBlur(rng.normal(0, 6, (height, width)).astype(np.float32), (0, 0), 1.5)
    return np.clip(tint[None, None, :] + texture[..., None], 0, 255).astype(np.float32)


def write_digit(sheet: np.ndarray, digit: np.ndarray, x: int, y: int, size: int,
                pen: np.ndarray) -> None:
    """Draw a 28x28 MNIST digit as ink of colour `pen`, its 28x28 cell at (x, y), size px."""
    ink = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    alpha = np.clip(ink * 1.15, 0, 1)[..., None]
    region = sheet[y : y + size, x : x + size]
    region[:] = region * (1 - alpha) + pen[None, None, :] * alpha


def pen_colour(rng: np.random.Generator) -> np.ndarray:
    """Black, blue or pencil-grey ink."""
    choice = rng.integers(3)
    if choice == 0:
        return rng.uniform([15, 15, 15], [45, 45, 45])
    if choice == 1:
        return rng.uniform([110, 30, 10], [160, 60, 40])
    return rng.uniform([70, 70, 70], [100, 100, 100])


def photograph(sheet: np.ndarray, out_size: tuple[int, int], rng: np.random.Generator,
               tilt: float = 0.06, shadow: bool = True) -> np.ndarray:
    """Place the sheet on a table in perspective, light it unevenly, shadow, blur, noise."""
    out_w, out_h = out_size
    sh, sw = sheet.shape[:2]
    table = np.empty((out_h, out_w, 3), np.float32)
    table[:] = rng.uniform([60, 70, 80], [120, 130, 140])
    table += cv2.GaussianBlur(rng.normal(0, 10, (out_h, out_w)).astype(np.float32), (0, 0), 3)[..., None]
    scale = min(out_w / sw, out_h / sh) * rng.uniform(0.82, 0.92)
    cx, cy = out_w / 2 + rng.uniform(-0.03, 0.03) * out_w, out_h / 2 + rng.uniform(-0.03, 0.03) * out_h
    angle = rng.uniform(-6, 6) * np.pi / 180
    corners = np.float32([[-sw / 2, -sh / 2], [sw / 2, -sh / 2], [sw / 2, sh / 2], [-sw / 2, sh / 2]])
    rotation = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    target = corners @ rotation.T * scale + np.float32([cx, cy])
    target += rng.uniform(-tilt, tilt, target.shape).astype(np.float32) * min(out_w, out_h) * 0.5
    source = np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]])
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(sheet, matrix, (out_w, out_h), flags=cv2.INTER_AREA,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    cover = cv2.warpPerspective(np.ones((sh, sw), np.float32), matrix, (out_w, out_h))[..., None]
    image = warped * cover + table * (1 - cover)
    # Uneven light: a gradient across the picture and a darker corner.
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(direction) * xs / out_w + np.sin(direction) * ys / out_h)
    light = 1.0 - rng.uniform(0.2, 0.45) * (ramp - ramp.min()) / (np.ptp(ramp) + 1e-6)
    corner_x, corner_y = rng.choice([0, out_w]), rng.choice([0, out_h])
    distance = np.hypot(xs - corner_x, ys - corner_y) / np.hypot(out_w, out_h)
    light *= 1.0 - 0.35 * np.clip(1 - distance * 1.8, 0, 1)
    if shadow:  # a soft shadow (a hand, a phone) over one side of the picture
        angle = rng.uniform(0, 2 * np.pi)
        px, py = rng.uniform(0.3, 0.7) * out_w, rng.uniform(0.3, 0.7) * out_h
        side = (xs - px) * np.cos(angle) + (ys - py) * np.sin(angle)
        mask = 1.0 / (1.0 + np.exp(-side / (out_w * 0.02)))
        light *= 1.0 - rng.uniform(0.25, 0.45) * mask
    image *= light[..., None]
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.6, 1.4))
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def make_sheet(source: DigitSource, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Rows of digits on a sheet; read row by row."""
    rows, per_row = int(rng.integers(3, 5)), int(rng.integers(5, 8))
    size = int(rng.integers(70, 90))
    sheet = paper(int(size * (rows * 1.45 + 1.2)), int(size * (per_row * 1.05 + 1.2)), rng)
    pen = pen_colour(rng)
    label = ""
    for row in range(rows):
        for col in range(per_row):
            digit, value = source.take()
            x = int(size * (0.6 + col * 1.05) + rng.uniform(-4, 4))
            y = int(size * (0.6 + row * 1.45) + rng.uniform(-5, 5))
            write_digit(sheet, digit, x, y, size, pen)
            label += str(value)
    return photograph(sheet, (1024, 768), rng), label


def make_form(source: DigitSource, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One or two numbers written in ruled boxes or on lines of a form."""
    fields = int(rng.integers(1, 3))
    size = int(rng.integers(70, 95))
    lengths = [int(rng.integers(3, 8)) for _ in range(fields)]
    width = int(size * (max(lengths) * 0.78 + 2.2))
    height = int(size * (fields * 2.0 + 0.8))
    sheet = paper(height, width, rng)
    pen = pen_colour(rng)
    printed = np.float32([90, 90, 90])
    label = ""
    for field, length in enumerate(lengths):
        top = int(size * (0.6 + field * 2.0))
        left = int(size * 0.9)
        right = int(left + size * (length * 0.78 + 0.5))
        if rng.random() < 0.5:  # a box around the field
            cv2.rectangle(sheet, (left - size // 4, top - size // 5),
                          (right, top + int(size * 1.2)), printed.tolist(), 2)
        else:  # a line to write on
            cv2.line(sheet, (left - size // 3, top + int(size * 0.95)),
                     (right + size // 3, top + int(size * 0.95)), printed.tolist(), 2)
        for index in range(length):
            digit, value = source.take()
            x = int(left + index * size * 0.78 + rng.uniform(-3, 3))
            write_digit(sheet, digit, x, top + int(rng.uniform(-4, 4)), size, pen)
            label += str(value)
    return photograph(sheet, (1024, 640), rng, tilt=0.04), label


def make_single(source: DigitSource, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One digit on a sheet of paper."""
    digit, value = source.take()
    size = int(rng.integers(160, 260))
    sheet = paper(int(size * 1.8), int(size * 1.6), rng)
    write_digit(sheet, digit, int(size * 0.3), int(size * 0.4), size, pen_colour(rng))
    return photograph(sheet, (640, 640), rng, shadow=bool(rng.random() < 0.5)), str(value)


def make_crop(source: DigitSource, rng: np.random.Generator, index: int) -> tuple[np.ndarray, str]:
    """A plain crop: the MNIST image itself (white on black), or dark ink on light, tight."""
    digit, value = source.take()
    if index % 2 == 0:
        size = int(rng.choice([28, 56, 112]))
        return cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC), str(value)
    size = int(rng.integers(60, 140))
    ink = cv2.resize(digit[3:25, 3:25], (size, size), interpolation=cv2.INTER_CUBIC)
    return np.clip(235 - ink.astype(np.float32) * 0.8, 0, 255).astype(np.uint8), str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/mnist/mnist.npz")
    parser.add_argument("--out", type=Path, default=ROOT / "samples" / "photos")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--count", type=int, default=8, help="images of each kind (default 8)")
    args = parser.parse_args()
    with np.load(args.data) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    rng = np.random.default_rng(args.seed)
    source = DigitSource(x_test, y_test, rng)
    rows = []
    for kind, folder in (("sheet", "sheets"), ("number", "forms"), ("single", "single"),
                         ("crop", "crops")):
        (args.out / folder).mkdir(parents=True, exist_ok=True)
        for index in range(args.count):
            if kind == "sheet":
                image, label = make_sheet(source, rng)
            elif kind == "number":
                image, label = make_form(source, rng)
            elif kind == "single":
                image, label = make_single(source, rng)
            else:
                image, label = make_crop(source, rng, index)
            extension = ".png" if kind == "crop" else ".jpg"
            name = f"{folder}/{kind}_{index + 1:02d}{extension}"
            params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if extension == ".jpg" else []
            cv2.imwrite(str(args.out / name), image, params)
            rows.append((name, label, kind))
    with (args.out / "labels.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(("file", "label", "kind"))
        writer.writerows(rows)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {len(rows)} images, {sum(len(r[1]) for r in rows)} digits, "
          f"{size / 1e6:.2f} MB into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
