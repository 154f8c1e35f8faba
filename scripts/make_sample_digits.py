"""Render samples/digits/: single handwritten digits as they reach `recognizer predict`.

Each is an official MNIST *test* digit (never seen in training) turned into a small picture
of ink on paper: scaled up, dark on light, on tinted paper with a little noise, in various
sizes and positions. The file name holds the true digit: digit_<label>_<index>.jpg.

    python scripts/make_sample_digits.py --data ../shared/data/mnist/mnist.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def render(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One MNIST digit as a BGR photo of ink on paper, off-centre, at a random size."""
    size = int(rng.integers(80, 240))
    canvas = int(size * rng.uniform(1.3, 2.0))
    ink = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    alpha = np.zeros((canvas, canvas), np.float32)
    top, left = rng.integers(0, canvas - size, 2)
    alpha[top : top + size, left : left + size] = np.clip(ink, 0, 1)
    paper = np.array(rng.uniform([200, 210, 215], [235, 245, 250]), np.float32)
    pen = np.array(rng.uniform([60, 20, 10], [140, 60, 50]), np.float32)
    image = paper * (1 - alpha[..., None]) + pen * alpha[..., None]
    image += rng.normal(0, 4, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/mnist/mnist.npz")
    parser.add_argument("--out", type=Path, default=ROOT / "samples" / "digits")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with np.load(args.data) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    args.out.mkdir(parents=True, exist_ok=True)
    for label in range(10):
        index = int(rng.choice(np.flatnonzero(y_test == label)))
        path = args.out / f"digit_{label}_{index}.jpg"
        cv2.imwrite(str(path), render(x_test[index], rng), [cv2.IMWRITE_JPEG_QUALITY, 90])
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
