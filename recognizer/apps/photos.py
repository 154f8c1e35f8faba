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
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from tqdm import tqdm

from recognizer.core import config
from recognizer.apps.archive_inputs import (
    PDF_SUFFIX, Sources, SourceError, has_pages, list_sources, open_source, page_name,
    pdf_pages, split_page, stat_source, inject_test_fault, tiff_page_count, tiff_pages,
)
from recognizer.apps.photo_outputs import (  # noqa: F401 (CSV_COLUMNS, write_predictions: API)
    CSV_COLUMNS,
    ProgressLedger,
    StreamingPredictions,
    write_parquet,
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
    files_resumed: int = 0  # found done in OUT by --resume (same size and time): not reread
    engine: str = "local"
    nodes: dict = field(default_factory=dict)  # Ray: files read per node id
    errors: list[dict] = field(default_factory=list)
    options: dict = field(default_factory=dict)


# --- Finding images -----------------------------------------------------------------------


def find_images(root: Path, exclude: Path | None = None) -> Iterator[str]:
    """Paths (relative to root, forward slashes, sorted) of the image, PDF and TIFF files
    under root. exclude: a folder not to walk into (never read our own outputs)."""
    yield from list_sources(str(root), exclude).names


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


# --- Writing the outputs ---------------------------------------------------------------------


def _result_json(result: FileResult, min_confidence: float) -> dict:
    return {
        "file": result.file,
        "error": result.error,
        "numbers": list(result.numbers),
        "digits": [d.to_dict(min_confidence) for d in result.digits],
    }


class _NeverRaised(Exception):
    """Stands for the Ray engine's ClusterLostError in a local run."""


def _check_folders(source: Path, out: Path | None) -> tuple[Sources | None, str | None]:
    """The sources, or a message when SOURCE or OUTDIR cannot be used. Creates OUTDIR."""
    if source.is_dir():
        if out is not None:
            resolved_root, resolved_out = source.resolve(), out.resolve()
            if resolved_out == resolved_root or resolved_root in resolved_out.parents:
                return None, (f"--out {out} is inside {source}: choose an output folder "
                              "outside the photos")
    elif not source.exists() and not any(c in str(source) for c in "*?["):
        return None, f"{source}: no such folder"
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
            probe = out / ".recognizer-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            return None, f"cannot write to --out {out} ({exc.strerror or exc}); choose another folder"
    try:
        if source.is_dir():  # (find_images: the walk tests replace)
            return Sources(str(source), tuple(find_images(source, exclude=out)),
                           f"folder {source}"), None
        return list_sources(str(source), exclude=out), None
    except SourceError as exc:
        return None, str(exc)


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


def _tallies(result: FileResult, min_confidence: float) -> dict:
    """What the summary counts of one result (kept in the resume ledger)."""
    return {"name": result.file, "error": result.error, "width": result.width,
            "digits": len(result.digits), "rejected": result.rejected,
            "unsure": sum(not d.is_confident(min_confidence) for d in result.digits)}


def _tally(summary: RunSummary, tallies: list[dict]) -> None:
    for entry in tallies:
        summary.files_with_errors += entry["error"] is not None
        summary.files_read += entry["width"] > 0  # decoded (an annotation may still have failed)
        summary.digits_found += entry["digits"]
        summary.unsure_digits += entry["unsure"]
        summary.rejected_candidates += entry["rejected"]
        if entry["error"]:
            summary.errors.append({"file": entry["name"], "error": entry["error"]})


def run_photos(
    root: Path, out: Path | None, *, jobs: int = 1, min_confidence: float = config.MIN_CONFIDENCE,
    model: str | None = None, backend: str = "auto", as_json: bool = False,
    progress: bool | None = None, recognizer=None, debug: bool = False, resume: bool = False,
    annotate: bool = True, output_format: str = "csv", engine: str = "local",
    address: str | None = None, workers: int | None = None, pdf_dpi: int = config.PDF_DPI,
) -> int:
    """Read every photo under root (a folder, a glob or a list, see archive_inputs); write
    the outputs; return the exit status.

    predictions.csv grows as files are read and progress.jsonl says which files are done;
    on Ctrl+C or SIGTERM the rows read so far stay, summary.json says `"interrupted": true`,
    and KeyboardInterrupt is raised again (the command line exits 130). resume: skip the
    files OUT already holds (same size and modification time). engine "ray": the files are
    read by Ray actors (`ray_engine`), joining the cluster at address if given. debug: print
    an unexpected error's traceback under its report.
    """
    start = time.perf_counter()
    if engine == "ray":  # before any output: without Ray, say how to install it and stop
        from recognizer.apps.ray_engine import ClusterLostError, RayReading, import_ray

        import_ray()
    else:
        ClusterLostError = _NeverRaised  # noqa: N806 (the local engine loses no cluster)
    sources, problem = _check_folders(root, out)
    if problem:
        print(f"recognizer photos: error: {problem}", file=sys.stderr)
        return EXIT_SOME_FAILED
    files = list(sources.names)
    options = RunOptions(sources.root, str(out) if out else None, min_confidence, model,
                         backend, annotate=annotate, debug=debug,
                         return_annotations=engine == "ray", pdf_dpi=pdf_dpi)
    summary = RunSummary(
        directory=str(root), files_found=len(files), engine=engine,
        options={"jobs": jobs, "min_confidence": min_confidence, "model": model,
                 "backend": backend, "out": str(out) if out else None, "json": as_json,
                 "resume": resume, "annotate": annotate, "format": output_format,
                 "engine": engine, "address": address, "workers": workers, "pdf_dpi": pdf_dpi},
    )
    if not files:
        print(f"recognizer photos: no images found in {root} "
              f"(looked for {', '.join(config.PHOTO_EXTENSIONS)}, .pdf)", file=sys.stderr)
    stats = {name: stat_source(sources.root, name) for name in files}
    ledger = stream = None
    if out is not None:
        try:
            ledger = ProgressLedger(out / "progress.jsonl", resume)
            done = {f for f in files if ledger.is_done(f, stats[f].size, stats[f].mtime_ns)}
            stream = StreamingPredictions(out / "predictions.csv", keep=done if resume else None)
        except OSError as exc:
            print(f"recognizer photos: error: cannot write into {out} ({exc})", file=sys.stderr)
            return EXIT_SOME_FAILED
        if resume:
            for name in files:
                if name in done:
                    _tally(summary, ledger.entries[name]["results"])
            summary.files_resumed = len(done)
            print(f"recognizer photos: resuming: {len(done)} of {len(files)} files already "
                  f"read in {out}", file=sys.stderr)
    todo = [f for f in files if not (resume and ledger is not None and f in done)]
    if recognizer is None and todo and engine == "local":
        # Load the model here first so that a missing or corrupt model is one clear error
        # (exit 1) before any file is read; with --jobs each worker then loads its own copy.
        recognizer = Recognizer(model, backend=backend)
        if jobs > 1:
            recognizer = None
    status = EXIT_OK
    # Only --json keeps every result (it prints them all); otherwise each result is tallied
    # and streamed as it arrives and then let go, so memory stays flat however many files.
    by_file: dict[str, FileResult] = {}
    pending: list[FileResult] = []
    done_now = 0
    interrupted = lost = False
    reading = None
    bar = tqdm(total=len(todo), unit="photo", disable=None if progress is None else not progress,
               file=sys.stderr, desc="photos")
    try:
        with _sigterm_as_interrupt():
            if engine == "ray":
                results = reading = RayReading(todo, options, address=address, workers=workers)
            else:
                results = read_files(todo, options, jobs, recognizer)
            for result in results:
                if result.annotated is not None and out is not None:
                    try:
                        path = annotated_path(out, result.file)
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(result.annotated)
                    except OSError as exc:
                        result = replace(result, error="digits read, but the annotated image "
                                         f"could not be written ({exc})")
                    result = replace(result, annotated=None)
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
                pending.append(result)
                if not result.source_done:
                    continue
                tallies = [_tallies(r, min_confidence) for r in pending]
                _tally(summary, tallies)
                name = split_page(pending[0].file)[0]
                pending = []
                if ledger is not None and stream is not None:
                    stat = stats.get(name)
                    try:
                        ledger.add(name, stat.size if stat else -1,
                                   stat.mtime_ns if stat else -1, tallies)
                    except OSError:
                        pass  # the file is read again on --resume
                done_now += 1
                bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
    except ClusterLostError as exc:
        print(f"recognizer photos: error: {exc}", file=sys.stderr)
        interrupted, lost = True, True
    finally:
        bar.close()
        if ledger is not None:
            ledger.close()
        if stream is not None and interrupted:
            stream.close()  # the rows streamed so far are the record of the run
    results = [by_file[f] for f in files if f in by_file]
    rank = {f: i for i, f in enumerate(files)}
    summary.errors.sort(key=lambda error: (rank.get(split_page(error["file"])[0], len(rank)),
                                           split_page(error["file"])[1]))
    seconds = time.perf_counter() - start
    summary.interrupted = interrupted
    if reading is not None:
        summary.nodes = dict(reading.files_per_node)
    summary.seconds = round(seconds, 3)
    summary.photos_per_second = round(done_now / seconds, 2) if seconds > 0 else 0.0
    if summary.errors:
        status = EXIT_SOME_FAILED
    if out is not None:
        try:
            if stream is not None and not interrupted:
                stream.finish(files)  # the streamed rows, rewritten in file order
                if output_format == "parquet":
                    write_parquet(out / "predictions.csv", out / "predictions.parquet")
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
    if interrupted and lost:
        if out:
            print(f"recognizer photos: the rows read so far are in {out / 'predictions.csv'}; "
                  "rerun with --resume to read the rest", file=sys.stderr)
        return EXIT_SOME_FAILED
    if interrupted:
        kept = (f"; the rows read so far are in {out / 'predictions.csv'} (rerun with --resume "
                "to read the rest)") if out else ""
        print(f"recognizer photos: interrupted after {done_now + summary.files_resumed} of "
              f"{len(files)} photos{kept}", file=sys.stderr)
        raise KeyboardInterrupt
    return status


def run(args: argparse.Namespace) -> int:
    """The `photos` subcommand (its arguments are defined in `recognizer.apps.cli`)."""
    return run_photos(
        Path(args.directory), Path(args.out) if args.out else None, jobs=args.jobs,
        min_confidence=args.min_confidence, model=args.model, backend=args.backend,
        as_json=args.json, debug=getattr(args, "debug", False),
        resume=getattr(args, "resume", False), annotate=getattr(args, "annotate", True),
        output_format=getattr(args, "format", "csv"), engine=getattr(args, "engine", "local"),
        address=getattr(args, "address", None), workers=getattr(args, "workers", None),
        pdf_dpi=getattr(args, "pdf_dpi", config.PDF_DPI),
    )
