#!/usr/bin/env python3
"""Fuzz every input boundary: N generated cases per target, count unexpected exceptions.

The targets and strategies are tests/fuzz_targets.py's, the ones tests/test_fuzz.py runs a
few hundred cases of in CI: to_mnist, read_digits (find_digits and one batched read), the
photo loader and photo engine (random bytes and mangled image files), the drawing reader
(read_strokes) and the tracker. Hypothesis drives the generation; a case that raises
anything but the documented errors (UnsupportedImageError, ImageLoadError) or fails a
target's check is counted, its first line printed, and the run goes on.

    .venv/bin/python benchmarks/fuzz.py [--cases 10000] [--seed 0] [--targets to_mnist,...]

Prints a table: target, cases, unexpected exceptions, seconds. Exit status 1 when any
target had an unexpected exception.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from recognizer.core.predict import Recognizer  # noqa: E402
from tests import fuzz_targets as targets  # noqa: E402


def _targets(recognizer, folder: Path):
    """name -> (strategy, function of one drawn case)."""
    return {
        "to_mnist": (targets.images(), targets.check_to_mnist),
        "read_digits": (
            st.tuples(targets.images(), st.booleans(), st.booleans()),
            lambda case: targets.check_read_digits(case[0], recognizer, case[1], case[2]),
        ),
        "photo_file": (
            targets.image_files(),
            lambda data: targets.check_photo_file(data, folder, recognizer),
        ),
        "read_strokes": (
            targets.stroke_lists(), lambda strokes: targets.check_read_strokes(strokes, recognizer)
        ),
        "tracker": (targets.tracker_frames(), targets.check_tracker),
    }


def run_target(name: str, strategy, function, cases: int, run_seed: int) -> tuple[int, int, float]:
    """Run `cases` generated cases; returns (cases run, unexpected exceptions, seconds)."""
    counts = {"cases": 0, "unexpected": 0}
    shown: set[str] = set()

    @seed(run_seed)
    @settings(max_examples=cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def case(value):
        counts["cases"] += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)  # NaN soup is a bug too
                warnings.simplefilter("ignore", UserWarning)
                function(value)
        except targets.ALLOWED:
            pass
        except Exception as exc:  # counted and reported: the point of fuzzing
            counts["unexpected"] += 1
            where = traceback.extract_tb(exc.__traceback__)[-1]
            line = f"{type(exc).__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''}"
            key = f"{where.filename}:{where.lineno} {line}"
            if key not in shown:
                shown.add(key)
                print(f"  {name}: {key}", file=sys.stderr)

    start = time.perf_counter()
    case()
    return counts["cases"], counts["unexpected"], time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases per target")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--targets", default=None, help="comma-separated subset of targets")
    args = parser.parse_args(argv)
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # corrupt TIFFs' chatter
    warnings.filterwarnings("ignore", category=UserWarning)  # PIL on corrupt EXIF blocks
    recognizer = Recognizer()
    with tempfile.TemporaryDirectory(prefix="recognizer-fuzz-") as folder:
        table = _targets(recognizer, Path(folder))
        names = args.targets.split(",") if args.targets else list(table)
        rows = []
        for name in names:
            strategy, function = table[name]
            rows.append((name, *run_target(name, strategy, function, args.cases, args.seed)))
            print(f"{name}: done", file=sys.stderr, flush=True)
    print("| target | cases | unexpected exceptions | seconds |\n|---|---:|---:|---:|")
    for name, cases, unexpected, seconds in rows:
        print(f"| {name} | {cases:,} | {unexpected} | {seconds:.1f} |")
    return 1 if any(row[2] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
