"""Benchmark the photo folder mode: accuracy on the samples and the real photos, and speed.

    .venv/bin/python benchmarks/bench_photos.py [--real ../shared/data/real_photos] [--count 60]

1. Digit accuracy (1 - edit distance / label length) and exact-match rate per kind, on
   samples/photos (rendered from MNIST test digits) and on the real photos in ../shared
   (skipped where absent), through the same code as `recognizer photos` + `recognizer score`.
2. Photos per second on 1-megapixel photos (sheets of about 20 digits, rendered like the
   samples) with --jobs 1 and --jobs 2: the wall time of the whole `recognizer photos`
   command (start-up and model load included) and the run's own time from summary.json.

Targets (issue 6): >= 97% of sample digits, >= 92% of real-photo digits, >= 20 photos/s
with --jobs 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recognizer.apps.photos import RunOptions, find_images, read_files  # noqa: E402
from recognizer.core.predict import Recognizer  # noqa: E402
from recognizer.apps.score import by_folder, read_labels, score_files, summarise  # noqa: E402


def accuracy(images: Path, labels_csv: Path, recognizer: Recognizer) -> list[tuple]:
    """(kind, files, digits, digit accuracy, exact) rows, per kind (labels' `kind` column,
    else the folder) and overall."""
    import csv

    labels = read_labels(labels_csv)
    with labels_csv.open(newline="") as stream:
        kinds = {row["file"]: row.get("kind") or str(Path(row["file"]).parent)
                 for row in csv.DictReader(stream)}
    files = [f for f in find_images(images) if f in labels]
    options = RunOptions(root=str(images), out=None)
    readings = {}
    for result in read_files(files, options, jobs=1, recognizer=recognizer):
        readings[result.file] = "".join(str(d.prediction.digit) for d in result.digits)
    scores = score_files(readings, {f: labels[f] for f in files})
    rows = []
    for kind in sorted(set(kinds[s.file] for s in scores)):
        group = summarise(kind, [s for s in scores if kinds[s.file] == kind])
        rows.append((kind, group.files, group.digits, group.digit_accuracy, group.exact_match))
    total = summarise("all", scores)
    rows.append(("all", total.files, total.digits, total.digit_accuracy, total.exact_match))
    assert by_folder(scores)  # the per-folder table `recognizer score` prints
    return rows


def make_megapixel_photos(folder: Path, count: int) -> None:
    """`count` photos of 1155 x 866 px (1.0 megapixel): sheets of digits, like the samples."""
    spec = importlib.util.spec_from_file_location(
        "make_sample_photos", ROOT / "scripts" / "make_sample_photos.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    with np.load(ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz") as data:
        x_test, y_test = data["x_test"], data["y_test"]
    rng = np.random.default_rng(5)
    source = maker.DigitSource(x_test, y_test, rng)
    templates = []
    for _ in range(min(count, 6)):
        image, _ = maker.make_sheet(source, rng)
        templates.append(cv2.resize(image, (1155, 866), interpolation=cv2.INTER_LINEAR))
    for index in range(count):
        cv2.imwrite(str(folder / f"photo_{index:03d}.jpg"), templates[index % len(templates)],
                    [cv2.IMWRITE_JPEG_QUALITY, 90])


def speed(folder: Path, jobs: int) -> tuple[float, float, int, float]:
    """(photos/s over the whole command, photos/s of the run itself, digits read, CPU ms per
    photo over all processes). The CPU time says what the machine could do when other work
    (a training run) is competing for its cores."""
    import resource

    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "recognizer", "photos", str(folder), "--out", out,
             "--jobs", str(jobs)],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = json.loads((Path(out) / "summary.json").read_text())
    count = summary["files_read"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return count / wall, summary["photos_per_second"], summary["digits_found"], cpu / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "samples" / "photos")
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "data" / "real_photos")
    parser.add_argument("--count", type=int, default=60, help="1-megapixel photos to time")
    args = parser.parse_args()

    recognizer = Recognizer()
    metrics = ROOT / "models" / "metrics.json"
    test_accuracy = json.loads(metrics.read_text()).get("test_accuracy") if metrics.is_file() else None
    print(f"model: {recognizer.model_path.name} ({recognizer.backend}), "
          f"MNIST test accuracy {test_accuracy}")
    print("\n| set | kind | files | digits | digit accuracy | exact match |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    sets = [("samples", args.samples, args.samples / "labels.csv")]
    if (args.real / "labels.csv").is_file():
        sets.append(("real photos", args.real / "images", args.real / "labels.csv"))
    else:
        print(f"(real photos not found at {args.real}: skipped)")
    for name, images, labels in sets:
        for kind, files, digits, digit_accuracy, exact in accuracy(images, labels, recognizer):
            print(f"| {name} | {kind} | {files} | {digits} | {digit_accuracy * 100:.1f}% | "
                  f"{exact * 100:.1f}% |")

    with tempfile.TemporaryDirectory() as folder:
        make_megapixel_photos(Path(folder), args.count)
        print(f"\n| 1-megapixel photos ({args.count}, ~18 digits each) | photos/s, whole command "
              "| photos/s, run (summary.json) | CPU ms per photo (all processes) | digits |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for jobs in (1, 2):
            whole, run, digits, cpu = speed(Path(folder), jobs)
            print(f"| --jobs {jobs} | {whole:.1f} | {run:.1f} | {cpu:.0f} | {digits} |")
        print(f"\n(load average at the end: {', '.join(f'{v:.1f}' for v in __import__('os').getloadavg())}"
              f" on {__import__('os').cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
