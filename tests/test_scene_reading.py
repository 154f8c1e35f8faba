"""Reading blurred scene frames (detection.sharpen): candidates the model calls "not a
digit" are read again from a sharpened patch, and the model's second reading decides."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.apps.score import edit_distance
from recognizer.core.predict import Prediction
from recognizer.detection.detector import find_digits
from recognizer.detection.results import Detections
from recognizer.detection.sharpen import reread_sharpened, sharpen_patch
from recognizer.detection.touching import read_touching
from recognizer.synth.scenes import load_digits, render_scene
from recognizer.core.records import Digit


@pytest.fixture(scope="module")
def digits():
    return load_digits("test")


def _reading(detections: Detections) -> str:
    return "".join(str(d.prediction.digit) for d in detections.digits_only().digits)


def test_sharpen_patch_steepens_a_soft_stroke():
    patch = np.zeros((28, 28), np.float32)
    cv2.line(patch, (14, 4), (14, 23), 1.0, 2)
    soft = cv2.GaussianBlur(patch, (0, 0), 2.0)
    sharp = sharpen_patch(soft)
    assert sharp.dtype == np.float32 and sharp.shape == (28, 28)
    assert 0.0 <= sharp.min() and sharp.max() <= 1.0
    # the stroke's profile across: steeper edges, a darker surround, a brighter core
    assert np.abs(np.diff(sharp[14])).max() > 1.5 * np.abs(np.diff(soft[14])).max()
    assert sharp[14, 6] < soft[14, 6] and sharp[14, 14] >= soft[14, 14]


class _Counting:
    """A stand-in recognizer: every patch is read as a sure 3; counts the calls."""

    def __init__(self):
        self.calls = 0

    def predict_patches(self, patches):
        self.calls += 1
        probs = [0.0] * 10 + [0.0]
        probs[3] = 0.95
        probs[10] = 0.05
        return [Prediction.from_probabilities(probs) for _ in patches]


def _digit(prediction):
    return Digit(box=(0, 0, 10, 10), patch=np.zeros((28, 28), np.float32), line=0, number=0,
                 prediction=prediction)


def test_only_rejected_candidates_are_read_again():
    sure = Prediction.from_probabilities([0.9] + [0.0] * 9 + [0.1])
    unsure = Prediction.from_probabilities([0.4, 0.3] + [0.0] * 8 + [0.3])
    rejected = Prediction.from_probabilities([0.1] + [0.0] * 9 + [0.9])
    found = Detections(digits=(_digit(sure), _digit(unsure)), mask=np.zeros((4, 4), np.uint8))
    fake = _Counting()
    assert reread_sharpened(found, fake) is found and fake.calls == 0
    found = Detections(digits=(_digit(sure), _digit(rejected)), mask=found.mask)
    read = reread_sharpened(found, fake)
    assert fake.calls == 1
    assert read.digits[0].prediction is sure  # read as a digit the first time: kept
    assert read.digits[1].prediction.digit == 3 and read.digits[1].prediction.is_digit


def test_blurred_sheet_reads_more_digits(digits, recognizer):
    """Motion blur and defocus frames (seed 2, not tuned on): the second reading of the
    rejected candidates recovers digits and turns none that was read right wrong."""
    rng = np.random.default_rng(2)
    before = after = length = 0
    for condition in ("motion blur", "defocus") * 4:
        scene = render_scene(condition, rng, *digits)
        found = find_digits(scene.frame)
        read = found.with_predictions(recognizer.predict_patches([d.patch for d in found.digits]))
        plain = _reading(read_touching(scene.frame, read, recognizer))
        sharpened = _reading(read_touching(scene.frame, reread_sharpened(read, recognizer),
                                           recognizer))
        before += min(len(scene.text), edit_distance(plain, scene.text))
        after += min(len(scene.text), edit_distance(sharpened, scene.text))
        length += len(scene.text)
    # measured: 24 edits in 88 digits read plainly, 14 with the second reading
    assert before - after >= 5
    assert 1 - after / length >= 0.8


def _scene_edits(condition: str, seed: int, frames: int, digits, recognizer) -> tuple[int, int]:
    """Edits and digits over `frames` scene frames of one condition, read by read_digits."""
    from recognizer.detection.detector import read_digits

    rng = np.random.default_rng(seed)
    edits = length = 0
    for _ in range(frames):
        scene = render_scene(condition, rng, *digits)
        read = _reading(read_digits(scene.frame, recognizer))
        edits += min(len(scene.text), edit_distance(read, scene.text))
        length += len(scene.text)
    return edits, length


@pytest.mark.slow
def test_faint_squared_paper_lines_are_cleaned_as_a_lattice(digits, recognizer, monkeypatch):
    """Squared paper whose faint lines break into hundreds of fragments (not one net): the
    fragments chained into tall blobs that swallowed the digits. Seed 8 (not tuned on; chosen
    among seeds 5, 6, 8 and 9 as one whose frames hold such lattices: 11 edits in 133 digits
    without the cleaning, 1 with it; 85 without it since the desk's sliver around a sheet's
    view no longer passes for a net and cleans the lattice too)."""
    from recognizer.core import config

    edits, length = _scene_edits("paper: squared", 8, 10, digits, recognizer)
    monkeypatch.setattr(config, "NET_MIN_PIECES", 10**9)  # only a connected net is cleaned
    edits_before, _ = _scene_edits("paper: squared", 8, 10, digits, recognizer)
    assert edits_before - edits >= 5, (edits_before, edits, length)
    assert 1 - edits / length >= 0.95, (edits, length)


@pytest.mark.slow
def test_pencil_on_sheets_is_not_erased_as_squared_paper(digits, recognizer):
    """Pencil strokes a px or two wide on a sheet held before a desk: the sheet's upright view
    keeps a sliver of desk along its edges, which was taken for squared paper's net of lines,
    and the closing that takes lines out erased the strokes. Seed 8 (not tuned on), 10
    frames: measured 1 edit in 106 digits, 7 before the net had to cross the view's middle."""
    edits, length = _scene_edits("ink: pencil", 8, 10, digits, recognizer)
    assert edits <= 3, (edits, length)
