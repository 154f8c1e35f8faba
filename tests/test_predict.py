"""The core: the shipped model's accuracy, LiteRT against Keras, blank input, model errors."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.core import config
from recognizer.core.errors import ModelLoadError, ModelNotFoundError, RecognizerError
from recognizer.core.predict import Prediction, Recognizer, predict_digit
from recognizer.core.preprocess import to_mnist

SAMPLE = 500


def test_prediction_is_frozen_and_labels_like_the_tutorial():
    probs = [0.0] * 10
    probs[7] = 0.98
    probs[1] = 0.02
    prediction = Prediction.from_probabilities(probs)
    assert prediction.digit == 7 and prediction.confidence == pytest.approx(0.98)
    assert prediction.label() == "7, 98%"
    unsure = Prediction.from_probabilities([0.41 if d == 4 else 0.59 / 9 for d in range(10)])
    assert unsure.label() == "not sure: 4? 41%"
    assert not unsure.is_confident()
    with pytest.raises(AttributeError):
        prediction.digit = 3


def test_shipped_model_reads_official_test_digits(recognizer, mnist_test):
    x_test, y_test = mnist_test
    predictions = recognizer.predict_batch(list(x_test[:SAMPLE]))
    assert all(p is not None for p in predictions)
    accuracy = np.mean([p.digit == y for p, y in zip(predictions, y_test[:SAMPLE])])
    assert accuracy >= 0.985, accuracy


def test_litert_and_keras_agree(mnist_test):
    pytest.importorskip("ai_edge_litert")
    x_test, _ = mnist_test
    patches = np.stack([to_mnist(image) for image in x_test[:SAMPLE]])
    litert = Recognizer(config.TFLITE_MODEL, backend="litert")
    keras = Recognizer(config.TFLITE_MODEL, backend="keras")
    assert (litert.backend, keras.backend) == ("litert", "keras")
    assert keras.model_path.suffix == ".keras"
    p_litert = litert.predict_probabilities(patches)
    p_keras = keras.predict_probabilities(patches)
    assert (p_litert.argmax(1) == p_keras.argmax(1)).all()
    assert np.abs(p_litert - p_keras).max() < 1e-3


def test_batch_equals_one_by_one(recognizer, mnist_test):
    x_test, _ = mnist_test
    images = list(x_test[:37])  # not a power of two: exercises the padded batch
    batch = recognizer.predict_batch(images)
    single = [recognizer.predict_digit(image) for image in images]
    for a, b in zip(batch, single):
        assert a.digit == b.digit
        assert np.allclose(a.probabilities, b.probabilities, atol=1e-5)


def test_blank_input_gives_none_never_a_guess(recognizer):
    blank = [np.full((280, 280), 255, np.uint8), np.zeros((28, 28), np.uint8),
             np.zeros((0, 0), np.uint8)]
    assert recognizer.predict_batch(blank) == [None, None, None]
    assert recognizer.predict_digit(blank[0]) is None
    assert recognizer.predict_batch([]) == []


def test_blank_among_digits_keeps_positions(recognizer, mnist_test):
    x_test, y_test = mnist_test
    results = recognizer.predict_batch([x_test[0], np.zeros((28, 28), np.uint8), x_test[1]])
    assert results[1] is None
    assert (results[0].digit, results[2].digit) == (y_test[0], y_test[1])


def test_module_level_predict_digit_uses_the_shipped_model(mnist_test):
    x_test, y_test = mnist_test
    prediction = predict_digit(255 - x_test[0])  # dark on light, as drawn on paper
    assert prediction.digit == y_test[0] and prediction.confidence > 0.9


def test_missing_model_says_how_to_get_one(tmp_path):
    with pytest.raises(ModelNotFoundError, match="python train_mnist.py"):
        Recognizer(tmp_path / "nope.tflite")


@pytest.mark.parametrize("suffix,backend", [(".tflite", "litert"), (".keras", "keras")])
def test_corrupt_model_gives_a_clear_error(tmp_path, suffix, backend):
    if backend == "litert":
        pytest.importorskip("ai_edge_litert")
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"this is not a model" * 100)
    with pytest.raises(ModelLoadError, match="may be corrupt"):
        Recognizer(path, backend=backend)


def test_model_env_var_points_at_another_model(tmp_path, monkeypatch):
    monkeypatch.setenv(config.MODEL_ENV_VAR, str(tmp_path / "elsewhere.tflite"))
    with pytest.raises(ModelNotFoundError, match="elsewhere"):
        Recognizer()


def test_falls_back_to_keras_when_litert_is_not_installed(monkeypatch, mnist_test):
    import sys

    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    fallback = Recognizer()
    assert fallback.backend == "keras" and fallback.model_path == config.KERAS_MODEL
    x_test, y_test = mnist_test
    assert fallback.predict_digit(x_test[0]).digit == y_test[0]
    with pytest.raises(RecognizerError, match="pip install ai-edge-litert"):
        Recognizer(backend="litert")
