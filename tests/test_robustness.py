"""Hardening: degenerate images at every entry point, one bad file never stops a photos run,
and what a photos run read survives Ctrl+C, SIGTERM and SIGKILL."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from PIL import Image

from recognizer.apps import photos
from recognizer.apps.cli import main
from recognizer.core import config
from recognizer.core.errors import ImageLoadError, UnsupportedImageError
from recognizer.core.images import load_image, to_bgr8
from recognizer.core.preprocess import to_gray, to_mnist
from recognizer.detection.detector import find_digits, read_digits
from recognizer.detection.ink import working_gray
from recognizer.drawing.reading import read_strokes
from recognizer.drawing.strokes import Stroke, usable_strokes

SAMPLES = sorted((config.PROJECT_ROOT / "samples" / "digits").glob("digit_*.jpg"))


def seven(size: int = 60) -> np.ndarray:
    """A dark 7 on white paper, uint8 gray."""
    image = np.full((size, size), 255, np.uint8)
    cv2.line(image, (size // 5, size // 5), (4 * size // 5, size // 5), 0, max(2, size // 12))
    cv2.line(image, (4 * size // 5, size // 5), (2 * size // 5, 4 * size // 5), 0, max(2, size // 12))
    return image


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def read_csv(path):
    with open(path, newline="") as stream:
        return list(csv.reader(stream))


# --- Degenerate images at the root ----------------------------------------------------------


def test_the_scanner_strip_has_no_digit_anywhere():
    strip = np.full((2, 5000), 230, np.uint8)
    strip[:, 2000:2010] = 0
    gray, scale = working_gray(strip)
    assert gray.shape == (1, 1024) and scale == pytest.approx(1024 / 5000)
    assert to_mnist(strip) is None
    for refine in (False, True):
        found = find_digits(strip, whole_frame_fallback=True, refine=refine)
        assert found.digits == () and found.mask.shape == (2, 5000)


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (8, 8), (1, 2000), (2000, 1), (9, 18000)])
def test_tiny_sides_and_extreme_aspect_ratios_read_as_no_digit(shape):
    image = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    found = find_digits(image, whole_frame_fallback=True, refine=True)
    assert found.mask.shape == shape
    assert found.digits == ()  # noise too small to be a digit


@pytest.mark.parametrize("image", [
    np.zeros((0, 0), np.uint8), np.zeros((0, 40, 3), np.uint8), np.zeros((40, 0), np.float32),
    np.full((50, 50), 7, np.uint8), np.full((50, 50, 3), 1e9), np.full((40, 40), np.nan),
    np.full((40, 40), np.inf, np.float32), np.zeros((30, 30, 2), np.uint8),
], ids=["empty", "empty-bgr", "empty-float", "constant", "constant-huge", "nan", "inf", "2ch-clear"])
def test_images_without_ink_give_no_digit(image):
    assert to_mnist(image) is None
    found = find_digits(image, whole_frame_fallback=True)
    assert found.digits == () and found.mask.shape == image.shape[:2]
    assert to_bgr8(image).shape == (*image.shape[:2], 3)


def test_floats_of_any_range_and_broken_pixels_read_like_uint8():
    reference = to_mnist(seven())
    ink = 1.0 - seven().astype(np.float64) / 255.0  # 1 = ink
    variants = {
        "0..1e6": (1.0 - ink) * 1e6,
        "negative": -ink,  # ink lowest: stretched, it is dark on light
        "12-bit int16": ((1.0 - ink) * 4095).astype(np.int16),
        "int64": ((1.0 - ink) * 2**40).astype(np.int64),
        "float16 0..255": ((1.0 - ink) * 255).astype(np.float16),
    }
    broken = (1.0 - ink).astype(np.float32)
    broken[0, :5] = np.nan  # a few broken pixels on the paper
    broken[-1, -3:] = np.inf
    variants["nan and inf"] = broken
    for name, image in variants.items():
        patch = to_mnist(image)
        assert patch is not None, name
        assert np.isfinite(patch).all() and similarity(patch, reference) > 0.95, name


def test_uint16_of_any_range_and_channel_layouts_read_alike():
    gray = seven()
    reference = to_mnist(gray)
    alpha = np.full_like(gray, 255)
    for name, image in {
        "uint16 full range": gray.astype(np.uint16) * 257,
        "1 channel axis": gray[:, :, np.newaxis],
        "gray + alpha": np.dstack([gray, alpha]),
        "bgra": cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA),
    }.items():
        assert similarity(to_mnist(image), reference) > 0.98, name
    # Gray + alpha: transparent ground is paper, as in BGRA.
    clear = np.dstack([np.zeros_like(gray), np.where(gray < 128, 255, 0).astype(np.uint8)])
    assert similarity(to_mnist(clear), reference) > 0.95
    assert to_gray(clear)[0, 0] == pytest.approx(1.0)


def test_arrays_that_are_no_image_say_what_is_wanted():
    for array in (np.zeros(5), np.zeros((3, 3, 3, 3)), np.zeros((5, 5, 6)), np.zeros((4, 4), complex)):
        with pytest.raises(UnsupportedImageError, match="image|pixel type"):
            to_mnist(array)
        with pytest.raises(UnsupportedImageError):
            find_digits(array)
        with pytest.raises(ValueError):  # an UnsupportedImageError is a ValueError too
            to_bgr8(array)


def test_degenerate_files_through_the_loader_and_detector(tmp_path, recognizer):
    files = {
        "one_pixel.png": np.zeros((1, 1), np.uint8),
        "strip.png": np.full((2, 5000), 200, np.uint8),
        "tall_strip.png": np.full((3000, 2), 200, np.uint8),
        "constant.png": np.full((64, 64, 3), 90, np.uint8),
        "deep.png": (seven().astype(np.uint16) * 257),
    }
    for name, pixels in files.items():
        assert cv2.imwrite(str(tmp_path / name), pixels)
    Image.fromarray(np.dstack([seven(), np.full((60, 60), 255, np.uint8)]), "LA").save(
        tmp_path / "gray_alpha.png")
    for name in [*files, "gray_alpha.png"]:
        image = load_image(tmp_path / name)
        found = read_digits(image, recognizer, whole_frame_fallback=True, refine=True)
        if name in ("deep.png", "gray_alpha.png"):
            assert [d.prediction.digit for d in found.digits] == [7], name
        else:
            assert found.digits == (), name


def test_a_header_the_decoder_refuses_is_a_load_error(tmp_path, monkeypatch):
    path = tmp_path / "odd.png"
    assert cv2.imwrite(str(path), seven())

    def refuse(*args):
        raise cv2.error("OpenCV(5.0.0) loadsave.cpp:75: error: (-215:Assertion failed) size")

    monkeypatch.setattr(cv2, "imdecode", refuse)
    with pytest.raises(ImageLoadError, match="decoder refused it"):
        load_image(path)


# --- The drawing reader -------------------------------------------------------------------------


def test_strokes_that_cannot_be_drawn_are_left_out(recognizer):
    one = Stroke(points=((100.0, 40.0), (100.0, 200.0)), width=19)
    nan = float("nan")
    broken = [
        Stroke(points=(), width=19),
        Stroke(points=((nan, 5.0), (float("inf"), 7.0)), width=19),
        Stroke(points=((300.0, 1e12),), width=19),
    ]
    assert usable_strokes(broken) == []
    alone = read_strokes([one], recognizer)
    mixed = read_strokes([*broken, one], recognizer)
    assert alone.number == mixed.number == "1"
    assert read_strokes(broken, recognizer).is_empty
    # A pen 0 or a million px wide, and a stroke with a NaN point in its middle.
    odd = [Stroke(points=((100.0, 40.0), (nan, nan), (100.0, 200.0)), width=0),
           Stroke(points=((400.0, 40.0), (400.0, 200.0)), width=10**6)]
    cleaned = usable_strokes(odd)
    assert [len(s.points) for s in cleaned] == [2, 2]
    assert [s.width for s in cleaned] == [1, config.MAX_PEN_WIDTH]
    read_strokes(odd, recognizer)  # no exception: a reading (or none), whatever it is


def test_strokes_spread_over_a_huge_area_are_grouped_on_a_bounded_copy(recognizer):
    far = [Stroke(points=((0.0, 0.0), (0.0, 160.0)), width=19),
           Stroke(points=((90_000.0, 0.0), (90_000.0, 160.0)), width=19)]
    reading = read_strokes(far, recognizer)
    assert reading.number == "11"


# --- Photos: one bad file, the strip, and interrupted runs ------------------------------------


@pytest.fixture
def small_folder(tmp_path):
    """Three sample digit photos and the scanner's 2 x 5000 strip."""
    root = tmp_path / "photos"
    root.mkdir()
    for sample in SAMPLES[:3]:
        shutil.copy(sample, root / sample.name)
    assert cv2.imwrite(str(root / "strip.png"), np.full((2, 5000), 200, np.uint8))
    return root


def test_the_strip_passes_through_photos_and_predict(small_folder, tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["photos", str(small_folder), "--out", str(out)])
    captured = capsys.readouterr()
    assert status in (0, 2) and "Traceback" not in captured.err
    rows = read_csv(out / "predictions.csv")
    assert rows[0] == list(photos.CSV_COLUMNS)
    assert [row[0] for row in rows[1:]] == [s.name for s in SAMPLES[:3]]
    assert [row[1] for row in rows[1:]] == [s.name.split("_")[1] for s in SAMPLES[:3]]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_read"] == 4 and summary["interrupted"] is False
    assert main(["predict", str(small_folder / "strip.png")]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip().endswith("strip.png: no digit") and "Traceback" not in captured.err


def test_an_unexpected_error_in_one_file_fails_that_file_only(small_folder, tmp_path, capsys,
                                                              monkeypatch):
    real = photos.read_digits

    def breaks_on_the_strip(image, *args, **kwargs):
        if image.shape[:2] == (2, 5000):
            raise cv2.error("OpenCV(5.0.0) resize.cpp:4223: error: (-215:Assertion failed) "
                            "!dsize.empty() in function 'resize'")
        return real(image, *args, **kwargs)

    monkeypatch.setattr(photos, "read_digits", breaks_on_the_strip)
    out = tmp_path / "out"
    assert main(["photos", str(small_folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    line = next(l for l in err.splitlines() if "strip.png" in l)
    assert "unexpected error (error:" in line and "dsize.empty()" in line and "--debug" in line
    assert len(read_csv(out / "predictions.csv")) == 1 + 3  # the other files' rows
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_with_errors"] == 1 and summary["errors"][0]["file"] == "strip.png"
    # --debug (before or after the subcommand) adds the traceback under the report.
    assert main(["--debug", "photos", str(small_folder), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "breaks_on_the_strip" in err
    assert main(["photos", str(small_folder), "--out", str(tmp_path / "o3"), "--debug"]) == 2
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_ctrl_c_keeps_the_rows_and_says_interrupted(small_folder, tmp_path, capsys, monkeypatch):
    real = photos.read_files

    def interrupted_after_two(files, *args, **kwargs):
        for count, result in enumerate(real(files, *args, **kwargs)):
            if count == 2:
                raise KeyboardInterrupt
            yield result

    monkeypatch.setattr(photos, "read_files", interrupted_after_two)
    out = tmp_path / "out"
    assert main(["photos", str(small_folder), "--out", str(out)]) == 130
    assert "interrupted after 2 of 4 photos" in capsys.readouterr().err
    rows = read_csv(out / "predictions.csv")
    assert [row[0] for row in rows[1:]] == [s.name for s in SAMPLES[:2]]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["files_read"] == 2
    assert summary["files_found"] == 4


def _big_photo_folder(root, count: int) -> list[str]:
    """`count` photos of sample digits side by side, 1600 px wide (a few tens of ms each)."""
    root.mkdir()
    names = []
    for index in range(count):
        digits = [cv2.imread(str(SAMPLES[(index + k) % len(SAMPLES)]), cv2.IMREAD_GRAYSCALE)
                  for k in range(3)]
        row = np.hstack([cv2.resize(d, (400, 400)) for d in digits])
        page = np.full((900, 1600), 255, np.uint8)
        page[250:650, 200:1400] = row
        name = f"page_{index:02d}.jpg"
        cv2.imwrite(str(root / name), page)
        names.append(name)
    return names


def _poll_rows(path, process, minimum: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") > minimum:
            return
        assert process.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.01)
    pytest.fail("no rows appeared in predictions.csv")


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_run_killed_halfway_keeps_its_rows(tmp_path, how):
    names = _big_photo_folder(tmp_path / "photos", 40)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "recognizer", "photos", str(tmp_path / "photos"), "--out",
         str(out)], cwd=config.PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _poll_rows(out / "predictions.csv", process, minimum=6)
        process.send_signal(getattr(signal, how))
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    rows = read_csv(out / "predictions.csv")
    assert rows[0] == list(photos.CSV_COLUMNS)
    body = rows[1:]
    assert 6 <= len(body) < 3 * len(names), len(body)  # some rows, not the whole run
    for row in body:  # every row whole: a file of the folder, a digit, a box
        assert len(row) == 8 and row[0] in names and row[1] in "0123456789", row
        assert 0.0 <= float(row[2]) <= 1.0 and all(int(v) >= 0 for v in row[3:])
    if how == "SIGKILL":
        assert process.returncode == -signal.SIGKILL
        assert not (out / "summary.json").exists()
    else:  # a polite kill still writes the summary, and says the run was interrupted
        assert process.returncode == 130 and "Traceback" not in err
        summary = json.loads((out / "summary.json").read_text())
        assert summary["interrupted"] is True and 0 < summary["files_read"] < len(names)
        assert len({row[0] for row in body}) <= summary["files_read"]


def test_predict_reports_an_unexpected_error_per_file_and_reads_the_rest(small_folder, capsys,
                                                                         monkeypatch):
    from recognizer.apps import predict

    real = predict.to_mnist

    def breaks_on_the_strip(image, *args, **kwargs):
        if image.shape[:2] == (2, 5000):
            raise ZeroDivisionError("division by zero")
        return real(image, *args, **kwargs)

    monkeypatch.setattr(predict, "to_mnist", breaks_on_the_strip)
    good = small_folder / SAMPLES[0].name
    assert main(["predict", str(small_folder / "strip.png"), str(good)]) == 1
    captured = capsys.readouterr()
    assert "strip.png: error: unexpected error (ZeroDivisionError: division by zero)" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out.strip().startswith(f"{good}: {SAMPLES[0].name.split('_')[1]}, ")
