"""Drawn-style accuracy and latency of the drawing app, against the tutorial's recipe.

Users draw with a thick round pen on a big canvas, not like MNIST's scanned pencil. This
script turns official MNIST test digits into pen drawings made through the app's own stroke
renderer (`recognizer.strokes.Drawing`): each digit is skeletonised (scikit-image) and its
spurs pruned, the skeleton is traced into strokes, and the strokes are drawn at a random size
(DRAWN_HEIGHT of the canvas) and place on a canvas as tall as the app's, with its pen. Each drawing
is then read through the app's recognition path (`read_drawing`: segmentation into digits,
`to_mnist`, one batched inference call); a drawing counts as right only when it is read as
exactly its one digit. In the same run the same drawings go through the tutorial's recipe:
the whole canvas resized to 28x28 and divided by 255, no cropping, no centring (literally, so
black on white; and once more inverted to white on black, to be fair to it). For reference
the model also reads the original MNIST images of the same digits.

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

from recognizer import config  # noqa: E402
from recognizer.predict import Recognizer  # noqa: E402
from recognizer.strokes import Drawing, pen_width_for, read_drawing  # noqa: E402

DEFAULT_MNIST = config.PROJECT_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
# Drawn digit height as a fraction of the canvas height: users draw big and small.
DRAWN_HEIGHT = (0.45, 0.9)
# Skeleton branches up to this long (MNIST pixels) from a loose end to a junction are spurs.
SPUR_LENGTH = 2
# Neighbour offsets of the 8-connected skeleton, orthogonal first (the tracer prefers them).
_NEIGHBOURS = ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1))


def skeleton_edges(skeleton: np.ndarray) -> dict[tuple[int, int], set[tuple[int, int]]]:
    """Adjacency of the skeleton's pixels, without the diagonal that closes a corner's
    triangle (an L of three pixels is a path, not a cycle)."""
    pixels = {(int(y), int(x)) for y, x in zip(*np.nonzero(skeleton))}
    graph: dict[tuple[int, int], set[tuple[int, int]]] = {p: set() for p in pixels}
    for y, x in pixels:
        for dy, dx in _NEIGHBOURS:
            other = (y + dy, x + dx)
            if other not in pixels:
                continue
            if dy and dx and ((y + dy, x) in pixels or (y, x + dx) in pixels):
                continue  # the two orthogonal steps already join them
            graph[(y, x)].add(other)
    return graph


def prune_spurs(skeleton: np.ndarray, longest: int = SPUR_LENGTH) -> np.ndarray:
    """Remove skeletonisation's spurs: branches of at most `longest` pixels from a loose end
    to a junction (a pen does not make them; a thick stroke's corner does)."""
    graph = skeleton_edges(skeleton)
    pruned = skeleton.copy()
    for start, neighbours in graph.items():
        if len(neighbours) != 1:
            continue
        branch, previous, current = [start], None, start
        while len(branch) <= longest:
            following = [n for n in graph[current] if n != previous]
            if len(following) != 1:
                break
            previous, current = current, following[0]
            if len(graph[current]) >= 3:  # reached a junction: this was a spur
                for y, x in branch:
                    pruned[y, x] = False
                break
            branch.append(current)
    return pruned


def trace_strokes(skeleton: np.ndarray) -> list[list[tuple[float, float]]]:
    """Cover every skeleton edge with as few pen strokes as a greedy walk finds.

    Walks start at loose ends (odd number of unused edges) first, like a pen; at each pixel the
    walk goes on in the direction closest to the one it came from. Returns (x, y) polylines in
    pixel coordinates, smoothed by a 3-point moving average (ends kept).
    """
    graph = skeleton_edges(skeleton)
    unused = {p: set(n) for p, n in graph.items()}
    strokes = []
    # Isolated pixels are dots.
    for p, n in graph.items():
        if not n:
            strokes.append([(float(p[1]), float(p[0]))])
    while True:
        candidates = [p for p, n in unused.items() if n]
        if not candidates:
            break
        odd = [p for p in candidates if len(unused[p]) % 2 == 1]
        start = min(odd or candidates, key=lambda p: (len(unused[p]) != 1, p[1], p[0]))
        path = [start]
        direction = None
        current = start
        while unused[current]:
            def turn(nxt, current=current, direction=direction):
                step = (nxt[0] - current[0], nxt[1] - current[1])
                if direction is None:
                    return 0.0
                return -(step[0] * direction[0] + step[1] * direction[1]) / (
                    np.hypot(*step) * np.hypot(*direction)
                )

            nxt = min(unused[current], key=lambda n: (turn(n), n))
            unused[current].discard(nxt)
            unused[nxt].discard(current)
            direction = (nxt[0] - current[0], nxt[1] - current[1])
            path.append(nxt)
            current = nxt
        points = np.array([(x, y) for y, x in path], dtype=np.float64)
        if len(points) > 2:
            smooth = points.copy()
            smooth[1:-1] = (points[:-2] + points[1:-1] + points[2:]) / 3.0
            points = smooth
        strokes.append([(float(x), float(y)) for x, y in points])
    return strokes


def draw_digit(
    digit: np.ndarray, canvas: tuple[int, int], rng: np.random.Generator
) -> Drawing | None:
    """One MNIST digit redrawn with the app's pen at a random size and place on the canvas."""
    from skimage.morphology import skeletonize

    ink = digit > 0.5 * digit.max()
    skeleton = prune_spurs(skeletonize(ink))
    strokes = trace_strokes(skeleton)
    if not strokes:
        return None
    width, height = canvas
    drawing = Drawing(width, height)
    ys, xs = np.nonzero(ink)
    ink_height = ys.max() - ys.min() + 1
    scale = rng.uniform(*DRAWN_HEIGHT) * height / ink_height
    pen = drawing.pen_width
    # Skeleton pixel centres sit half a stroke inside the ink's edge; place the skeleton so
    # that the drawn ink lands inside the canvas.
    sy, sx = np.nonzero(skeleton)
    span_x = (sx.max() - sx.min()) * scale + pen
    span_y = (sy.max() - sy.min()) * scale + pen
    left = rng.uniform(0, max(0.0, width - span_x)) + pen / 2 - sx.min() * scale
    top = rng.uniform(0, max(0.0, height - span_y)) + pen / 2 - sy.min() * scale
    for stroke in strokes:
        drawing.add_stroke([(left + x * scale, top + y * scale) for x, y in stroke])
    return drawing


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
    drawings = [draw_digit(digit, canvas, rng) for digit in x_test]
    render_seconds = time.perf_counter() - started

    read_drawing(drawings[0], recognizer)  # warm-up: first interpreter call allocates
    times, right, split, failures = [], 0, 0, []
    for index, (drawing, label) in enumerate(zip(drawings, y_test)):
        started = time.perf_counter()
        reading = read_drawing(drawing, recognizer)
        times.append(time.perf_counter() - started)
        if len(reading.digits) != 1:
            split += 1
        if reading.number == str(label):
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
