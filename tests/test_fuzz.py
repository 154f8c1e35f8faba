"""Property-based tests: arbitrary arrays, files and strokes never crash the input boundaries.

The strategies and checks are tests/fuzz_targets.py's (benchmarks/fuzz.py runs 10,000 cases
of each); here a few hundred cases in all, so the file stays well under a minute. Only the
documented errors may come out: UnsupportedImageError for an array that is no image,
ImageLoadError for a file that is none. A NumPy RuntimeWarning (NaN or overflow soup) fails.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recognizer.core.errors import UnsupportedImageError
from recognizer.core.preprocess import to_mnist
from recognizer.detection.detector import find_digits
from tests import fuzz_targets as targets

settings.register_profile(
    "ci", deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
CI = settings.get_profile("ci")


@pytest.fixture(autouse=True)
def numpy_warnings_fail():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # PIL on a corrupt EXIF block
        yield


@settings(CI, max_examples=120)
@given(targets.images())
def test_to_mnist_takes_any_image(image):
    targets.check_to_mnist(image)


@settings(CI, max_examples=80)
@given(targets.images(), st.booleans(), st.booleans())
def test_read_digits_takes_any_image(recognizer, image, fallback, refine):
    targets.check_read_digits(image, recognizer, fallback, refine)


@settings(CI, max_examples=80)
@given(targets.image_files())
def test_photo_loader_and_engine_take_any_bytes(recognizer, tmp_path, data):
    targets.check_photo_file(data, tmp_path, recognizer)


@settings(CI, max_examples=60)
@given(targets.stroke_lists())
def test_drawing_reader_takes_any_strokes(recognizer, strokes):
    targets.check_read_strokes(strokes, recognizer)


@settings(CI, max_examples=60)
@given(targets.tracker_frames())
def test_tracker_takes_any_boxes(frames):
    targets.check_tracker(frames)


@settings(CI, max_examples=12)
@given(targets.not_images())
def test_arrays_that_are_no_image_get_the_documented_error(array):
    with pytest.raises(UnsupportedImageError, match="image|pixel type"):
        to_mnist(array)
    with pytest.raises(UnsupportedImageError):
        find_digits(array)


def test_the_strategies_reach_the_degenerate_kinds():
    """The generator really makes what the tests claim to cover (else they prove little)."""
    seen = set()

    @settings(CI, max_examples=400)
    @given(targets.images())
    def collect(image):
        if image.size == 0:
            seen.add("empty")
        elif min(image.shape[:2]) <= 8:
            seen.add("tiny side")
        if image.ndim == 2 and max(image.shape) >= 500 * max(1, min(image.shape)):
            seen.add("strip")
        if image.ndim == 3:
            seen.add(f"{image.shape[2]} channels")
        if np.issubdtype(image.dtype, np.floating) and image.size:
            with np.errstate(invalid="ignore"):
                if np.isnan(image).any():
                    seen.add("nan")
                if np.isinf(image).any():
                    seen.add("inf")
        seen.add(str(image.dtype))
        try:
            if find_digits(image, whole_frame_fallback=True).digits:
                found.append(image.shape)
        except UnsupportedImageError:
            pass

    found = []
    collect()
    # Enough cases hold digits that the detector's deeper stages (crops, to_mnist on
    # them, reading order) run, not only its early exits.
    assert len(found) >= 20, len(found)
    for kind in ("empty", "tiny side", "strip", "1 channels", "2 channels", "4 channels",
                 "nan", "inf", "uint16", "float64", "bool", "int64"):
        assert kind in seen, f"{kind} never generated; saw {sorted(seen)}"
