"""`recognizer photos DIR --out OUTDIR`: read every handwritten digit in a folder of photos.

Walks DIR for images, reads each one's digits with the shared detector (`recognizer.detect`)
and writes `predictions.csv`, `annotated/<relative path>.png` and `summary.json` into OUTDIR.
A bad file (not an image, truncated, empty, unreadable, absurdly large, gone) is reported on
stderr and in the summary and the run goes on; the exit status says whether all files were
read (0) or some failed (2).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from recognizer import config

EXIT_OK = 0
EXIT_SOME_FAILED = 2
CSV_COLUMNS = ("file", "digit", "confidence", "x", "y", "w", "h", "line")

HELP_EPILOG = """\
outputs (in OUTDIR, created if needed; never inside DIR, inputs are never overwritten):
  predictions.csv        file,digit,confidence,x,y,w,h,line - one row per digit read, each
                         file's rows in reading order; file relative to DIR; box in the
                         original image's pixels; line numbers a file's lines from 0
  annotated/REL.png      each photo with boxes, digits and confidences drawn (REL = the
                         path relative to DIR; at most 1024 px on the longest side, tiny
                         crops enlarged to at least 256 px)
  summary.json           files read, digits found, files with errors and why, seconds, options

exit status:
  0  every image was read (also when DIR holds no images: that is said on stderr)
  1  the model could not be loaded
  2  some files could not be read (each one reported on stderr and in summary.json), or DIR
     or OUTDIR is unusable (missing, not a folder, not writable, OUTDIR inside DIR)

example:
  recognizer photos samples/photos --out out/photos
  recognizer score out/photos/predictions.csv samples/photos/labels.csv"""


class PhotoError(Exception):
    """A file that cannot be read as a photo; the message says why, for the report."""


@dataclass(frozen=True)
class DigitRow:
    """One digit read in a photo, as written to predictions.csv."""

    digit: int
    confidence: float
    x: int
    y: int
    w: int
    h: int
    line: int
    number: int


@dataclass(frozen=True)
class FileResult:
    """What reading one file gave: its digits in reading order, or the error that stopped it."""

    file: str  # relative to DIR, forward slashes
    digits: tuple[DigitRow, ...] = ()
    numbers: tuple[str, ...] = ()
    error: str | None = None
    width: int = 0
    height: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class RunOptions:
    """What a worker needs to read and annotate a file."""

    root: str
    out: str | None
    min_confidence: float = config.MIN_CONFIDENCE
    model: str | None = None
    backend: str = "auto"
    annotate: bool = True


@dataclass
class RunSummary:
    """The run's totals, written to summary.json."""

    directory: str
    files_found: int = 0
    files_read: int = 0
    files_with_errors: int = 0
    digits_found: int = 0
    unsure_digits: int = 0
    seconds: float = 0.0
    photos_per_second: float = 0.0
    errors: list[dict] = field(default_factory=list)
    options: dict = field(default_factory=dict)


# --- Finding and loading images ------------------------------------------------------------


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


def _check_complete(data: bytes) -> None:
    """Raise PhotoError for a JPEG or PNG whose end is missing (decoders often hide it)."""
    tail = data[-4096:].rstrip(b"\x00\r\n ")
    if data[:3] == b"\xff\xd8\xff" and not tail.endswith(b"\xff\xd9") and b"\xff\xd9" not in tail:
        raise PhotoError("truncated JPEG: the file ends before the image does")
    if data[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" not in tail:
        raise PhotoError("truncated PNG: the file ends before the image does")


def _orientation_and_size(data: bytes) -> tuple[int, tuple[int, int]]:
    """EXIF orientation (1 when absent) and (width, height) from the header, without decoding."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # our own limit applies, with our own message
    try:
        with Image.open(io.BytesIO(data)) as image:
            size = image.size
            try:
                orientation = int(image.getexif().get(0x0112, 1) or 1)
            except (ValueError, TypeError, OSError, SyntaxError):
                orientation = 1  # a broken EXIF block: the pixels may still be fine
    except UnidentifiedImageError as exc:
        raise PhotoError("not an image (unknown or corrupt format)") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise PhotoError(f"corrupt image header ({exc})") from exc
    return orientation, size


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Rotate/flip decoded pixels as the EXIF orientation tag (1-8) says, so 'up' is up."""
    import cv2

    if orientation == 2:
        return cv2.flip(image, 1)
    if orientation == 3:
        return cv2.rotate(image, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(image, 0)
    if orientation == 5:
        return cv2.transpose(image)
    if orientation == 6:
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.flip(cv2.transpose(image), -1)
    if orientation == 8:
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image


def load_image(path: Path) -> np.ndarray:
    """Decode an image file as stored (gray, BGR or BGRA; 8 or 16 bit), upright per EXIF.

    Raises PhotoError with the reason for anything that is not a complete, sane image.
    """
    import cv2

    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise PhotoError("file vanished before it could be read") from exc
    except PermissionError as exc:
        raise PhotoError("permission denied: the file is not readable") from exc
    except OSError as exc:
        raise PhotoError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data:
        raise PhotoError("empty file (0 bytes)")
    orientation, (width, height) = _orientation_and_size(data)
    if width * height > config.MAX_PHOTO_PIXELS:
        raise PhotoError(
            f"image too large: {width}x{height} = {width * height / 1e6:.0f} megapixels "
            f"(the limit is {config.MAX_PHOTO_PIXELS / 1e6:.0f}); scale it down first"
        )
    _check_complete(data)
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise PhotoError("corrupt image: the decoder could not read its pixels")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return apply_orientation(image, orientation)


# --- Reading one file (runs in a worker) -----------------------------------------------------

_worker_recognizer = None


def _init_worker(options: RunOptions) -> None:
    """Load the model once per process."""
    global _worker_recognizer
    from recognizer.predict import Recognizer

    _worker_recognizer = Recognizer(options.model, backend=options.backend)


def annotated_path(out: Path, relative: str) -> Path:
    """OUTDIR/annotated/<relative path>.png (the extension is kept: a.jpg -> a.jpg.png)."""
    return out / "annotated" / f"{relative}.png"


def _write_annotated(path: Path, image: np.ndarray, detections, min_confidence: float) -> None:
    import math
    from dataclasses import replace

    import cv2

    from recognizer.annotate import draw_digits, to_bgr8
    from recognizer.detect import Detections

    longest = max(image.shape[:2])
    if longest < config.ANNOTATED_MIN_SIDE:
        # A tiny crop (a 28 x 28 MNIST image) is enlarged so that its labels can be read.
        factor = math.ceil(config.ANNOTATED_MIN_SIDE / longest)
        image = cv2.resize(to_bgr8(image), None, fx=factor, fy=factor,
                           interpolation=cv2.INTER_NEAREST)
        digits = tuple(replace(d, box=tuple(v * factor for v in d.box)) for d in detections.digits)
        detections = Detections(digits=digits, mask=detections.mask)
    drawn = draw_digits(image, detections, min_confidence)
    longest = max(drawn.shape[:2])
    if longest > config.ANNOTATED_MAX_SIDE:
        scale = config.ANNOTATED_MAX_SIDE / longest
        drawn = cv2.resize(drawn, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    path.parent.mkdir(parents=True, exist_ok=True)
    params = [
        cv2.IMWRITE_PNG_COMPRESSION, config.PNG_COMPRESSION,
        cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
        cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE,
    ]
    ok, encoded = cv2.imencode(".png", drawn, params)
    if not ok:
        raise PhotoError("could not encode the annotated image")
    path.write_bytes(encoded.tobytes())


def read_file(relative: str, options: RunOptions, recognizer=None) -> FileResult:
    """Read one photo's digits (and write its annotated copy); errors become the result."""
    from recognizer.detect import read_digits

    start = time.perf_counter()
    recognizer = recognizer if recognizer is not None else _worker_recognizer
    try:
        image = load_image(Path(options.root) / relative)
    except PhotoError as exc:
        return FileResult(relative, error=str(exc), seconds=time.perf_counter() - start)
    detections = read_digits(image, recognizer, whole_frame_fallback=True, refine=True)
    rows = tuple(
        DigitRow(
            digit=d.prediction.digit,
            confidence=round(d.prediction.confidence, 4),
            x=d.box[0], y=d.box[1], w=d.box[2], h=d.box[3],
            line=d.line, number=d.number,
        )
        for d in detections.digits
        if d.prediction is not None
    )
    error = None
    if options.out is not None and options.annotate:
        try:
            _write_annotated(
                annotated_path(Path(options.out), relative), image, detections,
                options.min_confidence,
            )
        except (OSError, PhotoError) as exc:
            error = f"digits read, but the annotated image could not be written ({exc})"
    height, width = image.shape[:2]
    return FileResult(
        relative, rows, tuple(detections.numbers(options.min_confidence)), error,
        width, height, time.perf_counter() - start,
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
    import multiprocessing

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


def write_predictions(path: Path, results: Iterable[FileResult]) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        for result in results:
            for row in result.digits:
                writer.writerow(
                    (result.file, row.digit, f"{row.confidence:.4f}", row.x, row.y, row.w,
                     row.h, row.line)
                )


def _result_json(result: FileResult, min_confidence: float) -> dict:
    return {
        "file": result.file,
        "error": result.error,
        "numbers": list(result.numbers),
        "digits": [
            {**asdict(d), "confident": d.confidence >= min_confidence} for d in result.digits
        ],
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


def run_photos(
    root: Path, out: Path | None, *, jobs: int = 1, min_confidence: float = config.MIN_CONFIDENCE,
    model: str | None = None, backend: str = "auto", as_json: bool = False,
    progress: bool | None = None, recognizer=None,
) -> int:
    """Read every photo under root; write the outputs; return the exit status."""
    from tqdm import tqdm

    start = time.perf_counter()
    problem = _check_folders(root, out)
    if problem:
        print(f"recognizer photos: error: {problem}", file=sys.stderr)
        return EXIT_SOME_FAILED
    files = list(find_images(root, exclude=out))
    options = RunOptions(str(root), str(out) if out else None, min_confidence, model, backend)
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
        from recognizer.predict import Recognizer

        recognizer = Recognizer(model, backend=backend)
        if jobs > 1:
            recognizer = None
    by_file: dict[str, FileResult] = {}
    bar = tqdm(total=len(files), unit="photo", disable=None if progress is None else not progress,
               file=sys.stderr, desc="photos")
    for result in read_files(files, options, jobs, recognizer):
        by_file[result.file] = result
        if result.error:
            tqdm.write(f"recognizer photos: {result.file}: {result.error}", file=sys.stderr)
        bar.update(1)
    bar.close()
    results = [by_file[f] for f in files]
    seconds = time.perf_counter() - start
    for result in results:
        summary.files_with_errors += result.error is not None
        summary.files_read += result.width > 0  # decoded (an annotation may still have failed)
        summary.digits_found += len(result.digits)
        summary.unsure_digits += sum(d.confidence < min_confidence for d in result.digits)
        if result.error:
            summary.errors.append({"file": result.file, "error": result.error})
    summary.seconds = round(seconds, 3)
    summary.photos_per_second = round(len(files) / seconds, 2) if seconds > 0 else 0.0
    status = EXIT_SOME_FAILED if summary.errors else EXIT_OK
    if out is not None:
        try:
            write_predictions(out / "predictions.csv", results)
            (out / "summary.json").write_text(json.dumps(asdict(summary), indent=2) + "\n")
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
    return status


# --- The command -------------------------------------------------------------------------------


def add_parser(subparsers) -> None:
    from recognizer.cli import add_model_arguments

    parser = subparsers.add_parser(
        "photos",
        help="read every handwritten digit in a folder of photos",
        description="Read every handwritten digit in the photos under DIR (recursively; jpg,\n"
        "jpeg, png, bmp, tif, tiff, webp, any case): sheets of digits, numbers on forms,\n"
        "single digits on paper, tight crops, white-on-black MNIST-style images. EXIF\n"
        "orientation is respected; gray, colour, alpha and 16-bit images of any size are\n"
        "handled (large photos are analysed on a reduced copy and cropped at full size).",
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="DIR", help="folder of photos (walked recursively)")
    parser.add_argument("--out", metavar="OUTDIR", default=None,
                        help="output folder (required unless --json)")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="processes to use (default: 1)")
    parser.add_argument("--json", action="store_true",
                        help="print the results as JSON on stdout instead of a one-line summary")
    add_model_arguments(
        parser, unsure="a digit is marked unsure: '?' in the annotations and numbers"
    )
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.out is None and not args.json:
        args.parser.error("--out OUTDIR is required (or use --json to print the results)")
    if args.jobs < 1:
        args.parser.error("--jobs must be at least 1")
    return run_photos(
        Path(args.directory), Path(args.out) if args.out else None, jobs=args.jobs,
        min_confidence=args.min_confidence, model=args.model, backend=args.backend,
        as_json=args.json,
    )
