"""Read a blob of touching digits whole, without cutting it: a small CNN trained with CTC.

Cut paths cannot separate digits whose ink overlaps (a 4's arm under a 7's bar, a 3's tail
inside a 6's loop): every cut leaves a piece of the neighbour behind or takes part of the
digit away, and on photographed numbers the segmentation-by-recognition reader
(`core.strings`) reached only 63% of digits (bench_touching.py, seed 0). This reader
looks at the whole blob: its ink is scaled into a line image (STRING_LINE_* in `config`),
a CNN gives, for every 4 columns, the probabilities of the ten digits and of "nothing here"
(CTC's blank), and the best path (greedy CTC decoding) is the reading. It was trained on numbers of MNIST *train* digits whose ink overlaps, rendered as
the photo path hands them over (`synth.touching.blob_ink`; `scripts/train_string_reader.py`).

It gives each digit a probability (its best column's, over the ten digits) and where it
sits (the columns between its neighbours'), so the photo path can put boxes on it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.errors import ModelNotFoundError
from recognizer.core.predict import Prediction
from recognizer.core.preprocess import stroke_width, to_mnist
from recognizer.core.runtime import KerasRunner, LiteRTRunner, litert_interpreter_class
from recognizer.core.strings import StringPiece, StringReading

BLANK = config.NUM_CLASSES  # CTC's "nothing here", after the ten digits
_TRAINING_SCRIPT = "scripts/train_string_reader.py"  # named by the errors of a missing or broken model


@dataclass(frozen=True)
class LineDigit:
    """One digit the string model read: its reading and its columns in the ink image."""

    left: int
    right: int
    prediction: Prediction


@dataclass(frozen=True)
class LineReading:
    """A blob read whole: its digits left to right (empty when the model sees none)."""

    digits: tuple[LineDigit, ...]

    @property
    def text(self) -> str:
        return "".join(str(d.prediction.digit) for d in self.digits)

    @property
    def least_confidence(self) -> float:
        return min((d.prediction.confidence for d in self.digits), default=0.0)

    def as_string_reading(self, ink: np.ndarray) -> StringReading:
        """The reading as the cut-path reader gives one (`core.strings.StringReading`), each
        digit with the 28x28 patch of the ink between its columns (what the frontends show);
        explained when every digit is read at least STRING_MIN_PROBABILITY sure."""
        pieces = tuple(
            StringPiece(d.left, d.right, to_mnist(np.asarray(ink, np.float32)[:, d.left : d.right]),
                        d.prediction)
            for d in self.digits
        )
        explained = bool(pieces) and self.least_confidence >= config.STRING_MIN_PROBABILITY
        return StringReading(pieces, 0.0, explained)


def line_input(ink: np.ndarray) -> tuple[np.ndarray, float, int] | None:
    """Ink (bright on 0) -> the model's STRING_LINE_HEIGHT x STRING_LINE_WIDTH input, the
    scale from ink columns to input columns and the ink's first column; None without ink.
    The ink's box is scaled to STRING_LINE_INK_HEIGHT px high (centred, STRING_LINE_PAD px
    from the left); a blob too wide for the line is squeezed to fit."""
    ink = np.asarray(ink, np.float32)
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    if len(rows) == 0:
        return None
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = ink.shape
    scale = config.STRING_LINE_INK_HEIGHT / height
    room = config.STRING_LINE_WIDTH - 2 * config.STRING_LINE_PAD
    x_scale = min(scale, room / width)
    size = (max(1, int(round(width * x_scale))), config.STRING_LINE_INK_HEIGHT)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = np.clip(cv2.resize(ink, size, interpolation=interpolation), 0.0, 1.0)
    line = np.zeros((config.STRING_LINE_HEIGHT, config.STRING_LINE_WIDTH), np.float32)
    top = (config.STRING_LINE_HEIGHT - config.STRING_LINE_INK_HEIGHT) // 2
    line[top : top + size[1], config.STRING_LINE_PAD : config.STRING_LINE_PAD + size[0]] = small
    return line, x_scale, int(cols[0])


def _in_reach(prepared):
    """The prepared line, or None when its strokes are thinner than STRING_LINE_MIN_STROKE
    px (at the line's scale): the model learnt MNIST's strokes only, and reads a fine pen's
    scribble confidently as 1s; such a blob is left to the cut-path reader."""
    if prepared is None or stroke_width(prepared[0] > 0.5) < config.STRING_LINE_MIN_STROKE:
        return None
    return prepared


def greedy_decode(probabilities: np.ndarray) -> list[tuple[int, int, int]]:
    """CTC's best path: (digit, first step, last step) per digit read, left to right; a run
    of one label is one digit, blanks separate repeats."""
    best = probabilities.argmax(axis=1)
    digits: list[tuple[int, int, int]] = []
    previous = BLANK
    for step, label in enumerate(best):
        label = int(label)
        if label != BLANK:
            if label == previous:
                digit, first, _ = digits[-1]
                digits[-1] = (digit, first, step)
            else:
                digits.append((label, step, step))
        previous = label
    return digits


def _shifted(line: np.ndarray, shift: int) -> np.ndarray:
    """The line moved `shift` px to the right (what falls off the right edge is lost)."""
    if shift == 0:
        return line
    moved = np.zeros_like(line)
    moved[:, shift:] = line[:, :-shift]
    return moved


def _reading(probabilities: np.ndarray, x_scale: float, offset: int, ink_width: int,
             pad: int = config.STRING_LINE_PAD) -> LineReading:
    """Greedy decoding of one line's probabilities into digits with columns in the ink."""
    decoded = greedy_decode(probabilities)
    stride = config.STRING_LINE_WIDTH / probabilities.shape[0]
    centres = [((first + last + 1) / 2 * stride - pad) / x_scale
               for _, first, last in decoded]
    bounds = [0.0] + [(a + b) / 2 for a, b in zip(centres, centres[1:])] + [float(ink_width)]
    digits = []
    for k, (digit, first, last) in enumerate(decoded):
        run = probabilities[first : last + 1]
        peak = first + int(run[:, digit].argmax())
        ten = probabilities[peak, :BLANK]
        ten = ten / max(float(ten.sum()), 1e-9)
        prediction = Prediction.from_probabilities(tuple(ten) + (0.0,))
        if prediction.digit != digit:  # the run's label is the reading
            prediction = Prediction(digit, float(ten[digit]), prediction.probabilities)
        digits.append(LineDigit(offset + int(round(bounds[k])),
                                offset + max(int(round(bounds[k + 1])), int(round(bounds[k])) + 1),
                                prediction))
    return LineReading(tuple(digits))


def _agreed(votes: list[tuple[LineReading, float]]) -> LineReading:
    """Of one line's readings (one per shift, with their best path's log-probability), the
    one whose text most of them read; between as many, the most probable."""
    count: dict[str, int] = {}
    for reading, _ in votes:
        count[reading.text] = count.get(reading.text, 0) + 1
    return max(votes, key=lambda vote: (count[vote[0].text], vote[1]))[0]


class StringModel:
    """The string model, loaded once: `read(inks)` reads blobs of touching digits whole,
    all in one call. LiteRT runs the .tflite; without LiteRT, the .keras beside it."""

    def __init__(self, model_path: str | Path | None = None, num_threads: int | None = None):
        path = Path(model_path) if model_path is not None else config.STRING_MODEL
        interpreter_class = litert_interpreter_class()
        if interpreter_class is None or path.suffix != ".tflite":
            path = path.with_suffix(".keras")
        if not path.is_file():
            raise ModelNotFoundError(f"string model not found: {path}; train it with {_TRAINING_SCRIPT}")
        shape = (config.STRING_LINE_HEIGHT, config.STRING_LINE_WIDTH, 1)
        self.model_path = path
        self._run = (LiteRTRunner(path, interpreter_class, num_threads or config.LITERT_THREADS,
                                  shape, retrain=_TRAINING_SCRIPT)
                     if path.suffix == ".tflite" else KerasRunner(path, retrain=_TRAINING_SCRIPT))

    def read(self, inks: Sequence[np.ndarray]) -> list[LineReading | None]:
        """Each ink image (bright on 0, one blob) read whole; None for one without ink or
        with strokes too fine for the model (see `_in_reach`)."""
        prepared = [_in_reach(line_input(ink)) for ink in inks]
        present = [k for k, p in enumerate(prepared) if p is not None]
        readings: list[LineReading | None] = [None] * len(inks)
        if not present:
            return readings
        shifts = config.STRING_LINE_SHIFTS
        batch = np.stack([_shifted(prepared[k][0], shift) for k in present for shift in shifts])
        outputs = self._run(np.ascontiguousarray(batch[..., np.newaxis]))
        for n, k in enumerate(present):
            _, x_scale, offset = prepared[k]
            ink_width = int(np.flatnonzero(np.asarray(inks[k]).max(axis=0) > 0)[-1]) + 1 - offset
            outputs_k = outputs[n * len(shifts) : (n + 1) * len(shifts)]
            readings[k] = _agreed([
                (_reading(np.asarray(probabilities, np.float32), x_scale, offset, ink_width,
                          config.STRING_LINE_PAD + shift),
                 float(np.log(np.maximum(probabilities.max(axis=1), 1e-9)).sum()))
                for shift, probabilities in zip(shifts, outputs_k)
            ])
        return readings


@functools.lru_cache(maxsize=1)
def shared_string_model() -> StringModel | None:
    """The shipped string model, loaded once per process; None where its file is missing
    (the photo path then reads touching digits with the cut-path reader alone)."""
    try:
        return StringModel()
    except ModelNotFoundError:
        return None
