#!/usr/bin/env python3
"""Benchmark touching digits: numbers of 2-6 MNIST *test* digits whose ink overlaps by 0-25%
of a digit's width (`recognizer.synth.touching`), read as photos (`read_digits`, the photo
and webcam path) and as drawings (`read_strokes`, the drawing app's path).

Per overlap bin: digit accuracy (1 - edit distance / length, as `recognizer score`; an
unsure digit counts as wrong) and the rate of numbers read exactly right (one number, every
digit confident and right); and the time the reading takes.

    .venv/bin/python benchmarks/bench_touching.py [--count 600] [--seed 1]
    .venv/bin/python benchmarks/bench_touching.py --group-cost 30   # the time a group adds

Seed 0 was used to choose the string reader's constants; report figures on another seed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recognizer.apps.score import edit_distance  # noqa: E402
from recognizer.core import config  # noqa: E402
from recognizer.core.predict import Recognizer  # noqa: E402
from recognizer.detection.detector import read_digits  # noqa: E402
from recognizer.drawing.reading import read_drawing  # noqa: E402
from recognizer.drawing.strokes import Drawing  # noqa: E402
from recognizer.synth.touching import MAX_OVERLAP, make_number, photo, strokes  # noqa: E402

DEFAULT_MNIST = config.PROJECT_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
BINS = 5  # overlap bins of MAX_OVERLAP / BINS each
CANVAS = (640, 320)  # the drawing app's canvas is resizable; a wide one holds 6 digits


def read_photo(frame, recognizer) -> str:
    """The frame's digits as the photo mode reports them: numbers joined by spaces, '?'
    for an unsure digit."""
    return " ".join(read_digits(frame, recognizer).numbers())


def read_drawn(lines, recognizer) -> str:
    drawing = Drawing(*CANVAS)
    for line in lines:
        drawing.add_stroke(line)
    reading = read_drawing(drawing, recognizer)
    return "".join(d.text() for d in reading.digits if d.is_digit)


def score(truth: str, read: str) -> tuple[float, bool]:
    digits = read.replace(" ", "")
    accuracy = max(0.0, 1.0 - edit_distance(truth, digits) / len(truth))
    return accuracy, read == truth


def group_cost(images, labels, recognizer, pairs: int, seed: int) -> None:
    """What a touching group of 4 digits costs: the same 4 MNIST test digits photographed
    apart (a gap of half a digit) and touching (overlapping by 15%), each read by
    `read_digits`; the median over `pairs` of (touching - apart) ms, each the best of 3."""
    rng = np.random.default_rng(seed)
    extra = []
    for _ in range(pairs):
        choice = rng.integers(0, len(images), size=4)
        times = []
        for overlap in (-0.5, 0.15):
            number = make_number(images, labels, rng, overlap=overlap, choice=choice)
            frame = photo(number, np.random.default_rng(seed), digit_px=80)
            read_photo(frame, recognizer)  # warm: interpreters for this batch size
            best = min(_timed(read_photo, frame, recognizer) for _ in range(3))
            times.append(best)
        extra.append(times[1] - times[0])
    print(f"a touching group of 4 digits adds {np.median(extra):.1f} ms (median over {pairs} "
          f"groups; read apart, best of 3)")


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST)
    parser.add_argument("--count", type=int, default=600, help="numbers per path")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--paths", default="photo,drawing")
    parser.add_argument("--show-failures", type=int, default=10)
    parser.add_argument("--group-cost", type=int, default=0, metavar="N",
                        help="only time N groups of 4 digits, touching against apart")
    args = parser.parse_args(argv)
    if not args.mnist.is_file():
        print(f"MNIST not found at {args.mnist}: pass --mnist PATH/mnist.npz", file=sys.stderr)
        return 2
    with np.load(args.mnist) as data:
        images, labels = data["x_test"], data["y_test"]
    recognizer = Recognizer()
    if args.group_cost:
        group_cost(images, labels, recognizer, args.group_cost, args.seed)
        return 0
    rng = np.random.default_rng(args.seed)
    numbers = [make_number(images, labels, rng) for _ in range(args.count)]
    print(f"{args.count} numbers of 2-6 MNIST test digits, seed {args.seed}, "
          f"{sum(len(n.label) for n in numbers)} digits, overlap 0-{MAX_OVERLAP:.0%}")
    for path in args.paths.split(","):
        render_rng = np.random.default_rng(args.seed + 1000)
        results = []
        times = []
        for number in numbers:
            if path == "photo":
                frame = photo(number, render_rng)
                start = time.perf_counter()
                read = read_photo(frame, recognizer)
            else:
                lines = strokes(number, CANVAS, render_rng)
                start = time.perf_counter()
                read = read_drawn(lines, recognizer)
            times.append((time.perf_counter() - start) * 1000)
            accuracy, exact = score(number.label, read)
            results.append((number.overlap, accuracy, exact, number.label, read))
        print(f"\n{path}: time per number mean {np.mean(times):.1f} ms, "
              f"median {np.median(times):.1f} ms")
        print("| overlap | numbers | digit accuracy | exact numbers |")
        print("|---|---:|---:|---:|")
        edges = np.linspace(0.0, MAX_OVERLAP, BINS + 1)
        for low, high in zip(edges[:-1], edges[1:]):
            rows = [r for r in results if low <= r[0] < high or (high == edges[-1] and r[0] == high)]
            if rows:
                print(f"| {low:.0%}-{high:.0%} | {len(rows)} | "
                      f"{np.mean([r[1] for r in rows]):.1%} | {np.mean([r[2] for r in rows]):.1%} |")
        print(f"| **all** | {len(results)} | **{np.mean([r[1] for r in results]):.1%}** | "
              f"**{np.mean([r[2] for r in results]):.1%}** |")
        failures = [r for r in results if not r[2]][: args.show_failures]
        if failures:
            print("failures: " + ", ".join(f"{r[3]}->{r[4] or '(nothing)'} ({r[0]:.0%})"
                                           for r in failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
