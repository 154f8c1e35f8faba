"""The shared records: Digit (one digit read, one JSON form) and Detections (a frame's digits)."""

from __future__ import annotations

import json

import numpy as np

from recognizer.core.predict import Prediction
from recognizer.core.records import Digit
from recognizer.detection.results import Detections


def prediction(digit: int, confidence: float) -> Prediction:
    probabilities = [(1 - confidence) / 9] * 10
    probabilities[digit] = confidence
    return Prediction.from_probabilities(probabilities)


def test_a_digit_serialises_the_same_way_everywhere():
    digit = Digit(box=(10, 20, 30, 40), prediction=prediction(7, 0.98765), line=1, number=2)
    record = digit.to_dict(min_confidence=0.7)
    assert record == {"digit": 7, "confidence": 0.9877, "confident": True, "is_digit": True,
                      "not_digit": 0.0, "box": [10, 20, 30, 40], "line": 1, "number": 2}
    assert json.loads(json.dumps(record)) == record  # plain JSON types only
    with_probabilities = digit.to_dict(probabilities=True)["probabilities"]
    assert len(with_probabilities) == 10 and with_probabilities[7] == 0.9877


def test_an_unread_unsure_or_scribbled_digit_is_not_confident():
    unread = Digit(box=(0, 0, 5, 5))
    assert unread.to_dict() == {"digit": None, "confidence": None, "confident": False,
                                "is_digit": None, "not_digit": None, "box": [0, 0, 5, 5],
                                "line": 0, "number": 0}
    assert unread.text() == "?" and unread.label() == "?"
    unsure = Digit(box=(0, 0, 5, 5), prediction=prediction(4, 0.41))
    assert unsure.text() == "?" and unsure.label() == "not sure: 4? 41%"
    assert unsure.to_dict(min_confidence=0.4)["confident"] is True
    scribble = Digit(box=(0, 0, 5, 5), prediction=prediction(8, 0.99), scribble=True)
    assert not scribble.is_confident(0.0) and scribble.label().startswith("not sure: 8?")


def test_without_patch_keeps_everything_but_the_pixels():
    """... and the pieces it might have been read as (Digit.parts), decided once read."""
    piece = Digit(box=(1, 2, 2, 4), patch=np.ones((28, 28), np.float32))
    digit = Digit(box=(1, 2, 3, 4), patch=np.ones((28, 28), np.float32),
                  prediction=prediction(3, 0.9), line=2, number=5, parts=(piece, piece))
    light = digit.without_patch()
    assert light.patch is None and light.parts == ()
    assert light.to_dict() == digit.to_dict()


def test_detections_attach_predictions_keep_a_subset_and_scale():
    mask = np.zeros((50, 80), np.uint8)
    found = Detections(
        digits=(Digit(box=(0, 0, 10, 20), number=0), Digit(box=(12, 0, 10, 20), number=0),
                Digit(box=(40, 0, 10, 20), number=1)),
        mask=mask,
    )
    read = found.with_predictions([prediction(1, 0.9), prediction(2, 0.3), prediction(3, 0.95)])
    assert read.numbers() == ["1?", "3"]
    assert read.mask is mask and found.digits[0].prediction is None  # a new record, not edited
    kept = read.with_predictions([d.prediction for d in read.digits], keep=[True, False, True])
    assert [d.prediction.digit for d in kept.digits] == [1, 3]
    doubled = kept.scaled(2)
    assert [d.box for d in doubled.digits] == [(0, 0, 20, 40), (80, 0, 20, 40)]
    assert doubled.number_boxes() == [(0, 0, 20, 40), (80, 0, 20, 40)]


def test_a_rejected_candidate_is_no_digit_and_left_out_of_numbers():
    letter = Prediction.from_probabilities([0.01] * 9 + [0.05, 0.86])  # 11: "not a digit" last
    assert letter.not_digit == 0.86 and not letter.is_digit
    assert letter.verdict() == "not a digit" and letter.label() == "not a digit"
    assert letter.digit == 9 and len(letter.probabilities) == 10
    assert letter.scores()[-1] == 0.86
    digit = Digit(box=(0, 0, 5, 5), prediction=letter)
    record = digit.to_dict()
    assert record["is_digit"] is False and record["confident"] is False
    found = Detections(
        digits=(Digit(box=(0, 0, 10, 20), prediction=prediction(4, 0.99), number=0),
                Digit(box=(12, 0, 10, 20), prediction=letter, number=0)),
        mask=np.zeros((20, 30), np.uint8),
    )
    assert found.numbers() == ["4"]
    assert [d.box for d in found.digits_only().digits] == [(0, 0, 10, 20)]
