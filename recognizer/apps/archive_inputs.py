"""What an archive run reads: the list of sources, their size and age, and their pages.

Both engines of `recognizer photos` (the local one and `--engine ray`) take SOURCE as
- a folder, walked recursively for images, PDFs and TIFFs (sorted; OUT never walked into);
- a glob (`scans/**/*.pdf`), relative to the current folder;
- a text file (`.txt` / `.lst`) listing one path or URI a line (`#` starts a comment); a
  relative path is taken from the list's folder, a URI (`s3://`, `gs://`, `file://`, ...)
  is read through pyarrow's file systems, as Ray does.
Each source has a name (relative to the folder, or as listed) that names its rows, its
annotated image and its line in the resume ledger; `SourceStat` gives its size and
modification time, by which `--resume` knows a file already read.

A PDF is rendered page by page with pypdfium2 at config.PDF_DPI, a multi-page TIFF is
decoded page by page with OpenCV: each page is read as a photo named `file#page=N` (from 1).
"""

from __future__ import annotations

import glob
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from recognizer.core import config
from recognizer.core.errors import ImageLoadError, RecognizerError

LIST_SUFFIXES = (".txt", ".lst")
PDF_SUFFIX = ".pdf"
TIFF_SUFFIXES = (".tif", ".tiff")
PAGE_MARK = "#page="
# A test-only fault hook of both engines: "NAME:TIMES" makes the worker that begins reading
# NAME kill itself (SIGKILL, as a segfault or the OOM killer would) while fewer than TIMES
# workers have died reading it. Never set outside tests.
FAULT_ENV = "RECOGNIZER_TEST_KILL_WORKER"


class SourceError(RecognizerError):
    """SOURCE is neither a folder, a glob that matches, nor a readable list of files."""


@dataclass(frozen=True)
class Sources:
    """The files of a run: `root` joins a relative name to its path ('' for a list of
    absolute paths or URIs); names are sorted as the run orders its outputs."""

    root: str
    names: tuple[str, ...]
    description: str  # for messages: "folder x", "glob y", "list z"


@dataclass(frozen=True)
class SourceStat:
    """A source's size and modification time (ns), or the reason it cannot be seen."""

    size: int = -1
    mtime_ns: int = -1
    error: str | None = None


def input_extensions() -> tuple[str, ...]:
    """The suffixes a folder or glob is searched for: photos, PDFs and TIFFs."""
    return tuple(dict.fromkeys((*config.PHOTO_EXTENSIONS, PDF_SUFFIX, *TIFF_SUFFIXES)))


def inject_test_fault(name: str, deaths: int) -> None:
    """The fault hook (FAULT_ENV): a no-op unless set. Called only in a worker process (the
    local engine's pool, a Ray actor), never in the main one."""
    hook = os.environ.get(FAULT_ENV)
    if not hook:
        return
    target, _, times = hook.rpartition(":")
    if target == name and times.isdigit() and deaths < int(times):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def is_uri(name: str) -> bool:
    return "://" in name


def source_path(root: str, name: str) -> str:
    """Where a source is: a URI as is, else root joined with the name."""
    if is_uri(name) or not root:
        return name
    return str(Path(root) / name)


def _walk(root: Path, exclude: Path | None) -> Iterator[str]:
    extensions = set(input_extensions())
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


def _read_list(path: Path) -> Sources:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read the list of files ({exc})") from exc
    names = []
    for line in lines:
        line = line.split("#", 1)[0].strip() if not is_uri(line) else line.strip()
        if line:
            names.append(line)
    return Sources(str(path.parent), tuple(dict.fromkeys(names)), f"list {path}")


def list_sources(source: str, exclude: Path | None = None) -> Sources:
    """The files SOURCE names (a folder, a glob or a list file), sorted, each once."""
    path = Path(source)
    if is_uri(source):
        raise SourceError(
            f"{source}: a URI names one file; list URIs in a text file (one a line) and give "
            "that file as SOURCE")
    if path.is_dir():
        return Sources(str(path), tuple(_walk(path, exclude)), f"folder {path}")
    if path.is_file() and path.suffix.lower() in LIST_SUFFIXES:
        return _read_list(path)
    if path.is_file():
        return Sources(str(path.parent), (path.name,), f"file {path}")
    if glob.has_magic(source):
        extensions = set(input_extensions())
        base = Path(source.split("*")[0].split("?")[0].split("[")[0] or ".")
        base = base if base.is_dir() else base.parent
        exclude_resolved = exclude.resolve() if exclude is not None else None
        names = []
        for match in glob.glob(source, recursive=True):
            found = Path(match)
            if not found.is_file() or found.suffix.lower() not in extensions:
                continue
            if exclude_resolved is not None and exclude_resolved in found.resolve().parents:
                continue
            names.append(found.relative_to(base).as_posix())
        return Sources(str(base), tuple(sorted(set(names))), f"glob {source}")
    raise SourceError(f"{source}: no such folder, file or list (give a folder of photos, "
                      "a glob in quotes, or a .txt file listing one path or URI a line)")


def stat_source(root: str, name: str) -> SourceStat:
    """Size and modification time of a source (pyarrow's file systems for a URI)."""
    where = source_path(root, name)
    try:
        if is_uri(where):
            from pyarrow import fs

            filesystem, inner = fs.FileSystem.from_uri(where)
            info = filesystem.get_file_info(inner)
            if info.type == fs.FileType.NotFound:
                return SourceStat(error="file vanished before it could be read")
            return SourceStat(info.size or 0, info.mtime_ns or 0)
        status = os.stat(where)
        return SourceStat(status.st_size, status.st_mtime_ns)
    except ImportError:
        return SourceStat(error="URIs need pyarrow: pip install 'recognizer[cluster]'")
    except (OSError, ValueError) as exc:
        return SourceStat(error=f"cannot see the file ({exc})")


class _FetchedFile:
    """The bytes of a URI, shaped as the loader reads a file (`read_bytes`), so that a
    remote file goes through the very checks and decoding of a local one."""

    def __init__(self, data: bytes):
        self._data = data

    def read_bytes(self) -> bytes:
        return self._data


def open_source(root: str, name: str):
    """A Path for a local source, or the fetched bytes of a URI (same `read_bytes`)."""
    where = source_path(root, name)
    if not is_uri(where):
        return Path(where)
    try:
        from pyarrow import fs

        filesystem, inner = fs.FileSystem.from_uri(where)
        with filesystem.open_input_stream(inner) as stream:
            return _FetchedFile(stream.read())
    except ImportError as exc:
        raise ImageLoadError("URIs need pyarrow: pip install 'recognizer[cluster]'") from exc
    except FileNotFoundError as exc:
        raise ImageLoadError("file vanished before it could be read") from exc
    except (OSError, ValueError) as exc:
        raise ImageLoadError(f"cannot read the file ({exc})") from exc


# --- Pages ---------------------------------------------------------------------------------


def page_name(name: str, page: int) -> str:
    return f"{name}{PAGE_MARK}{page}"


def split_page(name: str) -> tuple[str, int]:
    """('scan.pdf', 3) for 'scan.pdf#page=3'; (name, 0) for a name without a page."""
    base, mark, page = name.rpartition(PAGE_MARK)
    if mark and page.isdigit():
        return base, int(page)
    return name, 0


def has_pages(name: str) -> bool:
    """Whether a source may hold several pages (a PDF or a TIFF)."""
    suffix = Path(split_page(name)[0].split("?")[0]).suffix.lower()
    return suffix == PDF_SUFFIX or suffix in TIFF_SUFFIXES


def _check_pixels(width: int, height: int, what: str) -> None:
    if width * height > config.MAX_PHOTO_PIXELS:
        raise ImageLoadError(
            f"{what} too large: {width}x{height} = {width * height / 1e6:.0f} megapixels "
            f"(the limit is {config.MAX_PHOTO_PIXELS / 1e6:.0f})")


def pdf_pages(data: bytes, dpi: int = config.PDF_DPI) -> Iterator[np.ndarray]:
    """Each page of a PDF rendered in gray at `dpi` (pypdfium2), one at a time."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise ImageLoadError("PDF input needs pypdfium2: pip install pypdfium2") from exc
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ImageLoadError(f"not a readable PDF ({exc})") from exc
    try:
        if len(document) == 0:
            raise ImageLoadError("a PDF without pages")
        scale = dpi / 72.0
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            _check_pixels(int(width * scale), int(height * scale), f"page {index + 1}")
            bitmap = page.render(scale=scale, grayscale=True)
            pixels = np.array(bitmap.to_numpy(), copy=True)
            if pixels.ndim == 3 and pixels.shape[2] == 1:
                pixels = pixels[:, :, 0]
            elif pixels.ndim == 3 and pixels.shape[2] >= 3:  # a renderer that gave colour
                pixels = cv2.cvtColor(pixels[:, :, :3], cv2.COLOR_BGR2GRAY)
            yield pixels
    finally:
        document.close()


def tiff_page_count(data: bytes) -> int:
    """How many pages a TIFF holds (1 for one whose header cannot be read: the loader then
    gives the reason)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return max(1, int(getattr(image, "n_frames", 1)))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return 1


def tiff_pages(data: bytes) -> Iterator[np.ndarray]:
    """Each page of a multi-page TIFF, as stored (OpenCV's decoder)."""
    try:
        ok, pages = cv2.imdecodemulti(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise ImageLoadError(f"corrupt TIFF: the decoder refused it ({exc})") from exc
    if not ok or not pages:
        raise ImageLoadError("corrupt TIFF: the decoder could not read its pages")
    for page in pages:
        _check_pixels(page.shape[1], page.shape[0], "page")
        yield page[:, :, 0] if page.ndim == 3 and page.shape[2] == 1 else page
