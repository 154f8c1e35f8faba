"""Hypothesis strategies and fuzz targets shared by tests/test_fuzz.py (a few hundred cases
in CI) and benchmarks/fuzz.py (10,000 per target).

Each target takes one generated input, runs the real code on it and checks what came back;
it raises only for a real failure. The exceptions a target may meet are the documented ones
(`ALLOWED`): an array that is no image (`UnsupportedImageError`), a file that is no image
(`ImageLoadError`). Anything else - an OpenCV assertion, a ZeroDivisionError, a NumPy
warning turned error - is a bug.

Images are generated from a few parameters (shape, pixel type, content, broken pixels) with
the pixels themselves made by a NumPy generator seeded by Hypothesis: arrays of up to a few
thousand pixels stay fast to make, and a failure still replays from its seed.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from hypothesis import strategies as st

from recognizer.core.errors import ImageLoadError, UnsupportedImageError

ALLOWED = (UnsupportedImageError, ImageLoadError)

DTYPES = (
    np.uint8, np.uint16, np.int8, np.int16, np.int32, np.int64,
    np.float16, np.float32, np.float64, np.bool_,
)
# Shapes: tiny sides (1-8 px), ordinary ones, and strips up to 1:2000.
SIDES = st.one_of(
    st.integers(0, 8), *[st.integers(9, 160)] * 4,
    st.sampled_from([1, 2, 3, 500, 2000, 4000]),
)
CHANNELS = st.sampled_from([None, 1, 2, 3, 4])
CONTENTS = st.sampled_from(["digits", "digits", "drawn", "noise", "constant", "sparse"])
# How a float image's 0-1 values are put on a scale: [0, 1], 0-255, huge, negative, tiny.
FLOAT_SCALES = st.sampled_from([(1.0, 0.0), (255.0, 0.0), (1e6, 0.0), (-1.0, 0.0),
                                (1e-6, 0.0), (1000.0, -500.0), (65535.0, 0.0)])


def _content(rng: np.random.Generator, shape: tuple[int, int], kind: str) -> np.ndarray:
    """uint8 gray pixels: pen strokes on paper, noise, one value, or a few dots."""
    height, width = shape
    if kind == "constant":
        return np.full(shape, int(rng.integers(0, 256)), dtype=np.uint8)
    if kind == "noise":
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    paper, ink = (int(v) for v in rng.integers(0, 256, size=2))
    image = np.full(shape, paper, dtype=np.uint8)
    if image.size == 0:
        return image
    if kind == "sparse":
        count = int(rng.integers(0, 6))
        if image.size:
            image.flat[rng.integers(0, image.size, size=count)] = ink
        return image
    if kind == "digits":  # rings and bars a digit's size, in a row: the detector's work
        paper = int(rng.integers(150, 256))
        ink = int(rng.integers(0, paper - 79))
        if rng.random() < 0.3:  # light on dark
            paper, ink = 255 - paper, 255 - ink
        image[:] = paper
        size = max(2, int(min(shape) * rng.uniform(0.3, 0.8)))
        thickness = max(1, int(size * rng.uniform(0.05, 0.2)))
        for x in range(size // 2 + 1, max(size // 2 + 2, width - size // 2), size + 2):
            centre = (x + int(rng.integers(-2, 3)), height // 2 + int(rng.integers(-2, 3)))
            if rng.random() < 0.5:
                axes = (max(1, size // 3), max(1, size // 2))
                cv2.ellipse(image, centre, axes, float(rng.uniform(-20, 20)), 0, 360, ink, thickness)
            else:
                cv2.line(image, (centre[0], centre[1] - size // 2), (centre[0], centre[1] + size // 2),
                         ink, thickness)
        return image
    for _ in range(int(rng.integers(1, 8))):
        x0, x1 = (int(v) for v in rng.integers(-4, max(1, width) + 4, size=2))
        y0, y1 = (int(v) for v in rng.integers(-4, max(1, height) + 4, size=2))
        thickness = int(rng.integers(1, max(2, min(shape) // 4 + 2)))
        if rng.random() < 0.5:
            cv2.line(image, (x0, y0), (x1, y1), ink, thickness)
        else:
            radius = int(rng.integers(1, max(2, min(shape) // 2 + 1)))
            cv2.circle(image, (x0, y0), radius, ink, thickness)
    return image


@st.composite
def images(draw) -> np.ndarray:
    """An arbitrary image-like array: any shape (empty and 1:2000 strips included), 1-4
    channels or none, any integer, bool or float type, values of any range, NaN and inf."""
    shape = (draw(SIDES), draw(SIDES))
    if max(shape) > 160:  # keep the long ones strips (4 x 4000), never 4000 x 4000
        shape = (min(shape), max(shape)) if draw(st.booleans()) else (max(shape), min(shape))
        shape = (min(shape[0], 4), shape[1]) if shape[0] < shape[1] else (shape[0], min(shape[1], 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    gray = _content(rng, shape, draw(CONTENTS))
    channels = draw(CHANNELS)
    if channels is None:
        pixels = gray
    else:
        planes = [gray] + [
            np.clip(gray.astype(np.int16) + rng.integers(-40, 40), 0, 255).astype(np.uint8)
            for _ in range(channels - 1)
        ]
        if channels in (2, 4) and draw(st.booleans()):  # alpha: opaque, clear or mixed
            planes[-1] = rng.choice(np.array([0, 128, 255], np.uint8), size=shape)
        pixels = np.stack(planes, axis=2)
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    if dtype == np.uint8:
        return pixels
    if dtype == np.bool_:
        return pixels > 127
    if dtype == np.uint16:
        return pixels.astype(np.uint16) * draw(st.sampled_from([1, 16, 257]))
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        low = max(info.min, -(2**40))
        high = min(info.max, 2**40)
        spread = draw(st.sampled_from([1, 255, high]))
        values = pixels.astype(np.float64) / 255.0 * min(spread, high - max(low, 0))
        return np.clip(values + (low if draw(st.booleans()) else 0), low, high).astype(dtype)
    scale, offset = draw(FLOAT_SCALES)
    with np.errstate(over="ignore"):  # float16 of 1e6 is inf: one more broken pixel
        values = (pixels.astype(np.float64) / 255.0 * scale + offset).astype(dtype)
    broken = draw(st.sampled_from([None, "nan", "inf", "-inf", "all-nan"]))
    if broken == "all-nan":
        values[...] = np.nan
    elif broken is not None and values.size:
        where = rng.random(values.shape) < rng.random()
        values[where] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[broken]
    return values


def not_images():
    """Arrays that are no image: 0-d, 1-d, 4-d, 5+ channels, complex or object pixels."""
    return st.sampled_from([
        np.array(3), np.zeros(7, np.uint8), np.zeros((3, 3, 3, 3), np.uint8),
        np.zeros((9, 9, 5), np.uint8), np.zeros((9, 9), np.complex64),
        np.zeros((4, 4), object),
    ])


# --- Targets ----------------------------------------------------------------------------------


def check_to_mnist(image: np.ndarray) -> None:
    """to_mnist gives None or a finite 28x28 float32 patch in [0, 1]."""
    from recognizer.core.preprocess import to_mnist

    try:
        patch = to_mnist(image)
    except UnsupportedImageError:
        return
    if patch is None:
        return
    assert patch.shape == (28, 28) and patch.dtype == np.float32, (patch.shape, patch.dtype)
    assert np.isfinite(patch).all() and patch.min() >= 0.0 and patch.max() <= 1.0


def check_read_digits(image: np.ndarray, recognizer, fallback: bool, refine: bool) -> None:
    """read_digits gives a mask of the frame's size and read digits with boxes inside it."""
    from recognizer.detection.detector import read_digits

    try:
        found = read_digits(image, recognizer, whole_frame_fallback=fallback, refine=refine)
    except UnsupportedImageError:
        return
    height, width = np.asarray(image).shape[:2]
    assert found.mask.shape == (height, width), (found.mask.shape, image.shape)
    for digit in found.digits:
        x, y, w, h = digit.box
        assert w >= 1 and h >= 1 and 0 <= x < width and 0 <= y < height, (digit.box, image.shape)
        assert digit.patch is not None and digit.patch.shape == (28, 28)


@st.composite
def image_files(draw) -> bytes:
    """Bytes as an image file: random bytes, an encoded fuzzed image, or one truncated or
    with bytes flipped."""
    kind = draw(st.sampled_from(["random", "encoded", "truncated", "flipped", "header"]))
    if kind == "random":
        return draw(st.binary(max_size=2048))
    if kind == "header":  # a real signature, then junk
        magic = draw(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"BM",
                                      b"II*\x00", b"MM\x00*", b"RIFF\x00\x00\x00\x00WEBP"]))
        return magic + draw(st.binary(max_size=512))
    image = draw(images())
    if image.size == 0 or image.dtype not in (np.uint8, np.uint16):
        image = np.zeros((4, 4), np.uint8) if image.size == 0 else (
            np.clip(np.nan_to_num(image.astype(np.float64)), 0, 255).astype(np.uint8))
    if image.ndim == 3 and image.shape[2] == 2:
        image = image[:, :, 0]
    extension = draw(st.sampled_from([".png", ".jpg", ".bmp", ".tiff", ".webp"]))
    if image.dtype == np.uint16 and extension not in (".png", ".tiff"):
        image = (image >> 8).astype(np.uint8)
    ok, encoded = cv2.imencode(extension, image)
    data = encoded.tobytes() if ok else b""
    if kind == "truncated" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif kind == "flipped" and data:
        buffer = bytearray(data)
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        for index in rng.integers(0, len(buffer), size=draw(st.integers(1, 8))):
            buffer[index] = int(rng.integers(0, 256))
        data = bytes(buffer)
    return data


def check_photo_file(data: bytes, folder: Path, recognizer) -> None:
    """load_image gives an image or ImageLoadError; the photo engine's read_file (which
    also writes the annotated copy) gives a FileResult without an unexpected error: its
    per-file boundary would hide a crash, so an "unexpected error" result counts as one."""
    from recognizer.apps.photos import RunOptions, read_file
    from recognizer.core.images import load_image

    path = folder / "fuzz.png"
    path.write_bytes(data)
    try:
        image = load_image(path)
    except ImageLoadError:
        image = None
    if image is not None:
        assert image.ndim in (2, 3) and image.size > 0, image.shape
    out = folder.parent / f"{folder.name}-out"  # annotated copies are written too
    result = read_file(path.name, RunOptions(str(folder), str(out)), recognizer)
    assert result.file == path.name
    assert result.error is None or "unexpected error" not in result.error, result.trace
    assert (result.error is not None) or result.width > 0, result
    if image is None:
        assert result.error is not None and not result.digits


# Stroke coordinates: on a canvas, far off it, huge, and not numbers at all.
COORDINATES = st.one_of(
    st.floats(-50, 700, allow_nan=False), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -1e12, 1e12, float("nan"), float("inf")]),
)


@st.composite
def stroke_lists(draw):
    """Pen strokes of any shape: no points, one point, far-apart points, NaN and inf points,
    widths from 0 to huge, negative."""
    from recognizer.drawing.strokes import Stroke

    strokes = []
    for _ in range(draw(st.integers(0, 6))):
        points = draw(st.lists(st.tuples(COORDINATES, COORDINATES), max_size=12))
        width = draw(st.one_of(st.integers(1, 40), st.integers(-5, 0), st.integers(41, 10**6)))
        strokes.append(Stroke(points=tuple(points), width=width))
    return strokes


def check_read_strokes(strokes, recognizer) -> None:
    """read_strokes reads every stroke list (degenerate strokes are no digit, not a crash)."""
    from recognizer.drawing.reading import read_strokes

    reading = read_strokes(strokes, recognizer)
    for digit in reading.digits:
        assert digit.prediction is not None and digit.patch.shape == (28, 28)
    assert len(reading.number) == len(reading.digits)


BOX_VALUES = st.one_of(st.integers(-50, 700), st.integers(-(2**40), 2**40))


@st.composite
def tracker_frames(draw):
    """A sequence of frames of detections: boxes of any size (zero, negative, huge), with a
    probability vector or no reading."""
    frames = []
    for _ in range(draw(st.integers(1, 8))):
        digits = []
        for _ in range(draw(st.integers(0, 6))):
            box = tuple(draw(BOX_VALUES) for _ in range(4))
            if draw(st.booleans()):
                raw = np.asarray(draw(st.lists(st.floats(0, 1), min_size=10, max_size=10)))
                probabilities = raw / raw.sum() if raw.sum() > 0 else np.full(10, 0.1)
            else:
                probabilities = None
            digits.append((box, probabilities))
        frames.append(digits)
    return frames


def check_tracker(frames) -> None:
    """update_tracks and digits_to_read accept every frame; votes are probabilities."""
    from recognizer.core.predict import Prediction
    from recognizer.core.records import Digit
    from recognizer.detection.tracking import TrackerState, digits_to_read, update_tracks

    state = TrackerState()
    for detections in frames:
        digits = [
            Digit(box=box, prediction=None if p is None else Prediction.from_probabilities(p))
            for box, p in detections
        ]
        need = digits_to_read(state, [d.box for d in digits])
        assert len(need) == len(digits)
        state, readings = update_tracks(state, digits)
        assert len(readings) == len(digits)
        for reading in readings:
            if reading.prediction is not None:
                assert 0.0 <= reading.prediction.confidence <= 1.0 + 1e-6
    assert state.frames == len(frames)

