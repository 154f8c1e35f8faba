"""What is not a digit, made here and seeded: letters, shapes, scribbles, filled blots,
touching or superimposed digits, and the paper, desk and skin a detector may crop.

Every negative is a 28x28 uint8 patch (light ink on dark, like MNIST) made through the
app's own paths (`synth.pen`): drawn with the app's pen and renderer, or inked on paper and
photographed. Kinds, fonts and letters are split into those used for training and those
held out of it, so that a benchmark can measure rejection on what the model never saw.

Left out on purpose: shapes that are digits (a lone bar is a 1, a plain ellipse a 0), the
digit-like letters (O o D Q, I l i j, Z z, S s, B, G b, g q), and pieces of single digits
(the right half of a 3 is a 3, the lower half of a 9 a 1: their label would be noise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from recognizer.core.preprocess import to_mnist
from recognizer.synth import pen

# Letters that do not look like a digit; a few are held out of training.
LETTERS = "AaCcdEeFfHhJKkLMmNnPpRrTtUuVvWwXxYy"
HELD_OUT_LETTERS = "KRhw"
TRAIN_FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSansMono.ttf",
    "DejaVuSansMono-BoldOblique.ttf", "STIXGeneral.ttf", "STIXGeneralItalic.ttf", "cmss10.ttf",
    "cmtt10.ttf",
)
HELD_OUT_FONTS = ("DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf", "cmr10.ttf", "cmti10.ttf")

TRAIN_SHAPES = (
    "smiley", "star", "triangle", "square", "arrow", "cross", "plus", "wave", "diamond",
    "hexagon", "cloud", "flower", "moon", "lightning", "house", "hash", "sun", "zigzag",
)
HELD_OUT_SHAPES = ("heart", "spiral", "check")
TRAIN_TEXTURES = ("paper", "wood", "fabric", "edge", "corner", "ruled", "shadow")
HELD_OUT_TEXTURES = ("finger", "skin")

# kind -> whether it is held out of training. Each kind has its own row in the benchmark.
KINDS = {
    "letter": False, "shape": False, "doodle": False, "scribble": False, "pair": False,
    "overlap": False, "texture": False, "blot": False,
    "letter (held-out fonts and letters)": True, "shape (held-out shapes)": True,
    "hatching": True, "overlay": True, "texture (held-out)": True,
}


def font_path(name: str) -> Path:
    """A font that ships with matplotlib (a dependency), so no download is needed."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


# --- Geometry helpers ------------------------------------------------------------------------


def _arc(cx, cy, rx, ry, start, stop, count=24):
    angles = np.linspace(start, stop, count)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


def _wobble(lines, rng, amount=0.02):
    """Hand-drawn lines: a random rotation, aspect and shear, and a small smooth tremor."""
    angle = np.deg2rad(rng.uniform(-15, 15))
    sx, sy = rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2)
    shear = rng.uniform(-0.2, 0.2)
    c, s = np.cos(angle), np.sin(angle)
    out = []
    for line in lines:
        points = np.asarray(line, np.float64) - 0.5
        points = points * (sx, sy)
        points[:, 0] += shear * points[:, 1]
        points = points @ np.array([[c, -s], [s, c]]).T
        tremor = rng.normal(0, amount, points.shape)
        if len(points) > 3:
            tremor = cv2.GaussianBlur(tremor.reshape(-1, 1, 2), (1, 5), 0).reshape(-1, 2)
        out.append([(float(x), float(y)) for x, y in points + tremor + 0.5])
    return out


def shape_lines(kind: str, rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """A shape as pen strokes in a unit box (y down)."""
    if kind == "smiley":
        return [_arc(0.5, 0.5, 0.45, 0.45, 0, 2 * np.pi, 40), [(0.35, 0.38), (0.36, 0.4)],
                [(0.65, 0.38), (0.64, 0.4)], _arc(0.5, 0.52, 0.25, 0.2, 0.3, np.pi - 0.3)]
    if kind == "star":
        points = [(0.5 + 0.5 * np.sin(k * 4 * np.pi / 5), 0.5 - 0.5 * np.cos(k * 4 * np.pi / 5))
                  for k in range(6)]
        return [points]
    if kind == "triangle":
        return [[(0.5, 0.0), (1.0, 0.9), (0.0, 0.9), (0.5, 0.0)]]
    if kind == "square":
        return [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]]
    if kind == "arrow":
        return [[(0.0, 0.5), (1.0, 0.5)], [(0.65, 0.2), (1.0, 0.5), (0.65, 0.8)]]
    if kind == "cross":
        return [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]]
    if kind == "plus":
        return [[(0.5, 0.05), (0.5, 0.95)], [(0.05, 0.5), (0.95, 0.5)]]
    if kind == "wave":
        xs = np.linspace(0, 1, 40)
        cycles = rng.uniform(1.5, 3.0)
        return [[(x, 0.5 + 0.25 * np.sin(2 * np.pi * cycles * x)) for x in xs]]
    if kind == "diamond":
        return [[(0.5, 0.0), (1.0, 0.5), (0.5, 1.0), (0.0, 0.5), (0.5, 0.0)]]
    if kind == "hexagon":
        return [[(0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a))
                 for a in np.linspace(0, 2 * np.pi, 7) + rng.uniform(0, 1)]]
    if kind == "cloud":
        t = np.linspace(0, 2 * np.pi, 80)
        bumps = int(rng.integers(5, 9))
        r = 0.38 + 0.1 * np.abs(np.sin(bumps * t / 2))
        return [[(0.5 + a * np.cos(b), 0.5 + 0.7 * a * np.sin(b)) for a, b in zip(r, t)]]
    if kind == "flower":
        t = np.linspace(0, 2 * np.pi, 90)
        petals = int(rng.integers(4, 7))
        r = 0.2 + 0.3 * np.abs(np.cos(petals * t / 2))
        return [[(0.5 + a * np.cos(b), 0.5 + a * np.sin(b)) for a, b in zip(r, t)]]
    if kind == "moon":
        return [_arc(0.5, 0.5, 0.5, 0.5, 0.5 * np.pi, 1.5 * np.pi, 20)
                + _arc(0.62, 0.5, 0.3, 0.5, 1.5 * np.pi, 0.5 * np.pi, 20)]
    if kind == "lightning":
        return [[(0.6, 0.0), (0.25, 0.55), (0.6, 0.5), (0.35, 1.0)]]
    if kind == "house":
        return [[(0.1, 0.45), (0.1, 1.0), (0.9, 1.0), (0.9, 0.45), (0.1, 0.45), (0.5, 0.0),
                 (0.9, 0.45)]]
    if kind == "hash":
        return [[(0.35, 0.0), (0.3, 1.0)], [(0.7, 0.0), (0.65, 1.0)], [(0.0, 0.33), (1.0, 0.33)],
                [(0.0, 0.66), (1.0, 0.66)]]
    if kind == "sun":
        rays = [[(0.5 + 0.3 * np.cos(a), 0.5 + 0.3 * np.sin(a)),
                 (0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a))]
                for a in np.linspace(0, 2 * np.pi, 9)[:-1]]
        return [_arc(0.5, 0.5, 0.2, 0.2, 0, 2 * np.pi, 20)] + rays
    if kind == "zigzag":
        teeth = int(rng.integers(3, 6))
        return [[(k / (2 * teeth), 0.2 if k % 2 else 0.8) for k in range(2 * teeth + 1)]]
    if kind == "heart":
        t = np.linspace(0, 2 * np.pi, 50)
        x = 16 * np.sin(t) ** 3
        y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
        return [[(0.5 + a / 34, 0.45 - b / 34) for a, b in zip(x, y)]]
    if kind == "spiral":
        t = np.linspace(0, rng.uniform(3, 5) * np.pi, 60)
        r = 0.05 + 0.45 * t / t[-1]
        return [[(0.5 + a * np.cos(b), 0.5 + a * np.sin(b)) for a, b in zip(r, t)]]
    if kind == "check":
        return [[(0.0, 0.55), (0.35, 0.95), (1.0, 0.0)]]
    raise ValueError(f"unknown shape {kind!r}")


def scribble_lines(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """A quick scribble: a random walk with momentum, scribbled back and forth."""
    count = int(rng.integers(40, 120))
    heading = rng.uniform(0, 2 * np.pi)
    point = np.array([0.5, 0.5])
    points = []
    for _ in range(count):
        heading += rng.normal(0, 0.7)
        point = np.clip(point + 0.06 * np.array([np.cos(heading), np.sin(heading)]), 0, 1)
        points.append((float(point[0]), float(point[1])))
    return [points]


def doodle_lines(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """A shape nobody named: two or three training shapes side by side, each shrunk, or a
    spiky irregular polygon. Unseen shapes are the held-out rows' test, so the training
    shapes must not be a short fixed list. Shapes are set side by side, never stacked (two
    loops one over the other are an 8), and a polygon's radius varies at least twofold (a
    round one is a 0)."""
    if rng.random() < 0.4:
        corners = int(rng.integers(5, 11))
        angles = np.sort(rng.uniform(0, 2 * np.pi, corners))
        radii = rng.uniform(0.1, 0.5, corners)
        radii[int(rng.integers(corners))] = 0.5
        radii[int(rng.integers(corners))] = min(radii.min(), 0.22)
        points = [(0.5 + r * np.cos(a), 0.5 + r * np.sin(a)) for r, a in zip(radii, angles)]
        return [points + points[:1]]
    lines = []
    count = int(rng.integers(2, 4))
    scale = 1.0 / count
    for k in range(count):
        dy = rng.uniform(0.25, 0.45) - scale / 2
        for line in shape_lines(str(rng.choice(TRAIN_SHAPES)), rng):
            lines.append([(k * scale + scale * x, dy + scale * y) for x, y in line])
    return lines


def hatching_lines(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """Parallel strokes shading an area (crossed half of the time)."""
    lines = []
    for angle in (rng.uniform(20, 70), rng.uniform(110, 160))[: int(rng.integers(1, 3))]:
        a = np.deg2rad(angle)
        direction = np.array([np.cos(a), np.sin(a)])
        normal = np.array([-direction[1], direction[0]])
        for offset in np.linspace(-0.4, 0.4, int(rng.integers(5, 10))):
            centre = 0.5 + normal * offset
            lines.append([tuple(centre - 0.45 * direction), tuple(centre + 0.45 * direction)])
    return lines


# --- Images ---------------------------------------------------------------------------------


def letter_image(char: str, font: str, rng: np.random.Generator, size: int = 112) -> np.ndarray:
    """A letter in a font, dark on light, slightly rotated and sheared."""
    image = Image.new("L", (size, size), 255)
    face = ImageFont.truetype(str(font_path(font)), int(size * 0.6))
    ImageDraw.Draw(image).text((size / 2, size / 2), char, fill=0, font=face, anchor="mm")
    gray = np.asarray(image)
    matrix = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-12, 12), 1.0)
    matrix[0, 1] += rng.uniform(-0.2, 0.2)
    return cv2.warpAffine(gray, matrix, (size, size), borderValue=255)


def texture_image(kind: str, rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """What a detector may crop that is no ink: paper grain, wood, fabric, the sheet's edge or
    corner, a ruled line, a shadow, a finger, skin; dark on light, float 0-255."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / size
    base = rng.uniform(150, 230)
    if kind == "paper":
        noise = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 2)
        return base + 25 * noise / (noise.std() + 1e-6) * (noise < -0.8)
    if kind == "wood":
        angle = rng.uniform(0, np.pi)
        u = xs * np.cos(angle) + ys * np.sin(angle)
        grain = np.sin(2 * np.pi * (u * rng.uniform(3, 8) + 0.3 * np.sin(6 * ys + 3 * xs)))
        return base - 60 * (grain > 0.6)
    if kind == "fabric":
        period = rng.uniform(4, 9)
        weave = (np.sin(2 * np.pi * xs * size / period) * np.sin(2 * np.pi * ys * size / period))
        return base - 50 * (weave > 0.4)
    if kind == "edge":
        angle = rng.uniform(-0.4, 0.4)
        cut = 0.5 + rng.uniform(-0.2, 0.2)
        return np.where(xs * np.cos(angle) + ys * np.sin(angle) > cut, base - 120, base)
    if kind == "corner":
        cx, cy = rng.uniform(0.3, 0.7, 2)
        return np.where((xs > cx) | (ys > cy), base - 120, base)
    if kind == "ruled":
        lines = np.zeros((size, size), np.float32)
        y = rng.uniform(0.3, 0.7) * size
        tilt = rng.uniform(-0.15, 0.15)
        cv2.line(lines, (0, int(y)), (size - 1, int(y + tilt * size)), 1.0,
                 int(rng.integers(1, 4)))
        return base - 90 * lines
    if kind == "shadow":
        cx, cy, r = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.3, 0.6)
        shade = np.clip(1.2 - np.hypot(xs - cx, ys - cy) / r, 0, 1)
        return base - 100 * shade
    if kind == "finger":
        mask = np.zeros((size, size), np.float32)
        x = int(rng.uniform(0.2, 0.8) * size)
        width = int(rng.uniform(0.35, 0.55) * size)  # a fingertip, far wider than a stroke
        cv2.line(mask, (x, size), (x + int(rng.uniform(-8, 8)), int(rng.uniform(0.2, 0.6) * size)),
                 1.0, width)
        return base - 110 * cv2.GaussianBlur(mask, (0, 0), 2)
    if kind == "skin":
        blotch = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 5)
        return base - 80 * (blotch > 0.05 * rng.uniform(-1, 1) * blotch.std())
    raise ValueError(f"unknown texture {kind!r}")


def blot_image(rng: np.random.Generator, size: int = 96) -> np.ndarray:
    """A filled shape, no stroke (a disc, a blob, a polygon, a stamp or sticker, a thumb's
    print), dark on light paper, float 0-255; never bar-like (a filled bar is a bold 1)."""
    image = np.full((size, size), rng.uniform(170, 240), np.float32)
    ink = float(rng.uniform(10, 120))
    centre = np.array([size / 2, size / 2]) + rng.uniform(-4, 4, 2)
    radius = size * rng.uniform(0.25, 0.4)
    aspect = rng.uniform(0.55, 1.0)
    angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 9))))
    while np.diff(np.append(angles, angles[0] + 2 * np.pi)).max() > 0.75 * np.pi:
        # a polygon whose corners bunch on one side is a sliver, a bar: draw them again
        angles = np.sort(rng.uniform(0, 2 * np.pi, len(angles)))
    kind = int(rng.integers(3))
    if kind == 0:  # a smooth blob: a radius that wavers around the centre
        angles = np.linspace(0, 2 * np.pi, 60, endpoint=False)
        wobble = sum(rng.uniform(0, 0.15) * np.cos(k * angles + rng.uniform(0, 6.3))
                     for k in range(2, 5))
        radii = radius * (1 + wobble)
    else:  # a disc or an ellipse (kind 1), a polygon (kind 2)
        angles = np.linspace(0, 2 * np.pi, 60, endpoint=False) if kind == 1 else angles
        radii = np.full(len(angles), radius)
    tilt = rng.uniform(0, np.pi)
    x, y = radii * np.cos(angles), aspect * radii * np.sin(angles)
    points = centre + np.stack([x * np.cos(tilt) - y * np.sin(tilt),
                                x * np.sin(tilt) + y * np.cos(tilt)], axis=1)
    cv2.fillPoly(image, [np.round(points * 16).astype(np.int32)], ink, cv2.LINE_AA, shift=4)
    return image


def pair_image(first: np.ndarray, second: np.ndarray, rng: np.random.Generator,
               overlay: bool = False, overlap: tuple[float, float] = (0.0, 0.25)) -> np.ndarray:
    """Two MNIST digits (light on dark, 28x28) side by side with their ink touching or
    overlapping by a share of a digit's width drawn from overlap (overlay: one on top of
    the other), as dark ink on light paper."""
    canvas = np.zeros((28, 64), np.float32)
    shift = 0 if overlay else int(round(28 * (1 - rng.uniform(*overlap)))) - 6
    canvas[:, 4 : 32] = np.maximum(canvas[:, 4:32], first)
    canvas[:, 4 + shift : 32 + shift] = np.maximum(canvas[:, 4 + shift : 32 + shift], second)
    return 255.0 - canvas


# --- The set ------------------------------------------------------------------------------


def _two_digits(rng, digits, labels, overlay):
    """Two digits of different classes; for an overlay (or overlap) neither is a 1 (a 1
    drawn over a 7 is a 7)."""
    while True:
        i, j = rng.integers(len(digits), size=2)
        if labels[i] == labels[j] or (overlay and 1 in (labels[i], labels[j])):
            continue
        return digits[i], digits[j]


def make_negative(
    kind: str, rng: np.random.Generator, digits: np.ndarray, labels: np.ndarray,
    drawn: bool | None = None,
) -> np.ndarray | None:
    """One negative patch of a kind (see KINDS), drawn or inked at random (or drawn with
    the pen when `drawn`, inked when False: the scene generator inks it itself); None when
    the draw came out blank (the caller draws again)."""
    look_drawn = rng.random() < 0.5 if drawn is None else drawn
    held = KINDS[kind]
    if kind.startswith("letter"):
        letters = HELD_OUT_LETTERS if held else "".join(
            c for c in LETTERS if c not in HELD_OUT_LETTERS)
        fonts = (HELD_OUT_FONTS + TRAIN_FONTS) if held else TRAIN_FONTS
        if held and rng.random() < 0.5:  # held-out letters in any font, any letter in a held-out font
            fonts = HELD_OUT_FONTS
            letters = LETTERS
        image = letter_image(str(rng.choice(list(letters))), str(rng.choice(fonts)), rng)
        if look_drawn:
            return pen.drawn(pen.traced(image))
        return pen.photographed(image.astype(np.float32), rng)
    if kind.startswith("shape") or kind in ("scribble", "hatching", "doodle"):
        if kind == "scribble":
            lines = scribble_lines(rng)
        elif kind == "doodle":
            lines = _wobble(doodle_lines(rng), rng)
        elif kind == "hatching":
            lines = hatching_lines(rng)
        else:
            shapes = HELD_OUT_SHAPES if held else TRAIN_SHAPES
            lines = _wobble(shape_lines(str(rng.choice(shapes)), rng), rng)
        return pen.drawn(lines) if look_drawn else pen.inked(lines, rng)
    if kind in ("pair", "overlap", "overlay"):
        first, second = _two_digits(rng, digits, labels, overlay=kind != "pair")
        # "overlap" (training): a quarter to half of a digit's width over each other;
        # "overlay" (held out): one right on top of the other.
        image = pair_image(first.astype(np.float32), second.astype(np.float32), rng,
                           overlay=kind == "overlay",
                           overlap=(0.25, 0.5) if kind == "overlap" else (0.0, 0.25))
        if look_drawn:
            return pen.drawn(pen.traced(image))
        return pen.photographed(cv2.resize(image, None, fx=3, fy=3), rng)
    if kind == "blot":
        image = blot_image(rng)
        if look_drawn:  # as a marker's fill would be drawn: flat, no grain
            return pen.to_uint8(to_mnist(np.clip(image, 0, 255).astype(np.uint8)))
        return pen.photographed(image, rng)
    if kind.startswith("texture"):
        textures = HELD_OUT_TEXTURES if held else TRAIN_TEXTURES
        image = texture_image(str(rng.choice(textures)), rng)
        patch = to_mnist(np.clip(image, 0, 255).astype(np.uint8))
        return pen.to_uint8(patch)
    raise ValueError(f"unknown kind {kind!r}")


def make_negatives(
    count: int, seed: int, digits: np.ndarray, labels: np.ndarray, held_out: bool = False,
    progress: Callable[[int], None] | None = None, kinds: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """count negatives of the training kinds (or, held_out=True, of the held-out kinds; or
    of the given `kinds`), in equal shares: (N, 28, 28) uint8 patches and each one's kind.

    digits, labels: MNIST digits (light on dark) and their labels, for the touching and
    superimposed pairs: training digits for a training set, test digits for an evaluation set.
    """
    rng = np.random.default_rng(seed)
    if kinds is None:
        kinds = [k for k, held in KINDS.items() if held == held_out]
    patches, made = [], []
    while len(patches) < count:
        kind = kinds[len(patches) % len(kinds)]
        patch = make_negative(kind, rng, digits, labels)
        if patch is None:
            continue
        patches.append(patch)
        made.append(kind)
        if progress is not None and len(patches) % 1000 == 0:
            progress(len(patches))
    return np.stack(patches) if patches else np.zeros((0, 28, 28), np.uint8), made
