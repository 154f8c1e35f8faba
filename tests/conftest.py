"""Shared fixtures: the shipped model, the ../shared data sets, and a private X server."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from recognizer.core import config

PROJECT_ROOT = config.PROJECT_ROOT
SHARED_DIR = Path(os.environ.get("RECOGNIZER_SHARED", PROJECT_ROOT.parent / "shared"))
MNIST_NPZ = SHARED_DIR / "data" / "mnist" / "mnist.npz"
REAL_PHOTOS = SHARED_DIR / "data" / "real_photos"


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
