"""The trained model's files: the .keras (float16 values, no optimizer state), the .tflite
LiteRT serves, the model card beside them, and each read back through the core."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from recognizer.core.config import NUM_CLASSES


def write_card(path: Path, reject: bool, temperature: float = 1.0) -> None:
    """The model card the core reads beside the model (see recognizer.core.predict)."""
    card = ({"outputs": "logits", "classes": NUM_CLASSES + 1, "temperature": round(temperature, 4)}
            if reject else {"outputs": "probabilities", "classes": NUM_CLASSES})
    path.write_text(json.dumps(card, indent=2) + "\n")


def save_keras(model, path: Path, reject: bool = False) -> None:
    """Save an uncompiled copy (no optimizer state) with weights at float16 precision.

    The values are those the float16 .tflite holds, so the two files give the same readings;
    stored as float32 with zeroed low bits and zip-compressed, the file is ~40% smaller
    (models/ stays under 12 MB) and loads as an ordinary .keras model.
    """
    from recognizer.core.model import build_model

    copy = build_model(reject=reject)
    copy.set_weights([w.astype(np.float16).astype(np.float32) for w in model.get_weights()])
    copy.save(path)
    packed = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(
        packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9
    ) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    packed.replace(path)


def export_tflite(model, path: Path) -> None:
    """Write the model as .tflite with float16 weights: half the size, float32 arithmetic."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]
    path.write_bytes(converter.convert())


def saved_accuracy(path: Path, backend: str, x: np.ndarray, y: np.ndarray) -> float | None:
    """Test accuracy of a saved model file, read back through the core, as users will run it."""
    from recognizer.core.errors import RecognizerError
    from recognizer.core.predict import Recognizer

    try:
        probabilities = Recognizer(path, backend=backend).predict_probabilities(x)
    except RecognizerError as exc:  # e.g. no LiteRT on this platform: the file is still written
        print(f"note: could not check {path.name}: {exc}")
        return None
    return float((probabilities.argmax(axis=1) == y).mean())
