"""The photo mode's reports: `predictions.csv` written as results arrive, and `summary.json`.

What was read is never lost: each file's rows go to predictions.csv in one unbuffered write
the moment its result arrives, so Ctrl+C, a kill or a crash keeps every row read so far
(in completion order). When the run completes, the file is read back and rewritten ordered
by file, then reading order, through a temporary file and an atomic rename, so a reader never
sees it half written and the run holds no rows in memory. summary.json says whether the run was interrupted.

`--resume` rests on `progress.jsonl`, the ledger: one line per source file once all its rows
are in predictions.csv, with the file's size and modification time and its tallies. A resumed
run keeps the rows of the files in the ledger (and only those: a file whose rows were written
but whose line was not is read again, its old rows dropped), so each file is in the final
CSV exactly once.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Iterable, Sequence

from recognizer.apps.archive_inputs import split_page

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

    def __init__(self, path: Path, keep: set[str] | None = None):
        """keep: resume, keeping the rows already there whose file is in `keep` (others are
        dropped); None starts a new file."""
        self.path = path
        if keep is not None and path.exists():
            self._keep_rows(keep)
            self._stream = path.open("ab", buffering=0)
            return
        self._stream = path.open("wb", buffering=0)
        self._stream.write(_header().encode("utf-8"))

    def _keep_rows(self, keep: set[str]) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        with self.path.open(newline="", encoding="utf-8") as source, \
                temporary.open("w", newline="", encoding="utf-8") as target:
            reader, writer = csv.reader(source), csv.writer(target)
            next(reader, None)
            writer.writerow(CSV_COLUMNS)
            for row in reader:
                # A partial last row (a kill mid-write cannot leave one: each add is one
                # write, but a full disk can) has fewer columns: dropped with its file.
                if len(row) == len(CSV_COLUMNS) and split_page(row[0])[0] in keep:
                    writer.writerow(row)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, self.path)

    def add(self, result) -> None:
        rows = csv_rows(result)
        if rows:
            self._stream.write(rows.encode("utf-8"))

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()

    def finish(self, order: Sequence[str]) -> None:
        """Close the stream and rewrite the file ordered by `order` (the source files, as
        listed), a file's pages by number: the rows are read back from disk, so the run need
        not hold them in memory. A page's rows stay in reading order (written together)."""
        self.close()
        with self.path.open(newline="", encoding="utf-8") as stream:
            reader = csv.reader(stream)
            next(reader, None)  # the header
            by_file: dict[str, list[list[str]]] = {}
            for row in reader:
                by_file.setdefault(row[0], []).append(row)
        rank = {name: index for index, name in enumerate(order)}
        last = len(rank)

        def key(name: str) -> tuple[int, str, int]:
            base, page = split_page(name)
            return rank.get(base, last), base, page

        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(CSV_COLUMNS)
            for name in sorted(by_file, key=key):
                writer.writerows(by_file[name])
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.path)


class ProgressLedger:
    """progress.jsonl: which source files are done, with their size, modification time and
    tallies, one line per file, each one unbuffered write after the file's rows."""

    def __init__(self, path: Path, resume: bool):
        self.path = path
        self.entries: dict[str, dict] = {}
        if resume and path.exists():
            with path.open(encoding="utf-8") as stream:
                for line in stream:
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut by a full disk: that file is read again
                    if isinstance(entry, dict) and "file" in entry:
                        self.entries[entry["file"]] = entry
        self._stream = path.open("ab" if resume else "wb", buffering=0)

    def is_done(self, name: str, size: int, mtime_ns: int) -> bool:
        entry = self.entries.get(name)
        return entry is not None and entry.get("size") == size and entry.get("mtime_ns") == mtime_ns

    def add(self, name: str, size: int, mtime_ns: int, results: list[dict]) -> None:
        entry = {"file": name, "size": size, "mtime_ns": mtime_ns, "results": results}
        self.entries[name] = entry
        self._stream.write((json.dumps(entry) + "\n").encode("utf-8"))

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()


def write_parquet(csv_path: Path, parquet_path: Path) -> None:
    """predictions.parquet from the final predictions.csv (pyarrow, columns typed)."""
    try:
        import pyarrow as pa
        from pyarrow import csv as pa_csv, parquet
    except ImportError as exc:
        raise OSError("--format parquet needs pyarrow: pip install 'recognizer[cluster]'") from exc
    types = {"file": pa.string(), "digit": pa.int8(), "confidence": pa.float32(),
             "x": pa.int32(), "y": pa.int32(), "w": pa.int32(), "h": pa.int32(),
             "line": pa.int32()}
    table = pa_csv.read_csv(csv_path, convert_options=pa_csv.ConvertOptions(column_types=types))
    temporary = parquet_path.with_name(parquet_path.name + ".tmp")
    parquet.write_table(table, temporary)
    os.replace(temporary, parquet_path)


def write_summary(path: Path, summary: dict) -> None:
    """summary.json, atomically (temporary file, then rename)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
