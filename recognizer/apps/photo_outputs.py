"""The photo mode's reports: `predictions.csv` written as results arrive, and `summary.json`.

What was read is never lost: each file's rows go to predictions.csv in one unbuffered write
the moment its result arrives, so Ctrl+C, a kill or a crash keeps every row read so far
(in completion order). When the run completes, the file is read back and rewritten ordered
by file, then reading order, through a temporary file and an atomic rename, so a reader never
sees it half written and the run holds no rows in memory. summary.json says whether the run was interrupted.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Iterable, Sequence

CSV_COLUMNS = ("file", "digit", "confidence", "x", "y", "w", "h", "line")


def csv_rows(result) -> str:
    """One FileResult's rows of predictions.csv, as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for digit in result.digits:
        writer.writerow(
            (result.file, digit.prediction.digit, f"{digit.prediction.confidence:.4f}",
             *digit.box, digit.line)
        )
    return buffer.getvalue()


def _header() -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(CSV_COLUMNS)
    return buffer.getvalue()


def write_predictions(path: Path, results: Iterable) -> None:
    """Write predictions.csv for these results (in the order given), atomically: a reader
    sees the old file or the new one, never a part."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as stream:
        stream.write(_header())
        for result in results:
            stream.write(csv_rows(result))
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


class StreamingPredictions:
    """predictions.csv, appended to as each file's result arrives.

    The file is opened unbuffered: each `add` is one write of whole rows, so a run killed
    at any moment leaves only complete rows behind. `finish` rewrites it in file order.
    """

    def __init__(self, path: Path):
        self.path = path
        self._stream = path.open("wb", buffering=0)
        self._stream.write(_header().encode("utf-8"))

    def add(self, result) -> None:
        rows = csv_rows(result)
        if rows:
            self._stream.write(rows.encode("utf-8"))

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()

    def finish(self, order: Sequence[str]) -> None:
        """Close the stream and rewrite the file ordered by `order` (the files, as listed):
        the rows are read back from disk, so the run need not hold them in memory. A file's
        rows stay in reading order (they were written together)."""
        self.close()
        with self.path.open(newline="", encoding="utf-8") as stream:
            reader = csv.reader(stream)
            next(reader, None)  # the header
            by_file: dict[str, list[list[str]]] = {}
            for row in reader:
                by_file.setdefault(row[0], []).append(row)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(CSV_COLUMNS)
            for name in order:
                writer.writerows(by_file.pop(name, ()))
            for rows in by_file.values():  # (none: every row is of a listed file)
                writer.writerows(rows)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.path)


def write_summary(path: Path, summary: dict) -> None:
    """summary.json, atomically (temporary file, then rename)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
