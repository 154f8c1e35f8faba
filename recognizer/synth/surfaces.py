"""The surfaces of a scene (`synth.scenes`): backgrounds, skin, paper and ink.

What the frames of `synth.scenes` are painted with, apart from how a scene is laid out,
placed in perspective and photographed: a background of a kind (see BACKGROUNDS: dark,
bright, textured, a cluttered desk, wood, fabric, a person's clothes and skin, colour
fields), skin tones (a neck, an arm, the fingers that hold a sheet), a sheet of paper of a
kind (see PAPERS), an ink colour (see INKS), and `write_digit`, which inks an MNIST digit
onto the sheet as that ink looks (a marker's thick felt tip, a pencil's grain). Each draws
from the caller's random generator, so that a seeded scene renders the same frame every time.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.synth.negatives import texture_image

BACKGROUNDS = ("dark", "bright", "textured", "desk", "wood", "fabric", "clothes", "colour")
# Surfaces a camera sees close up, filling the frame, when no sheet is held before it.
CLOSEUPS = ("blotches", "marble", "terrazzo", "spots")
PAPERS = ("white", "off-white", "sticky", "ruled", "squared")
INKS = ("black", "blue", "red", "green", "pencil", "marker")


# --- Backgrounds ----------------------------------------------------------------------------


def smooth_noise(shape, rng, sigma):
    """Gaussian noise (unit variance before blurring) smoothed over sigma px, float32: the
    grain of a surface, the folds of cloth, the unevenness of skin."""
    return cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), sigma)


def _colourise(gray: np.ndarray, colour) -> np.ndarray:
    """A 0-255 gray texture tinted: its brightness scales a BGR colour."""
    return gray[..., None] / 255.0 * np.asarray(colour, np.float32)[None, None, :]


def _texture(kind: str, height: int, width: int, rng) -> np.ndarray:
    """negatives.texture_image at frame size (it draws in a square), float 0-255."""
    side = max(height, width)
    scale = rng.uniform(0.5, 1.0)
    image = texture_image(kind, rng, size=max(64, int(side * scale)))
    return cv2.resize(image.astype(np.float32), (side, side))[:height, :width]


def background(kind: str, height: int, width: int, rng) -> np.ndarray:
    """A background of a kind (see BACKGROUNDS), float32 BGR 0-255."""
    shape = (height, width)
    if kind == "dark":
        level = rng.uniform(8, 55)
        tint = rng.uniform(0.8, 1.2, 3)
        image = np.full((height, width, 3), level, np.float32) * tint
        return image + 6 * smooth_noise(shape, rng, 3)[..., None]
    if kind == "bright":  # a light wall or a white desk: bright, but not as white as paper
        level = rng.uniform(150, 200)
        image = np.full((height, width, 3), level, np.float32) * rng.uniform(0.9, 1.05, 3)
        ramp = np.linspace(rng.uniform(0.85, 1.0), rng.uniform(0.85, 1.0), width)[None, :, None]
        return image * ramp + 4 * smooth_noise(shape, rng, 4)[..., None]
    if kind == "textured":  # blotches and stripes of strong contrast
        blotch = smooth_noise(shape, rng, rng.uniform(2, 6))
        blotch = 128 + 90 * np.tanh(2 * blotch / (blotch.std() + 1e-6))
        colour = rng.uniform(0.5, 1.0, 3) * 255
        image = _colourise(blotch, colour)
        for _ in range(int(rng.integers(5, 15))):
            p0 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            p1 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            cv2.line(image, p0, p1, rng.uniform(0, 120, 3).tolist(), int(rng.integers(2, 8)))
        return image
    if kind == "desk":  # a desk with things on it: pens, cups, papers' corners, cables
        image = np.full((height, width, 3), 1.0, np.float32) * rng.uniform(60, 170, 3)
        image += 8 * smooth_noise(shape, rng, 5)[..., None]
        for _ in range(int(rng.integers(8, 20))):
            colour = rng.uniform(0, 255, 3).tolist()
            x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
            shape_kind = rng.integers(4)
            if shape_kind == 0:
                cv2.line(image, (x, y), (x + int(rng.integers(-150, 150)), y + int(rng.integers(-150, 150))),
                         colour, int(rng.integers(3, 12)))
            elif shape_kind == 1:
                cv2.ellipse(image, (x, y), (int(rng.integers(10, 60)), int(rng.integers(10, 60))),
                            float(rng.uniform(0, 180)), 0, 360, colour, -1)
            elif shape_kind == 2:
                cv2.rectangle(image, (x, y), (x + int(rng.integers(20, 120)), y + int(rng.integers(20, 90))),
                              colour, int(rng.choice([-1, 2, 3])))
            else:  # a cable
                xs = np.linspace(0, width, 20)
                ys = y + 40 * np.sin(xs / rng.uniform(30, 90) + rng.uniform(0, 6))
                cv2.polylines(image, [np.stack([xs, ys], 1).astype(np.int32)], False, colour, 3)
        return image
    if kind == "wood":
        grain = _texture("wood", height, width, rng)
        return (_colourise(grain, rng.uniform([40, 80, 130], [90, 130, 200]))
                + 5 * smooth_noise(shape, rng, 2)[..., None])
    if kind == "fabric":
        weave = _texture("fabric", height, width, rng)
        return (_colourise(weave, rng.uniform(60, 255, 3))
                + 4 * smooth_noise(shape, rng, 1)[..., None])
    if kind == "clothes":  # a shirt with folds, skin of the neck and arms
        colour = rng.uniform(30, 230, 3)
        folds = smooth_noise(shape, rng, rng.uniform(12, 25))
        folds = folds / (folds.std() + 1e-6)
        shade = 1.0 - 0.35 * np.clip(np.abs(folds), 0, 2) / 2 - 0.3 * (np.abs(folds) < 0.08)
        image = shade[..., None] * colour[None, None, :]
        _skin(image, rng, int(rng.integers(1, 4)))
        return image
    if kind == "colour":
        image = np.empty((height, width, 3), np.float32)
        image[:] = rng.uniform(0, 255, 3)
        for _ in range(int(rng.integers(2, 5))):
            points = rng.uniform(0, 1, (int(rng.integers(3, 6)), 2)) * (width, height)
            hull = cv2.convexHull(points.astype(np.int32))
            cv2.fillConvexPoly(image, hull, rng.uniform(0, 255, 3).tolist())
        return image
    raise ValueError(f"unknown background {kind!r}")


def closeup(height: int, width: int, rng) -> np.ndarray:
    """A mottled surface filling the frame (see CLOSEUPS: camouflage or mottled skin, marble
    streaks, terrazzo chips, filled animal-print spots), float32 BGR 0-255: shapes of a
    digit's size and contrast, none of them ink."""
    shape = (height, width)
    kind = str(rng.choice(CLOSEUPS))
    if kind == "blotches":  # camouflage cloth, mottled skin: two or three tones in blotches
        noise = smooth_noise(shape, rng, rng.uniform(4, 12))
        noise /= noise.std() + 1e-6
        levels = np.sort(rng.uniform(-0.8, 0.8, int(rng.integers(1, 3))))
        gray = rng.uniform(150, 230) - rng.uniform(40, 60) * np.digitize(noise, levels)
    elif kind == "marble":  # wavy streaks across the slab (closed loops would be 0s)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) / max(height, width)
        angle = rng.uniform(0, np.pi)
        warp = smooth_noise(shape, rng, rng.uniform(30, 60))
        across = (xs * np.cos(angle) + ys * np.sin(angle)) * rng.uniform(3, 7)
        veins = np.abs(np.sin(np.pi * (across + 0.3 * warp / (warp.std() + 1e-6))))
        gray = rng.uniform(170, 230) - rng.uniform(60, 120) * (veins < rng.uniform(0.08, 0.2))
    elif kind == "terrazzo":
        gray = np.full(shape, rng.uniform(160, 220), np.float32)
        for _ in range(int(rng.integers(60, 200))):
            points = rng.uniform(-1, 1, (int(rng.integers(3, 7)), 2)) * rng.uniform(4, 25)
            points += (rng.uniform(0, width), rng.uniform(0, height))
            cv2.fillConvexPoly(gray, cv2.convexHull(points.astype(np.int32)),
                               float(rng.uniform(20, 140)))
    else:  # spots of an animal print, filled (a ring would be a fair 0)
        gray = np.full(shape, rng.uniform(150, 220), np.float32)
        for _ in range(int(rng.integers(30, 90))):
            centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
            axes = (int(rng.uniform(5, 22)), int(rng.uniform(5, 22)))
            cv2.ellipse(gray, centre, axes, float(rng.uniform(0, 180)), 0, 360,
                        float(rng.uniform(20, 90)), -1)
    tint = skin_colour(rng) if kind == "blotches" else rng.uniform(120, 255, 3)
    image = _colourise(np.clip(gray, 0, 255), tint) + 4 * smooth_noise(shape, rng, 2)[..., None]
    return image.astype(np.float32)


# --- Skin -----------------------------------------------------------------------------------


def skin_colour(rng) -> np.ndarray:
    """A BGR skin tone, light to dark."""
    tone = rng.uniform(0, 1)
    return np.array([60 + 120 * tone, 80 + 110 * tone, 110 + 120 * tone], np.float32)


def _skin(image: np.ndarray, rng, count: int) -> None:
    """Patches of skin (a neck, a forearm) drawn on the image, in place."""
    height, width = image.shape[:2]
    for _ in range(count):
        colour = skin_colour(rng)
        mask = np.zeros((height, width), np.float32)
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        axes = (int(rng.uniform(0.08, 0.3) * width), int(rng.uniform(0.08, 0.4) * height))
        cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), 3)[..., None]
        shade = 1.0 + 0.15 * smooth_noise((height, width), rng, 8)[..., None]
        image[:] = image * (1 - mask) + colour * shade * mask


# --- Paper and ink --------------------------------------------------------------------------


def paper(kind: str, height: int, width: int, rng) -> np.ndarray:
    """A sheet of a kind (see PAPERS), float32 BGR, with a faint fibre texture."""
    if kind == "white":
        tint = rng.uniform(238, 252, 3)
    elif kind == "off-white":
        tint = rng.uniform([200, 220, 228], [225, 240, 248])
    elif kind == "sticky":
        tint = rng.uniform([90, 215, 235], [150, 245, 255])
    else:
        tint = rng.uniform([225, 230, 232], [245, 248, 250])
    sheet = np.empty((height, width, 3), np.float32)
    sheet[:] = tint
    sheet += 3 * smooth_noise((height, width), rng, 1.0)[..., None]
    if kind == "ruled":
        step = int(rng.uniform(0.06, 0.1) * height)
        for y in range(step, height, step):
            cv2.line(sheet, (0, y), (width, y), (200, 160, 120), 1, cv2.LINE_AA)
        x = int(0.08 * width)
        cv2.line(sheet, (x, 0), (x, height), (120, 120, 220), 1, cv2.LINE_AA)
    elif kind == "squared":
        step = int(rng.uniform(0.03, 0.05) * height)
        for y in range(step, height, step):
            cv2.line(sheet, (0, y), (width, y), (205, 185, 170), 1, cv2.LINE_AA)
        for x in range(step, width, step):
            cv2.line(sheet, (x, 0), (x, height), (205, 185, 170), 1, cv2.LINE_AA)
    return sheet


def ink_colour(kind: str, rng) -> np.ndarray:
    """A BGR ink colour of a kind (see INKS)."""
    if kind == "black":
        return rng.uniform(10, 45, 3)
    if kind == "blue":
        return rng.uniform([120, 30, 10], [170, 70, 50])
    if kind == "red":
        return rng.uniform([20, 20, 150], [60, 50, 200])
    if kind == "green":
        return rng.uniform([40, 100, 10], [80, 140, 50])
    if kind == "pencil":
        return np.full(3, rng.uniform(85, 120))
    if kind == "marker":
        return rng.uniform(5, 40, 3)
    raise ValueError(f"unknown ink {kind!r}")


def write_digit(sheet: np.ndarray, digit: np.ndarray, x: int, y: int, size: int,
                colour: np.ndarray, ink: str) -> tuple[int, int, int, int]:
    """Draw a 28x28 MNIST digit as ink into the sheet, its cell at (x, y) size px; returns
    the box (x0, y0, x1, y1) of its ink on the sheet."""
    alpha = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    if ink == "marker":  # a thick felt tip
        width = max(3, int(size * 0.06)) | 1
        alpha = cv2.dilate(alpha, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)))
    elif ink == "pencil":  # thinner and grainy
        alpha = cv2.erode(alpha, np.ones((2, 2), np.uint8)) if size >= 40 else alpha
        alpha = alpha * np.random.default_rng(int(x * 31 + y)).uniform(0.6, 1.0, alpha.shape)
    alpha = np.clip(alpha * 1.15, 0, 1)
    region = sheet[y : y + size, x : x + size]
    region[:] = region * (1 - alpha[..., None]) + colour[None, None, :] * alpha[..., None]
    ys, xs = np.nonzero(alpha > 0.3)
    return x + int(xs.min()), y + int(ys.min()), x + int(xs.max()) + 1, y + int(ys.max()) + 1
