"""One run of `recognizer photos`: list the sources, skip what --resume finds done, read the
rest with an engine (the local processes of `photos.read_files`, or Ray's actors of
`ray_engine`), stream predictions.csv and the progress ledger as results come, then order the
CSV, write summary.json (and predictions.parquet) and say how it went.

Kept apart from `photos` (how one file is read, and the local pool) so that each module does
one job (`photos` does not import this module: the CLI calls `run` here).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from recognizer.apps import photos
from recognizer.apps.archive_inputs import Sources, SourceError, list_sources, split_page, stat_source
from recognizer.apps.photo_outputs import (
    ProgressLedger, StreamingPredictions, write_parquet, write_summary,
)
from recognizer.apps.photos import EXIT_OK, EXIT_SOME_FAILED, FileResult, RunOptions, annotated_path
from recognizer.core import config
from recognizer.core.predict import Recognizer


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


def _result_json(result: FileResult, min_confidence: float) -> dict:
    return {
        "file": result.file,
        "error": result.error,
        "numbers": list(result.numbers),
        "digits": [d.to_dict(min_confidence) for d in result.digits],
    }


def _exit_on_head_lost(summary: RunSummary, out: Path | None, start: float):
    """The Ray engine's on_head_lost: called from its watch thread while the main thread is
    stuck in Ray, it says so, writes the summary and ends the process (exit 2); the rows
    read so far are on disk already (see ray_engine._HeadWatch)."""
    def head_lost(message: str) -> None:
        summary.interrupted = True
        summary.seconds = round(time.perf_counter() - start, 3)
        if out is not None:
            with suppress(OSError):
                write_summary(out / "summary.json", asdict(summary))
        kept = (f"; the rows of the {summary.files_read} files read so far are in "
                f"{out / 'predictions.csv'}: rerun with --resume to read the rest") if out else ""
        print(f"recognizer photos: error: {message}{kept}", file=sys.stderr, flush=True)
        os._exit(EXIT_SOME_FAILED)

    return head_lost


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
        if source.is_dir():  # (photos.find_images: the walk tests replace)
            return Sources(str(source), tuple(photos.find_images(source, exclude=out)),
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
    if recognizer is None and files:
        # Load the model here first so that a missing or corrupt model is one clear error
        # (exit 1) before any output is touched; with --jobs or Ray each worker then loads
        # its own copy.
        recognizer = Recognizer(model, backend=backend)
        if jobs > 1 or engine == "ray":
            recognizer = None
    stats = {name: stat_source(sources.root, name) for name in files}
    ledger = stream = None
    if out is not None:
        try:
            ledger = ProgressLedger(out / "progress.jsonl", resume)
            done = {f for f in files if ledger.is_done(f, stats[f].size, stats[f].mtime_ns)}
            if not (out / "predictions.csv").exists():
                done = set()  # the rows are gone: every file is read again
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
                results = reading = RayReading(
                    todo, options, address=address, workers=workers,
                    on_head_lost=_exit_on_head_lost(summary, out, start))
            else:
                results = photos.read_files(todo, options, jobs, recognizer)
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
            (f"{summary.files_read} of {len(files)} photos read"
             if summary.files_read <= len(files) else  # PDF and TIFF pages are read apiece
             f"{summary.files_read} photos and pages read from {len(files)} files")
            + f", {summary.digits_found} digits "
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
