"""The core every frontend stands on: settings (`config`), errors, the model
(`model`: its architecture; `predict`: `Recognizer` and `Prediction`), the one preprocessing
path (`preprocess.to_mnist`), the shared `Digit` record (`records`) and image files
(`images`). It imports nothing from the rest of the package."""
