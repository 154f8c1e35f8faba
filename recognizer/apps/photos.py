"""`recognizer photos DIR --out OUTDIR`: read every handwritten digit in a folder of photos.

Walks DIR for images, loads each with the core's loader (`recognizer.core.images`), reads
its digits with the shared detector (`recognizer.detection`) and writes `predictions.csv`,
`annotated/<relative path>.png` and `summary.json` into OUTDIR. A bad file (not an image,
truncated, empty, unreadable, absurdly large, gone), or any unexpected error while reading one,
is reported on stderr and in the summary and the run goes on; the exit status says whether
all files were read (0) or some failed (2). predictions.csv is written as results arrive
(`photo_outputs`), so an interrupted or killed run keeps what it read.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from tqdm import tqdm

from recognizer.core import config
from recognizer.apps.photo_outputs import (  # noqa: F401 (CSV_COLUMNS, write_predictions: API)
    CSV_COLUMNS,
    StreamingPredictions,
    write_predictions,
    write_summary,
)
from recognizer.core.errors import ImageLoadError, OutputError, unexpected_reason
from recognizer.core.images import load_image, to_bgr8
from recognizer.core.predict import Recognizer
from recognizer.core.records import Digit
from recognizer.detection.annotate import draw_digits
from recognizer.detection.detector import read_digits
from recognizer.detection.ink import resize_by

EXIT_OK = 0
EXIT_SOME_FAILED = 2


@dataclass(frozen=True)
class FileResult:
    """What reading one file gave: its digits in reading order, or the error that stopped it."""

    file: str  # relative to DIR, forward slashes
    digits: tuple[Digit, ...] = ()  # the digits read, without their patches
    numbers: tuple[str, ...] = ()
    error: str | None = None
    width: int = 0
    height: int = 0
    seconds: float = 0.0
    rejected: int = 0  # candidates read as "not a digit" (no rows)
    trace: str | None = None  # the traceback of an unexpected error (shown with --debug)


@dataclass(frozen=True)
class RunOptions:
    """What a worker needs to read and annotate a file."""

    root: str
    out: str | None
    min_confidence: float = config.MIN_CONFIDENCE
    model: str | None = None
    backend: str = "auto"
    annotate: bool = True
    debug: bool = False  # report unexpected errors with their traceback


@dataclass
class RunSummary:
    """The run's totals, written to summary.json."""

    directory: str
    files_found: int = 0
    files_read: int = 0
    files_with_errors: int = 0
    digits_found: int = 0
    unsure_digits: int = 0
    rejected_candidates: int = 0  # read as "not a digit": no rows
    seconds: float = 0.0
    photos_per_second: float = 0.0
    interrupted: bool = False  # stopped by Ctrl+C or SIGTERM before every file was read
    errors: list[dict] = field(default_factory=list)
    options: dict = field(default_factory=dict)


# --- Finding images -----------------------------------------------------------------------


def find_images(root: Path, exclude: Path | None = None) -> Iterator[str]:
    """Paths (relative to root, forward slashes, sorted) of the image files under root.

    exclude: a folder not to walk into (never read our own outputs).
    """
    extensions = set(config.PHOTO_EXTENSIONS)
    exclude_resolved = exclude.resolve() if exclude is not None else None
    for folder, subfolders, files in os.walk(root):
        if exclude_resolved is not None:
            subfolders[:] = [
                s for s in subfolders if (Path(folder) / s).resolve() != exclude_resolved
            ]
        subfolders.sort()
        for name in sorted(files):
            if Path(name).suffix.lower() in extensions:
                yield (Path(folder) / name).relative_to(root).as_posix()


# --- Reading one file (runs in a worker) -----------------------------------------------------

_worker_recognizer = None


def _init_worker(options: RunOptions) -> None:
    """Load the model once per process."""
    global _worker_recognizer
    if multiprocessing.parent_process() is not None:
        # A worker: Ctrl+C and SIGTERM are the parent's to handle (it stops the pool), not
        # each worker's, which would print a traceback apiece.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker_recognizer = Recognizer(options.model, backend=options.backend)


def annotated_path(out: Path, relative: str) -> Path:
    """OUTDIR/annotated/<relative path>.png (the extension is kept: a.jpg -> a.jpg.png)."""
    return out / "annotated" / f"{relative}.png"


def _write_annotated(path: Path, image: np.ndarray, detections, min_confidence: float) -> None:
    longest = max(image.shape[:2])
    if longest < config.ANNOTATED_MIN_SIDE:
        # A tiny crop (a 28 x 28 MNIST image) is enlarged so that its labels can be read.
        factor = math.ceil(config.ANNOTATED_MIN_SIDE / longest)
        image = cv2.resize(to_bgr8(image), None, fx=factor, fy=factor,
                           interpolation=cv2.INTER_NEAREST)
        detections = detections.scaled(factor)
    drawn = draw_digits(image, detections, min_confidence)
    longest = max(drawn.shape[:2])
    if longest > config.ANNOTATED_MAX_SIDE:
        scale = config.ANNOTATED_MAX_SIDE / longest
        drawn = resize_by(drawn, scale, cv2.INTER_LINEAR)  # a 2 x 5000 strip keeps 1 px
    path.parent.mkdir(parents=True, exist_ok=True)
    params = [
        cv2.IMWRITE_PNG_COMPRESSION, config.PNG_COMPRESSION,
        cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
        cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE,
    ]
    ok, encoded = cv2.imencode(".png", drawn, params)
    if not ok:
        raise OutputError("could not encode the annotated image")
    path.write_bytes(encoded.tobytes())


def read_file(relative: str, options: RunOptions, recognizer=None) -> FileResult:
    """Read one photo's digits (and write its annotated copy); errors become the result.

    This is the boundary of one input: a documented bad file gives its reason, and any
    other exception while reading it (a bug the fuzzer has not found yet) gives a one-line
    reason and its traceback, never an end to the run.
    """
    start = time.perf_counter()
    recognizer = recognizer if recognizer is not None else _worker_recognizer
    try:
        return _read_file(relative, options, recognizer, start)
    except ImageLoadError as exc:
        return FileResult(relative, error=str(exc), seconds=time.perf_counter() - start)
    except Exception as exc:  # the per-file boundary: report it, read the other files
        return FileResult(
            relative, error=unexpected_reason(exc), seconds=time.perf_counter() - start,
            trace=traceback.format_exc(),
        )


def _read_file(relative: str, options: RunOptions, recognizer, start: float) -> FileResult:
    image = load_image(Path(options.root) / relative)
    detections = read_digits(image, recognizer, whole_frame_fallback=True, refine=True)
    # Candidates the model reads as "not a digit" get no row (summary.json counts them).
    read = [d for d in detections.digits if d.prediction is not None]
    digits = tuple(d.without_patch() for d in read if d.is_digit)
    error = None
    if options.out is not None and options.annotate:
        try:
            _write_annotated(
                annotated_path(Path(options.out), relative), image, detections,
                options.min_confidence,
            )
        except (OSError, OutputError) as exc:
            error = f"digits read, but the annotated image could not be written ({exc})"
    height, width = image.shape[:2]
    return FileResult(
        relative, digits, tuple(detections.numbers(options.min_confidence)), error,
        width, height, time.perf_counter() - start, rejected=len(read) - len(digits),
    )


def _read_in_worker(args: tuple[str, RunOptions]) -> FileResult:
    return read_file(*args)


def read_files(
    files: list[str], options: RunOptions, jobs: int = 1, recognizer=None
) -> Iterator[FileResult]:
    """Results for files (in completion order) using `jobs` processes."""
    if jobs <= 1 or len(files) <= 1:
        if recognizer is None:
            _init_worker(options)
            recognizer = _worker_recognizer
        for relative in files:
            yield read_file(relative, options, recognizer)
        return
    # fork starts workers in milliseconds and each worker builds its own interpreter in its
    # initializer. But a process that has imported TensorFlow (the Keras backend checked the
    # model in the parent) deadlocks when forked, so then the workers are spawned.
    fork_safe = "tensorflow" not in sys.modules
    method = "fork" if fork_safe and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    chunk = max(1, min(8, len(files) // (jobs * 8)))
    with context.Pool(jobs, initializer=_init_worker, initargs=(options,)) as pool:
        yield from pool.imap_unordered(
            _read_in_worker, [(f, options) for f in files], chunksize=chunk
        )


# --- Writing the outputs ---------------------------------------------------------------------


def _result_json(result: FileResult, min_confidence: float) -> dict:
    return {
        "file": result.file,
        "error": result.error,
        "numbers": list(result.numbers),
        "digits": [d.to_dict(min_confidence) for d in result.digits],
    }


def _check_folders(root: Path, out: Path | None) -> str | None:
    """A message when DIR or OUTDIR cannot be used, else None. Creates OUTDIR."""
    if not root.exists():
        return f"{root}: no such folder"
    if not root.is_dir():
        return f"{root}: not a folder (give the folder that holds the photos)"
    if out is None:
        return None
    resolved_root, resolved_out = root.resolve(), out.resolve()
    if resolved_out == resolved_root or resolved_root in resolved_out.parents:
        return f"--out {out} is inside {root}: choose an output folder outside the photos"
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".recognizer-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return f"cannot write to --out {out} ({exc.strerror or exc}); choose another folder"
    return None


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While reading, SIGTERM (a kill, a CI timeout, a service stop) stops the run as Ctrl+C
    does, so that the reports are still written. Only the main thread can set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _tally(summary: RunSummary, results: list[FileResult], min_confidence: float) -> None:
    for result in results:
        summary.files_with_errors += result.error is not None
        summary.files_read += result.width > 0  # decoded (an annotation may still have failed)
        summary.digits_found += len(result.digits)
        summary.unsure_digits += sum(not d.is_confident(min_confidence) for d in result.digits)
        summary.rejected_candidates += result.rejected
        if result.error:
            summary.errors.append({"file": result.file, "error": result.error})


def run_photos(
    root: Path, out: Path | None, *, jobs: int = 1, min_confidence: float = config.MIN_CONFIDENCE,
    model: str | None = None, backend: str = "auto", as_json: bool = False,
    progress: bool | None = None, recognizer=None, debug: bool = False,
) -> int:
    """Read every photo under root; write the outputs; return the exit status.

    predictions.csv grows as files are read; on Ctrl+C or SIGTERM the rows read so far stay,
    summary.json says `"interrupted": true`, and KeyboardInterrupt is raised again (the
    command line exits 130). debug: print an unexpected error's traceback under its report.
    """
    start = time.perf_counter()
    problem = _check_folders(root, out)
    if problem:
        print(f"recognizer photos: error: {problem}", file=sys.stderr)
        return EXIT_SOME_FAILED
    files = list(find_images(root, exclude=out))
    options = RunOptions(str(root), str(out) if out else None, min_confidence, model, backend,
                         debug=debug)
    summary = RunSummary(
        directory=str(root),
        files_found=len(files),
        options={"jobs": jobs, "min_confidence": min_confidence, "model": model,
                 "backend": backend, "out": str(out) if out else None, "json": as_json},
    )
    if not files:
        print(f"recognizer photos: no images found in {root} "
              f"(looked for {', '.join(config.PHOTO_EXTENSIONS)})", file=sys.stderr)
    if recognizer is None and files:
        # Load the model here first so that a missing or corrupt model is one clear error
        # (exit 1) before any file is read; with --jobs each worker then loads its own copy.
        recognizer = Recognizer(model, backend=backend)
        if jobs > 1:
            recognizer = None
    status = EXIT_OK
    stream = None
    if out is not None:
        try:
            stream = StreamingPredictions(out / "predictions.csv")
        except OSError as exc:
            print(f"recognizer photos: error: cannot write {out / 'predictions.csv'} ({exc})",
                  file=sys.stderr)
            return EXIT_SOME_FAILED
    # Only --json keeps every result (it prints them all); otherwise each result is tallied
    # and streamed as it arrives and then let go, so memory stays flat however many files.
    by_file: dict[str, FileResult] = {}
    done = 0
    interrupted = False
    bar = tqdm(total=len(files), unit="photo", disable=None if progress is None else not progress,
               file=sys.stderr, desc="photos")
    try:
        with _sigterm_as_interrupt():
            for result in read_files(files, options, jobs, recognizer):
                done += 1
                _tally(summary, [result], min_confidence)
                if as_json:
                    by_file[result.file] = result
                if stream is not None:
                    try:
                        stream.add(result)
                    except OSError as exc:  # a full disk: the run goes on, the report says so
                        print(f"recognizer photos: error: cannot write predictions.csv ({exc})",
                              file=sys.stderr)
                        stream.close()
                        stream, status = None, EXIT_SOME_FAILED
                if result.error:
                    tqdm.write(f"recognizer photos: {result.file}: {result.error}", file=sys.stderr)
                    if debug and result.trace:
                        tqdm.write(result.trace.rstrip(), file=sys.stderr)
                bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        if stream is not None and interrupted:
            stream.close()  # the rows streamed so far are the record of the run
    results = [by_file[f] for f in files if f in by_file]
    rank = {f: i for i, f in enumerate(files)}
    summary.errors.sort(key=lambda error: rank[error["file"]])
    seconds = time.perf_counter() - start
    summary.interrupted = interrupted
    summary.seconds = round(seconds, 3)
    summary.photos_per_second = round(done / seconds, 2) if seconds > 0 else 0.0
    if summary.errors:
        status = EXIT_SOME_FAILED
    if out is not None:
        try:
            if stream is not None and not interrupted:
                stream.finish(files)  # the streamed rows, rewritten in file order
            write_summary(out / "summary.json", asdict(summary))
        except OSError as exc:
            print(f"recognizer photos: error: cannot write the report into {out} ({exc})",
                  file=sys.stderr)
            status = EXIT_SOME_FAILED
    if as_json:
        document = {"files": [_result_json(r, min_confidence) for r in results],
                    "summary": asdict(summary)}
        json.dump(document, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(
            f"{summary.files_read} of {len(files)} photos read, {summary.digits_found} digits "
            f"({summary.unsure_digits} unsure), {len(summary.errors)} with errors, "
            f"{seconds:.1f} s" + (f"; results in {out}" if out else ""),
            file=sys.stderr,
        )
    if interrupted:
        kept = f"; the rows read so far are in {out / 'predictions.csv'}" if out else ""
        print(f"recognizer photos: interrupted after {done} of {len(files)} photos{kept}",
              file=sys.stderr)
        raise KeyboardInterrupt
    return status


def run(args: argparse.Namespace) -> int:
    """The `photos` subcommand (its arguments are defined in `recognizer.apps.cli`)."""
    return run_photos(
        Path(args.directory), Path(args.out) if args.out else None, jobs=args.jobs,
        min_confidence=args.min_confidence, model=args.model, backend=args.backend,
        as_json=args.json, debug=getattr(args, "debug", False),
    )
