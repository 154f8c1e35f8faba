#!/usr/bin/env python3
"""Train the string model: a small CNN read with CTC that reads a blob of touching digits
whole (`recognizer.core.string_model`), on numbers of MNIST *train* digits only.

Each example is a line (LINE_KINDS): a number of 1 to 6 MNIST train digits whose ink
overlaps by 0 to --max-overlap of a digit's width (`synth.touching.make_number`); letters,
shapes, doodles and scribbles of `synth.negatives`' training kinds, alone or touching (read
as nothing: CTC's empty label); digits with such glyphs among them (read as the digits); a
single digit stretched wide, or one in a style MNIST lacks (`synth.styles`: a 1 with a
flag, a 7 with a crossbar), perhaps a little wide (one digit). Each is rendered as the
photo path hands a candidate to the reader (`synth.touching.blob_ink`) and put in the
model's line (`string_model.line_input`). Training runs for --minutes of wall time (Adam, the rate cut
by 10 for the last quarter), from scratch or from a saved model (--init); the check set is
lines of MNIST *test* digits and negatives of another seed.

    .venv/bin/python scripts/train_string_reader.py --minutes 20 --out models

writes string_ctc.keras, string_ctc.tflite (float16 weights) and string_ctc.json (recipe
and check figures).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recognizer.apps.score import edit_distance  # noqa: E402
from recognizer.core import config  # noqa: E402
from recognizer.core.string_model import BLANK, greedy_decode, line_input  # noqa: E402
from recognizer.synth.touching import blob_ink, make_number  # noqa: E402

DEFAULT_MNIST = config.PROJECT_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
MAX_DIGITS = 6
STEPS = config.STRING_LINE_WIDTH // 4  # the model's outputs along the line


# What a line holds, and how often: numbers of digits only (of 2-4 digits as likely as 1, 5
# or 6 together), letters and shapes only (read as nothing), digits with letters or shapes
# among them (read as their digits), one digit stretched wide or one in a style MNIST lacks
# (one digit, not two).
LINE_KINDS = {"digits": 0.64, "negatives": 0.2, "mixed": 0.07, "stretched": 0.05, "styled": 0.04}
STYLED = 3000  # digits in the styles MNIST lacks (synth.styles: a 1 with a flag, a 7 with a bar)
NEGATIVE_KINDS = ("letter", "shape", "doodle", "scribble")  # synth.negatives' training kinds


def negative_glyphs(count: int, seed: int, digits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """count 28x28 negatives (light on dark) of the training kinds that are ink a reader
    may meet among digits, in equal shares; the held-out kinds stay out, for the scene
    benchmark's letters-and-shapes rows."""
    from recognizer.synth.negatives import make_negatives

    return make_negatives(count, seed, digits, labels, kinds=NEGATIVE_KINDS)[0]


def make_examples(images, labels, count: int, seed: int, max_overlap: float,
                  negatives: np.ndarray | None = None):
    """count lines (uint8, LINE_HEIGHT x LINE_WIDTH), their digit labels padded with -1,
    the label lengths and each line's kind (LINE_KINDS; digits only without negatives)."""
    from recognizer.synth.styles import make_styled_digits

    rng = np.random.default_rng(seed)
    kinds = ["digits"]
    if negatives is not None:
        kinds = list(LINE_KINDS)
        styled, styled_labels, _ = make_styled_digits(STYLED, seed + 100)
        # one pool: the digits, then the negatives without a label
        pool = np.concatenate([images, negatives])
        pool_labels = np.concatenate([labels.astype(np.int64), np.full(len(negatives), -1)])
    weights = np.array([LINE_KINDS[k] for k in kinds])
    lines = np.zeros((count, config.STRING_LINE_HEIGHT, config.STRING_LINE_WIDTH), np.uint8)
    targets = np.full((count, MAX_DIGITS), -1, np.int32)
    lengths = np.zeros(count, np.int32)
    made: list[str] = []
    while len(made) < count:
        kind = str(rng.choice(kinds, p=weights / weights.sum()))
        size = int(rng.choice([1, 2, 3, 4, 5, 6], p=[0.1, 0.22, 0.22, 0.22, 0.12, 0.12]))
        overlap = float(rng.uniform(0.0, max_overlap))
        if kind == "digits":
            number = make_number(images, labels, rng, count=size, overlap=overlap)
        elif kind == "negatives":
            choice = len(images) + rng.integers(0, len(negatives), size=min(size, 4))
            number = make_number(pool, pool_labels, rng, overlap=overlap, choice=choice)
        elif kind == "mixed":
            size = max(size, 2)
            choice = rng.integers(0, len(images), size=size)
            swap = rng.random(size) < 0.4
            choice[swap] = len(images) + rng.integers(0, len(negatives), size=int(swap.sum()))
            number = make_number(pool, pool_labels, rng, overlap=overlap, choice=choice)
        elif kind == "styled":
            number = make_number(styled, styled_labels, rng, count=1)
        else:
            number = make_number(images, labels, rng, count=1)
        ink = blob_ink(number, rng)
        if kind in ("stretched", "styled"):  # a wide 0, a 4 with a long bar: still one digit
            low, high = (1.4, 2.4) if kind == "stretched" else (1.0, 1.6)
            ink = cv2.resize(ink, (int(ink.shape[1] * rng.uniform(low, high)), ink.shape[0]))
        prepared = line_input(ink)
        if prepared is None or len(number.label) > MAX_DIGITS:
            continue
        k = len(made)
        lines[k] = np.round(prepared[0] * 255).astype(np.uint8)
        targets[k, : len(number.label)] = [int(c) for c in number.label]
        lengths[k] = len(number.label)
        made.append(kind)
    return lines, targets, lengths, made


def build_model():
    """Line (LINE_HEIGHT x LINE_WIDTH x 1) -> per 4 columns, the eleven logits (ten digits,
    blank last). Convolutions and pooling to LINE_HEIGHT/8 rows, the rows folded into the
    channels, a 1-D convolution for context along the line."""
    import keras
    from keras import layers

    inputs = keras.Input((config.STRING_LINE_HEIGHT, config.STRING_LINE_WIDTH, 1))
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D((2, 1))(x)
    x = layers.Conv2D(96, 3, padding="same", activation="relu")(x)
    x = layers.Permute((2, 1, 3))(x)
    x = layers.Reshape((STEPS, (config.STRING_LINE_HEIGHT // 8) * 96))(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Conv1D(128, 5, padding="same", activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    logits = layers.Dense(BLANK + 1)(x)
    return keras.Model(inputs, logits)


def load_logits_model(path: Path):
    """A saved string model (logits with a softmax on top, as `export_tflite` saves it)
    without its softmax, to train on."""
    import keras

    saved = keras.models.load_model(path)
    return keras.Model(saved.inputs, saved.layers[-2].output)


def check(model, lines, targets, lengths, kinds) -> dict:
    """Digit accuracy and exact lines, over the lines that hold digits and per line kind
    (a line of letters and shapes is right when nothing is read)."""
    import tensorflow as tf

    logits = model.predict(lines[..., None].astype(np.float32) / 255.0, batch_size=256, verbose=0)
    probabilities = tf.nn.softmax(logits).numpy()
    accuracy, exact = [], []
    for probs, target, length in zip(probabilities, targets, lengths):
        truth = "".join(str(int(d)) for d in target[:length])
        read = "".join(str(d) for d, _, _ in greedy_decode(probs))
        accuracy.append(max(0.0, 1.0 - edit_distance(truth, read) / max(len(truth), 1)))
        exact.append(read == truth)
    kinds = np.asarray(kinds)
    accuracy, exact = np.asarray(accuracy), np.asarray(exact)
    digits = lengths > 0
    figures = {"digit_accuracy": float(accuracy[digits].mean()), "exact": float(exact[digits].mean())}
    for kind in dict.fromkeys(kinds):
        figures[f"exact_{kind}"] = float(exact[kinds == kind].mean())
    return figures


def export_tflite(model, path: Path) -> None:
    """The model with a softmax on its logits, as .tflite with float16 weights."""
    import keras
    import tensorflow as tf

    with_softmax = keras.Model(model.inputs, keras.layers.Softmax()(model.outputs[0]))
    converter = tf.lite.TFLiteConverter.from_keras_model(with_softmax)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]
    path.write_bytes(converter.convert())
    with_softmax.save(path.with_suffix(".keras"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST)
    parser.add_argument("--out", type=Path, default=config.MODELS_DIR)
    parser.add_argument("--examples", type=int, default=60000)
    parser.add_argument("--check", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--max-overlap", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--negatives", type=int, default=16000,
                        help="letters, shapes, doodles and scribbles to put in lines (0: none)")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this string model (.keras) instead of from scratch")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(args.seed)
    with np.load(args.mnist) as data:
        x_train, y_train = data["x_train"], data["y_train"]
        x_test, y_test = data["x_test"], data["y_test"]
    start = time.time()
    negatives = check_negatives = None
    if args.negatives:  # the check set's from MNIST test digits and another seed
        negatives = negative_glyphs(args.negatives, args.seed, x_train, y_train)
        check_negatives = negative_glyphs(max(args.check, 400), args.seed + 1, x_test, y_test)
    lines, targets, lengths, _ = make_examples(x_train, y_train, args.examples, args.seed,
                                               args.max_overlap, negatives)
    check_set = make_examples(x_test, y_test, args.check, args.seed + 1, args.max_overlap,
                              check_negatives)
    print(f"{args.examples} training lines, {args.check} check lines in "
          f"{time.time() - start:.0f} s", flush=True)

    model = build_model() if args.init is None else load_logits_model(args.init)
    model.summary(print_fn=lambda line: print(line, flush=True))
    optimizer = tf.keras.optimizers.Adam(learning_rate=args.learning_rate)

    @tf.function
    def train_step(batch, labels, label_lengths):
        with tf.GradientTape() as tape:
            logits = model(batch, training=True)
            logit_lengths = tf.fill([tf.shape(batch)[0]], STEPS)
            loss = tf.reduce_mean(tf.nn.ctc_loss(
                labels=labels, logits=logits, label_length=label_lengths,
                logit_length=logit_lengths, logits_time_major=False, blank_index=BLANK))
        grads = tape.gradient(loss, model.trainable_variables)
        grads, _ = tf.clip_by_global_norm(grads, 5.0)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    rng = np.random.default_rng(args.seed)
    budget = args.minutes * 60.0
    train_start = time.time()
    step, epoch, losses = 0, 0, []
    history = []
    while time.time() - train_start < budget:
        order = rng.permutation(len(lines))
        for first in range(0, len(order) - args.batch + 1, args.batch):
            elapsed = time.time() - train_start
            if elapsed >= budget:
                break
            if elapsed > 0.75 * budget and float(optimizer.learning_rate.numpy()) > 0.15 * args.learning_rate:
                optimizer.learning_rate.assign(0.1 * args.learning_rate)
            index = order[first : first + args.batch]
            batch = lines[index][..., None].astype(np.float32) / 255.0
            shift = rng.integers(-1, 2)  # a pixel up or down
            batch = np.roll(batch, int(shift), axis=1)
            labels = np.maximum(targets[index], 0)
            losses.append(float(train_step(tf.constant(batch), tf.constant(labels),
                                           tf.constant(lengths[index]))))
            step += 1
            if step % 100 == 0:
                print(f"step {step} epoch {epoch} {elapsed / 60:.1f} min loss "
                      f"{np.mean(losses[-100:]):.3f}", flush=True)
            if step % 1000 == 0:
                figures = check(model, *check_set)
                history.append({"step": step, **figures})
                print(f"  check: {figures}", flush=True)
        epoch += 1
    figures = check(model, *check_set)
    print(f"final check ({args.check} lines of MNIST test digits): {figures}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    tflite = args.out / "string_ctc.tflite"
    export_tflite(model, tflite)
    card = {
        "recipe": " ".join(sys.argv),
        "examples": args.examples, "steps": step, "epochs": epoch, "batch": args.batch,
        "minutes": round((time.time() - train_start) / 60, 1),
        "max_overlap": args.max_overlap, "seed": args.seed, "negatives": args.negatives,
        "line_kinds": LINE_KINDS if args.negatives else {"digits": 1.0},
        "init": str(args.init) if args.init else None, "learning_rate": args.learning_rate,
        "check_mnist_test": figures, "history": history,
    }
    tflite.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {tflite}, {tflite.with_suffix('.keras')}, {tflite.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
