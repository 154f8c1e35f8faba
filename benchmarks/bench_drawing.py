"""Drawn-style accuracy and latency of the drawing app, against the tutorial's recipe.

Users draw with a thick round pen on a big canvas, not like MNIST's scanned pencil. This
script turns official MNIST test digits into pen drawings made through the app's own stroke
renderer (`recognizer.drawing.strokes.Drawing`): each digit is traced into strokes by
`recognizer.drawing.trace` (skeletonised on a 4x enlarged copy, spurs pruned, the skeleton walked
into pen strokes), and the strokes are drawn at a random size (DRAWN_HEIGHT of the canvas)
and place on a canvas as tall as the app's, with its pen. Each drawing is then read through
the app's recognition path (`read_drawing`: segmentation into digits, `to_mnist`, one batched
inference call); a drawing counts as right only when it is read as exactly its one digit. In
the same run the same drawings go through the tutorial's recipe: the whole canvas resized to
28x28 and divided by 255, no cropping, no centring (literally, so black on white; and once
more inverted to white on black, to be fair to it). For reference the model also reads the
original MNIST images of the same digits.

    .venv/bin/python benchmarks/bench_drawing.py                 # 2,000 digits
    .venv/bin/python benchmarks/bench_drawing.py --count 10000   # the whole test set
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recognizer.core import config  # noqa: E402
from recognizer.core.predict import Recognizer  # noqa: E402
from recognizer.drawing.reading import read_drawing  # noqa: E402
from recognizer.drawing.strokes import (  # noqa: E402
    Drawing,
    Stroke,
    pen_width_for,
    render_strokes,
)
from recognizer.core.preprocess import stroke_width  # noqa: E402
from recognizer.drawing.trace import digit_strokes, ink_mask  # noqa: E402

DEFAULT_MNIST = config.PROJECT_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
# Drawn digit height as a fraction of the canvas height: users draw big and small.
DRAWN_HEIGHT = (0.45, 0.9)


def draw_digit(
    digit: np.ndarray,
    strokes: list[list[tuple[float, float]]],
    canvas: tuple[int, int],
    rng: np.random.Generator,
) -> Drawing | None:
    """One MNIST digit, traced into `strokes` (`digit_strokes`), redrawn with the app's pen
    at a random size (DRAWN_HEIGHT of the canvas, by the digit's ink height) and place on
    the canvas."""
    if not strokes:
        return None
    width, height = canvas
    drawing = Drawing(width, height)
    rows = np.nonzero(ink_mask(digit, scale=1).any(axis=1))[0]
    scale = rng.uniform(*DRAWN_HEIGHT) * height / (rows[-1] - rows[0] + 1)
    points = np.concatenate([np.asarray(stroke) for stroke in strokes])
    # Place the strokes' centre lines so that the drawn ink, half a pen wider on each side,
    # lands inside the canvas.
    pen = drawing.pen_width
    low, high = points.min(axis=0), points.max(axis=0)
    span_x, span_y = (high - low) * scale + pen
    left = rng.uniform(0, max(0.0, width - span_x)) + pen / 2 - low[0] * scale
    top = rng.uniform(0, max(0.0, height - span_y)) + pen / 2 - low[1] * scale
    for stroke in strokes:
        drawing.add_stroke([(left + x * scale, top + y * scale) for x, y in stroke])
    return drawing


def trace_fidelity(
    digit: np.ndarray,
    strokes: list[list[tuple[float, float]]],
    scale: int = config.TRACE_SCALE,
) -> float:
    """How faithfully tracing keeps a digit's shape, without asking the model: its traced
    `strokes` redrawn with a round pen as wide as the digit's own strokes, against the
    digit's ink, as intersection over union (on the tracer's enlarged copy)."""
    ink = ink_mask(digit, scale)
    if not ink.any():
        return 0.0
    width = max(1, round(stroke_width(ink)))
    strokes = [
        Stroke(points=tuple(((x + 0.5) * scale - 0.5, (y + 0.5) * scale - 0.5) for x, y in line),
               width=width)
        for line in strokes
    ]
    redrawn = render_strokes(strokes, (ink.shape[1], ink.shape[0])) < 128
    return float((redrawn & ink).sum() / (redrawn | ink).sum())


def tutorial_patch(image: np.ndarray, invert: bool) -> np.ndarray:
    """The tutorial's recipe: the whole canvas resized to 28x28 (PIL's default filter), /255."""
    from PIL import Image

    small = np.asarray(Image.fromarray(image).resize((28, 28)), dtype=np.float32) / 255.0
    return 1.0 - small if invert else small


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST, help="mnist.npz")
    parser.add_argument("--count", type=int, default=2000, help="test digits (default 2000)")
    parser.add_argument("--model", default=None, help="model file (default: shipped model)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--canvas", type=int, default=config.CANVAS_HEIGHT,
        help=f"square canvas side in px (default: the app's height, {config.CANVAS_HEIGHT})",
    )
    parser.add_argument("--save-failures", type=Path, default=None,
                        help="write the misread drawings as PNGs into this folder")
    args = parser.parse_args(argv)
    if not args.mnist.is_file():
        print(f"bench_drawing: MNIST not found at {args.mnist}; pass --mnist PATH", file=sys.stderr)
        return 1
    with np.load(args.mnist) as data:
        x_test, y_test = data["x_test"][: args.count], data["y_test"][: args.count]

    recognizer = Recognizer(args.model)
    rng = np.random.default_rng(args.seed)
    canvas = (args.canvas, args.canvas)

    started = time.perf_counter()
    traced = [digit_strokes(digit) for digit in x_test]
    drawings = [draw_digit(d, strokes, canvas, rng) for d, strokes in zip(x_test, traced)]
    render_seconds = time.perf_counter() - started
    fidelity = np.array([trace_fidelity(d, strokes) for d, strokes in zip(x_test, traced)])

    read_drawing(drawings[0], recognizer)  # warm-up: first interpreter call allocates
    times, right, split, rejected, failures = [], 0, 0, 0, []
    for index, (drawing, label) in enumerate(zip(drawings, y_test)):
        started = time.perf_counter()
        reading = read_drawing(drawing, recognizer)
        times.append(time.perf_counter() - started)
        if len(reading.digits) != 1:
            split += 1
        rejected += reading.is_rejected
        if reading.number == str(label) and not reading.is_rejected:
            right += 1
        else:
            failures.append((index, int(label), reading.number))
    times_ms = np.array(times) * 1000.0

    original = float(
        np.mean(np.argmax(recognizer.predict_probabilities(x_test / 255.0), axis=1) == y_test)
    )
    images = np.stack([d.image for d in drawings])
    tutorial = {}
    for invert in (False, True):
        patches = np.stack([tutorial_patch(image, invert) for image in images])
        probabilities = recognizer.predict_probabilities(patches)
        tutorial[invert] = float(np.mean(np.argmax(probabilities, axis=1) == y_test))

    count = len(drawings)
    metrics_path = config.MODELS_DIR / "metrics.json"
    model_note = ""
    if metrics_path.is_file() and args.model is None:
        import json

        accuracy = json.loads(metrics_path.read_text()).get("test_accuracy")
        if accuracy is not None:
            model_note = f" (metrics.json test_accuracy {accuracy:.4f})"
    print(f"model: {recognizer.model_path} [{recognizer.backend}]{model_note}")
    print(
        f"drawings: {count} MNIST test digits, canvas {canvas[0]}x{canvas[1]}, pen "
        f"{pen_width_for(*canvas)} px, drawn {DRAWN_HEIGHT[0]:.0%}-{DRAWN_HEIGHT[1]:.0%} of "
        f"the height (rendered in {render_seconds:.1f} s)"
    )
    print(
        f"tracing: the traced strokes cover each digit's ink with IoU {fidelity.mean():.3f} "
        f"mean, {np.percentile(fidelity, 5):.3f} at the 5th percentile"
    )
    print(f"{'path':44s} {'accuracy':>9s}")
    print(f"{'app (strokes -> to_mnist -> model)':44s} {right / count:9.2%}")
    print(f"{'tutorial (canvas resized to 28x28, as is)':44s} {tutorial[False]:9.2%}")
    print(f"{'tutorial, inverted to white on black':44s} {tutorial[True]:9.2%}")
    print(f"{'(reference: the original MNIST images)':44s} {original:9.2%}")
    print(
        f"app latency per recognition: mean {times_ms.mean():.2f} ms, median "
        f"{np.median(times_ms):.2f} ms, p95 {np.percentile(times_ms, 95):.2f} ms"
    )
    print(f"drawings not read as exactly one digit: {split}")
    print(f"drawings read as 'not a digit': {rejected} ({rejected / count:.2%})")
    if failures:
        shown = ", ".join(f"#{i} {label}->{read or '-'}" for i, label, read in failures[:15])
        print(f"misread ({len(failures)}): {shown}{' ...' if len(failures) > 15 else ''}")
    if args.save_failures is not None:
        import cv2

        args.save_failures.mkdir(parents=True, exist_ok=True)
        for i, label, read in failures:
            cv2.imwrite(str(args.save_failures / f"{i:05d}_{label}_as_{read or 'none'}.png"),
                        drawings[i].image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
