"""Touching digits: the string reader (core/strings.py) in photos (read_digits), the drawing
path (read_drawing) and on its own; single digits stay whole; unexplained ink is unsure.

Inputs are made from the bundled samples/digits (so these run without ../shared) with the
seeded touching-number generator, recognizer.synth.touching."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.core import config
from recognizer.core.predict import Prediction
from recognizer.core.preprocess import to_mnist
from recognizer.core.records import Digit
from recognizer.core.string_model import BLANK, StringModel, greedy_decode, line_input
from recognizer.core.strings import StringPiece, StringReading, needs_string_reader, read_strings
from recognizer.detection.detector import find_digits, read_digits
from recognizer.detection.touching import _blob_ink, _may_be_touching
from recognizer.drawing.reading import read_drawing
from recognizer.drawing.strokes import Drawing
from recognizer.synth.touching import blob_ink, make_number, photo, strokes
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


@pytest.mark.parametrize("text", ["2024", "60901", "4121", "7735", "5678", "3690"])
def test_overlapping_digits_in_a_photo_are_read_by_the_string_model(recognizer, samples, text):
    # A quarter of a digit's width of overlap: no cut path separates such digits (the
    # cut-path reader read 63% of seed 0's photographed digits), the string model reads
    # the blob whole.
    frame = photo(touching(samples, text, 0.25), np.random.default_rng(1), digit_px=80)
    assert len(find_digits(frame).digits) < len(text)
    found = read_digits(frame, recognizer)
    assert found.numbers() == [text]
    assert all(d.is_confident() for d in found.digits)


def test_the_string_model_reads_touching_numbers_whole(samples):
    texts = ["2024", "4121", "7735", "902", "84", "1984"]
    inks = [blob_ink(touching(samples, text, 0.25), np.random.default_rng(2)) for text in texts]
    readings = StringModel().read(inks)
    assert [r.text for r in readings] == texts
    for reading, ink in zip(readings, inks):  # digits left to right, inside the ink
        lefts = [d.left for d in reading.digits]
        assert lefts == sorted(lefts) and reading.digits[-1].right <= ink.shape[1]
        assert reading.least_confidence > 0.5


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


@pytest.mark.parametrize("pen", [6, 16])
def test_a_blob_the_reader_cannot_explain_is_never_a_confident_number(recognizer, pen):
    # A wide scribble: a loop run back and forth over itself, one piece of ink. The string
    # model learnt scribbles as no digits (a thick one was read as 1s before), and a thin one
    # is beyond its training's pens.
    points = [(x, 160 + 90 * np.sin(x / 9.0)) for x in np.linspace(120, 520, 120)]
    reading = read_drawing(drawn([points]), recognizer)
    assert not reading.is_confident(), reading.label()
    frame = np.full((320, 640), 230, np.uint8)
    line = np.round(np.array(points)).astype(np.int32)
    cv2.polylines(frame, [line], False, 30, pen, cv2.LINE_AA)
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


def test_greedy_ctc_decoding_merges_runs_and_keeps_repeats_split_by_a_blank():
    steps = [7, 7, BLANK, 7, BLANK, BLANK, 1, 4, 4, BLANK]
    probabilities = np.full((len(steps), BLANK + 1), 0.01, np.float32)
    probabilities[np.arange(len(steps)), steps] = 0.9
    assert greedy_decode(probabilities) == [(7, 0, 1), (7, 3, 3), (1, 6, 6), (4, 7, 8)]
    assert greedy_decode(np.eye(BLANK + 1, dtype=np.float32)[[BLANK] * 5]) == []


def test_the_line_input_keeps_the_ink_s_shape_and_squeezes_only_what_is_too_wide():
    ink = np.zeros((50, 300), np.float32)
    ink[5:45, 10:70] = 1.0  # 40 high, 60 wide
    line, x_scale, offset = line_input(ink)
    assert line.shape == (config.STRING_LINE_HEIGHT, config.STRING_LINE_WIDTH)
    assert offset == 10 and x_scale == pytest.approx(config.STRING_LINE_INK_HEIGHT / 40)
    assert np.count_nonzero(line.max(axis=0) > 0.5) == round(60 * x_scale)
    ink[5:45, 10:290] = 1.0  # 7 x as wide as high: squeezed into the line
    line, x_scale, _ = line_input(ink)
    assert line[:, config.STRING_LINE_WIDTH - config.STRING_LINE_PAD - 1].max() > 0.5
    assert line_input(np.zeros((20, 20), np.float32)) is None


@pytest.mark.parametrize("digit", range(10))
def test_a_wide_photographed_digit_is_not_split(recognizer, samples, digit):
    # Each bundled digit stretched to 1.6 x its width and photographed, so that it reaches
    # the readers (wide or unsure). Found whole, it stays one digit; and never is any digit
    # read sure but the right one (the stretched 3 breaks apart in the detector: two unsure
    # pieces).
    images, labels = samples
    image = images[int(np.flatnonzero(labels == digit)[0])]
    cols = np.flatnonzero(image.max(axis=0) > 76)
    ink = image[:, cols[0] : cols[-1] + 1]
    wide = cv2.resize(ink, (int(round(1.6 * ink.shape[1])) + 2, 28))
    number = make_number(wide[np.newaxis], np.array([digit]), np.random.default_rng(0), choice=[0])
    frame = photo(number, np.random.default_rng(1), digit_px=80)
    found = read_digits(frame, recognizer)
    whole = find_digits(frame).digits
    if len(whole) == 1 and whole[0].box[3] > 50:  # the digit is 80 px a 28 px box: 55-62 px
        assert len(found.digits) == 1, found.numbers()
    assert all(d.prediction.digit == digit for d in found.digits if d.is_confident())


@pytest.mark.parametrize("digit", range(10))
def test_a_wide_digit_the_model_reads_is_split_only_when_the_cut_reader_splits_it(
        recognizer, samples, digit):
    # Stretched to twice its width (1.4-1.8 x its height). The string model never saw a
    # single wide digit and reads a stretched 2 as "22" for sure: a candidate the digit model
    # reads as a digit is split only where the cut-path reader's split beats it too.
    images, labels = samples
    image = images[int(np.flatnonzero(labels == digit)[0])]
    cols = np.flatnonzero(image.max(axis=0) > 76)
    ink = image[:, cols[0] : cols[-1] + 1]
    wide = cv2.resize(ink, (2 * ink.shape[1] + 2, 28))
    number = make_number(wide[np.newaxis], np.array([digit]), np.random.default_rng(0), choice=[0])
    frame = photo(number, np.random.default_rng(1), digit_px=80)
    found = find_digits(frame)
    if len(found.digits) != 1:
        pytest.skip("the detector breaks this one apart")
    whole = found.digits[0]
    prediction = recognizer.predict_patches([whole.patch])[0]
    if not prediction.is_digit:
        pytest.skip("read as not a digit: the string model decides")
    cut = read_strings([_blob_ink(frame, found.mask, whole.box)[0]], recognizer,
                       wholes=[prediction], whole_patches=[whole.patch])[0]
    if cut.is_split:
        pytest.skip(f"the cut-path reader splits it too ({cut.text})")
    read = read_digits(frame, recognizer)
    assert len(read.digits) == 1, read.numbers()


@pytest.mark.parametrize("text", ["64", "58", "65", "94", "25"])
def test_two_touching_digits_read_as_one_candidate_are_split(recognizer, samples, text):
    # Overlapping by a quarter, the pair is one candidate a little wider than tall; whether
    # the digit model reads it as one sure digit (the first reject model read a "64" as
    # "4, 99%") or not, the string model reads it as the two.
    frame = photo(touching(samples, text, 0.25), np.random.default_rng(1), digit_px=80)
    found = find_digits(frame)
    assert len(found.digits) == 1
    _, _, w, h = found.digits[0].box
    assert config.STRING_MODEL_MIN_ASPECT * h < w < config.STRING_SURE_MIN_ASPECT * h
    assert read_digits(frame, recognizer).numbers() == [text]


@pytest.mark.parametrize("width, confidence, not_digit, expected", [
    (70, 0.99, 0.0, (False, False)),   # a sure digit no wider than tall: no reader
    (110, 0.99, 0.0, (True, False)),   # sure, a little wider than tall: the string model only
    (150, 0.99, 0.0, (True, True)),    # sure but wider than STRING_SURE_MIN_ASPECT: both
    (70, 0.55, 0.0, (True, True)),     # unsure: both
    (70, 0.0, 0.9, (True, True)),      # "not a digit": both
])
def test_which_readers_see_a_candidate(width, confidence, not_digit, expected):
    rest = (1.0 - confidence - not_digit) / 9
    probabilities = (confidence,) + (rest,) * 9
    prediction = Prediction(digit=0, confidence=confidence, probabilities=probabilities,
                            not_digit=not_digit)
    digit = Digit(box=(0, 0, width, 100), prediction=prediction)
    assert _may_be_touching(digit, config.MIN_CONFIDENCE) == expected


def test_a_one_with_a_long_flag_in_a_real_photo_stays_one_digit(recognizer, real_photos_dir):
    # A real photo's 1 whose flag reaches far left (0.67 x its height wide): the digit model
    # is unsure ("7 or 1"), the string model read it "71". Narrow candidates the digit model
    # reads as a digit are split only when the cut-path reader splits them too.
    frame = cv2.imread(str(real_photos_dir / "images" / "single" / "single_038.png"))
    found = read_digits(frame, recognizer)
    assert len(found.digits) == 1, found.numbers()
    assert found.digits[0].prediction.digit == 1


def _reading(*digits: int) -> StringReading:
    sure = [Prediction(digit=d, confidence=0.99, probabilities=tuple(
        0.99 if k == d else 0.001 for k in range(10)), not_digit=0.0) for d in digits]
    return StringReading(tuple(StringPiece(10 * i, 10 * i + 9, np.zeros((28, 28), np.float32), p)
                               for i, p in enumerate(sure)), 0.0, True)


class _Line:
    def __init__(self, *digits: int):
        self.digits = digits

    def as_string_reading(self, ink):
        return _reading(*self.digits)


@pytest.mark.parametrize("width, cut_splits, expected", [
    (110, False, "71"),  # wider than STRING_MODEL_CONFIRM_ASPECT: the string model's reading
    (70, True, "71"),    # one digit's width: taken when the cut-path reader splits it too
    (70, False, "1"),    # ... and the cut-path reader's whole reading where it does not
])
def test_a_narrow_candidate_is_split_by_the_string_model_only_when_the_cut_reader_agrees(
        monkeypatch, width, cut_splits, expected):
    import recognizer.detection.touching as touching

    unsure = Prediction(digit=1, confidence=0.55, probabilities=(0.0, 0.55, 0, 0, 0, 0, 0,
                                                                 0.45, 0, 0), not_digit=0.0)
    cut_calls = []

    class _Model:
        def read(self, inks):
            return [_Line(7, 1) for _ in inks]

    def fake_read_strings(inks, recognizer, wholes, whole_patches):
        cut_calls.append(len(inks))
        return [_reading(7, 1) if cut_splits else _reading(1) for _ in inks]

    class _Recognizer:
        def predict_patches(self, patches):
            return [Prediction(digit=0, confidence=0.99, probabilities=(0.99,) + (0.001,) * 9,
                               not_digit=0.0) for _ in patches]

    monkeypatch.setattr(touching, "shared_string_model", lambda: _Model())
    monkeypatch.setattr(touching, "read_strings", fake_read_strings)
    digit = Digit(box=(0, 0, width, 100), prediction=unsure)
    (reading,) = touching._read_blobs([np.ones((100, width), np.float32)], [True], [digit],
                                      _Recognizer())
    assert reading.text == expected
    assert cut_calls == ([] if width > config.STRING_MODEL_CONFIRM_ASPECT * 100 else [1])
