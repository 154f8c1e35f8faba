"""The `recognizer` command as a user runs it: --help, --version, predict, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from recognizer import __version__
from recognizer.core import config

SAMPLES = sorted((config.PROJECT_ROOT / "samples" / "digits").glob("digit_*.jpg"))


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "recognizer", *map(str, args)],
        capture_output=True, text=True, timeout=300, cwd=config.PROJECT_ROOT, env=env,
    )


def test_version_and_help():
    assert run_cli("--version").stdout.strip() == f"recognizer {__version__}"
    help_text = run_cli("--help").stdout
    assert "predict" in help_text and "COMMAND" in help_text


def test_predict_reads_the_bundled_samples():
    assert len(SAMPLES) == 10
    result = run_cli("predict", *SAMPLES)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no runtime chatter
    lines = result.stdout.strip().splitlines()
    for path, line in zip(SAMPLES, lines):
        truth = path.name.split("_")[1]
        assert re.fullmatch(rf"{re.escape(str(path))}: {truth}, \d+%", line), line


def test_predict_json_and_blank_and_unreadable(tmp_path):
    import cv2
    import numpy as np

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((60, 60), 255, np.uint8))
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    result = run_cli("predict", "--json", SAMPLES[3], blank, junk)
    assert result.returncode == 1  # one file could not be read
    assert f"{junk}: error: not an image" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["digit"] == 3 and records[0]["confident"] is True
    assert len(records[0]["probabilities"]) == 10
    assert records[1] == {"file": str(blank), "digit": None, "confidence": None,
                          "confident": False, "is_digit": None, "not_digit": None,
                          "box": [0, 0, 60, 60], "line": 0, "number": 0}
    assert records[2]["file"] == str(junk) and "not an image" in records[2]["error"]


def test_predict_says_why_a_file_cannot_be_read(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    result = run_cli("predict", tmp_path / "missing.png", empty, SAMPLES[0])
    assert result.returncode == 1
    assert "missing.png: error: no such file (check the path" in result.stderr
    assert "empty.png: error: empty file (0 bytes)" in result.stderr
    assert "WARN" not in result.stderr  # no OpenCV chatter
    truth = SAMPLES[0].name.split("_")[1]
    assert result.stdout.strip() == f"{SAMPLES[0]}: {truth}, 100%"


def test_missing_model_is_one_clear_error(tmp_path):
    result = run_cli("predict", "--model", tmp_path / "none.tflite", SAMPLES[0])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "model file not found" in result.stderr and "train_mnist.py" in result.stderr


def test_litert_serving_never_imports_tensorflow():
    pytest.importorskip("ai_edge_litert")
    code = ("import sys; from recognizer.core.predict import Recognizer; r = Recognizer(); "
            "r.predict_digit(__import__('numpy').eye(28, dtype='uint8') * 255); "
            "print(r.backend, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=config.PROJECT_ROOT, timeout=120).stdout.split()
    assert out == ["litert", "False", "False"]


def test_help_and_the_package_face_load_no_heavy_modules():
    """`recognizer --help` and `import recognizer` answer without numpy, OpenCV or a runtime;
    the face's names load their modules on first use."""
    code = (
        "import sys, contextlib, io\n"
        "import recognizer\n"
        "from recognizer.apps.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('numpy', 'cv2', 'tensorflow', 'ai_edge_litert') if m in sys.modules]\n"
        "print(','.join(heavy) or 'none')\n"
        "recognizer.find_digits, recognizer.read_digits, recognizer.to_mnist\n"
        "print('cv2' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=config.PROJECT_ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["none", "True"]
