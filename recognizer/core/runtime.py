"""Running an exported model: LiteRT where it is installed, Keras otherwise.

The digit model (`core.predict.Recognizer`) and the string model
(`core.string_model.StringModel`) both run through these runners, so that each keeps only
what its outputs mean. `LiteRTRunner` runs a `.tflite` with LiteRT (TensorFlow's on-device
runtime, which starts in a fraction of a second), one interpreter per batch bucket;
`KerasRunner` runs the `.keras` twin where LiteRT is missing (it imports TensorFlow: slow to
start, fine to run). Both are called with a float32 batch and give the model's raw outputs;
a file that will not load raises `ModelLoadError` naming the script that retrains it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import numpy as np

from recognizer.core.errors import ModelLoadError


def litert_interpreter_class():
    """LiteRT's Interpreter, or None where ai-edge-litert is not installed."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        return None
    return Interpreter


@contextlib.contextmanager
def native_stderr_silenced():
    """Hide the runtime's native "INFO: Created TensorFlow Lite XNNPACK delegate" line.

    It is written by C++ straight to file descriptor 2, so Python's sys.stderr cannot catch
    it. Failures still surface: they raise Python exceptions with their own messages.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):  # no real stderr (IDLE, pytest capture)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def batch_bucket(count: int) -> int:
    """The batch size an interpreter is kept for: exact up to 4, then steps of 4, then 16.

    Resizing an interpreter re-plans it (10-60 ms), so a live loop whose digit count varies
    from frame to frame keeps one interpreter per bucket and pads the batch, wasting at most
    3 digits' work below 32 instead of the up to 2x of powers of two.
    """
    if count <= 4:
        return count
    step = 4 if count <= 32 else 16
    return -(-count // step) * step


def _load_error(path: Path, runtime: str, exc: Exception, retrain: str) -> ModelLoadError:
    """The one wording of a model file that will not load, for either runner."""
    return ModelLoadError(
        f"cannot load {path} as a {runtime} model ({exc}); the file may be corrupt: "
        f"retrain with {retrain} or restore it from the repository"
    )


class LiteRTRunner:
    """Runs a .tflite model, one interpreter per batch bucket seen (resizing is not free).

    interpreter_class: from `litert_interpreter_class()`. input_shape: one input's shape
    without the batch axis. retrain: the script that retrains the model, for the error
    raised when the file will not load.
    """

    name = "litert"

    def __init__(self, path: Path, interpreter_class, num_threads: int,
                 input_shape: tuple[int, ...], *, retrain: str):
        self.num_threads = num_threads
        self._path = path
        self._input_shape = list(input_shape)
        self._interpreter_class = interpreter_class
        self._interpreters = {}
        try:
            self._interpreter(1)
        except (ValueError, RuntimeError) as exc:
            raise _load_error(path, "LiteRT", exc, retrain) from exc

    def _interpreter(self, batch: int):
        entry = self._interpreters.get(batch)
        if entry is None:
            interpreter = self._interpreter_class(
                model_path=str(self._path), num_threads=self.num_threads
            )
            input_index = interpreter.get_input_details()[0]["index"]
            interpreter.resize_tensor_input(input_index, [batch] + self._input_shape)
            with native_stderr_silenced():
                interpreter.allocate_tensors()
            output_index = interpreter.get_output_details()[0]["index"]
            entry = (interpreter, input_index, output_index)
            self._interpreters[batch] = entry
        return entry

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        count = len(batch)
        size = batch_bucket(count)
        if size != count:
            batch = np.concatenate([batch, np.zeros((size - count,) + batch.shape[1:], batch.dtype)])
        interpreter, input_index, output_index = self._interpreter(size)
        interpreter.set_tensor(input_index, batch)
        interpreter.invoke()
        return interpreter.get_tensor(output_index)[:count].copy()


class KerasRunner:
    """Runs a .keras model directly (imports TensorFlow: slow to start, fine to run).

    retrain: the script that retrains the model, for the error raised when the file will
    not load.
    """

    name = "keras"

    def __init__(self, path: Path, *, retrain: str):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        try:
            self._model = keras.saving.load_model(path, compile=False)
        except (ValueError, OSError) as exc:
            raise _load_error(path, "Keras", exc, retrain) from exc

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        # Calling the model directly avoids model.predict's per-call setup (tf.data, callbacks).
        return np.asarray(self._model(batch, training=False))
