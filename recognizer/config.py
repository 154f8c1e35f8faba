"""Every tunable constant in one place, so that frontends agree and tuning has one home."""

from pathlib import Path

# --- Model files --------------------------------------------------------------------------
PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = PROJECT_ROOT / "models"
MODEL_STEM = "mnist_cnn"
KERAS_MODEL = MODELS_DIR / f"{MODEL_STEM}.keras"
TFLITE_MODEL = MODELS_DIR / f"{MODEL_STEM}.tflite"
# Environment variable that points the core at another model file (.tflite or .keras).
MODEL_ENV_VAR = "RECOGNIZER_MODEL"

# --- MNIST geometry -----------------------------------------------------------------------
IMAGE_SIZE = 28  # the model's input is IMAGE_SIZE x IMAGE_SIZE, one channel
NUM_CLASSES = 10
DIGIT_BOX = 20  # MNIST scales a digit's longest side to 20 px, then pads to 28 x 28

# --- Preprocessing ------------------------------------------------------------------------
# Ink must differ from the background by at least this fraction of full scale; below it the
# image is treated as blank (nothing to read) rather than amplified noise.
MIN_CONTRAST = 0.12
# After contrast stretching, values below this fraction are background noise and set to 0.
NOISE_FLOOR = 0.25
# Fewer ink pixels than this (at the source resolution) is a speck, not a digit.
MIN_INK_PIXELS = 4
# Stroke width normalisation: the crop is first scaled so that its longest side is
# WORK_BOX px; there MNIST's strokes are about TARGET_STROKE px wide. Strokes thinner than
# THIN_FACTOR * TARGET_STROKE are thickened to TARGET_STROKE (thick pens are left alone).
WORK_BOX = 80
TARGET_STROKE = 9.5
THIN_FACTOR = 0.7
# Ink components smaller than this fraction of the largest one are specks and dropped.
SPECK_FRACTION = 0.05

# --- Recognition --------------------------------------------------------------------------
# Below this confidence a reading is shown as unsure ("not sure: 4? 41%", "?").
MIN_CONFIDENCE = 0.70
# LiteRT threads: one is fastest for the small batches a frontend sends.
LITERT_THREADS = 1

# --- Training -----------------------------------------------------------------------------
BATCH_SIZE = 128
EPOCHS = 10
# Keras 2's Adadelta default, which the tutorial relied on (Keras 3 defaults to 0.001).
ADADELTA_LEARNING_RATE = 1.0
