"""Train the tutorial's MNIST CNN and export it for fast inference.

Reads top to bottom: load the data, build the model, train, evaluate, save.

    python train_mnist.py                                   # Keras's own MNIST download
    python train_mnist.py --data ../shared/data/mnist/mnist.npz
    python train_mnist.py --data mnist.npz --augment --epochs 20   # the shipped model's base
    python train_mnist.py --data mnist.npz --augment --pen --init models/mnist_cnn.keras \
        --epochs 3                                                # ... fine-tuned (shipped)

By default it reproduces the tutorial exactly (10 epochs, batch 128, Adadelta). It writes
into --out: mnist_cnn.keras, mnist_cnn.tflite, metrics.json, training.png, confusion.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from recognizer.core.config import (
    ADADELTA_LEARNING_RATE,
    BATCH_SIZE,
    EPOCHS,
    IMAGE_SIZE,
    MODEL_STEM,
    MODELS_DIR,
    NUM_CLASSES,
)


MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DataError(Exception):
    """The training data is missing, unreadable or not shaped like MNIST."""


# --- Data ---------------------------------------------------------------------------------


def load_mnist(path: Path | None):
    """Return (x_train, y_train), (x_test, y_test) as uint8 arrays, checked for shape.

    With no path this is Keras's own download; with a path, an .npz with the keys
    x_train, y_train, x_test, y_test (the layout of Keras's mnist.npz).
    """
    if path is None:
        import keras

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        except Exception as exc:  # network errors come in many types; all mean the same here
            raise DataError(
                f"could not download MNIST ({exc.__class__.__name__}: {exc}); "
                "pass a local copy with --data PATH/mnist.npz"
            ) from exc
    else:
        if not path.is_file():
            raise DataError(f"data file not found: {path}")
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = [key for key in MNIST_KEYS if key not in data.files]
                if missing:
                    raise DataError(
                        f"{path} lacks the key(s) {', '.join(missing)}; "
                        f"expected {', '.join(MNIST_KEYS)}"
                    )
                arrays = {key: data[key] for key in MNIST_KEYS}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, AttributeError) as exc:
            # np.load raises any of these for a truncated, corrupt or non-.npz file
            # (a plain .npy gives an array, which has no .files).
            raise DataError(f"{path} is not a readable .npz file ({exc})") from exc
        x_train, y_train = arrays["x_train"], arrays["y_train"]
        x_test, y_test = arrays["x_test"], arrays["y_test"]
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if x.ndim != 3 or x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
            raise DataError(
                f"x_{name} has shape {x.shape}; expected (N, {IMAGE_SIZE}, {IMAGE_SIZE})"
            )
        if y.shape != (len(x),):
            raise DataError(f"y_{name} has shape {y.shape}; expected ({len(x)},)")
        if len(y) and (y.min() < 0 or y.max() >= NUM_CLASSES):
            raise DataError(f"y_{name} holds labels outside 0-9")
    return (x_train, y_train), (x_test, y_test)


def to_model_input(x: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], the model's input."""
    return (x.astype("float32") / 255.0)[..., np.newaxis]


# --- Augmentation -------------------------------------------------------------------------


def make_augmenter(seed: int):
    """Random shift, rotation, scale and stroke thickness, applied to batches in tf.data.

    MNIST digits are tidy; camera crops and canvas drawings are not quite centred, sized or
    stroked like them. Small random changes of each teach the model to shrug those off.
    """
    import keras
    import tensorflow as tf
    from keras import layers

    geometry = keras.Sequential(
        [
            layers.RandomRotation(12 / 360, fill_mode="constant", seed=seed),
            layers.RandomZoom((-0.12, 0.12), fill_mode="constant", seed=seed + 1),
            layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=seed + 2),
        ]
    )
    rng = tf.random.Generator.from_seed(seed + 3)

    def augment(x, y):
        x = geometry(x, training=True)
        thicker = tf.nn.max_pool2d(x, ksize=2, strides=1, padding="SAME")
        thinner = -tf.nn.max_pool2d(-x, ksize=2, strides=1, padding="SAME")
        choice = rng.uniform((tf.shape(x)[0], 1, 1, 1))
        x = tf.where(choice < 0.2, thicker, tf.where(choice < 0.35, thinner, x))
        return x, y

    return augment


def pen_style(x: np.ndarray, seed: int) -> np.ndarray:
    """Redraw digits as a round pen would: thin each to its skeleton, then stroke it evenly.

    People drawing with a mouse or felt pen make strokes of one width, unlike MNIST's scanned
    pencil; training on such copies closes that gap. Each copy goes through the shared
    `to_mnist`, the same path every frontend's digits take.
    """
    import cv2
    from skimage.morphology import skeletonize

    from recognizer.core.preprocess import to_mnist

    rng = np.random.default_rng(seed)
    scale = 3  # skeletonise at 3x, so that the redrawn stroke is smooth at 28 px
    copies = np.empty_like(x)
    for i, image in enumerate(x):
        big = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        skeleton = skeletonize(big > 110).astype(np.uint8) * 255
        width = int(round(rng.uniform(5, 10))) | 1  # 1.7 to 3.3 px at MNIST's scale
        pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width))
        stroke = cv2.GaussianBlur(cv2.dilate(skeleton, pen), (3, 3), 0)
        patch = to_mnist(stroke)
        copies[i] = image if patch is None else np.round(patch * 255).astype(np.uint8)
    return copies


# --- Reports ------------------------------------------------------------------------------


def plot_history(history: dict, path: Path) -> None:
    """Accuracy and loss per epoch, training against test."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["loss"]) + 1)
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, title in ((ax_acc, "accuracy", "Accuracy"), (ax_loss, "loss", "Loss")):
        ax.plot(epochs, history[key], "o-", label="training")
        ax.plot(epochs, history[f"val_{key}"], "o-", label="test")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion(confusion: np.ndarray, path: Path) -> None:
    """The 10 x 10 confusion matrix with counts, true digit by row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for (row, col), count in np.ndenumerate(confusion):
        if count:
            colour = "white" if row == col else "black"
            ax.text(col, row, str(count), ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_yticks(range(NUM_CLASSES))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion on the MNIST test set")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def save_keras(model, path: Path) -> None:
    """Save an uncompiled copy (no optimizer state) with weights at float16 precision.

    The values are those the float16 .tflite holds, so the two files give the same readings;
    stored as float32 with zeroed low bits and zip-compressed, the file is ~40% smaller
    (models/ stays under 12 MB) and loads as an ordinary .keras model.
    """
    from recognizer.core.model import build_model

    copy = build_model()
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


# --- Main ---------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Train the tutorial's MNIST CNN and export it (.keras and .tflite).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=None,
                        help="MNIST .npz (keys x_train, y_train, x_test, y_test); "
                             "default: Keras's own download")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first N training images only (quick runs)")
    parser.add_argument("--augment", action="store_true",
                        help="random shift, rotation, scale and stroke thickness")
    parser.add_argument("--pen", action="store_true",
                        help="also train on pen-style copies of the training digits (each "
                             "thinned and redrawn with an even round pen, as users draw)")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this .keras model's weights (fine-tuning) instead of "
                             "random ones")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    # Load the data first: a bad file should fail in a second, not after TensorFlow loads.
    try:
        (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
    except DataError as exc:
        print(f"train_mnist.py: error: {exc}", file=sys.stderr)
        return 1
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    if args.init is not None and not args.init.is_file():
        print(f"train_mnist.py: error: --init model not found: {args.init}", file=sys.stderr)
        return 1
    if args.pen:
        try:
            import skimage  # noqa: F401  (pen_style's skeletonisation)
        except ImportError:
            print("train_mnist.py: error: --pen needs scikit-image: pip install scikit-image",
                  file=sys.stderr)
            return 1
        x_train = np.concatenate([x_train, pen_style(x_train, args.seed)])
        y_train = np.concatenate([y_train, y_train])
    print(f"data: {len(x_train)} training and {len(x_test)} test images")

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    x_train, x_test = to_model_input(x_train), to_model_input(x_test)
    y_train_1hot = keras.utils.to_categorical(y_train, NUM_CLASSES)
    y_test_1hot = keras.utils.to_categorical(y_test, NUM_CLASSES)

    # The model: the tutorial's CNN, compiled as the tutorial did.
    from recognizer.core.model import build_model

    model = build_model()
    if args.init is not None:
        try:
            model.set_weights(keras.saving.load_model(args.init, compile=False).get_weights())
        except (ValueError, OSError) as exc:
            print(f"train_mnist.py: error: --init {args.init} is not a model of this "
                  f"architecture (recognizer/core/model.py) ({exc})", file=sys.stderr)
            return 1
    model.compile(
        loss="categorical_crossentropy",
        # Keras 3's Adadelta defaults to learning_rate=0.001, which barely moves in 10 epochs;
        # the tutorial ran on Keras 2, whose default was 1.0. 1.0 reproduces the tutorial.
        optimizer=keras.optimizers.Adadelta(learning_rate=ADADELTA_LEARNING_RATE),
        metrics=["accuracy"],
    )

    # Train, validating on the test set as the tutorial does.
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train_1hot))
    train = train.shuffle(len(x_train), seed=args.seed, reshuffle_each_iteration=True)
    train = train.batch(args.batch_size)
    if args.augment:
        train = train.map(make_augmenter(args.seed), num_parallel_calls=tf.data.AUTOTUNE)
    train = train.prefetch(tf.data.AUTOTUNE)
    history = model.fit(
        train,
        epochs=args.epochs,
        validation_data=(x_test, y_test_1hot),
        verbose=1 if sys.stdout.isatty() else 2,
    )

    # Evaluate.
    loss, accuracy = model.evaluate(x_test, y_test_1hot, verbose=0)
    predicted = model.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=int)
    np.add.at(confusion, (y_test, predicted), 1)
    per_class = confusion.diagonal() / confusion.sum(axis=1).clip(min=1)
    print(f"test accuracy {accuracy:.4f}, test loss {loss:.4f}")

    # Save the two model files, then read each back and check that it kept the accuracy.
    args.out.mkdir(parents=True, exist_ok=True)
    keras_path = args.out / f"{MODEL_STEM}.keras"
    tflite_path = args.out / f"{MODEL_STEM}.tflite"
    save_keras(model, keras_path)
    export_tflite(model, tflite_path)
    keras_saved_accuracy = saved_accuracy(keras_path, "keras", x_test, y_test)
    tflite_accuracy = saved_accuracy(tflite_path, "litert", x_test, y_test)
    print(f"saved .keras test accuracy {keras_saved_accuracy}, .tflite test accuracy {tflite_accuracy}")
    plot_history(history.history, args.out / "training.png")
    plot_confusion(confusion, args.out / "confusion.png")

    metrics = {
        "test_accuracy": float(accuracy),
        "test_loss": float(loss),
        "keras_file_test_accuracy": keras_saved_accuracy,
        "tflite_test_accuracy": tflite_accuracy,
        "per_class_accuracy": {str(d): round(float(a), 4) for d, a in enumerate(per_class)},
        "confusion_matrix": confusion.tolist(),
        "training_images": int(len(x_train)),
        "test_images": int(len(x_test)),
        "options": {
            "data": str(args.data) if args.data else "keras.datasets.mnist",
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "limit": args.limit,
            "augment": args.augment,
            "pen": args.pen,
            "init": str(args.init) if args.init else None,
            "seed": args.seed,
            "optimizer": f"Adadelta(learning_rate={ADADELTA_LEARNING_RATE})",
        },
        "history": {k: [round(float(v), 5) for v in vals] for k, vals in history.history.items()},
        "seconds": round(time.perf_counter() - started, 1),
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {keras_path}, {tflite_path}, metrics.json, training.png, confusion.png "
          f"to {args.out} in {metrics['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
