"""The training images a run adds to MNIST's: pen-style copies of the digits (--pen), and,
for --reject, styled and photographed digits, the project's own negatives and the
detector's candidates in generated scenes, with the calibration set kept back. Used by
`train_mnist.py`; everything is made here from seeds, nothing is downloaded."""

from __future__ import annotations

import os

import numpy as np

from recognizer.core.config import (
    CALIBRATION_DIGITS,
    CALIBRATION_NEGATIVES,
    PHOTO_DIGITS,
    REJECT_CLASS,
    REJECT_NEGATIVES,
    SCENE_FRAMES,
    SCENE_SEED_BASE,
    STYLED_DIGITS,
)


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


def reject_data(x_train, y_train, seed: int, limit: int | None):
    """Training and calibration sets for --reject.

    Returns the digits to train on (all but the last CALIBRATION_DIGITS, kept back), the
    extra training images (the styled digits of recognizer.synth.styles, photographed copies
    of training digits, negatives of the training kinds labelled REJECT_CLASS, and the
    detector's candidates in generated scenes of training digits,
    recognizer.synth.scene_crops) and the calibration set (the kept-back digits and
    negatives of another seed), each as (x, y).
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
