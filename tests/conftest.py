"""Shared fixtures (the shipped model, the ../shared data sets, a private X server) and the
helpers several test files draw their inputs with."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from recognizer.core import config

PROJECT_ROOT = config.PROJECT_ROOT
SHARED_DIR = Path(os.environ.get("RECOGNIZER_SHARED", PROJECT_ROOT.parent / "shared"))
MNIST_NPZ = SHARED_DIR / "data" / "mnist" / "mnist.npz"
REAL_PHOTOS = SHARED_DIR / "data" / "real_photos"


# --- Helpers --------------------------------------------------------------------------------


def small_beside_big(mnist_test, first: int = 0, small: np.ndarray | None = None):
    """A page of a big digit `first` (default 0), 5 and 6 (ink about 60 px high) with a small
    2 (a third as high; `small`, another 28x28 image) written against the first digit's
    foot, 3 px off it: reads "0256"."""
    zero, five, six, two = pick(mnist_test, [first, 5, 6, 2])
    two = two if small is None else small
    frame = paste_digits([zero, five, six], [(100, 150), (250, 150), (380, 150)], digit_px=84)
    big = cv2.resize(zero.astype(np.float32), (84, 84))
    right = 100 + np.flatnonzero(big.max(axis=0) > 40)[-1]
    bottom = 150 + np.flatnonzero(big.max(axis=1) > 40)[-1]
    ink = cv2.resize(two.astype(np.float32) / 255.0, (28, 28))
    x = right + 3 - np.flatnonzero(ink.max(axis=0) > 0.15)[0]
    y = bottom - np.flatnonzero(ink.max(axis=1) > 0.15)[-1]
    gray = frame[:, :, 0].astype(np.float32)
    gray[y : y + 28, x : x + 28] *= 1.0 - 0.85 * ink
    return cv2.cvtColor(np.clip(gray, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def paste_digits(digits, places, size=(480, 640), digit_px=60, light=None):
    """A light paper frame (BGR uint8) with each 28x28 MNIST digit drawn dark at (x, y)."""
    height, width = size
    paper = np.full((height, width), 225.0, dtype=np.float32)
    if light is not None:  # a gradient of light: darker to the right
        paper *= np.linspace(1.0, light, width, dtype=np.float32)[np.newaxis, :]
    for digit, (x, y) in zip(digits, places):
        ink = cv2.resize(digit.astype(np.float32) / 255.0, (digit_px, digit_px))
        region = paper[y : y + digit_px, x : x + digit_px]
        region *= 1.0 - 0.85 * ink
    frame = np.clip(paper, 0, 255).astype(np.uint8)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def pick(mnist_test, wanted):
    """The first MNIST test image of each wanted label."""
    x_test, y_test = mnist_test
    return [x_test[int(np.flatnonzero(y_test == label)[0])] for label in wanted]


def confident_edits(found, truth: str) -> int:
    """Edits between a reading's confidently read digits (in reading order) and the truth,
    capped at the truth's length, as `recognizer score` counts them."""
    from recognizer.apps.score import edit_distance

    text = "".join(str(d.prediction.digit) for d in found.digits_only().digits
                   if d.is_confident())
    return min(len(truth), edit_distance(text, truth))


def arc(cx, cy, rx, ry, start=0.0, stop=2 * np.pi, count=40):
    """Points on an ellipse from angle start to stop (radians, y down): a whole one by default."""
    angles = np.linspace(start, stop, count)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


# --- Fixtures -------------------------------------------------------------------------------


def sure_reading(label: int):
    """The model's reading of a patch it is sure of: all of its probability on `label`
    (0-9, or config.REJECT_CLASS for "not a digit")."""
    from recognizer.core.predict import Prediction

    probabilities = [0.0] * (config.REJECT_CLASS + 1)
    probabilities[label] = 1.0
    return Prediction.from_probabilities(probabilities)


def spotted_closeup() -> np.ndarray:
    """A close-up of spots filling a 640x480 frame, no paper (scene generator, rng 0): 35
    candidates, a dozen of which the model reads as digits one by one, the rest not."""
    from recognizer.synth.scenes import render_scene

    no_digits = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
    return render_scene("no paper: close-up", np.random.default_rng(0), *no_digits).frame


@pytest.fixture(scope="session")
def recognizer():
    """The shipped model, loaded once (LiteRT where installed)."""
    from recognizer.core.predict import Recognizer

    return Recognizer()


@pytest.fixture(scope="session")
def mnist_test():
    """(x_test, y_test) of the official MNIST set from ../shared; skipped where it is absent."""
    if not MNIST_NPZ.is_file():
        pytest.skip(f"needs the MNIST data set at {MNIST_NPZ} (present in CI, not in clones)")
    with np.load(MNIST_NPZ) as data:
        return data["x_test"], data["y_test"]


@pytest.fixture(scope="session")
def real_photos_dir():
    """../shared/data/real_photos; skipped where it is absent."""
    if not (REAL_PHOTOS / "labels.csv").is_file():
        pytest.skip(f"needs the real photos at {REAL_PHOTOS} (present in CI, not in clones)")
    return REAL_PHOTOS


@pytest.fixture(scope="session")
def xvfb_display():
    """A private Xvfb server for window tests; DISPLAY is set to it for the session.

    Skipped with the reason where Xvfb is not installed (`apt-get install xvfb xdotool`).
    """
    if shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb for window tests (apt-get install xvfb xdotool)")
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    process = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 10
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"Xvfb did not start on {display}")
        time.sleep(0.05)
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    yield display
    if previous is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = previous
    process.terminate()
    process.wait(timeout=10)
