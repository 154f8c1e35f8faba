"""Touching digits: the string reader (core/strings.py) in photos (read_digits), the drawing
path (read_drawing) and on its own; single digits stay whole; unexplained ink is unsure.

Inputs are made from the bundled samples/digits (so these run without ../shared) with the
seeded touching-number generator, recognizer.synth.touching."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.core import config
from recognizer.core.preprocess import to_mnist
from recognizer.core.strings import needs_string_reader, read_strings
from recognizer.detection.detector import find_digits, read_digits
from recognizer.drawing.reading import read_drawing
from recognizer.drawing.strokes import Drawing
from recognizer.synth.touching import make_number, photo, strokes
from tests.conftest import arc

CANVAS = (640, 320)


@pytest.fixture(scope="module")
def samples():
    """The ten bundled digits as 28x28 MNIST-style images, and their labels."""
    files = sorted((config.PROJECT_ROOT / "samples" / "digits").glob("digit_*.jpg"))
    images = np.stack([
        np.round(to_mnist(cv2.imread(str(f), cv2.IMREAD_GRAYSCALE)) * 255).astype(np.uint8)
        for f in files
    ])
    labels = np.array([int(f.name.split("_")[1]) for f in files])
    return images, labels


def touching(samples, text: str, overlap: float):
    images, labels = samples
    return make_number(images, labels, np.random.default_rng(0),
                       choice=[int(np.flatnonzero(labels == int(c))[0]) for c in text],
                       overlap=overlap)


def drawn(lines) -> Drawing:
    drawing = Drawing(*CANVAS)
    for line in lines:
        drawing.add_stroke(line)
    return drawing


@pytest.mark.parametrize("text", ["10", "24", "37", "59", "735"])
@pytest.mark.parametrize("overlap", [0.1, 0.2])
def test_touching_digits_in_a_photo_are_read_as_one_number(recognizer, samples, text, overlap):
    number = touching(samples, text, overlap)
    frame = photo(number, np.random.default_rng(1), digit_px=80)
    if overlap >= 0.2:  # the ink does touch: fewer blobs than digits before reading
        assert len(find_digits(frame).digits) < len(text)
    assert read_digits(frame, recognizer).numbers() == [text]


@pytest.mark.parametrize("text", ["10", "24", "37", "59", "68", "102", "486", "735", "901"])
@pytest.mark.parametrize("overlap", [0.1, 0.2])
def test_touching_digits_drawn_are_read_as_one_number(recognizer, samples, text, overlap):
    number = touching(samples, text, overlap)
    reading = read_drawing(drawn(strokes(number, CANVAS, np.random.default_rng(1))), recognizer)
    assert reading.number == text
    assert reading.is_confident()


# Single digits drawn wide or with extra strokes: one digit each, never split.
WIDE_SINGLES = {
    "wide 0": (0, [arc(320, 160, 150, 90)]),
    "4 with a long bar": (4, [[(260, 60), (200, 200), (420, 200)], [(330, 90), (330, 280)]]),
    "7 with a crossbar": (7, [[(200, 60), (420, 60), (290, 280)], [(270, 170), (390, 170)]]),
    "1 with a flag": (1, [[(290, 100), (330, 60), (330, 280)]]),
    "1 with a flag and a foot": (1, [[(290, 100), (330, 60), (330, 280)], [(280, 280), (380, 280)]]),
}


@pytest.mark.parametrize("name", list(WIDE_SINGLES))
def test_a_wide_single_digit_drawn_is_not_split(recognizer, name):
    digit, lines = WIDE_SINGLES[name]
    reading = read_drawing(drawn(lines), recognizer)
    assert len(reading.digits) == 1, reading.label()
    assert reading.number == str(digit), reading.label()


@pytest.mark.parametrize("digit", range(10))
def test_a_wide_single_digit_is_not_split_by_the_string_reader(recognizer, samples, digit):
    images, labels = samples
    image = images[int(np.flatnonzero(labels == digit)[0])].astype(np.float32) / 255.0
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    ink = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height = ink.shape[0]
    wide = cv2.resize(ink, (max(ink.shape[1], int(1.3 * height)), height))  # 1.3x as wide as high
    whole = recognizer.predict_patches([to_mnist(wide)])[0]
    reading = read_strings([wide], recognizer)[0]
    if whole.is_confident():  # the model reads the stretched digit: the reader keeps it
        assert len(reading.pieces) == 1, reading.text


def test_a_wide_photographed_zero_is_one_digit(recognizer, samples):
    images, labels = samples
    zero = images[int(np.flatnonzero(labels == 0)[0])]
    wide = cv2.resize(zero, (42, 28))[:, 7:35]  # stretched, cropped back to 28 columns
    number = make_number(np.stack([wide]), np.array([0]), np.random.default_rng(0), choice=[0])
    frame = photo(number, np.random.default_rng(1), digit_px=90)
    assert read_digits(frame, recognizer).numbers() == ["0"]


def test_a_blob_the_reader_cannot_explain_is_never_a_confident_number(recognizer):
    # A wide scribble: a loop run back and forth over itself, one piece of ink.
    points = [(x, 160 + 90 * np.sin(x / 9.0)) for x in np.linspace(120, 520, 120)]
    reading = read_drawing(drawn([points]), recognizer)
    assert not reading.is_confident(), reading.label()
    frame = np.full((320, 640), 230, np.uint8)
    line = np.round(np.array(points)).astype(np.int32)
    cv2.polylines(frame, [line], False, 30, 6, cv2.LINE_AA)
    found = read_digits(frame, recognizer)
    assert not any(d.is_confident() for d in found.digits), found.numbers()


def test_needs_string_reader_sends_wide_rejected_and_unsure_candidates(recognizer, samples):
    images, _ = samples
    sure = recognizer.predict_patches([images[3].astype(np.float32) / 255.0])[0]
    assert sure.is_confident()
    assert not needs_string_reader(20, 28, sure)
    assert not needs_string_reader(34, 28, sure)  # a wide 0 or 3, read sure: left whole
    assert needs_string_reader(42, 28, sure)
    assert not needs_string_reader(40, 28, None)


@pytest.mark.parametrize("text", ["2727", "9019", "4553"])
def test_the_bars_of_touching_digits_are_not_erased_as_ruled_lines(samples, text):
    # A number whose strokes run into each other is a piece much wider than a digit, like a
    # ruled line; its bars (a 4's into a 5's, a thick 0's bottom) used to be erased as one,
    # which broke it into fragments before the string reader saw it (73-88% of the ink kept).
    frame = photo(touching(samples, text, 0.2), np.random.default_rng(1), digit_px=80)
    dark = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) < 110
    found = find_digits(frame)
    assert (found.mask[dark] > 0).mean() > 0.99
    assert len(found.digits) == 1
