#!/usr/bin/env python3
"""Soak the photo engine: thousands of small generated photos in one process, RSS flat.

Writes N small photos (a few sample digits on generated paper, some of them broken files and
degenerate images: a 2 x 5000 strip, a 1 px image, a truncated JPEG, random bytes), then
reads them all in-process through `run_photos` (the `recognizer photos` engine: loader,
detector, one batched read per file, annotated copies, the streamed predictions.csv) and
prints the RSS every 500 files.

    .venv/bin/python benchmarks/soak_photos.py [--files 5000] [--every 500]

Target (issue 14): RSS flat over the run (the last sample within a few MB of the first
after warm-up).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recognizer.apps import photo_runs, photos  # noqa: E402
from recognizer.core.predict import Recognizer  # noqa: E402

SAMPLES = sorted((ROOT / "samples" / "digits").glob("digit_*.jpg"))


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def write_photos(folder: Path, count: int, seed: int = 0) -> None:
    """`count` small photos: 1-3 sample digits on paper; every 50th a bad or odd file."""
    rng = np.random.default_rng(seed)
    digits = [cv2.resize(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE), (60, 60)) for p in SAMPLES]
    for index in range(count):
        path = folder / f"{index // 1000:02d}" / f"photo_{index:05d}.png"
        path.parent.mkdir(exist_ok=True)
        kind = index % 50
        if kind == 1:
            cv2.imwrite(str(path), np.full((2, 5000), 200, np.uint8))
        elif kind == 2:
            cv2.imwrite(str(path), np.zeros((1, 1), np.uint8))
        elif kind == 3:
            path.with_suffix(".jpg").write_bytes(b"\xff\xd8\xff\xe0" + rng.bytes(300))
        elif kind == 4:
            path.write_bytes(rng.bytes(200))
        else:
            page = np.full((120, 240), int(rng.integers(190, 250)), np.uint8)
            for slot in range(int(rng.integers(1, 4))):
                digit = digits[int(rng.integers(0, len(digits)))]
                x = 10 + slot * 75
                page[30:90, x : x + 60] = np.minimum(page[30:90, x : x + 60], digit)
            cv2.imwrite(str(path), page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--every", type=int, default=500)
    args = parser.parse_args(argv)
    recognizer = Recognizer()
    with tempfile.TemporaryDirectory(prefix="recognizer-soak-") as temporary:
        folder, out = Path(temporary) / "photos", Path(temporary) / "out"
        folder.mkdir()
        write_photos(folder, args.files)
        samples: list[tuple[int, float, float]] = []
        real_read_file = photos.read_file
        start = time.perf_counter()

        def read_file(relative, options, recognizer=None):
            result = real_read_file(relative, options, recognizer)
            read_file.count += 1
            if read_file.count == 1 or read_file.count % args.every == 0:
                samples.append((read_file.count, rss_mb(), time.perf_counter() - start))
            return result

        read_file.count = 0
        photos.read_file = read_file  # sample RSS as the engine goes (in this process)
        status = photo_runs.run_photos(folder, out, recognizer=recognizer, progress=False)
        photos.read_file = real_read_file
        rows = (out / "predictions.csv").read_text().count("\n") - 1
    print(f"files: {args.files}, exit status {status}, {rows} digits in predictions.csv")
    print("| files read | RSS (MB) | seconds |\n|---:|---:|---:|")
    for count, rss, seconds in samples:
        print(f"| {count:,} | {rss:.1f} | {seconds:.1f} |")
    settled = [rss for count, rss, _ in samples if count >= args.every]
    if len(settled) >= 2:
        print(f"RSS change from {samples[1][0]:,} files to the end: "
              f"{settled[-1] - settled[0]:+.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
