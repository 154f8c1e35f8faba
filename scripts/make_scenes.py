#!/usr/bin/env python3
"""Render scene frames (a sheet of digits held up in a room) with their truth, per condition.

    python scripts/make_scenes.py --out out/scenes --seed 1 --per-condition 4 [--split test]
        [--size 640x480] [--condition "glare"] [--montage]

Writes <out>/<condition>/<index>.png and <out>/truth.json (file -> labels, digit quads,
sheet corners, condition). Digits are MNIST test digits by default (evaluation); --split
train renders from training digits (for training negatives or fine-tuning).
The rendering itself is `recognizer.synth.scenes` (seeded; the benchmark and tests use it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recognizer.synth.scenes import CONDITIONS, LOOKALIKE_CONDITIONS, load_digits, render_scene  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out") / "scenes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-condition", type=int, default=4)
    parser.add_argument("--split", choices=("test", "train"), default="test")
    parser.add_argument("--size", default="640x480", help="WxH (default 640x480)")
    parser.add_argument("--condition", action="append", choices=CONDITIONS + LOOKALIKE_CONDITIONS,
                        help="only these conditions (repeatable; default all)")
    parser.add_argument("--montage", action="store_true",
                        help="also write montage.jpg: the first frame of every condition")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    digits, labels = load_digits(args.split)
    rng = np.random.default_rng(args.seed)
    truth, firsts = {}, []
    for condition in args.condition or CONDITIONS:
        folder = args.out / condition.replace(": ", "_").replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(args.per_condition):
            scene = render_scene(condition, rng, digits, labels, (width, height))
            path = folder / f"{index:03d}.png"
            cv2.imwrite(str(path), scene.frame)
            truth[str(path.relative_to(args.out))] = {
                "condition": condition, "labels": list(scene.labels),
                "quads": np.round(scene.quads, 1).tolist(),
                "sheet": None if scene.sheet is None else np.round(scene.sheet, 1).tolist(),
            }
            if index == 0:
                small = cv2.resize(scene.frame, (320, 240))
                cv2.putText(small, condition, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                            (0, 255, 255), 1, cv2.LINE_AA)
                firsts.append(small)
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    if args.montage and firsts:
        columns = 6
        while len(firsts) % columns:
            firsts.append(np.zeros_like(firsts[0]))
        rows = [np.hstack(firsts[i : i + columns]) for i in range(0, len(firsts), columns)]
        cv2.imwrite(str(args.out / "montage.jpg"), np.vstack(rows))
    print(f"wrote {len(truth)} frames into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
