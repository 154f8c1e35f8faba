"""Camera frames of a sheet with handwritten digits held up in a room, with their ground truth.

A seeded generator of our own (issue 12), for the scene benchmark (`benchmarks/bench_scenes.py`),
the sheet-finding tests and training negatives: a sheet of paper (white, off-white, a yellow
sticky note, ruled, squared) with MNIST digits written on it in some ink (black, blue, red,
green, pencil, marker), at one size or mixed sizes (2x to 4x apart), placed in perspective
before a background (dark, bright, textured, a cluttered desk, wood, fabric, a person's
clothes and skin, colour fields), perhaps partly out of the frame or held by fingers, then lit
and photographed (light gradient, cast shadow, glare, motion blur, defocus, noise, JPEG);
and frames without paper: a background, a person, or a mottled surface close up (camouflage,
marble, terrazzo, animal-print spots: blobs of a digit's size, none of them ink).

Each condition of `CONDITIONS` fixes one of these factors at its hard value while the others
are drawn from a mild base distribution, so that the benchmark gives every condition its own
row. `render_scene` returns the frame and its truth: the digits' labels in reading order (rows
top to bottom on the sheet, left to right), each digit's quadrilateral in frame coordinates,
the sheet's corners (None without paper) and the condition's name.

The surfaces (backgrounds, skin, paper, ink and the digits inked in it) are painted by
`synth.surfaces`; this module lays the digits out on the sheet, places the sheet in the
frame, lights and photographs it.

Digits come from the caller: MNIST *test* digits for evaluation, *train* digits for training
(`load_digits`); without MNIST, `load_digits` falls back to the ten samples/digits images.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from recognizer.core import config
from recognizer.synth import pen
from recognizer.synth.negatives import make_negative
from recognizer.synth.surfaces import (
    BACKGROUNDS, INKS, PAPERS, background, closeup, ink_colour, paper, skin_colour, smooth_noise,
    write_digit)

# condition name -> the factor it fixes (see `_draw_factors`).
CONDITIONS = (
    *(f"background: {b}" for b in BACKGROUNDS),
    *(f"paper: {p}" for p in PAPERS),
    *(f"ink: {i}" for i in INKS),
    "mixed sizes",
    "perspective 35",
    "rotation 30",
    "partly out of frame",
    "fingers on edges",
    "light gradient",
    "cast shadow",
    "glare",
    "motion blur",
    "defocus",
    "sensor noise",
    "jpeg",
    "page fills frame",
    "no paper",
    "no paper: person",
    "no paper: close-up",
)
NO_PAPER = ("no paper", "no paper: person", "no paper: close-up")
# For evaluation only, so not in CONDITIONS (no training scene crop holds them): letters and
# shapes of the kinds held out of the model's training (synth.negatives) written on the
# sheet in the digits' place, a third of them among the digits, or all of them; or half of
# them on a page filling the frame (read whole, where many rejected candidates make a
# camera's frame a surface: `Detections.is_surface`).
LOOKALIKE_CONDITIONS = ("letters and shapes among digits", "letters and shapes only",
                        "letters and shapes among digits, page fills frame")
LOOKALIKE_SHARE = {"letters and shapes among digits": 0.35, "letters and shapes only": 1.0,
                   "letters and shapes among digits, page fills frame": 0.5}
LOOKALIKE_KINDS = ("letter (held-out fonts and letters)", "shape (held-out shapes)")
# Conditions whose frames hold no digit at all: the benchmark counts false digits there.
NO_DIGITS = (*NO_PAPER, "letters and shapes only")
# Every digit is at least this tall in the frame (px): smaller ones hold too few pixels for
# anyone to read (a sheet is re-placed until its smallest digit is this tall).
MIN_DIGIT_PX = 12

MNIST_NPZ = config.PROJECT_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
SAMPLE_DIGITS = config.PROJECT_ROOT / "samples" / "digits"


@dataclass(frozen=True, eq=False)
class Scene:
    """One rendered frame and what is on it.

    frame: uint8 BGR. labels: the digits in reading order. quads: float32 (N, 4, 2), each
    digit's ink box as a quadrilateral in frame pixels (top-left, top-right, bottom-right,
    bottom-left on the sheet), in the order of labels. sheet: float32 (4, 2) corners of the
    sheet in frame pixels (may lie outside the frame), None when there is no paper.
    rows: the row index of each digit.
    """

    frame: np.ndarray
    labels: tuple[int, ...]
    quads: np.ndarray
    sheet: np.ndarray | None
    condition: str
    rows: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        return "".join(str(v) for v in self.labels)


def load_digits(split: str = "test", path: Path = MNIST_NPZ) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits of a split ("test" for evaluation, "train" for training) as (N, 28, 28)
    uint8 light-on-dark and their labels; without the MNIST file, the ten samples/digits
    photos made into MNIST-style patches (enough for tests, not for figures)."""
    if path.is_file():
        with np.load(path) as data:
            return data[f"x_{split}"], data[f"y_{split}"]
    from recognizer.core.preprocess import to_mnist

    images, labels = [], []
    for file in sorted(SAMPLE_DIGITS.glob("digit_*_*.jpg")):
        patch = to_mnist(cv2.imread(str(file), cv2.IMREAD_GRAYSCALE))
        if patch is not None:
            images.append(np.round(patch * 255).astype(np.uint8))
            labels.append(int(file.name.split("_")[1]))
    if not images:
        raise FileNotFoundError(f"no MNIST at {path} and no sample digits in {SAMPLE_DIGITS}")
    return np.stack(images), np.array(labels, np.uint8)


# --- Digits on the sheet --------------------------------------------------------------------


def layout(rng, width: int, height: int, mixed: bool) -> list[list[tuple[int, int, int]]]:
    """Rows of digit cells (x, y, size) on a sheet: a margin all round, 2-4 rows of 2-6 digits;
    mixed: rows whose sizes differ 2x to 4x, and small digits beside big ones in a row."""
    margin_x, margin_y = 0.1 * width, 0.1 * height
    rows_count = int(rng.integers(2, 4)) if mixed else int(rng.integers(2, 5))
    usable_h = height - 2 * margin_y
    # mixed: the big digits fill a row of few, so that the small ones are still legible
    big = min(usable_h / (rows_count * 1.3), (width - 2 * margin_x) / (4.5 if mixed else 6.5))
    big = rng.uniform(0.75, 1.0) * big
    rows, y = [], margin_y
    for row in range(rows_count):
        size = big
        if mixed and row % 2 == 1:
            size = big / rng.uniform(2.0, 4.0)
        cells, x = [], margin_x + rng.uniform(0, 0.05) * width
        count = int(rng.integers(2, 7))
        for index in range(count):
            cell = size
            if mixed and row % 2 == 0 and index >= count // 2 + 1:
                cell = big / rng.uniform(2.0, 4.0)  # small digits beside the big ones
            if x + cell > width - margin_x:
                break
            # small digits beside big ones sit on the row's baseline
            top = y + (size - cell) * rng.uniform(0.6, 1.0)
            cells.append((int(x), int(top), max(8, int(cell))))
            x += cell * rng.uniform(0.85, 1.05)
        rows.append(cells)
        y += size * rng.uniform(1.15, 1.3)
        if y > height - margin_y:
            break
    return [r for r in rows if r]


# --- Placing the sheet in the frame ---------------------------------------------------------


def sheet_corners(width: float, height: float, frame: tuple[int, int], rng, *, tilt: float,
                  roll: float, cover: tuple[float, float], out_of_frame: bool = False,
                  fill: bool = False, push: float = 1.0) -> np.ndarray:
    """Where a width x height sheet's corners land in a frame (w, h): rotated roll degrees in
    its plane and tilted up to tilt degrees out of it (a pinhole camera), covering a fraction
    `cover` of the frame's shorter side; out_of_frame pushes it partly over an edge; fill
    makes it larger than the frame; push (0-1) scales how far out of the frame it goes."""
    frame_w, frame_h = frame
    half = np.array([[-width, -height], [width, -height], [width, height], [-width, height]],
                    np.float64) / 2
    points = np.c_[half, np.zeros(4)]
    a, b, c = np.deg2rad(rng.uniform(-tilt, tilt)), np.deg2rad(rng.uniform(-tilt, tilt)), np.deg2rad(roll)
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    points = points @ (rx @ ry @ rz).T
    focal = 1.2 * max(width, height)
    points[:, 2] += 1.5 * focal
    projected = points[:, :2] * focal / points[:, 2:3]
    projected -= projected.mean(axis=0)
    span = np.ptp(projected, axis=0)
    if fill:  # larger than the frame both ways: no edge of the sheet in view
        target = rng.uniform(1.02, 1.12) * max(frame_w / span[0], frame_h / span[1])
    else:
        target = rng.uniform(*cover) * min(frame_w / span[0], frame_h / span[1])
    projected *= target
    centre = np.array([frame_w, frame_h], np.float64) / 2
    centre += rng.uniform(-0.08, 0.08, 2) * (frame_w, frame_h) * (0.25 if fill else 1.0)
    if out_of_frame:
        side = int(rng.integers(4))
        span = np.ptp(projected, axis=0)
        push = push * rng.uniform(0.15, 0.3)
        shift = [(-1, 0), (1, 0), (0, -1), (0, 1)][side]
        centre = np.array([frame_w, frame_h]) / 2 + np.array(shift) * (
            np.array([frame_w, frame_h]) / 2 - span / 2 + push * span)
    return (projected + centre).astype(np.float32)


def _fingers(image: np.ndarray, corners: np.ndarray, rng, count: int) -> None:
    """Fingers holding the sheet: skin-coloured rounded strokes from outside the sheet over
    its edge or corner (reaching only the margin, not the digits), in place."""
    height, width = image.shape[:2]
    centre = corners.mean(axis=0)
    for _ in range(count):
        i = int(rng.integers(4))
        t = rng.uniform(0.0, 0.3) if rng.random() < 0.6 else rng.uniform(0.3, 0.7)
        point = corners[i] + t * (corners[(i + 1) % 4] - corners[i])
        inward = centre - point
        inward /= np.linalg.norm(inward) + 1e-6
        tip = point + inward * rng.uniform(0.03, 0.07) * np.linalg.norm(corners[0] - corners[2])
        base = point - inward * rng.uniform(60, 140) + rng.normal(0, 20, 2)
        thick = int(rng.uniform(0.035, 0.06) * min(height, width))
        mask = np.zeros((height, width), np.float32)
        cv2.line(mask, tuple(int(v) for v in base), tuple(int(v) for v in tip), 1.0, thick)
        mask = cv2.GaussianBlur(mask, (0, 0), 1.5)[..., None]
        shade = skin_colour(rng) * (0.9 + 0.1 * smooth_noise((height, width), rng, 6)[..., None])
        image[:] = image * (1 - mask) + shade * mask


# --- Light and camera -----------------------------------------------------------------------


def _light(image: np.ndarray, rng, gradient: float, shadow: bool, glare: int) -> np.ndarray:
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(direction) * xs / width + np.sin(direction) * ys / height
    light = 1.0 - gradient * (ramp - ramp.min()) / (np.ptp(ramp) + 1e-6)
    if shadow:  # a hard-ish shadow of an arm or a head across part of the frame
        angle = rng.uniform(0, 2 * np.pi)
        px, py = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
        side = (xs - px) * np.cos(angle) + (ys - py) * np.sin(angle)
        light *= 1.0 - rng.uniform(0.3, 0.5) / (1.0 + np.exp(-side / (width * rng.uniform(0.005, 0.03))))
    image = image * light[..., None]
    for _ in range(glare):
        cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        radius = rng.uniform(0.03, 0.1) * min(width, height)
        spot = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius ** 2))
        image = image + rng.uniform(90, 160) * spot[..., None]
    return image


def _camera(image: np.ndarray, rng, motion: float, defocus: float, noise: float,
            jpeg: int) -> np.ndarray:
    if motion > 0:
        image = pen.motion_blur(image, motion, rng.uniform(0, 180))
    if defocus > 0:
        image = cv2.GaussianBlur(image, (0, 0), defocus)
    image = image + rng.normal(0, noise, image.shape).astype(np.float32)
    frame = np.clip(image, 0, 255).astype(np.uint8)
    if jpeg < 100:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        frame = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return frame


# --- A scene --------------------------------------------------------------------------------


def _draw_factors(condition: str, rng) -> dict:
    """The scene's factors: the base distribution, with the condition's factor fixed."""
    f = {
        "background": str(rng.choice(BACKGROUNDS)), "paper": str(rng.choice(["white", "off-white"])),
        "ink": str(rng.choice(["black", "blue"])), "mixed": False, "tilt": 12.0,
        "roll": rng.uniform(-8, 8), "out": False, "fingers": 0, "gradient": rng.uniform(0.0, 0.25),
        "shadow": False, "glare": 0, "motion": 0.0, "defocus": rng.uniform(0.0, 0.8),
        "noise": rng.uniform(1.5, 4.0), "jpeg": int(rng.integers(75, 95)), "fill": False,
        "paper_present": True, "person": False, "closeup": False, "lookalikes": 0.0,
    }
    kind, _, value = condition.partition(": ")
    if kind == "background":
        f["background"] = value
    elif kind == "paper":
        f["paper"] = value
    elif kind == "ink":
        f["ink"] = value
    elif condition == "mixed sizes":
        f["mixed"] = True
    elif condition == "perspective 35":
        f["tilt"] = 35.0
    elif condition == "rotation 30":
        f["roll"] = float(rng.choice([-1, 1]) * rng.uniform(15, 30))
    elif condition == "partly out of frame":
        f["out"] = True
    elif condition == "fingers on edges":
        f["fingers"] = int(rng.integers(2, 5))
    elif condition == "light gradient":
        f["gradient"] = rng.uniform(0.4, 0.6)
    elif condition == "cast shadow":
        f["shadow"] = True
    elif condition == "glare":
        f["glare"] = int(rng.integers(1, 3))
    elif condition == "motion blur":
        f["motion"] = rng.uniform(5, 11)
    elif condition == "defocus":
        f["defocus"] = rng.uniform(1.5, 2.5)
    elif condition == "sensor noise":
        f["noise"] = rng.uniform(8, 14)
    elif condition == "jpeg":
        f["jpeg"] = int(rng.integers(25, 45))
    elif condition == "page fills frame":
        f["fill"] = True
    elif condition in LOOKALIKE_CONDITIONS:
        f["lookalikes"] = LOOKALIKE_SHARE[condition]
        f["fill"] = condition.endswith("page fills frame")
    elif condition in NO_PAPER:
        f["paper_present"] = False
        f["person"] = condition == "no paper: person"
        if f["person"]:
            f["background"] = "clothes"
        f["closeup"] = condition == "no paper: close-up"
    elif condition != "base":
        raise ValueError(f"unknown condition {condition!r}; choose from "
                         f"{CONDITIONS + LOOKALIKE_CONDITIONS}")
    return f


def _to_frame(boxes, matrix: np.ndarray) -> np.ndarray:
    """Boxes (x0, y0, x1, y1) on the sheet as float32 (N, 4, 2) quadrilaterals in the frame."""
    quads = np.float32([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]] for x0, y0, x1, y1 in boxes])
    return cv2.perspectiveTransform(quads.reshape(-1, 1, 2), matrix).reshape(-1, 4, 2) if len(
        boxes) else np.zeros((0, 4, 2), np.float32)


def _lookalike(rng, digits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """A letter or a shape of a held-out kind, drawn with the pen (28x28, light on dark),
    to be inked on the sheet like a digit."""
    while True:
        patch = make_negative(str(rng.choice(LOOKALIKE_KINDS)), rng, digits, labels, drawn=True)
        if patch is not None and (patch > 76).any():
            return patch


def render_scene(condition: str, rng: np.random.Generator, digits: np.ndarray,
                 labels: np.ndarray, size: tuple[int, int] = (640, 480)) -> Scene:
    """One frame of a condition (see CONDITIONS, or "base"), size (width, height)."""
    width, height = size
    f = _draw_factors(condition, rng)
    if f["closeup"]:
        image = closeup(height, width, rng)
    else:
        image = background(f["background"], height, width, rng)
    if not f["paper_present"]:
        if f["person"]:
            _fingers(image, np.float32([[0.3, 0.3], [0.7, 0.3], [0.7, 0.7], [0.3, 0.7]]) * (width, height),
                     rng, int(rng.integers(2, 6)))
        image = _light(image, rng, f["gradient"], f["shadow"], f["glare"])
        frame = _camera(image, rng, f["motion"], f["defocus"], f["noise"], f["jpeg"])
        return Scene(frame, (), np.zeros((0, 4, 2), np.float32), None, condition)
    if f["paper"] == "sticky":
        sheet_w = sheet_h = 600
    elif f["fill"] or f["mixed"]:  # landscape: a page filling the frame keeps its digits in
        sheet_w, sheet_h = 800, 600  # view; small digits beside big ones stay legible
    else:
        sheet_w, sheet_h = (800, 600) if rng.random() < 0.6 else (600, 800)
    attempts = 40
    for attempt in range(attempts):  # until every digit is in view and legible
        sheet = paper(f["paper"], sheet_h, sheet_w, rng)
        colour = ink_colour(f["ink"], rng)
        cells = layout(rng, sheet_w, sheet_h, f["mixed"])
        corners = sheet_corners(sheet_w, sheet_h, (width, height), rng, tilt=f["tilt"], roll=f["roll"],
                                cover=(0.7, 0.9) if f["mixed"] else (0.55, 0.85), out_of_frame=f["out"], fill=f["fill"],
                                push=1.0 - attempt / attempts)
        source = np.float32([[0, 0], [sheet_w, 0], [sheet_w, sheet_h], [0, sheet_h]])
        matrix = cv2.getPerspectiveTransform(source, corners)
        boxes, values, rows, others = [], [], [], []
        for row_index, row in enumerate(cells):
            for x, y, cell in row:
                if f["lookalikes"] and rng.random() < f["lookalikes"]:
                    others.append(write_digit(sheet, _lookalike(rng, digits, labels), x, y,
                                              cell, colour, f["ink"]))
                    continue
                index = int(rng.integers(len(labels)))
                boxes.append(write_digit(sheet, digits[index], x, y, cell, colour, f["ink"]))
                values.append(int(labels[index]))
                rows.append(row_index)
        quads = _to_frame(boxes, matrix)
        every = np.concatenate([quads, _to_frame(others, matrix)])
        inside = ((every[..., 0] >= 2) & (every[..., 0] <= width - 3)
                  & (every[..., 1] >= 2) & (every[..., 1] <= height - 3)).all()
        tall = np.linalg.norm(every[:, 3] - every[:, 0], axis=1).min(initial=0) >= MIN_DIGIT_PX
        if inside and tall and (values or condition in NO_DIGITS):
            break
    warped = cv2.warpPerspective(sheet, matrix, (width, height), flags=cv2.INTER_AREA)
    cover = cv2.warpPerspective(np.ones((sheet_h, sheet_w), np.float32), matrix, (width, height))[..., None]
    image = warped * cover + image * (1 - cover)
    if f["fingers"]:
        _fingers(image, corners, rng, f["fingers"])
    image = _light(image, rng, f["gradient"], f["shadow"], f["glare"])
    frame = _camera(image, rng, f["motion"], f["defocus"], f["noise"], f["jpeg"])
    return Scene(frame, tuple(values), quads.astype(np.float32), corners, condition, tuple(rows))


def render_frames(condition: str, seed: int, digits: np.ndarray, labels: np.ndarray,
                  size: tuple[int, int] = (640, 480), count: int = 1):
    """The first `count` frames of a condition for a seed, one at a time. Seeded by the seed
    and the condition's place in CONDITIONS + LOOKALIKE_CONDITIONS, so that a condition run
    alone gives the frames it gives in a full run, and every benchmark and test that names a
    seed's frame means the same frame."""
    rng = np.random.default_rng([seed, (CONDITIONS + LOOKALIKE_CONDITIONS).index(condition)])
    for _ in range(count):
        yield render_scene(condition, rng, digits, labels, size)
