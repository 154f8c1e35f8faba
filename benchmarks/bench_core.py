"""Benchmark the core: start-up time, latency of one digit and of a batch of 32.

Set against the tutorial's way of reading a digit: `model.predict` on one image at a time.
Prints a markdown table. Run from the project root:

    python benchmarks/bench_core.py [--data ../shared/data/mnist/mnist.npz] [--repeats 300]
    python benchmarks/bench_core.py --compare OTHER.tflite [--rounds 10]

--compare times the shipped LiteRT model against another model file in alternating rounds
in one process (so that the machine's load falls on both alike), e.g. the model before
"not a digit" (`git show 7e3a275:models/mnist_cnn.tflite > /tmp/old/mnist_cnn.tflite`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STARTUP_CHILD = """
import sys, time
t0 = float(sys.argv[1])
from recognizer.core.predict import Recognizer
recognizer = Recognizer(backend=sys.argv[2])
loaded = time.time()
print(loaded - t0, 'tensorflow' in sys.modules, recognizer.backend)
"""


def measure_startup(backend: str, runs: int) -> tuple[float, bool]:
    """Median seconds from process start to a loaded Recognizer; whether TF was imported."""
    times, tf_loaded = [], False
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    for _ in range(runs):
        start = time.time()
        out = subprocess.run(
            [sys.executable, "-c", STARTUP_CHILD, repr(start), backend],
            capture_output=True, text=True, check=True, cwd=ROOT, env=env,
        ).stdout.split()
        times.append(float(out[0]))
        tf_loaded = out[1] == "True"
    return statistics.median(times), tf_loaded


def time_per_call(function, repeats: int) -> float:
    """Median milliseconds of one call, after a warm-up."""
    for _ in range(5):
        function()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def load_digits(path: Path | None, count: int) -> np.ndarray:
    if path and path.is_file():
        with np.load(path) as data:
            return data["x_test"][:count]
    # No MNIST at hand: draw digit-like strokes so the timing is still meaningful.
    import cv2

    rng = np.random.default_rng(0)
    images = np.zeros((count, 28, 28), np.uint8)
    for image in images:
        points = rng.integers(6, 22, (4, 2))
        cv2.polylines(image, [points.reshape(-1, 1, 2).astype(np.int32)], False, 255, 2)
    return images


def compare(other: Path, one, batch, rounds: int, repeats: int) -> int:
    """Shipped vs another model, alternating rounds; the median of the rounds' medians."""
    from recognizer.core.predict import Recognizer

    label = f"{other.parent.name}/{other.name}"
    models = {"shipped": Recognizer(backend="litert"), label: Recognizer(other, "litert")}
    single = {name: [] for name in models}
    batched = {name: [] for name in models}
    for _ in range(rounds):
        for name, recognizer in models.items():
            single[name].append(time_per_call(lambda: recognizer.predict_digit(one), repeats))
            batched[name].append(time_per_call(lambda: recognizer.predict_batch(batch),
                                               max(10, repeats // 3)))
    print(f"{rounds} alternating rounds of {repeats} calls (LiteRT)\n")
    print("| model | file | one digit (ms) | batch of 32 (ms) | per digit in batch (ms) |")
    print("|---|---|---:|---:|---:|")
    for name, recognizer in models.items():
        one_ms, batch_ms = statistics.median(single[name]), statistics.median(batched[name])
        print(f"| {name} | {recognizer.model_path} | {one_ms:.3f} | {batch_ms:.2f} | "
              f"{batch_ms / 32:.3f} |")
    ratio = statistics.median(single["shipped"]) / statistics.median(single[label])
    batch_ratio = statistics.median(batched["shipped"]) / statistics.median(batched[label])
    print(f"\nshipped / {label}: one digit {ratio:.2f}x, batch of 32 {batch_ratio:.2f}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/mnist/mnist.npz")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--compare", type=Path, default=None,
                        help="another .tflite to time against the shipped one, in one run")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds for --compare")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from recognizer.core.predict import Recognizer
    from recognizer.core.preprocess import to_mnist

    digits = load_digits(args.data, 64)
    one, batch = digits[0], list(digits[:32])
    if args.compare is not None:
        return compare(args.compare, one, batch, args.rounds, max(30, args.repeats // 3))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {args.repeats} "
          f"runs (start-up: median of {args.startup_runs} processes)\n")

    rows = []
    for backend in ("litert", "keras"):
        startup, tf_loaded = measure_startup(backend, args.startup_runs)
        recognizer = Recognizer(backend=backend)
        single = time_per_call(lambda: recognizer.predict_digit(one), args.repeats)
        batched = time_per_call(lambda: recognizer.predict_batch(batch), args.repeats // 3)
        rows.append((f"Recognizer ({backend})", startup, single, batched,
                     "yes" if tf_loaded else "no"))

    # The tutorial's way: Keras model, model.predict on one preprocessed image at a time.
    import keras

    start = time.perf_counter()
    model = keras.saving.load_model(ROOT / "models" / "mnist_cnn.keras", compile=False)
    load_seconds = time.perf_counter() - start  # in-process: TF already imported above
    tutorial_one = time_per_call(
        lambda: model.predict(to_mnist(one)[None, ..., None], verbose=0), max(30, args.repeats // 10)
    )
    tutorial_batch = time_per_call(
        lambda: [model.predict(to_mnist(d)[None, ..., None], verbose=0) for d in batch], 5
    )
    rows.append(("tutorial: model.predict per digit", None, tutorial_one, tutorial_batch, "yes"))

    print("| way | start to loaded (s) | one digit (ms) | batch of 32 (ms) | per digit in batch (ms) "
          "| imports TensorFlow |")
    print("|---|---:|---:|---:|---:|---|")
    for name, startup, single, batched, tf_loaded in rows:
        startup_text = f"{startup:.2f}" if startup is not None else f"(load {load_seconds:.2f})"
        print(f"| {name} | {startup_text} | {single:.3f} | {batched:.2f} | {batched / 32:.3f} "
              f"| {tf_loaded} |")
    litert_single = rows[0][2]
    print(f"\nLiteRT one digit is {tutorial_one / litert_single:.0f}x faster than the tutorial's "
          f"model.predict; a batch of 32 is {tutorial_batch / rows[0][3]:.0f}x faster.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
