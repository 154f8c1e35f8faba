"""recognizer: real-time handwritten digit recognition.

One core (`Recognizer`, `predict_digit`, the frozen `Prediction`) and one preprocessing
path serve every frontend: the Tk drawing app, the live webcam loop and the photo folder mode.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "Prediction", "Recognizer", "predict_digit", "to_mnist"]


def __getattr__(name):
    # Lazy re-exports keep `import recognizer` cheap: the CLI's --help must not load a model runtime.
    if name in ("Prediction", "Recognizer", "predict_digit"):
        from recognizer import predict

        return getattr(predict, name)
    if name == "to_mnist":
        from recognizer.preprocess import to_mnist

        return to_mnist
    raise AttributeError(f"module 'recognizer' has no attribute {name!r}")
