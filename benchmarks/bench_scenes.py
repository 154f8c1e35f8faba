#!/usr/bin/env python3
"""Scene benchmark (issue 12): a sheet of digits held up before a camera, per condition.

Frames come from `recognizer.synth.scenes` (seeded; MNIST *test* digits): every condition of
scenes.CONDITIONS, and of the evaluation-only scenes.LOOKALIKE_CONDITIONS (letters and shapes
of kinds held out of training on the sheet, among the digits or alone, or among half the
digits of a page filling the frame), has its own row with
its digit accuracy (1 - edit distance / length, the digits read in reading order against the
sheet's rows; capped edits as `recognizer score` counts them) or, for frames without digits,
false detections per frame (candidates the model did not reject). "All with paper" and the
false detections without paper are over scenes.CONDITIONS. The frames go through `read_digits` as the webcam reads one frame (no
whole-frame fallback). Optionally also the real photo dev set (`--photos`, as
bench_photos.py reads it) and the demo video (`--demo`, as bench_webcam.py scores it).

    .venv/bin/python benchmarks/bench_scenes.py --seed 101 --frames 20 [--photos] [--demo]

Tune on some seeds; report on a seed never looked at.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from recognizer.apps.score import edit_distance  # noqa: E402
from recognizer.core.predict import Recognizer  # noqa: E402
from recognizer.detection.detector import read_digits  # noqa: E402
from recognizer.synth.scenes import (  # noqa: E402
    CONDITIONS, LOOKALIKE_CONDITIONS, NO_DIGITS, load_digits, render_frames)

REAL_PHOTOS = ROOT.parent / "shared" / "data" / "real_photos"


def reading(detections) -> str:
    """The digits the model read (not rejected), in reading order, as one string."""
    return "".join(str(d.prediction.digit) for d in detections.digits_only().digits)


def bench_conditions(recognizer, seed: int, frames: int, size, conditions, failures=None):
    """Per condition: (name, frames, digits, accuracy or None, false per frame or None, median
    ms, confident false per frame or None). A false detection is any candidate shown as a
    digit, sure or not ("?"); a confident one is shown with its digit."""
    digits, labels = load_digits("test")
    rows, all_edits, all_len = [], 0, 0
    for condition in conditions:
        edits = length = false = sure = 0
        times = []
        for frame_index, scene in enumerate(render_frames(condition, seed, digits, labels, size, frames)):
            start = time.perf_counter()
            found = read_digits(scene.frame, recognizer)
            times.append((time.perf_counter() - start) * 1000)
            text = reading(found)
            if condition in NO_DIGITS:
                false += len(text)
                sure += sum(d.is_confident() for d in found.digits_only().digits)
            else:
                e = min(len(scene.text), edit_distance(text, scene.text))
                edits += e
                length += len(scene.text)
                if failures is not None and e:
                    failures.append((condition, frame_index, scene.text, text))
        if condition not in LOOKALIKE_CONDITIONS:  # "all with paper": issue 12's figure
            all_edits += edits
            all_len += length
        rows.append((condition, frames, length,
                     None if condition in NO_DIGITS else 1 - edits / max(1, length),
                     false / frames if condition in NO_DIGITS else None,
                     statistics.median(times),
                     sure / frames if condition in NO_DIGITS else None))
    return rows, 1 - all_edits / max(1, all_len)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--frames", type=int, default=20, help="frames per condition")
    parser.add_argument("--size", default="640x480")
    parser.add_argument("--condition", action="append", choices=CONDITIONS + LOOKALIKE_CONDITIONS)
    parser.add_argument("--photos", action="store_true", help="also the real photo dev set")
    parser.add_argument("--demo", action="store_true", help="also samples/demo.mp4")
    parser.add_argument("--failures", action="store_true", help="list misread frames")
    parser.add_argument("--model", default=None, help="model file (default: the shipped one)")
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.lower().split("x"))
    recognizer = Recognizer(args.model)
    failures = [] if args.failures else None
    rows, overall = bench_conditions(recognizer, args.seed, args.frames, size,
                                     args.condition or CONDITIONS + LOOKALIKE_CONDITIONS, failures)
    print(f"scene benchmark, seed {args.seed}, {args.frames} frames per condition, {args.size}")
    print("| condition | frames | digits | digit accuracy | false detections / frame (confident) "
          "| median ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, frames, length, accuracy, false, ms, sure in rows:
        acc = "" if accuracy is None else f"{accuracy:.1%}"
        fd = "" if false is None else f"{false:.2f} ({sure:.2f})"
        print(f"| {name} | {frames} | {length} | {acc} | {fd} | {ms:.1f} |")
    paper_rows = [r for r in rows if r[3] is not None and r[0] not in LOOKALIKE_CONDITIONS]
    worst = min(paper_rows, key=lambda r: r[3]) if paper_rows else None
    if paper_rows:
        print(f"| **all with paper** | {sum(r[1] for r in paper_rows)} | "
              f"{sum(r[2] for r in paper_rows)} | **{overall:.1%}** | | |")
    if worst:
        print(f"worst condition: {worst[0]} {worst[3]:.1%}")
    empty = [r for r in rows if r[4] is not None and r[0] not in LOOKALIKE_CONDITIONS]
    if empty:
        print(f"false detections per frame without paper: "
              f"{sum(r[4] * r[1] for r in empty) / sum(r[1] for r in empty):.3f}")
    for name, _, length, accuracy, false, _, sure in rows:
        if name in LOOKALIKE_CONDITIONS:  # held-out letters and shapes on the sheet
            print(f"{name}: " + (f"{false:.2f} false digits per frame ({sure:.2f} confident)"
                                 if false is not None
                                 else f"{accuracy:.1%} digit accuracy ({length} digits)"))
    if failures:
        for condition, index, truth, text in failures:
            print(f"  {condition} #{index}: truth {truth} read {text}")
    if args.photos:
        if not REAL_PHOTOS.is_dir():
            print(f"real photos: skipped ({REAL_PHOTOS} not found)")
        else:
            from bench_photos import accuracy

            for kind, files, count, acc, exact in accuracy(REAL_PHOTOS / "images",
                                                           REAL_PHOTOS / "labels.csv", recognizer):
                print(f"real photos {kind}: {files} files, {count} digits, {acc:.1%} digits, {exact:.1%} exact")
    if args.demo:
        from bench_webcam import bench_accuracy

        acc = bench_accuracy(recognizer)
        print(f"demo.mp4: {acc['right']:.1%} of {acc['digits']} digit-frames right, "
              f"{acc['extra']} extra shown, median {acc['median_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
