"""`recognizer photos SOURCE --out OUTDIR`: how each file of a folder of photos is read.

Loads each file with the core's loader (`recognizer.core.images`; a PDF's or multi-page
TIFF's pages through `archive_inputs`), reads its digits with the shared detector
(`recognizer.detection`) and draws `annotated/<relative path>.png`. A bad file (not an image,
truncated, empty, unreadable, absurdly large, gone), or any unexpected error while reading one,
is its result, with the reason, and the run goes on; so is a file whose reading kills the
worker process again and again (the local pool, `read_files`, survives a worker's death).
The run itself (sources, --resume, predictions.csv as results arrive, summary.json, exit
status 0 or 2) is `photo_runs`; Ray's engine (`ray_engine`) reads with `read_source` too.
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import sys
import time
import traceback
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from recognizer.core import config
from recognizer.apps.archive_inputs import (
    PDF_SUFFIX, has_pages, inject_test_fault, list_sources, open_source, page_name, pdf_pages,
    tiff_page_count, tiff_pages,
)
from recognizer.apps.photo_outputs import (  # noqa: F401 (the reports' API, as before)
    CSV_COLUMNS,
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
    source_done: bool = True  # the last result of its source file (a PDF gives one a page)
    annotated: bytes | None = None  # the annotated PNG, when the engine writes it elsewhere


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
    return_annotations: bool = False  # give the annotated PNG back (Ray: the driver writes)
    pdf_dpi: int = config.PDF_DPI


# --- Finding images -----------------------------------------------------------------------


def find_images(root: Path, exclude: Path | None = None) -> Iterator[str]:
    """Paths (relative to root, forward slashes, sorted) of the image, PDF and TIFF files
    under root. exclude: a folder not to walk into (never read our own outputs)."""
    yield from list_sources(str(root), exclude).names


# --- Reading one file (runs in a worker) -----------------------------------------------------

_worker_recognizer = None


def worker_recognizer(options: RunOptions) -> Recognizer:
    """The Recognizer of one of several worker processes (the local pool's, a Ray actor's):
    LiteRT on one thread, as N workers on N cores would otherwise fight over a thread per
    core each. (OpenCV's pool is left alone here: resizing it in a forked child of a
    process that used it hangs; a Ray actor, a fresh process, sets it to one itself.)"""
    return Recognizer(options.model, backend=options.backend, num_threads=1)


def _init_worker(options: RunOptions) -> None:
    """Load the model once per process."""
    global _worker_recognizer
    if multiprocessing.parent_process() is None:  # --jobs 1: read in this process
        _worker_recognizer = Recognizer(options.model, backend=options.backend)
        return
    # A worker: Ctrl+C and SIGTERM are the parent's to handle (it stops the pool), not
    # each worker's, which would print a traceback apiece.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker_recognizer = worker_recognizer(options)


def annotated_path(out: Path, relative: str) -> Path:
    """OUTDIR/annotated/<relative path>.png (the extension is kept: a.jpg -> a.jpg.png; a
    page: scan.pdf#page=2.png). An absolute path or a URI is kept inside OUTDIR."""
    safe = relative.replace("://", "/").lstrip("/")
    safe = "/".join(part for part in safe.split("/") if part not in ("", ".", ".."))
    return out / "annotated" / f"{safe}.png"


def _write_annotated(path: Path | None, image: np.ndarray, detections,
                     min_confidence: float) -> bytes:
    """The annotated PNG; written to path unless path is None."""
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
    params = [
        cv2.IMWRITE_PNG_COMPRESSION, config.PNG_COMPRESSION,
        cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
        cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE,
    ]
    ok, encoded = cv2.imencode(".png", drawn, params)
    if not ok:
        raise OutputError("could not encode the annotated image")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encoded.tobytes())
    return encoded.tobytes()


def _boundary(name: str, start: float, read) -> FileResult:
    """This is the boundary of one input: a documented bad file gives its reason, and any
    other exception while reading it (a bug the fuzzer has not found yet) gives a one-line
    reason and its traceback, never an end to the run."""
    try:
        return read()
    except ImageLoadError as exc:
        return FileResult(name, error=str(exc), seconds=time.perf_counter() - start)
    except Exception as exc:  # the per-file boundary: report it, read the other files
        return FileResult(
            name, error=unexpected_reason(exc), seconds=time.perf_counter() - start,
            trace=traceback.format_exc(),
        )


def read_file(relative: str, options: RunOptions, recognizer=None) -> FileResult:
    """Read one photo's digits (and write its annotated copy); errors become the result."""
    start = time.perf_counter()
    recognizer = recognizer if recognizer is not None else _worker_recognizer
    return _boundary(relative, start, lambda: _read_image(
        relative, load_image(open_source(options.root, relative)), options, recognizer, start))


def read_source(relative: str, options: RunOptions, recognizer=None) -> list[FileResult]:
    """Every result of one source file: one for a photo, one a page for a PDF or a
    multi-page TIFF (named file#page=N); the last one has source_done set."""
    if not has_pages(relative):
        return [read_file(relative, options, recognizer)]
    recognizer = recognizer if recognizer is not None else _worker_recognizer
    start = time.perf_counter()
    results: list[FileResult] = []

    def pages() -> None:
        data = open_source(options.root, relative).read_bytes()
        if not data:
            raise ImageLoadError("empty file (0 bytes)")
        if Path(relative).suffix.lower() == PDF_SUFFIX:
            images = pdf_pages(data, options.pdf_dpi)
        elif tiff_page_count(data) > 1:
            images = tiff_pages(data)
        else:
            results.append(read_file(relative, options, recognizer))
            return None
        for number, image in enumerate(images, start=1):
            name, page_start = page_name(relative, number), time.perf_counter()
            results.append(_boundary(name, page_start, lambda: _read_image(
                name, image, options, recognizer, page_start)))
        return None

    failed = _boundary(relative, start, pages)
    if failed is not None:  # the document itself failed (after the pages it gave, if any)
        results.append(failed)
    return [replace(r, source_done=False) for r in results[:-1]] + results[-1:]


def _read_image(relative: str, image: np.ndarray, options: RunOptions, recognizer,
                start: float) -> FileResult:
    detections = read_digits(image, recognizer, whole_frame_fallback=True, refine=True)
    # Candidates the model reads as "not a digit" get no row (summary.json counts them).
    read = [d for d in detections.digits if d.prediction is not None]
    digits = tuple(d.without_patch() for d in read if d.is_digit)
    error, annotated = None, None
    if options.out is not None and options.annotate:
        try:
            target = None if options.return_annotations else annotated_path(
                Path(options.out), relative)
            annotated = _write_annotated(target, image, detections, options.min_confidence)
        except (OSError, OutputError) as exc:
            error = f"digits read, but the annotated image could not be written ({exc})"
    height, width = image.shape[:2]
    return FileResult(
        relative, digits, tuple(detections.numbers(options.min_confidence)), error,
        width, height, time.perf_counter() - start, rejected=len(read) - len(digits),
        annotated=annotated if options.return_annotations else None,
    )


def read_files(
    files: list[str], options: RunOptions, jobs: int = 1, recognizer=None
) -> Iterator[FileResult]:
    """Results for files (in completion order) using `jobs` processes."""
    if jobs <= 1 or len(files) <= 1:
        if recognizer is None:
            _init_worker(options)
            recognizer = _worker_recognizer
        for relative in files:
            yield from read_source(relative, options, recognizer)
        return
    # fork starts workers in milliseconds and each worker builds its own interpreter in its
    # initializer. But a process that has imported TensorFlow (the Keras backend checked the
    # model in the parent) deadlocks when forked, so then the workers are spawned.
    fork_safe = "tensorflow" not in sys.modules
    method = "fork" if fork_safe and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    chunk = max(1, min(8, len(files) // (jobs * 8)))
    yield from _read_in_pool(files, options, jobs, context, chunk)


def _read_chunk(files: list[str], options: RunOptions, deaths: int = 0) -> list[FileResult]:
    """In a worker: every result of these files (deaths: how many workers died reading the
    only file of the chunk before, for the test-only fault hook)."""
    results = []
    for name in files:
        inject_test_fault(name, deaths)
        results.extend(read_source(name, options))
    return results


def _read_in_pool(files: list[str], options: RunOptions, jobs: int, context,
                  chunk: int) -> Iterator[FileResult]:
    """Results for files from `jobs` processes, surviving a worker that dies (a segfault in
    a decoder, the OOM killer): the pool is started again, the files it was reading are
    read again one at a time, and a file that kills a worker on its own
    config.ARCHIVE_MAX_TRIES times is reported failed. The run goes on."""
    queue = deque(files[i : i + chunk] for i in range(0, len(files), chunk))
    suspects: deque[str] = deque()  # read alone, so that a death names its file
    deaths: Counter = Counter()
    in_flight: dict = {}
    pool = None
    try:
        while queue or suspects or in_flight:
            if pool is None:
                pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                           initargs=(options,))
            if suspects and not in_flight:
                name = suspects.popleft()
                in_flight[pool.submit(_read_chunk, [name], options, deaths[name])] = [name]
            while not suspects and queue and len(in_flight) < 2 * jobs:
                batch = queue.popleft()
                in_flight[pool.submit(_read_chunk, batch, options)] = batch
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            lost: list[str] = []
            for future in done:
                batch = in_flight.pop(future)
                try:
                    yield from future.result()
                except BrokenProcessPool:
                    lost.extend(batch)
            if not lost:
                continue
            alone = len(lost) == 1 and not in_flight
            for batch in in_flight.values():
                lost.extend(batch)
            in_flight.clear()
            _stop_pool(pool)
            pool = None
            if alone:
                deaths[lost[0]] += 1
                if deaths[lost[0]] >= config.ARCHIVE_MAX_TRIES:
                    yield FileResult(lost[0], error=(
                        f"its reading killed the worker {deaths[lost[0]]} times (a crash in "
                        "a decoder?); not tried again"))
                    continue
            suspects.extendleft(reversed(lost))
    finally:
        if pool is not None:
            _stop_pool(pool)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: queued work cancelled, its workers ended (Ctrl+C, a broken pool)."""
    processes = list(getattr(pool, "_processes", {}).values())  # (no public API before 3.14)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
