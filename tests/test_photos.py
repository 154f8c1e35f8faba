"""`recognizer photos` end to end on a temporary folder of generated photos and bad files."""

from __future__ import annotations

import csv
import json
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from recognizer.apps import photos
from recognizer.detection.annotate import to_bgr8
from recognizer.apps.cli import main
from tests.conftest import paste_digits, pick


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (no pixel data): a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.fixture
def photo_dir(tmp_path, mnist_test):
    """Good photos of every storage kind, with their labels, plus every kind of bad file."""
    root = tmp_path / "photos"
    (root / "sheets" / "deep").mkdir(parents=True)
    (root / "crops").mkdir()
    labels = {}
    # A sheet: two lines, "31 4" and "729", with uneven light, as JPEG (upper-case extension).
    sheet = paste_digits(pick(mnist_test, [3, 1, 4, 7, 2, 9]),
                         [(60, 60), (110, 62), (330, 58), (80, 300), (130, 298), (180, 302)],
                         light=0.6)
    cv2.imwrite(str(root / "sheets" / "sheet.JPG"), sheet, [cv2.IMWRITE_JPEG_QUALITY, 95])
    labels["sheets/sheet.JPG"] = "314729"
    # Gray PNG, in a nested folder.
    gray = cv2.cvtColor(paste_digits(pick(mnist_test, [5, 0]), [(100, 150), (160, 150)]),
                        cv2.COLOR_BGR2GRAY)
    cv2.imwrite(str(root / "sheets" / "deep" / "gray.png"), gray)
    labels["sheets/deep/gray.png"] = "50"
    # BGRA with transparency around the paper, and 16-bit colour.
    bgra = cv2.cvtColor(paste_digits(pick(mnist_test, [6]), [(200, 150)]), cv2.COLOR_BGR2BGRA)
    bgra[:, :40, 3] = 0
    cv2.imwrite(str(root / "alpha.png"), bgra)
    labels["alpha.png"] = "6"
    deep = paste_digits(pick(mnist_test, [8, 2]), [(200, 150), (270, 150)]).astype(np.uint16) * 257
    cv2.imwrite(str(root / "sixteen.tif"), deep)
    labels["sixteen.tif"] = "82"
    # A plain MNIST crop (white on black) and a tight dark-on-light crop touching the edges.
    x_test, y_test = mnist_test
    cv2.imwrite(str(root / "crops" / "mnist.bmp"), pick(mnist_test, [7])[0])
    labels["crops/mnist.bmp"] = "7"
    tight = 255 - cv2.resize(pick(mnist_test, [4])[0][4:24, 4:24], (60, 60))
    cv2.imwrite(str(root / "crops" / "tight.webp"), tight, [cv2.IMWRITE_WEBP_QUALITY, 100])
    labels["crops/tight.webp"] = "4"
    # Stored sideways with EXIF orientation 6 ("rotate 90 degrees clockwise to view").
    upright = paste_digits(pick(mnist_test, [3, 9]), [(200, 150), (270, 150)])
    sideways = cv2.rotate(upright, cv2.ROTATE_90_COUNTERCLOCKWISE)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(sideways[:, :, ::-1]).save(root / "exif.jpeg", exif=exif, quality=95)
    labels["exif.jpeg"] = "39"
    # Bad files.
    (root / "notes.jpg").write_text("this is not an image\n")
    (root / "empty.png").write_bytes(b"")
    good_jpeg = (root / "sheets" / "sheet.JPG").read_bytes()
    (root / "truncated.jpg").write_bytes(good_jpeg[: len(good_jpeg) // 2])
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 50)
    (root / "huge.png").write_bytes(_png_claiming(100_000, 100_000))
    (root / "locked.png").write_bytes((root / "alpha.png").read_bytes())
    (root / "readme.txt").write_text("not a photo: not even looked at\n")
    return root, labels


BAD = {"notes.jpg": "not an image", "empty.png": "empty file", "truncated.jpg": "truncated",
       "corrupt.png": "", "huge.png": "too large", "locked.png": "permission denied",
       "vanished.png": "no such file"}


@pytest.fixture
def hostile_filesystem(monkeypatch, photo_dir):
    """locked.png cannot be read (even as root) and vanished.png disappears after listing."""
    root, _ = photo_dir
    real_read_bytes = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.png":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    real_find = photos.find_images

    def find_images(folder, exclude=None):
        (root / "vanished.png").write_bytes((root / "alpha.png").read_bytes())
        listed = list(real_find(folder, exclude))
        (root / "vanished.png").unlink()
        return iter(listed)

    monkeypatch.setattr(photos, "find_images", find_images)


def snapshot(root):
    """Every file under root and its bytes (read with open(): Path.read_bytes may be patched)."""
    result = {}
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as stream:
                result[path] = stream.read()
    return result


def read_csv(path):
    with open(path, newline="") as stream:
        return list(csv.DictReader(stream))


def test_photo_folder_end_to_end(photo_dir, hostile_filesystem, tmp_path, capsys):
    root, labels = photo_dir
    before = snapshot(root)
    out = tmp_path / "out" / "run"
    status = main(["photos", str(root), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 2
    for name, reason in BAD.items():
        assert f"{name}: " in captured.err and reason in captured.err.split(f"{name}: ")[1].split("\n")[0]

    with open(out / "predictions.csv", newline="") as stream:
        assert stream.readline().strip() == "file,digit,confidence,x,y,w,h,line"
    rows = read_csv(out / "predictions.csv")
    read = {}
    for row in rows:
        read[row["file"]] = read.get(row["file"], "") + row["digit"]
        assert 0.0 <= float(row["confidence"]) <= 1.0
    assert read == labels
    sheet = [r for r in rows if r["file"] == "sheets/sheet.JPG"]
    assert [int(r["line"]) for r in sheet] == [0, 0, 0, 1, 1, 1]
    xs = [int(r["x"]) for r in sheet]
    assert xs[:3] == sorted(xs[:3]) and xs[3:] == sorted(xs[3:])
    assert 55 <= xs[0] <= 80 and 290 <= int(sheet[3]["y"]) <= 320  # original pixels
    exif_rows = [r for r in rows if r["file"] == "exif.jpeg"]  # boxes in the upright image
    assert all(int(r["x"]) > 150 and int(r["y"]) < 240 for r in exif_rows)

    for name in labels:
        annotated = out / "annotated" / f"{name}.png"
        assert annotated.is_file()
        drawn = cv2.imread(str(annotated))
        original = to_bgr8(photos.load_image(root / name))
        factor = int(np.ceil(256 / max(original.shape[:2]))) if max(original.shape[:2]) < 256 else 1
        if factor > 1:  # tiny crops are enlarged so their labels can be read
            original = cv2.resize(original, None, fx=factor, fy=factor,
                                  interpolation=cv2.INTER_NEAREST)
        assert drawn.shape == original.shape  # upright (EXIF applied), full size
        assert np.abs(drawn.astype(int) - original).max() > 60  # boxes and labels drawn
    sheet_drawn = cv2.imread(str(out / "annotated" / "sheets" / "sheet.JPG.png"))
    sheet_in = cv2.imread(str(root / "sheets" / "sheet.JPG"))
    x, y, w, h = (int(sheet[0][k]) for k in "xywh")
    assert np.abs(sheet_drawn[y - 3 : y + h + 3, x - 3 : x + w + 3].astype(int)
                  - sheet_in[y - 3 : y + h + 3, x - 3 : x + w + 3]).max() > 60
    assert np.abs(sheet_drawn[420:, 500:].astype(int) - sheet_in[420:, 500:]).max() < 10
    for name in BAD:
        assert not (out / "annotated" / f"{name}.png").exists()

    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_found"] == len(labels) + len(BAD)
    assert summary["files_read"] == len(labels)
    assert summary["files_with_errors"] == len(BAD)
    assert summary["digits_found"] == sum(len(v) for v in labels.values())
    assert {e["file"] for e in summary["errors"]} == set(BAD)
    assert summary["options"]["jobs"] == 1 and summary["seconds"] > 0
    assert snapshot(root) == before  # nothing written into DIR, no input changed


def test_all_good_photos_exit_zero_and_jobs_agree(photo_dir, tmp_path, capsys):
    root, labels = photo_dir
    for name in ("notes.jpg", "empty.png", "truncated.jpg", "corrupt.png", "huge.png", "locked.png"):
        (root / name).unlink()
    assert main(["photos", str(root), "--out", str(tmp_path / "one")]) == 0
    assert main(["photos", str(root), "--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    one = read_csv(tmp_path / "one" / "predictions.csv")
    two = read_csv(tmp_path / "two" / "predictions.csv")
    assert one == two and len(one) == sum(len(v) for v in labels.values())
    capsys.readouterr()
    assert main(["photos", str(root), "--json", "--min-confidence", "0.5"]) == 0
    document = json.loads(capsys.readouterr().out)
    numbers = {f["file"]: f["numbers"] for f in document["files"]}
    assert numbers["sheets/sheet.JPG"] == ["31", "4", "729"]
    assert document["summary"]["files_read"] == len(labels)


def test_empty_folder_says_so(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no photos here")
    assert main(["photos", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 0
    assert "no images found" in capsys.readouterr().err
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["files_found"] == 0


def test_unusable_folders_exit_2(photo_dir, tmp_path, capsys):
    root, _ = photo_dir
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert main(["photos", str(root), "--out", str(blocker / "out")]) == 2
    assert "cannot write to --out" in capsys.readouterr().err
    assert main(["photos", str(root), "--out", str(root / "out")]) == 2
    assert "inside" in capsys.readouterr().err
    assert not (root / "out").exists()
    assert main(["photos", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_help_explains_exit_status(capsys):
    with pytest.raises(SystemExit):
        main(["photos", "--help"])
    text = capsys.readouterr().out
    assert "exit status" in text and "some files could not be read" in text


def test_huge_photo_detected_on_reduced_copy_boxes_in_full_pixels(mnist_test, recognizer):
    frame = paste_digits(pick(mnist_test, [2, 5]), [(900, 1200), (1300, 1210)],
                         size=(3000, 4000), digit_px=300)
    from recognizer.detection.detector import read_digits

    result = read_digits(frame, recognizer, whole_frame_fallback=True)
    assert [d.prediction.digit for d in result.digits] == [2, 5]
    assert 880 <= result.digits[0].box[0] <= 1000 and result.digits[0].box[3] > 150
    assert 1280 <= result.digits[1].box[0] <= 1400  # full-size pixels, not the reduced copy's
    assert result.mask.shape == frame.shape[:2]  # the mask is brought back to full size too


@pytest.mark.slow
def test_keras_backend_with_two_jobs_does_not_deadlock(tmp_path):
    """The parent imports TensorFlow to check the model; forking it then would hang."""
    import shutil
    import subprocess
    import sys

    from recognizer.core import config

    folder = tmp_path / "photos"
    folder.mkdir()
    samples = sorted((config.PROJECT_ROOT / "samples" / "digits").glob("digit_*.jpg"))[:3]
    for sample in samples:
        shutil.copy(sample, folder / sample.name)
    result = subprocess.run(
        [sys.executable, "-m", "recognizer", "photos", str(folder), "--json", "--jobs", "2",
         "--backend", "keras"],
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-1000:]
    assert len(result.stdout) > 0 and all(s.name in result.stdout for s in samples)


def test_a_worker_reads_single_threaded():
    """A worker of the local pool or a Ray actor (one of N on N cores, or holding one CPU)
    runs LiteRT on one thread."""
    recognizer = photos.worker_recognizer(photos.RunOptions(".", None))
    assert recognizer.backend != "litert" or recognizer._run.num_threads == 1
