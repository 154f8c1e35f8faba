"""Turn a digit image into pen strokes: skeletonise it, prune the spurs, trace the strokes.

This is how an MNIST digit (scanned pencil) becomes a drawing as a user would make it with
the drawing app's pen: the centre lines of its strokes, to be redrawn by
`recognizer.drawing.strokes`. The drawing benchmark redraws the official test digits this way
to measure how well the app reads digits drawn with an even round pen.

The digit is skeletonised on a smoothly enlarged copy (TRACE_SCALE): at 28 px a skeleton is
a staircase of whole pixels whose corners sprout spurs, at 4x it follows the strokes' centre
lines to a quarter pixel (the drawing benchmark reads more digits right traced at 4x than
at 1x or 2x).

Why it lives in the package, beside the renderer it inverts, and not in benchmarks/: it is
how any image of handwriting becomes drawn-style data through the app's own path - the
drawing benchmark today, and the drawn-style training and evaluation sets (letters and
shapes for "not a digit", touching numbers) that train_mnist.py and the benchmarks make
next. The app itself never traces. It needs scikit-image (the `test` extra), imported only
when a digit is traced, so that the app does not depend on it.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.preprocess import stroke_width

# Neighbour offsets of the 8-connected skeleton.
_NEIGHBOURS = ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1))

Pixel = tuple[int, int]
Polyline = list[tuple[float, float]]


def ink_mask(digit: np.ndarray, scale: int = config.TRACE_SCALE) -> np.ndarray:
    """The digit's ink (light on dark, like MNIST) as a bool mask, enlarged `scale` times
    with a cubic filter before the threshold, so that its outline is smooth."""
    image = np.asarray(digit, dtype=np.float32)
    if scale > 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    peak = float(image.max())
    if peak <= 0:
        return np.zeros(image.shape, dtype=bool)
    return image > config.TRACE_INK_LEVEL * peak


def skeleton_edges(skeleton: np.ndarray) -> dict[Pixel, set[Pixel]]:
    """Adjacency of the skeleton's pixels, without the diagonal that closes a corner's
    triangle (an L of three pixels is a path, not a cycle)."""
    pixels = {(int(y), int(x)) for y, x in zip(*np.nonzero(skeleton))}
    graph: dict[Pixel, set[Pixel]] = {p: set() for p in pixels}
    for y, x in pixels:
        for dy, dx in _NEIGHBOURS:
            other = (y + dy, x + dx)
            if other not in pixels:
                continue
            if dy and dx and ((y + dy, x) in pixels or (y, x + dx) in pixels):
                continue  # the two orthogonal steps already join them
            graph[(y, x)].add(other)
    return graph


def _branches(graph: dict[Pixel, set[Pixel]]) -> list[tuple[list[Pixel], Pixel]]:
    """Every branch from a loose end to a junction: (the branch's pixels, loose end first,
    and the junction)."""
    branches = []
    for start, neighbours in graph.items():
        if len(neighbours) != 1:
            continue
        branch, previous, current = [start], None, start
        while True:
            following = [n for n in graph[current] if n != previous]
            if len(following) != 1:
                break
            previous, current = current, following[0]
            if len(graph[current]) >= 3:  # reached a junction
                branches.append((branch, current))
                break
            branch.append(current)
    return branches


def _reach(branch: list[Pixel], junction: Pixel, radius: np.ndarray) -> float:
    """How far a branch's ink reaches beyond the ink disc at its junction: a thick corner's
    spur hardly does, however long it is; a short stroke does by its length."""
    pixels = np.asarray(branch)
    distance = np.hypot(pixels[:, 0] - junction[0], pixels[:, 1] - junction[1])
    return float((distance + radius[pixels[:, 0], pixels[:, 1]]).max() - radius[junction])


def prune_spurs(skeleton: np.ndarray, radius: np.ndarray, longest: float) -> np.ndarray:
    """Remove skeletonisation's spurs: branches from a loose end to a junction whose ink
    reaches at most `longest` pixels beyond the junction's (a pen does not make them; a thick
    stroke's corner does). `radius` is the ink's distance transform.

    The least reaching goes first, and a branch is a spur only while its junction still
    joins three ways: where a short stroke and a corner's spur meet (a 2's short foot), the
    spur goes and the stroke stays.
    """
    pruned = skeleton.copy()
    while True:
        reaches = [
            (_reach(branch, junction, radius), branch)
            for branch, junction in _branches(skeleton_edges(pruned))
        ]
        spurs = [(reach, branch) for reach, branch in reaches if reach <= longest]
        if not spurs:
            return pruned
        for y, x in min(spurs, key=lambda spur: spur[0])[1]:
            pruned[y, x] = False


def _straightest(options: set[Pixel], at: Pixel, heading: tuple[int, int]) -> Pixel:
    """The neighbour of `at` among `options` that turns least from `heading` (ties: the
    smallest pixel, so that tracing is deterministic)."""

    def turn(pixel: Pixel) -> tuple[float, Pixel]:
        step = (pixel[0] - at[0], pixel[1] - at[1])
        cosine = (step[0] * heading[0] + step[1] * heading[1]) / (
            np.hypot(*step) * np.hypot(*heading)
        )
        return -cosine, pixel

    return min(options, key=turn)


def _walk(unused: dict[Pixel, set[Pixel]], start: Pixel) -> list[Pixel]:
    """One pen stroke from `start` along unused skeleton edges, going on at each pixel in the
    direction closest to the one it came from, until it reaches an end."""
    path, current, direction = [start], start, None
    while unused[current]:
        if direction is None:
            following = min(unused[current])
        else:
            following = _straightest(unused[current], current, direction)
        unused[current].discard(following)
        unused[following].discard(current)
        # The heading over the last few pixels: a pixel grid's single steps zigzag. Where the
        # walk has come back to where it was then (round a tiny loop), the last step.
        back = path[-min(len(path), config.TRACE_HEADING_PIXELS)]
        if back == following:
            back = current
        direction = (following[0] - back[0], following[1] - back[1])
        path.append(following)
        current = following
    return path


def trace_skeleton(skeleton: np.ndarray) -> list[list[Pixel]]:
    """Cover every skeleton edge with as few pen strokes as a greedy walk finds.

    Walks start at loose ends (an odd number of unused edges) first, like a pen, the
    leftmost first; a closed loop with no loose end starts at its leftmost pixel. An
    isolated pixel is a dot. Returns (y, x) pixel paths.
    """
    graph = skeleton_edges(skeleton)
    unused = {p: set(n) for p, n in graph.items()}
    paths = [[p] for p, n in graph.items() if not n]
    while True:
        candidates = [p for p, n in unused.items() if n]
        if not candidates:
            return paths
        odd = [p for p in candidates if len(unused[p]) % 2 == 1]
        start = min(odd or candidates, key=lambda p: (len(unused[p]) != 1, p[1], p[0]))
        paths.append(_walk(unused, start))


def _smooth(path: list[Pixel], scale: int) -> Polyline:
    """A pixel path as a smooth (x, y) polyline in the source image's pixels: a moving
    average about one source pixel long (ends kept), then simplified."""
    points = np.array([(x, y) for y, x in path], dtype=np.float64)
    window = 2 * (scale // 2) + 1
    if len(points) > window:
        kernel = np.ones(window) / window
        padded = np.pad(points, ((window // 2, window // 2), (0, 0)), mode="edge")
        smooth = np.stack([np.convolve(padded[:, k], kernel, "valid") for k in (0, 1)], 1)
        smooth[0], smooth[-1] = points[0], points[-1]
        points = smooth
    if len(points) > 2:
        closed = bool(np.all(points[0] == points[-1]))
        approx = cv2.approxPolyDP(points.astype(np.float32).reshape(-1, 1, 2),
                                  config.TRACE_SIMPLIFY * scale, closed)
        points = approx.reshape(-1, 2).astype(np.float64)
        if closed:
            points = np.vstack([points, points[:1]])
    # Pixel centres: pixel i of the enlarged copy covers source pixels [i/scale, (i+1)/scale).
    points = (points + 0.5) / scale - 0.5
    return [(float(x), float(y)) for x, y in points]


def digit_strokes(digit: np.ndarray, scale: int = config.TRACE_SCALE) -> list[Polyline]:
    """The pen strokes of a digit image (light ink on dark, as MNIST): (x, y) polylines in the
    image's pixel coordinates, [] for a blank image."""
    from skimage.morphology import skeletonize

    ink = ink_mask(digit, scale)
    if not ink.any():
        return []
    skeleton = skeletonize(ink)
    radius = cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 5)
    skeleton = prune_spurs(skeleton, radius, config.TRACE_SPUR_WIDTHS * stroke_width(ink))
    return [_smooth(path, scale) for path in trace_skeleton(skeleton)]

