#!/usr/bin/env python3
"""Render samples/demo.mp4 + samples/demo_truth.json: MNIST test digits on paper, filmed.

The webcam loop needs a demo that runs anywhere, without a camera, with a known answer.
This script writes numbers with official MNIST *test* digits (never seen in training) in
pen ink on a sheet of paper lying on a desk, then films it with a simulated hand-held
camera: a slowly moving perspective view, uneven light with a passing shadow and a glare
spot, focus and motion blur, and sensor noise. Every frame's ground truth (each digit's
box in frame pixels, its label, line and number, and the numbers per line) goes to the
JSON file, so benchmarks can score the pipeline against it.

    python scripts/make_demo_video.py --mnist ../shared/data/mnist/mnist.npz

Deterministic for a given --seed. Needs only numpy and OpenCV.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MNIST = PROJECT_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"

# What is written on the sheet: lines of numbers (the first digits of pi, 24 digits).
LINES = (("3141", "59", "2653"), ("58", "979", "32"), ("384", "6264"))

# Scene geometry, in scene pixels (the paper is drawn at high resolution, then filmed).
SCENE_SIZE = (2500, 1900)  # width, height: desk around the paper
PAPER_ORIGIN = (450, 400)
PAPER_SIZE = (1600, 1050)
DIGIT_HEIGHT = 118  # ink height of each digit on paper
DIGIT_GAP = 26  # between digits of one number
NUMBER_GAP = 150  # between numbers on a line
LINE_PITCH = 280  # baseline to baseline
FIRST_LINE_TOP = 170  # from the paper's top edge
LEFT_MARGIN = 120

PAPER_BGR = (228, 236, 240)
INK_BGR = (95, 45, 25)  # blue-black ballpoint

FRAME_SIZE = (640, 480)
FPS = 15
SECONDS = 12.0


def load_mnist_test(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        sys.exit(f"MNIST not found at {path}; pass --mnist PATH/TO/mnist.npz")
    with np.load(path) as data:
        return data["x_test"], data["y_test"]


def pick_digits(labels: np.ndarray, text: str, rng: np.random.Generator, used: set[int]) -> list[int]:
    """A fresh random MNIST test index for each character of `text` with that label."""
    indices = []
    for char in text:
        candidates = np.flatnonzero(labels == int(char))
        while True:
            index = int(rng.choice(candidates))
            if index not in used:
                used.add(index)
                indices.append(index)
                break
    return indices


def ink_crop(image: np.ndarray) -> np.ndarray:
    """The MNIST digit cropped to its ink, as alpha in [0, 1]."""
    ys, xs = np.nonzero(image > 30)
    crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return crop.astype(np.float32) / 255.0


def desk_texture(rng: np.random.Generator) -> np.ndarray:
    """A brownish wood-grain desk: stretched noise, coloured."""
    w, h = SCENE_SIZE
    grain = rng.normal(0, 1, (h // 8, w // 64)).astype(np.float32)
    grain = cv2.resize(grain, (w, h), interpolation=cv2.INTER_CUBIC)
    grain = cv2.GaussianBlur(grain, (0, 0), 3)
    grain = (grain - grain.min()) / (np.ptp(grain) + 1e-6)
    base = np.array([60, 90, 125], np.float32)  # BGR brown
    return base * (0.75 + 0.4 * grain[..., None])


def paper_texture(rng: np.random.Generator) -> np.ndarray:
    w, h = PAPER_SIZE
    fibre = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 2.0)
    fibre /= fibre.std() + 1e-6
    return np.array(PAPER_BGR, np.float32) + 2.5 * fibre[..., None]


def compose_scene(x_test, y_test, rng) -> tuple[np.ndarray, list[dict]]:
    """The desk with the written sheet, and each digit's ink box in scene pixels."""
    scene = desk_texture(rng)
    paper = paper_texture(rng)
    ink = np.zeros(paper.shape[:2], np.float32)
    digits, used, number_index = [], set(), 0
    for line_index, numbers in enumerate(LINES):
        x = LEFT_MARGIN + int(rng.integers(0, 60))
        top = FIRST_LINE_TOP + line_index * LINE_PITCH
        for number in numbers:
            for char, mnist_index in zip(number, pick_digits(y_test, number, rng, used)):
                alpha = ink_crop(x_test[mnist_index])
                scale = DIGIT_HEIGHT * float(rng.uniform(0.92, 1.08)) / alpha.shape[0]
                width = max(8, round(alpha.shape[1] * scale))
                height = round(alpha.shape[0] * scale)
                alpha = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_CUBIC)
                alpha = np.clip(alpha * 1.15, 0.0, 1.0)
                y = top + int(rng.integers(-8, 9))
                region = ink[y : y + height, x : x + width]
                np.maximum(region, alpha, out=region)
                px, py = PAPER_ORIGIN
                digits.append(
                    {
                        "digit": int(char),
                        "mnist_test_index": mnist_index,
                        "line": line_index,
                        "number": number_index,
                        "scene_box": [px + x, py + y, width, height],
                    }
                )
                x += width + DIGIT_GAP + int(rng.integers(-6, 7))
            number_index += 1
            x += NUMBER_GAP - DIGIT_GAP
    ink_colour = np.array(INK_BGR, np.float32)
    paper = paper * (1 - ink[..., None]) + ink_colour * ink[..., None]
    px, py = PAPER_ORIGIN
    pw, ph = PAPER_SIZE
    # A soft shadow of the sheet on the desk, then the sheet.
    shadow = np.zeros(scene.shape[:2], np.float32)
    shadow[py + 12 : py + ph + 18, px + 10 : px + pw + 16] = 1
    shadow = cv2.GaussianBlur(shadow, (0, 0), 9)
    scene *= 1 - 0.35 * shadow[..., None]
    scene[py : py + ph, px : px + pw] = paper
    # Pre-filter: the camera sees the scene at about 0.4x, so remove what would alias.
    scene = cv2.GaussianBlur(scene, (0, 0), 1.1)
    return scene, digits


def camera_homography(t: float, jitter: np.ndarray) -> np.ndarray:
    """Scene -> frame homography of a hand-held camera at time t (seconds)."""
    fw, fh = FRAME_SIZE
    px, py = PAPER_ORIGIN
    pw, ph = PAPER_SIZE
    centre = np.array([px + pw / 2, py + ph / 2])
    scale = 560 / PAPER_SIZE[0] * (1 + 0.07 * math.sin(2 * math.pi * t / 5.3))
    angle = math.radians(6.0 * math.sin(2 * math.pi * t / 7.1) - 1.5)
    shift = np.array([22 * math.sin(2 * math.pi * t / 6.0), 14 * math.sin(2 * math.pi * t / 4.4)])
    tilt_x = 0.10 * math.sin(2 * math.pi * t / 8.3)  # keystone: top narrower or wider
    tilt_y = 0.07 * math.sin(2 * math.pi * t / 5.9 + 1.0)  # left side nearer or farther
    corners = np.array([[px, py], [px + pw, py], [px + pw, py + ph], [px, py + ph]], np.float64)
    rel = (corners - centre) * scale
    rel[:2, 0] *= 1 - tilt_x  # top edge
    rel[2:, 0] *= 1 + tilt_x  # bottom edge
    rel[[0, 3], 1] *= 1 - tilt_y  # left edge
    rel[[1, 2], 1] *= 1 + tilt_y  # right edge
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    rel = rel @ rotation.T
    dst = rel + np.array([fw / 2, fh / 2]) + shift + jitter
    return cv2.getPerspectiveTransform(corners.astype(np.float32), dst.astype(np.float32))


def lighting(t: float) -> tuple[np.ndarray, np.ndarray]:
    """Multiplicative light field (gradient x passing shadow) and additive glare, per pixel."""
    fw, fh = FRAME_SIZE
    ys, xs = np.mgrid[0:fh, 0:fw].astype(np.float32)
    direction = 2 * math.pi * t / 11.0
    ramp = ((xs - fw / 2) * math.cos(direction) + (ys - fh / 2) * math.sin(direction)) / fw
    light = 0.86 + 0.55 * ramp  # about 0.55 .. 1.15 across the frame
    # A shadow (a hand, a head) drifting across from left to right and back.
    sx = fw * (0.5 + 0.45 * math.sin(2 * math.pi * t / 9.0))
    sy = fh * (0.65 + 0.15 * math.cos(2 * math.pi * t / 6.5))
    shadow = np.exp(-(((xs - sx) / 120) ** 2 + ((ys - sy) / 170) ** 2))
    light *= 1 - 0.42 * shadow
    gx = fw * (0.78 - 0.1 * math.sin(2 * math.pi * t / 8.0))
    gy = fh * 0.22
    glare = 70 * np.exp(-(((xs - gx) / 70) ** 2 + ((ys - gy) / 50) ** 2))
    return light[..., None], glare[..., None]


def motion_kernel(dx: float, dy: float) -> np.ndarray | None:
    """A line kernel along the image motion of one exposure, or None when still."""
    length = math.hypot(dx, dy)
    if length < 1.5:
        return None
    size = int(min(length, 9)) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    ux, uy = dx / length, dy / length
    cv2.line(
        kernel,
        (round(c - ux * c), round(c - uy * c)),
        (round(c + ux * c), round(c + uy * c)),
        1.0,
        1,
        cv2.LINE_AA,
    )
    return kernel / kernel.sum()


def render(mnist: Path, out_dir: Path, seconds: float, fps: int, seed: int) -> tuple[Path, Path]:
    x_test, y_test = load_mnist_test(mnist)
    rng = np.random.default_rng(seed)
    scene, digits = compose_scene(x_test, y_test, rng)
    frame_count = round(seconds * fps)
    out_dir.mkdir(parents=True, exist_ok=True)
    video_path, truth_path = out_dir / "demo.mp4", out_dir / "demo_truth.json"
    writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"mp4v"), fps, FRAME_SIZE)
    if not writer.isOpened():
        sys.exit("OpenCV cannot write MPEG-4 video here (no FFmpeg backend?)")
    jitter = np.zeros((4, 2))
    frames_truth = []
    previous_centre = None
    for index in range(frame_count):
        t = index / fps
        jitter = 0.7 * jitter + rng.normal(0, 0.8, 2)  # hand tremor (shared by all corners)
        homography = camera_homography(t, jitter)
        frame = cv2.warpPerspective(
            scene, homography, FRAME_SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        light, glare = lighting(t)
        frame = frame * light + glare
        # Motion blur along the paper centre's movement since the last frame, then focus blur.
        centre = cv2.perspectiveTransform(
            np.array([[[PAPER_ORIGIN[0] + PAPER_SIZE[0] / 2, PAPER_ORIGIN[1] + PAPER_SIZE[1] / 2]]]),
            homography,
        )[0, 0]
        if previous_centre is not None:
            kernel = motion_kernel(*(centre - previous_centre) * 1.5)
            if kernel is not None:
                frame = cv2.filter2D(frame, -1, kernel)
        previous_centre = centre
        sigma = 0.6 + 0.5 * (1 + math.sin(2 * math.pi * t / 4.7))  # 0.6 .. 1.6 px
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
        frame = frame + rng.normal(0, 4.0, frame.shape).astype(np.float32)
        frame = np.clip(frame, 0, 255).astype(np.uint8)
        writer.write(frame)
        frames_truth.append(
            {"index": index, "boxes": [frame_box(d, homography) for d in digits]}
        )
    writer.release()
    numbers = [[number for number in line] for line in LINES]
    truth = {
        "video": video_path.name,
        "fps": fps,
        "size": list(FRAME_SIZE),
        "frame_count": frame_count,
        "seed": seed,
        "source": "MNIST test set (mnist.npz x_test/y_test), indices per digit below",
        "lines": numbers,
        "digits": [
            {k: d[k] for k in ("digit", "mnist_test_index", "line", "number")} for d in digits
        ],
        # frames[i]["boxes"][k] is digits[k]'s [x, y, w, h] in frame i.
        "frames": frames_truth,
    }
    truth_path.write_text(json.dumps(truth, separators=(",", ":")) + "\n")
    return video_path, truth_path


def frame_box(digit: dict, homography: np.ndarray) -> list[int]:
    """A digit's scene box through the camera: [x, y, w, h] of its projected corners."""
    x, y, w, h = digit["scene_box"]
    corners = np.array([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]], np.float64)
    projected = cv2.perspectiveTransform(corners, homography)[0]
    x0, y0 = np.floor(projected.min(axis=0)).astype(int)
    x1, y1 = np.ceil(projected.max(axis=0)).astype(int)
    return [int(x0), int(y0), int(x1 - x0), int(y1 - y0)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST, help="mnist.npz")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "samples", help="output folder")
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--fps", type=int, default=FPS)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    video, truth = render(args.mnist, args.out, args.seconds, args.fps, args.seed)
    print(f"wrote {video} ({video.stat().st_size / 1e6:.2f} MB) and {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
