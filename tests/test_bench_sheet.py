"""The sheet benchmark runs end to end and reports what it measured."""

from __future__ import annotations

import re
import sys

import numpy as np

from recognizer.core import config

sys.path.insert(0, str(config.PROJECT_ROOT / "benchmarks"))

import bench_sheet  # noqa: E402


def test_quad_iou_of_known_overlaps():
    square = np.float32([[100, 100], [200, 100], [200, 200], [100, 200]])
    assert bench_sheet.quad_iou(square, square, (640, 480)) == 1.0
    half = square + np.float32([50, 0])  # overlaps half of it: 50 x 100 of 150 x 100
    assert abs(bench_sheet.quad_iou(square, half, (640, 480)) - 1 / 3) < 0.01
    apart = square + np.float32([300, 0])
    assert bench_sheet.quad_iou(square, apart, (640, 480)) == 0.0


def test_the_benchmark_finds_plain_sheets_and_prints_its_table(capsys):
    """Sheets before a dark background (the easiest condition): every outline within IoU
    0.9 on these frames (seed 2, looked at while writing the test)."""
    assert bench_sheet.main(["--seed", "2", "--frames", "3", "--condition",
                             "background: dark", "--misses"]) == 0
    out = capsys.readouterr().out
    row = re.search(r"\| background: dark \| 3 \| (\d+) ", out)
    assert row and int(row.group(1)) == 3, out
    assert re.search(r"outlines found on frames with a sheet: 3, mean IoU 0\.9\d+", out), out
    assert "missed" not in out
