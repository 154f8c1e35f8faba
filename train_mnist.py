"""Train the tutorial's MNIST CNN and export it for fast inference.

Reads top to bottom: load the data, build the model, train, evaluate, save.

    python train_mnist.py                                   # Keras's own MNIST download
    python train_mnist.py --data ../shared/data/mnist/mnist.npz
    python train_mnist.py --data mnist.npz --augment --epochs 20   # the shipped model's base
    python train_mnist.py --data mnist.npz --augment --pen --init models/mnist_cnn.keras \
        --epochs 3                                                # ... fine-tuned
    python train_mnist.py --data mnist.npz --augment --pen --reject \
        --init models/mnist_cnn.keras --epochs 4                  # ... with "not a digit"
    python train_mnist.py --data mnist.npz --augment --pen --reject --init run4.keras \
        --teacher run4.keras --learning-rate 0.3 --epochs 3      # ... keeping run4's digits

By default it reproduces the tutorial exactly (10 epochs, batch 128, Adadelta). With
--reject the model learns an eleventh answer, "not a digit", from negatives the project
makes itself (recognizer.synth), gives logits, and a temperature fitted on held-back data
calibrates them. It writes into --out: mnist_cnn.keras, mnist_cnn.tflite, mnist_cnn.json
(the model card: what the outputs are, the temperature), metrics.json, training.png,
confusion.png and, with --reject, calibration.png. What it adds to MNIST and what it starts
from or learns beside (--pen, --reject, --init, --teacher) is in recognizer/training.
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
    DISTILL_WEIGHT,
    EPOCHS,
    IMAGE_SIZE,
    MODEL_CARD_SUFFIX,
    MODEL_STEM,
    MODELS_DIR,
    NUM_CLASSES,
    REJECT_CLASS,
)
from recognizer.training.calibration import (
    calibration_error, drawn_test_digits, fit_temperature, plot_reliability, softmax)
from recognizer.training.extra_data import pen_style, reject_data
from recognizer.training.model_files import export_tflite, save_keras, saved_accuracy, write_card
from recognizer.training.reports import plot_confusion, plot_history
from recognizer.training.teachers import init_weights, load_teacher, make_distiller


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
    parser.add_argument("--learning-rate", type=float, default=ADADELTA_LEARNING_RATE,
                        help="Adadelta's learning rate (the tutorial's Keras 2 default: 1.0); "
                             "lower suits fine-tuning")
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first N training images only (quick runs)")
    parser.add_argument("--augment", action="store_true",
                        help="random shift, rotation, scale and stroke thickness")
    parser.add_argument("--pen", action="store_true",
                        help="also train on pen-style copies of the training digits (each "
                             "thinned and redrawn with an even round pen, as users draw)")
    parser.add_argument("--reject", action="store_true",
                        help="also learn 'not a digit' from the project's own negatives "
                             "(letters, shapes, scribbles, touching digits, paper and desk); "
                             "the model gives logits, calibrated by a fitted temperature")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this .keras model's weights (fine-tuning) instead of "
                             "random ones")
    parser.add_argument("--teacher", type=Path, action="append", default=None,
                        help="with --reject: a .keras model whose answers on digits the new "
                             "model keeps (distillation), so that learning 'not a digit' "
                             "does not change how it reads digits; a --reject model or one of "
                             "the ten digits; repeated: their mean")
    parser.add_argument("--distill-weight", type=float, default=None,
                        help="with --teacher: the teacher's share of a digit's target "
                             f"(default {DISTILL_WEIGHT})")
    parser.add_argument("--distill-doubt-to-label", action="store_true",
                        help="with --teacher: the share of a training digit's target that "
                             "the teacher gives 'not a digit' goes to its label instead, so "
                             "that digits the teacher doubts are not taught as partly "
                             "rejected")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.distill_weight is not None and args.teacher is None:
        parser.error("--distill-weight needs --teacher")
    if args.distill_doubt_to_label and args.teacher is None:
        parser.error("--distill-doubt-to-label needs --teacher")
    if args.distill_weight is None:
        args.distill_weight = DISTILL_WEIGHT
    if not 0.0 <= args.distill_weight <= 1.0:
        parser.error("--distill-weight must be between 0 and 1")
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
    for option, path in [("--init", args.init)] + [("--teacher", t) for t in args.teacher or []]:
        if path is not None and not path.is_file():
            print(f"train_mnist.py: error: {option} model not found: {path}", file=sys.stderr)
            return 1
    if args.teacher is not None and not args.reject:
        print("train_mnist.py: error: --teacher needs --reject", file=sys.stderr)
        return 1
    teachers = []
    for path in args.teacher or []:  # checked before minutes of data are made
        try:
            teachers.append(load_teacher(path, NUM_CLASSES + 1))
        except (ValueError, OSError) as exc:
            print(f"train_mnist.py: error: --teacher {path}: {exc}", file=sys.stderr)
            return 1
    if args.pen or args.reject:
        try:
            import skimage  # noqa: F401  (skeletons: pen_style's, and tracing --reject's letters)
        except ImportError:
            option = "--pen" if args.pen else "--reject"
            print(f"train_mnist.py: error: {option} needs scikit-image: pip install scikit-image",
                  file=sys.stderr)
            return 1
    x_cal = y_cal = None
    if args.reject:
        x_train, y_train, x_extra, y_extra, x_cal, y_cal = reject_data(
            x_train, y_train, args.seed, args.limit)
    if args.pen:
        x_train = np.concatenate([x_train, pen_style(x_train, args.seed)])
        y_train = np.concatenate([y_train, y_train])
    if args.reject:
        x_train = np.concatenate([x_train, x_extra])
        y_train = np.concatenate([y_train, y_extra])
    classes = NUM_CLASSES + 1 if args.reject else NUM_CLASSES
    print(f"data: {len(x_train)} training and {len(x_test)} test images")

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    x_train, x_test = to_model_input(x_train), to_model_input(x_test)
    y_train_1hot = keras.utils.to_categorical(y_train, classes)
    y_test_1hot = keras.utils.to_categorical(y_test, classes)

    # The model: the tutorial's CNN, compiled as the tutorial did.
    from recognizer.core.model import build_model

    model = build_model(reject=args.reject)
    if args.init is not None:
        try:
            init_weights(model, args.init)
        except (ValueError, OSError) as exc:
            print(f"train_mnist.py: error: --init {args.init} is not a model of this "
                  f"architecture (recognizer/core/model.py) ({exc})", file=sys.stderr)
            return 1
    model.compile(
        loss=keras.losses.CategoricalCrossentropy(from_logits=args.reject),
        # Keras 3's Adadelta defaults to learning_rate=0.001, which barely moves in 10 epochs;
        # the tutorial ran on Keras 2, whose default was 1.0. 1.0 reproduces the tutorial.
        optimizer=keras.optimizers.Adadelta(learning_rate=args.learning_rate),
        metrics=["accuracy"],
    )

    # Train, validating on the test set as the tutorial does.
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train_1hot))
    train = train.shuffle(len(x_train), seed=args.seed, reshuffle_each_iteration=True)
    train = train.batch(args.batch_size)
    if args.augment:
        train = train.map(make_augmenter(args.seed), num_parallel_calls=tf.data.AUTOTUNE)
    if teachers:
        train = train.map(make_distiller(teachers, args.distill_weight,
                                         args.distill_doubt_to_label))
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
    confusion = np.zeros((NUM_CLASSES, classes), dtype=int)
    np.add.at(confusion, (y_test, predicted), 1)
    per_class = confusion.diagonal() / confusion.sum(axis=1).clip(min=1)
    print(f"test accuracy {accuracy:.4f}, test loss {loss:.4f}")

    # Calibrate (--reject): fit the temperature on the kept-back images, then measure.
    temperature, calibration = 1.0, {}
    if args.reject:
        logits = model.predict(to_model_input(x_cal), batch_size=1000, verbose=0)
        before = calibration_error(softmax(logits), y_cal)[0]
        temperature = fit_temperature(logits, y_cal.astype(int))
        test_logits = model.predict(x_test, batch_size=1000, verbose=0)
        drawn_index, drawn = drawn_test_digits((x_test[..., 0] * 255).astype(np.uint8),
                                               min(2000, len(x_test)), args.seed)
        drawn_logits = model.predict(to_model_input(drawn), batch_size=1000, verbose=0)
        tables = {
            "MNIST test": calibration_error(softmax(test_logits, temperature), y_test),
            "drawn test digits": calibration_error(softmax(drawn_logits, temperature),
                                                   y_test[drawn_index]),
        }
        calibration = {
            "temperature": round(temperature, 4),
            "calibration_set_ece_before": round(before, 5),
            "ece": {name: round(ece, 5) for name, (ece, _) in tables.items()},
            "drawn_test_digits": int(len(drawn)),
            "rejected_mnist_test": float((test_logits.argmax(axis=1) == REJECT_CLASS).mean()),
        }
        args.out.mkdir(parents=True, exist_ok=True)
        plot_reliability(tables, args.out / "calibration.png")
        print(f"temperature {temperature:.3f}; ECE {calibration['ece']}")

    # Save the two model files, then read each back and check that it kept the accuracy.
    args.out.mkdir(parents=True, exist_ok=True)
    keras_path = args.out / f"{MODEL_STEM}.keras"
    tflite_path = args.out / f"{MODEL_STEM}.tflite"
    save_keras(model, keras_path, reject=args.reject)
    export_tflite(model, tflite_path)
    write_card(keras_path.with_suffix(MODEL_CARD_SUFFIX), args.reject, temperature)
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
            "reject": args.reject,
            "init": str(args.init) if args.init else None,
            "teacher": [str(t) for t in args.teacher] if args.teacher else None,
            "distill_weight": args.distill_weight if args.teacher else None,
            "distill_doubt_to_label": args.distill_doubt_to_label if args.teacher else None,
            "seed": args.seed,
            "optimizer": f"Adadelta(learning_rate={args.learning_rate})",
        },
        "calibration": calibration,
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
    print(f"wrote {keras_path}, {tflite_path}, {MODEL_STEM}{MODEL_CARD_SUFFIX}, metrics.json, "
          f"training.png, confusion.png{', calibration.png' if args.reject else ''} "
          f"to {args.out} in {metrics['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
