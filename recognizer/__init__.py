"""recognizer: real-time handwritten digit recognition.

One core (`Recognizer`, `predict_digit`, the frozen `Prediction`) and one preprocessing
path (`to_mnist`) serve every frontend: the Tk drawing app, the live webcam loop and the
photo folder mode. The detector's two entry points, `find_digits` (where the digits are) and
`read_digits` (where they are and what they read), find digits on paper.

The package is laid out by job, each layer importing only the ones below it:

- `recognizer.core`: settings, the model, preprocessing, reading, image files;
- `recognizer.detection`: finding digits in a frame, tracking them, drawing results;
- `recognizer.drawing`: pen strokes into digits, and the Tk drawing app;
- `recognizer.apps`: the command line and its frontends (predict, webcam, photos, score).

The names below are importable from `recognizer` directly and load lazily, so that
`import recognizer` (and `recognizer --help`) does not load numpy, OpenCV or a model runtime.
"""

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "Prediction": "recognizer.core.predict",
    "Recognizer": "recognizer.core.predict",
    "predict_digit": "recognizer.core.predict",
    "to_mnist": "recognizer.core.preprocess",
    "find_digits": "recognizer.detection.detector",
    "read_digits": "recognizer.detection.detector",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'recognizer' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
