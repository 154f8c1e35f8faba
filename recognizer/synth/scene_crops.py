"""Training patches cut by the detector itself from generated scenes (`synth.scenes`).

The model decides what is a digit among the candidates the detector proposes, so it should
learn from those candidates: a digit blurred by motion or defocus, seen in perspective, in
coloured ink on a sticky note, as the detector crops it (a digit); a stretch of desk, a
shirt's fold, a finger or a glare edge cropped the same way (not a digit). Each candidate
of a rendered frame is labelled by its overlap with the digits the scene put there.

Train on scenes of MNIST *training* digits, on seeds apart from the benchmark's
(`benchmarks/bench_scenes.py`: 101 to tune, 31337 held out).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from recognizer.core.config import REJECT_CLASS
from recognizer.synth.pen import to_uint8
from recognizer.synth.scenes import CONDITIONS, render_scene

# A candidate is that digit when its box and the digit's overlap this much (intersection
# over union), and not a digit when it overlaps no digit by more than NEGATIVE_MAX_IOU.
# Between the two (half a digit, two digits in one box) it is left out: it is neither a
# clean digit nor clearly background, and the string reader handles such boxes.
POSITIVE_MIN_IOU = 0.6
NEGATIVE_MAX_IOU = 0.05


def _area(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _boxes_iou(boxes: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Intersection over union of each (x0, y0, x1, y1) box against each truth box."""
    x0 = np.maximum(boxes[:, None, 0], truth[None, :, 0])
    y0 = np.maximum(boxes[:, None, 1], truth[None, :, 1])
    x1 = np.minimum(boxes[:, None, 2], truth[None, :, 2])
    y1 = np.minimum(boxes[:, None, 3], truth[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = _area(boxes)[:, None] + _area(truth)[None, :] - inter
    return inter / np.maximum(union, 1e-6)


def label_candidates(detections, scene) -> list[tuple[np.ndarray, int]]:
    """(patch, label) for each candidate of a frame: the digit's label, REJECT_CLASS for
    background; ambiguous candidates are left out (see POSITIVE_MIN_IOU)."""
    found = [d for d in detections.digits if d.patch is not None]
    if not found:
        return []
    boxes = np.float32([(x, y, x + w, y + h) for x, y, w, h in (d.box for d in found)])
    out = []
    if len(scene.labels):
        truth = np.concatenate([scene.quads.min(axis=1), scene.quads.max(axis=1)], axis=1)
        iou = _boxes_iou(boxes, truth)
        best = iou.argmax(axis=1)
        best_iou = iou[np.arange(len(found)), best]
    else:
        best = np.zeros(len(found), int)
        best_iou = np.zeros(len(found))
    for digit, index, overlap in zip(found, best, best_iou):
        if overlap >= POSITIVE_MIN_IOU:
            out.append((to_uint8(digit.patch), int(scene.labels[index])))
        elif overlap <= NEGATIVE_MAX_IOU:
            out.append((to_uint8(digit.patch), REJECT_CLASS))
    return out


def scene_candidates(
    frames: int, seed: int, digits: np.ndarray, labels: np.ndarray,
    size: tuple[int, int] = (640, 480), progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The detector's candidates on `frames` scenes (conditions in turn, "base" among them):
    (N, 28, 28) uint8 patches and their labels (0-9, or REJECT_CLASS).

    digits, labels: MNIST digits (light on dark) and labels to write on the sheets.
    """
    from recognizer.detection.detector import find_digits

    rng = np.random.default_rng(seed)
    conditions = ("base", *CONDITIONS)
    patches, classes = [], []
    for i in range(frames):
        scene = render_scene(conditions[i % len(conditions)], rng, digits, labels, size)
        # A frame without paper is read whole, as photo mode reads any image: its desk,
        # clothes and skin give the background candidates.
        found = find_digits(scene.frame, whole_frame_fallback=scene.sheet is None)
        for patch, label in label_candidates(found, scene):
            patches.append(patch)
            classes.append(label)
        if progress is not None and (i + 1) % 100 == 0:
            progress(i + 1)
    if not patches:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
    return np.stack(patches), np.array(classes, np.uint8)
