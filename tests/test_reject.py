"""The shipped model says "not a digit" for what is not one, and keeps the digits."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.core import config
from recognizer.core.predict import DIGIT, NOT_A_DIGIT, Recognizer
from recognizer.core.preprocess import to_mnist
from recognizer.synth import negatives, pen

SAMPLES = sorted((config.PROJECT_ROOT / "samples" / "digits").glob("digit_*.jpg"))


@pytest.fixture(scope="module")
def shipped(recognizer):
    if recognizer.card.classes != config.NUM_CLASSES + 1:
        pytest.fail(f"{recognizer.model_path} has no 'not a digit' class; retrain with --reject")
    return recognizer


@pytest.fixture(scope="module")
def sample_digits():
    """The bundled sample digits (one per class) as 28x28 uint8 patches, and their labels."""
    patches = [pen.to_uint8(to_mnist(cv2.imread(str(path)))) for path in SAMPLES]
    labels = [int(path.name.split("_")[1]) for path in SAMPLES]
    return np.stack(patches), np.array(labels)


def read(recognizer, patch):
    return recognizer.predict_patches([patch.astype(np.float32) / 255.0])[0]


def test_a_drawn_letter_a_smiley_and_a_background_crop_are_rejected(shipped):
    rng = np.random.default_rng(11)
    letter = pen.drawn(pen.traced(negatives.letter_image("A", "DejaVuSans.ttf", rng)))
    smiley = pen.drawn(negatives.shape_lines("smiley", rng))
    # A crop of a sheet's corner: paper on two sides, the desk in the other quarter.
    corner = np.clip(negatives.texture_image("corner", rng), 0, 255).astype(np.uint8)
    for name, patch in (("letter A", letter), ("smiley", smiley),
                        ("corner", pen.to_uint8(to_mnist(corner)))):
        prediction = read(shipped, patch)
        assert prediction.verdict() == NOT_A_DIGIT, (name, prediction)
        assert not prediction.is_digit and prediction.not_digit >= config.REJECT_THRESHOLD


def test_filled_blots_are_not_read_as_digits(shipped):
    """A disc, a blob or a polygon filled with ink (a spot of an animal print, a terrazzo
    chip, a sticker) is no digit: the shipped model (run 16) reads none of these 100 as a
    digit at all; run 4, before it, read 32 of them as confident digits."""
    rng = np.random.default_rng(20261207)
    patches = [to_mnist(negatives.blot_image(rng)) for _ in range(100)]
    predictions = shipped.predict_patches(patches)
    confident = sum(p.is_confident() for p in predictions if p is not None)
    shown = sum(p.is_digit for p in predictions if p is not None)
    assert confident <= 2 and shown <= 2, (confident, shown)


def test_digits_of_every_class_are_accepted(shipped, sample_digits):
    patches, labels = sample_digits
    assert sorted(labels) == list(range(10))
    for patch, label in zip(patches, labels):
        prediction = read(shipped, patch)
        assert prediction.verdict() == DIGIT and prediction.digit == label, (label, prediction)
        assert prediction.not_digit < 0.05


def test_the_reject_class_survives_the_tflite_export(shipped, sample_digits):
    keras_twin = Recognizer(shipped.model_path.with_suffix(".keras"), backend="keras")
    patches, _ = negatives.make_negatives(20, 12, *sample_digits)
    batch = np.concatenate([patches, sample_digits[0]]).astype(np.float32) / 255.0
    litert = shipped.predict_probabilities(batch)
    assert litert.shape == (30, 11)
    assert np.allclose(litert, keras_twin.predict_probabilities(batch), atol=2e-3)
    assert (litert[:20, config.REJECT_CLASS] >= 0.5).sum() >= 15  # most negatives rejected
