"""The drawing benchmark runs end to end on a few digits and reports what it measured."""

from __future__ import annotations

import re
import sys

import pytest

pytest.importorskip("skimage", reason="tracing needs scikit-image: pip install -e '.[test]'")

from recognizer.core import config  # noqa: E402

sys.path.insert(0, str(config.PROJECT_ROOT / "benchmarks"))

import bench_drawing  # noqa: E402


def percent(text: str, label: str) -> float:
    match = re.search(re.escape(label) + r"\s+([\d.]+)%", text)
    assert match, (label, text)
    return float(match.group(1))


def test_the_benchmark_reads_drawn_test_digits_and_the_tutorial_recipe(mnist_test, capsys):
    from tests.conftest import MNIST_NPZ

    assert bench_drawing.main(["--mnist", str(MNIST_NPZ), "--count", "200"]) == 0
    out = capsys.readouterr().out
    app = percent(out, "app (strokes -> to_mnist -> model)")
    tutorial = percent(out, "tutorial (canvas resized to 28x28, as is)")
    assert app > 96.0 and tutorial < 50.0
    fidelity = float(re.search(r"IoU ([\d.]+) mean", out).group(1))
    assert 0.7 < fidelity < 1.0
    assert re.search(r"latency per recognition: mean [\d.]+ ms", out)


def test_a_missing_data_set_is_one_line_and_status_1(tmp_path, capsys):
    assert bench_drawing.main(["--mnist", str(tmp_path / "none.npz")]) == 1
    assert "MNIST not found" in capsys.readouterr().err
