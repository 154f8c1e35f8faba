"""The one preprocessing path: every kind of input comes out like an MNIST digit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.core.preprocess import deskew, extract_ink, to_gray, to_mnist


def make_seven(size: int = 28, thickness: int = 2) -> np.ndarray:
    """A light-on-dark '7' drawn with lines, in a size x size uint8 image."""
    image = np.zeros((size, size), np.uint8)
    s = size / 28
    cv2.line(image, (int(8 * s), int(7 * s)), (int(20 * s), int(7 * s)), 255, thickness)
    cv2.line(image, (int(20 * s), int(7 * s)), (int(12 * s), int(22 * s)), 255, thickness)
    return image


def ink_box(patch: np.ndarray, level: float = 0.1) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(patch > level)
    return xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def centre_of_mass(patch: np.ndarray) -> tuple[float, float]:
    m = cv2.moments(patch)
    return m["m10"] / m["m00"], m["m01"] / m["m00"]


def assert_mnist_like(patch: np.ndarray) -> None:
    """Shape, range, longest side about 20 px, centre of mass at the centre."""
    assert patch.shape == (28, 28) and patch.dtype == np.float32
    assert patch.min() >= 0.0 and patch.max() == pytest.approx(1.0, abs=0.05)
    _, _, w, h = ink_box(patch)
    assert 19 <= max(w, h) <= 22, (w, h)
    cx, cy = centre_of_mass(patch)
    assert abs(cx - 14.0) < 0.6 and abs(cy - 14.0) < 0.6, (cx, cy)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.fixture(scope="module")
def reference():
    return to_mnist(make_seven())


def test_reference_digit_is_mnist_like(reference):
    assert_mnist_like(reference)


def test_off_centre_small_digit_is_centred_and_scaled(reference):
    canvas = np.zeros((200, 300), np.uint8)
    canvas[10:38, 240:268] = make_seven()  # top-right corner, 28 px in a 300 px image
    patch = to_mnist(canvas)
    assert_mnist_like(patch)
    assert similarity(patch, reference) > 0.9


def test_huge_dark_on_light_digit(reference):
    big = 255 - make_seven(size=1000, thickness=70)  # black ink on white paper, 1000 px
    patch = to_mnist(big)
    assert_mnist_like(patch)
    assert similarity(patch, reference) > 0.85


def test_inverted_input_gives_the_same_patch():
    light_on_dark = make_seven(size=120, thickness=9)
    a, b = to_mnist(light_on_dark), to_mnist(255 - light_on_dark)
    assert np.abs(a - b).max() < 1e-5


def test_coloured_bgr_digit_on_coloured_paper(reference):
    seven = make_seven(size=140, thickness=12)
    paper = np.zeros((140, 140, 3), np.uint8)
    paper[:] = (170, 220, 240)  # yellowish paper (BGR)
    paper[seven > 0] = (140, 40, 20)  # blue ink
    patch = to_mnist(paper)
    assert_mnist_like(patch)
    assert similarity(patch, reference) > 0.85


def test_rgba_ink_on_transparent_ground_is_composited_over_white(reference):
    seven = make_seven(size=140, thickness=12)
    rgba = np.zeros((140, 140, 4), np.uint8)  # black, fully transparent
    rgba[..., 3] = seven  # opaque where the ink is
    patch = to_mnist(rgba)
    assert_mnist_like(patch)
    assert similarity(patch, reference) > 0.85


def test_uint16_and_float_inputs_match_uint8():
    seven = make_seven(size=84, thickness=6)
    base = to_mnist(seven)
    for variant in (seven.astype(np.uint16) * 257, seven.astype(np.float32) / 255.0,
                    seven.astype(np.float64)):
        assert np.abs(to_mnist(variant) - base).max() < 1e-4


def test_thin_pen_on_big_canvas_is_thickened_to_mnist_width():
    thin = 255 - make_seven(size=400, thickness=3)  # a 3 px pen on a 400 px canvas
    patch = to_mnist(thin)
    assert_mnist_like(patch)
    # MNIST digits have about 2.4 px strokes in the 20 px box: ink area tells the width.
    ink_pixels = int((patch > 0.5).sum())
    assert 45 <= ink_pixels <= 140, ink_pixels


@pytest.mark.parametrize(
    "blank",
    [
        np.full((100, 100), 255, np.uint8),  # white paper
        np.zeros((28, 28), np.uint8),  # black
        np.full((50, 80, 3), 128, np.uint8),  # uniform grey
        np.zeros((0, 0), np.uint8),  # empty
        np.zeros((1, 40), np.uint8),  # degenerate
        np.random.default_rng(0).normal(200, 4, (120, 120)).clip(0, 255).astype(np.uint8),
    ],
    ids=["white", "black", "grey", "empty", "one-row", "paper-noise"],
)
def test_blank_images_give_none(blank):
    assert to_mnist(blank) is None


def test_speck_is_not_a_digit():
    image = np.full((100, 100), 255, np.uint8)
    image[50, 50] = 0
    assert to_mnist(image) is None


def test_specks_beside_a_digit_do_not_move_it(reference):
    canvas = np.zeros((300, 300), np.uint8)
    canvas[100:240, 80:220] = make_seven(size=140, thickness=12)
    canvas[5:7, 290:292] = 255  # a speck in the far corner
    patch = to_mnist(canvas)
    assert_mnist_like(patch)


def test_mask_keeps_only_the_masked_digit(reference):
    canvas = np.zeros((100, 200), np.uint8)
    canvas[20:48, 10:38] = make_seven()
    cv2.circle(canvas, (150, 50), 30, 255, 4)  # a neighbouring '0'
    mask = np.zeros_like(canvas)
    mask[15:55, 5:45] = 255
    patch = to_mnist(canvas, mask)
    assert similarity(patch, reference) > 0.9


def test_to_gray_rejects_unknown_shapes():
    with pytest.raises(ValueError, match="gray, BGR or BGRA"):
        to_gray(np.zeros((4, 4, 5), np.uint8))


def test_extract_ink_is_light_on_dark_in_unit_range():
    ink = extract_ink(255 - make_seven(size=56, thickness=4))
    assert ink.dtype == np.float32 and ink.max() == pytest.approx(1.0) and ink.min() == 0.0
    # Cropped tight: the 7 spans x 16-40, y 14-44 of the 56 px image, plus the pen.
    assert 26 <= ink.shape[1] <= 30 and 32 <= ink.shape[0] <= 36, ink.shape


def test_deskew_straightens_a_slanted_stroke():
    patch = np.zeros((28, 28), np.float32)
    cv2.line(patch, (10, 24), (18, 4), 1.0, 2)  # a slanted '1'
    straight = deskew(patch)
    xs = [np.average(np.arange(28), weights=row) for row in straight if row.sum() > 0.5]
    assert np.ptp(xs) < 2.5  # a slanted stroke spans 8 columns; deskewed, barely any
