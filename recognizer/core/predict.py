"""The core: load the model once, read digits fast.

`Recognizer` runs the exported `.tflite` with LiteRT (TensorFlow's on-device runtime, which
starts in a fraction of a second) and falls back to the `.keras` model when LiteRT is not
installed (the runners are in `recognizer.core.runtime`). Whole images are read by `predict_digit` / `predict_batch`, which run the one
preprocessing path of `recognizer.core.preprocess` first; the detector and the drawing app
preprocess their crops through the same path themselves and read them all at once with
`predict_patches`. Its errors (`ModelNotFoundError`, `ModelLoadError`) are in
`recognizer.core.errors`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from recognizer.core import config
from recognizer.core.errors import ModelLoadError, ModelNotFoundError, RecognizerError
from recognizer.core.preprocess import to_mnist
from recognizer.core.runtime import KerasRunner, LiteRTRunner, litert_interpreter_class


# The three answers the core gives about a reading; every frontend shows these.
DIGIT = "digit"
UNSURE = "unsure"
NOT_A_DIGIT = "not a digit"


@dataclass(frozen=True)
class Prediction:
    """One reading: the most likely digit, its calibrated probability, the ten digits'
    probabilities and, apart from them, the probability that it is no digit at all.

    A model trained with "not a digit" (train_mnist.py --reject) fills not_digit; a
    tutorial-style model cannot say so and leaves it 0. The probabilities and not_digit
    together sum to 1.
    """

    digit: int
    confidence: float
    probabilities: tuple[float, ...]
    not_digit: float = 0.0

    @classmethod
    def from_probabilities(cls, probabilities: Sequence[float]) -> "Prediction":
        """From ten digit probabilities, or eleven with "not a digit" last (REJECT_CLASS)."""
        probs = tuple(float(p) for p in probabilities)
        digits = probs[: config.NUM_CLASSES]
        not_digit = probs[config.REJECT_CLASS] if len(probs) > config.NUM_CLASSES else 0.0
        digit = int(np.argmax(digits))
        return cls(digit=digit, confidence=digits[digit], probabilities=digits,
                   not_digit=not_digit)

    @property
    def is_digit(self) -> bool:
        """Whether it is a digit at all (its "not a digit" probability is below
        REJECT_THRESHOLD); an unsure digit is still a digit."""
        return self.not_digit < config.REJECT_THRESHOLD

    def scores(self) -> tuple[float, ...]:
        """The ten digit probabilities followed by the "not a digit" one (what a vote
        averages)."""
        return self.probabilities + (self.not_digit,)

    def verdict(self, min_confidence: float = config.MIN_CONFIDENCE) -> str:
        """The one place that decides: NOT_A_DIGIT, UNSURE (below min_confidence) or DIGIT."""
        if not self.is_digit:
            return NOT_A_DIGIT
        return DIGIT if self.confidence >= min_confidence else UNSURE

    def is_confident(self, min_confidence: float = config.MIN_CONFIDENCE) -> bool:
        """A digit, read at least min_confidence sure."""
        return self.verdict(min_confidence) == DIGIT

    def label(self, min_confidence: float = config.MIN_CONFIDENCE) -> str:
        """The tutorial's "7, 98%", "not sure: 4? 41%" below the threshold, or "not a digit"."""
        verdict = self.verdict(min_confidence)
        if verdict == NOT_A_DIGIT:
            return NOT_A_DIGIT
        percent = f"{self.confidence * 100:.0f}%"
        if verdict == DIGIT:
            return f"{self.digit}, {percent}"
        return f"not sure: {self.digit}? {percent}"


@dataclass(frozen=True)
class ModelCard:
    """What a model's outputs mean, from the MODEL_STEM.json beside it (see config).

    outputs: "probabilities" (softmax, the tutorial's) or "logits"; classes: 10, or 11 with
    "not a digit"; temperature: divides the logits before the softmax (calibration).
    """

    outputs: str = "probabilities"
    classes: int = config.NUM_CLASSES
    temperature: float = 1.0

    @classmethod
    def beside(cls, model_path: Path) -> "ModelCard":
        """The card beside a model file, or the tutorial's defaults where there is none."""
        path = model_path.with_suffix(config.MODEL_CARD_SUFFIX)
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            card = cls(outputs=str(data["outputs"]), classes=int(data["classes"]),
                       temperature=float(data.get("temperature", 1.0)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelLoadError(
                f"cannot read the model card {path} ({exc}); restore it from the repository "
                "or retrain with train_mnist.py"
            ) from exc
        if card.outputs not in ("probabilities", "logits") or card.classes not in (
            config.NUM_CLASSES, config.NUM_CLASSES + 1
        ) or not card.temperature > 0:
            raise ModelLoadError(f"{path}: outputs, classes or temperature out of range")
        return card

    def to_probabilities(self, outputs: np.ndarray) -> np.ndarray:
        """The model's raw outputs -> calibrated probabilities, one row per patch."""
        if self.outputs == "probabilities":
            return outputs
        scaled = outputs.astype(np.float64) / self.temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        exp = np.exp(scaled)
        return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def default_model_path() -> Path:
    """$RECOGNIZER_MODEL if set, else the shipped models/mnist_cnn.tflite."""
    override = os.environ.get(config.MODEL_ENV_VAR)
    return Path(override) if override else config.TFLITE_MODEL


def _missing_model_message(path: Path) -> str:
    return (
        f"model file not found: {path}\n"
        "Train one with:  python train_mnist.py --data ../shared/data/mnist/mnist.npz --augment "
        "--epochs 20\n(or without --data to download MNIST; models/README.md has the shipped "
        "model's recipe), or point --model / "
        f"${config.MODEL_ENV_VAR} at an existing .tflite or .keras file."
    )


class Recognizer:
    """Loads the digit model once and reads digits from images.

    model_path: a .tflite (run with LiteRT, or with Keras from the .keras beside it when
    LiteRT is missing) or a .keras file. backend: "auto", "litert" or "keras".
    num_threads: LiteRT's threads (default config.LITERT_THREADS); 1 suits worker processes.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        backend: str = "auto",
        num_threads: int | None = None,
    ):
        path = Path(model_path) if model_path is not None else default_model_path()
        if backend not in ("auto", "litert", "keras"):
            raise ValueError(f"backend must be 'auto', 'litert' or 'keras', not {backend!r}")
        interpreter_class = litert_interpreter_class() if backend != "keras" else None
        if backend == "litert" and interpreter_class is None:
            raise RecognizerError(
                "the LiteRT backend needs ai-edge-litert: pip install ai-edge-litert"
            )
        use_litert = path.suffix == ".tflite" and interpreter_class is not None
        if not use_litert and path.suffix == ".tflite":
            path = path.with_suffix(".keras")  # the Keras twin written beside it
        if not path.is_file():
            raise ModelNotFoundError(_missing_model_message(path))
        if path.suffix not in (".tflite", ".keras"):
            raise ModelLoadError(f"{path}: expected a .tflite or .keras model file")
        self.model_path = path
        self.card = ModelCard.beside(path)
        threads = num_threads or config.LITERT_THREADS
        shape = (config.IMAGE_SIZE, config.IMAGE_SIZE, 1)
        self._run = (
            LiteRTRunner(path, interpreter_class, threads, shape, retrain="train_mnist.py")
            if use_litert else KerasRunner(path, retrain="train_mnist.py")
        )
        self.backend = self._run.name

    def predict_outputs(self, patches: np.ndarray) -> np.ndarray:
        """(N, 28, 28) or (N, 28, 28, 1) patches in [0, 1] -> the model's raw outputs
        (N, classes): probabilities, or logits for a model with a "not a digit" class."""
        batch = np.asarray(patches, dtype=np.float32)
        if batch.ndim == 3:
            batch = batch[..., np.newaxis]
        if len(batch) == 0:
            return np.zeros((0, self.card.classes), dtype=np.float32)
        return self._run(np.ascontiguousarray(batch))

    def predict_probabilities(self, patches: np.ndarray) -> np.ndarray:
        """Patches -> calibrated probabilities (N, 10), or (N, 11) with "not a digit" last."""
        return self.card.to_probabilities(self.predict_outputs(patches))

    def predict_patches(self, patches: Sequence[np.ndarray | None]) -> list[Prediction | None]:
        """Read already preprocessed 28x28 patches in one inference call; None stays None."""
        present = [i for i, patch in enumerate(patches) if patch is not None]
        results: list[Prediction | None] = [None] * len(patches)
        if present:
            probabilities = self.predict_probabilities(np.stack([patches[i] for i in present]))
            for i, probs in zip(present, probabilities):
                results[i] = Prediction.from_probabilities(probs)
        return results

    def predict_batch(self, images: Iterable[np.ndarray]) -> list[Prediction | None]:
        """Preprocess each image and read them all in one inference call.

        An image with nothing to read (blank, empty, uniform) gives None, never a guess.
        """
        return self.predict_patches([to_mnist(image) for image in images])

    def predict_digit(self, image: np.ndarray) -> Prediction | None:
        """Read the one digit in an image, or None when there is nothing to read."""
        return self.predict_batch([image])[0]


_default_recognizer: Recognizer | None = None


def predict_digit(image: np.ndarray) -> Prediction | None:
    """The tutorial's `predict_digit`, served by a Recognizer loaded on first use."""
    global _default_recognizer
    if _default_recognizer is None:
        _default_recognizer = Recognizer()
    return _default_recognizer.predict_digit(image)
