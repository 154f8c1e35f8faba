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
confusion.png and, with --reject, calibration.png.
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
    CALIBRATION_DIGITS,
    CALIBRATION_NEGATIVES,
    DISTILL_WEIGHT,
    EPOCHS,
    IMAGE_SIZE,
    MODEL_CARD_SUFFIX,
    MODEL_STEM,
    MODELS_DIR,
    NUM_CLASSES,
    PHOTO_DIGITS,
    REJECT_CLASS,
    REJECT_NEGATIVES,
    SCENE_FRAMES,
    SCENE_SEED_BASE,
    STYLED_DIGITS,
)
from recognizer.training.calibration import (
    calibration_error, drawn_test_digits, fit_temperature, plot_reliability, softmax)
from recognizer.training.model_files import export_tflite, save_keras, saved_accuracy, write_card
from recognizer.training.reports import plot_confusion, plot_history


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


def load_teacher(teacher_path: Path, classes: int):
    """The --teacher model, frozen; ValueError (or OSError) when it cannot teach this run.

    A --reject model (classes outputs) or a digits-only model (one fewer: the tutorial's
    ten digits, such as the models shipped before "not a digit"), whose targets then give
    "not a digit" nothing.
    """
    import keras

    teacher = keras.saving.load_model(teacher_path, compile=False)
    teacher.trainable = False
    if teacher.output_shape[-1] not in (classes, classes - 1):
        raise ValueError(f"the teacher has {teacher.output_shape[-1]} outputs, the model "
                         f"{classes}: give a --reject model or a model of the "
                         f"{classes - 1} digits as the teacher")
    return teacher


def make_distiller(teachers: list, weight: float):
    """Soft targets from teacher models (a list) for the digits of each batch (--teacher).

    Learning without forgetting (Li and Hoiem, 2016; Hinton et al., 2015): a digit's target
    becomes `weight` of the teachers' mean softmax and the rest its one-hot label, so the
    student keeps the teachers' answers on digits (and their doubts on ambiguous ones)
    while "not a digit" is learnt from the negatives, whose hard targets are left as they
    are. Applied after augmentation: the teachers see the very image the student sees. A
    digits-only teacher gives "not a digit" no share of a digit's target.
    """
    import keras
    import tensorflow as tf

    def softmax_of(teacher, x):
        out = teacher(x, training=False)
        # The tutorial's models end in a softmax (a Dense's activation, or a Softmax layer),
        # the --reject ones in logits.
        last = teacher.layers[-1]
        if not (isinstance(last, keras.layers.Softmax)
                or last.get_config().get("activation") == "softmax"):
            out = tf.nn.softmax(out, axis=-1)
        missing = REJECT_CLASS + 1 - teacher.output_shape[-1]  # 1 for a digits-only teacher
        return tf.pad(out, [[0, 0], [0, missing]])

    def distil(x, y):
        soft = tf.cast(tf.add_n([softmax_of(t, x) for t in teachers]) / len(teachers), y.dtype)
        negative = y[:, REJECT_CLASS:REJECT_CLASS + 1] > 0.5
        return x, tf.where(negative, y, (1.0 - weight) * y + weight * soft)

    return distil


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


def photographed_copies(x: np.ndarray, y: np.ndarray, count: int, seed: int):
    """count training digits (drawn at random) inked on paper and photographed as half the
    negatives are (`synth.pen.photographed`: blur, a light gradient, sensor noise, then
    `to_mnist`), with their labels: without them the photographed look belongs mostly to
    the "not a digit" class, and a blurred or noisy digit on a real photo pays for it."""
    import cv2

    from recognizer.synth import pen

    rng = np.random.default_rng(seed)
    copies, labels = [], []
    while len(copies) < count:
        i = int(rng.integers(len(x)))
        paper = 255.0 - cv2.resize(x[i].astype(np.float32), None, fx=3, fy=3)
        patch = pen.photographed(paper, rng)
        if patch is not None:
            copies.append(patch)
            labels.append(y[i])
    return np.stack(copies), np.array(labels, np.uint8)


# --- "Not a digit" -----------------------------------------------------------------------


def reject_data(x_train, y_train, seed: int, limit: int | None):
    """Training and calibration sets for --reject.

    Returns the digits to train on (all but the last CALIBRATION_DIGITS, kept back), the
    extra training images (the styled digits of recognizer.synth.styles, photographed copies
    of training digits, negatives of the
    training kinds labelled REJECT_CLASS, and the detector's candidates in generated scenes
    of training digits, recognizer.synth.scene_crops) and the calibration set (the kept-back
    digits and negatives of another seed), each as (x, y).
    """
    from recognizer.synth.negatives import make_negatives
    from recognizer.synth.styles import make_styled_digits

    keep = min(CALIBRATION_DIGITS, len(x_train) // 10)
    x_cal, y_cal = x_train[len(x_train) - keep:], y_train[len(y_train) - keep:]
    x_train, y_train = x_train[: len(x_train) - keep], y_train[: len(y_train) - keep]
    share = 1.0 if limit is None else min(1.0, limit / 60_000)
    negatives, _ = make_negatives(max(10, int(REJECT_NEGATIVES * share)), seed, x_train, y_train)
    styled, styled_y, _ = make_styled_digits(max(7, int(STYLED_DIGITS * share)), seed + 1)
    photos, photos_y = photographed_copies(x_train, y_train, max(10, int(PHOTO_DIGITS * share)),
                                           seed + 3)
    cal_negatives, _ = make_negatives(max(10, int(CALIBRATION_NEGATIVES * share)), seed + 2,
                                      x_train, y_train)
    scenes, scenes_y = scene_data(max(2, int(SCENE_FRAMES * share)), seed, x_train, y_train)
    x_extra = np.concatenate([styled, photos, negatives, scenes])
    y_extra = np.concatenate([styled_y, photos_y, np.full(len(negatives), REJECT_CLASS, np.uint8),
                              scenes_y])
    x_cal = np.concatenate([x_cal, cal_negatives])
    y_cal = np.concatenate([y_cal, np.full(len(cal_negatives), REJECT_CLASS, np.uint8)])
    print(f"--reject: {len(negatives)} negatives, {len(styled)} styled digits, "
          f"{len(photos)} photographed digits and "
          f"{len(scenes)} scene candidates ({int((scenes_y == REJECT_CLASS).sum())} not digits) "
          f"added; "
          f"{len(x_cal)} images kept back for calibration")
    return x_train, y_train, x_extra, y_extra, x_cal, y_cal


def scene_data(frames: int, seed: int, x_train, y_train):
    """The detector's labelled candidates in `frames` generated scenes of training digits,
    rendered in one process per core (rendering is the slow part: about 0.4 s a frame)."""
    from concurrent.futures import ProcessPoolExecutor

    from recognizer.synth.scene_crops import scene_candidates

    workers = max(1, min(os.cpu_count() or 1, frames))
    shares = [frames // workers + (k < frames % workers) for k in range(workers)]
    seeds = [SCENE_SEED_BASE + 10 * seed + k for k in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(scene_candidates, shares, seeds, [x_train] * workers,
                              [y_train] * workers))
    return (np.concatenate([p for p, _ in parts]), np.concatenate([l for _, l in parts]))


def init_weights(model, init_path: Path):
    """Start from a saved model: every layer copied; a 10-class model's last layer is
    widened for "not a digit" (its digit logits kept, the new one starting at 0)."""
    import keras

    source = keras.saving.load_model(init_path, compile=False).get_weights()
    target = model.get_weights()
    if source[-1].shape != target[-1].shape and source[-1].shape[0] + 1 == target[-1].shape[0]:
        kernel, bias = source[-2], source[-1]
        source[-2] = np.concatenate([kernel, np.zeros((len(kernel), 1), kernel.dtype)], axis=1)
        source[-1] = np.concatenate([bias, np.zeros(1, bias.dtype)])
    model.set_weights(source)


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
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.distill_weight is not None and args.teacher is None:
        parser.error("--distill-weight needs --teacher")
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
        train = train.map(make_distiller(teachers, args.distill_weight))
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
