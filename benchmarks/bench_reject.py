"""Benchmark "not a digit": how often what is no digit comes back as a confident digit, and
what rejection costs the digits.

    .venv/bin/python benchmarks/bench_reject.py [--per-kind 500] [--seed 20261201]

Negatives are made by `recognizer.synth.negatives` with a seed the model was not trained on
(training used seeds 1-3), touching and superimposed pairs from MNIST *test* digits. Kinds,
fonts and letters are split: the training kinds (the model saw others of their kind) and the
held-out kinds, fonts and letters (never seen: the row that counts). For each kind: the
share read as a confident digit (verdict "digit" at MIN_CONFIDENCE), the share read as any
digit (confident or unsure), the share rejected. Then the cost on true digits: the 10,000
MNIST test digits through `predict_batch` (accuracy, rejected, confident), digits of the
styles MNIST lacks (`recognizer.synth.styles`, a held-out seed), and the same test digits
traced and redrawn with the app's renderer.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recognizer.core import config  # noqa: E402
from recognizer.core.predict import DIGIT, NOT_A_DIGIT, Recognizer  # noqa: E402
from recognizer.synth.negatives import KINDS, make_negatives  # noqa: E402
from recognizer.synth.styles import make_styled_digits  # noqa: E402

DEFAULT_MNIST = config.PROJECT_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"


def verdicts(recognizer: Recognizer, patches: np.ndarray) -> tuple[list, list]:
    """Each uint8 patch's prediction and verdict, read in batches."""
    predictions = []
    for start in range(0, len(patches), 256):
        batch = patches[start : start + 256].astype(np.float32) / 255.0
        predictions += recognizer.predict_patches(list(batch))
    return predictions, [p.verdict(config.MIN_CONFIDENCE) for p in predictions]


def negatives_table(recognizer, x_test, y_test, per_kind: int, seed: int) -> list[str]:
    rows = ["| negatives | kind | held out of training | count | confident digit | any digit "
            "| rejected |", "|---|---|---|---:|---:|---:|---:|"]
    totals = {False: [0, 0, 0], True: [0, 0, 0]}
    for held in (False, True):
        kinds = [k for k, h in KINDS.items() if h == held]
        patches, made = make_negatives(per_kind * len(kinds), seed + held, x_test, y_test,
                                       held_out=held)
        _, said = verdicts(recognizer, patches)
        for kind in kinds:
            mine = [v for v, k in zip(said, made) if k == kind]
            confident = sum(v == DIGIT for v in mine)
            digit = sum(v != NOT_A_DIGIT for v in mine)
            totals[held][0] += len(mine)
            totals[held][1] += confident
            totals[held][2] += digit
            rows.append(f"| | {kind} | {'yes' if held else 'no'} | {len(mine)} | "
                        f"{confident / len(mine):.1%} | {digit / len(mine):.1%} | "
                        f"{1 - digit / len(mine):.1%} |")
    for held in (False, True):
        count, confident, digit = totals[held]
        name = "**held-out kinds (the row that counts)**" if held else "training kinds"
        rows.append(f"| **all** | {name} | {'yes' if held else 'no'} | {count} | "
                    f"**{confident / count:.2%}** | {digit / count:.2%} | {1 - digit / count:.2%} |")
    return rows


def digits_table(recognizer, x_test, y_test, drawn_count: int, seed: int) -> list[str]:
    from recognizer.drawing.trace import digit_strokes
    from recognizer.synth.pen import drawn

    rows = ["| true digits | count | read right | rejected | confident |", "|---|---:|---:|---:|---:|"]

    def row(name, predictions, labels):
        right = np.mean([p is not None and p.is_digit and p.digit == y
                         for p, y in zip(predictions, labels)])
        rejected = np.mean([p is not None and not p.is_digit for p in predictions])
        confident = np.mean([p is not None and p.is_confident() for p in predictions])
        rows.append(f"| {name} | {len(labels)} | {right:.2%} | {rejected:.2%} | {confident:.2%} |")

    row("MNIST test, `predict_batch`", recognizer.predict_batch(list(x_test)), y_test)
    styled, styled_y, _ = make_styled_digits(1400, seed)
    row("styles MNIST lacks (synth.styles, held-out seed)", verdicts(recognizer, styled)[0], styled_y)
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(len(x_test))[:drawn_count]
    patches, labels = [], []
    for i in chosen:
        patch = drawn(digit_strokes(x_test[i]))
        if patch is not None:
            patches.append(patch)
            labels.append(y_test[i])
    row("MNIST test traced and redrawn (app renderer)", verdicts(recognizer, np.stack(patches))[0],
        labels)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST)
    parser.add_argument("--model", default=None, help="model file (default: the shipped one)")
    parser.add_argument("--per-kind", type=int, default=500)
    parser.add_argument("--drawn", type=int, default=2000, help="traced test digits")
    parser.add_argument("--seed", type=int, default=20261201,
                        help="a seed no training run used")
    args = parser.parse_args(argv)
    if not args.mnist.is_file():
        print(f"bench_reject: MNIST not found at {args.mnist}; pass --mnist PATH", file=sys.stderr)
        return 1
    with np.load(args.mnist) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    recognizer = Recognizer(args.model)
    started = time.perf_counter()
    print(f"model: {recognizer.model_path} [{recognizer.backend}], card {recognizer.card}")
    print(f"min confidence {config.MIN_CONFIDENCE}, reject threshold {config.REJECT_THRESHOLD}, "
          f"seed {args.seed}\n")
    print("\n".join(negatives_table(recognizer, x_test, y_test, args.per_kind, args.seed)))
    print()
    print("\n".join(digits_table(recognizer, x_test, y_test, args.drawn, args.seed)))
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
