"""Archive runs with the local engine: PDF and multi-page TIFF pages, --resume, globs and
lists as SOURCE, --format parquet, and --engine ray's dependency kept optional."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from recognizer.apps import photos
from recognizer.apps.cli import main
from recognizer.apps.score import edit_distance, read_labels
from tests.conftest import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "samples" / "photos"
SHEETS = sorted((SAMPLES / "sheets").glob("*.jpg"))[:2]


def read_rows(path):
    with open(path, newline="") as stream:
        return list(csv.reader(stream))


def digits_by_file(rows):
    found: dict[str, str] = {}
    for row in rows[1:]:
        found[row[0]] = found.get(row[0], "") + row[1]
    return found


def copy_samples(folder, count):
    folder.mkdir()
    chosen = sorted(SAMPLES.rglob("*.jpg"))[:count]
    for path in chosen:
        shutil.copy(path, folder / path.name)
    return sorted(p.name for p in chosen)


def test_pdf_and_tiff_pages_are_row_groups_in_file_then_page_order(tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    pages = [cv2.imread(str(path)) for path in SHEETS]
    for index, (path, page) in enumerate(zip(SHEETS, pages)):
        cv2.imwrite(str(folder / f"page{index + 1}.png"), page)  # the pages alone, lossless
    assert cv2.imwritemulti(str(folder / "bundle.tiff"), pages)
    Image.open(SHEETS[0]).save(folder / "scan.pdf", save_all=True, resolution=200.0,
                               append_images=[Image.open(SHEETS[1])])
    out = tmp_path / "out"
    assert main(["photos", str(folder), "--out", str(out)]) == 0
    rows = read_rows(out / "predictions.csv")
    names = list(dict.fromkeys(row[0] for row in rows[1:]))
    assert names == ["bundle.tiff#page=1", "bundle.tiff#page=2", "page1.png", "page2.png",
                     "scan.pdf#page=1", "scan.pdf#page=2"]
    # A TIFF page gives exactly the rows of the same pixels in a PNG (boxes included).
    for number in (1, 2):
        assert [r[1:] for r in rows if r[0] == f"bundle.tiff#page={number}"] == [
            r[1:] for r in rows if r[0] == f"page{number}.png"]
    # A PDF page, rendered at 200 dpi from a 200 dpi page (JPEG-compressed again inside the
    # PDF, so not the same pixels), reads the same digits but for a digit at most, and as
    # well as the page itself against the truth.
    found = digits_by_file(rows)
    truth = read_labels(SAMPLES / "labels.csv")
    for number, sheet in ((1, SHEETS[0]), (2, SHEETS[1])):
        pdf, png = found[f"scan.pdf#page={number}"], found[f"page{number}.png"]
        label = truth[f"sheets/{sheet.name}"]
        assert edit_distance(pdf, png) <= 1, (pdf, png)
        assert edit_distance(pdf, label) <= max(2, edit_distance(png, label)), (pdf, label)
    assert len(found["page1.png"]) >= 10
    assert (out / "annotated" / "scan.pdf#page=2.png").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_found"] == 4 and summary["files_read"] == 6
    # The same with two processes.
    assert main(["photos", str(folder), "--out", str(tmp_path / "o2"), "--jobs", "2"]) == 0
    assert read_rows(tmp_path / "o2" / "predictions.csv") == rows


def test_a_broken_pdf_is_reported_and_the_run_goes_on(tmp_path, capsys):
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    shutil.copy(SHEETS[0], folder / "sheet.jpg")
    out = tmp_path / "out"
    assert main(["photos", str(folder), "--out", str(out)]) == 2
    assert "broken.pdf: not a readable PDF" in capsys.readouterr().err
    assert {row[0] for row in read_rows(out / "predictions.csv")[1:]} == {"sheet.jpg"}


def test_local_run_interrupted_then_resumed_gives_each_file_once(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "photos"
    names = copy_samples(folder, 10)
    reference = tmp_path / "reference"
    assert main(["photos", str(folder), "--out", str(reference), "--no-annotate"]) == 0
    real = photos.read_files

    def interrupted_after_four(files, *args, **kwargs):
        for count, result in enumerate(real(files, *args, **kwargs)):
            if count == 4:
                raise KeyboardInterrupt
            yield result

    out = tmp_path / "out"
    monkeypatch.setattr(photos, "read_files", interrupted_after_four)
    arguments = ["photos", str(folder), "--out", str(out), "--no-annotate"]
    assert main(arguments) == 130
    monkeypatch.setattr(photos, "read_files", real)
    assert main(arguments + ["--resume"]) == 0
    assert "resuming: 4 of 10 files already read" in capsys.readouterr().err
    assert read_rows(out / "predictions.csv") == read_rows(reference / "predictions.csv")
    assert json.loads((out / "summary.json").read_text())["files_resumed"] == 4

    # A file changed since (its modification time) is read again; the others are not.
    changed = folder / names[7]
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    read_now = []

    def counting(files, *args, **kwargs):
        read_now.extend(files)
        yield from real(files, *args, **kwargs)

    monkeypatch.setattr(photos, "read_files", counting)
    assert main(arguments + ["--resume"]) == 0
    assert read_now == [names[7]]
    assert read_rows(out / "predictions.csv") == read_rows(reference / "predictions.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_resumed"] == 9 and summary["files_read"] == 10
    assert summary["digits_found"] == len(read_rows(reference / "predictions.csv")) - 1


def test_resume_drops_rows_whose_file_the_ledger_does_not_hold(tmp_path):
    """A kill between a file's rows and its ledger line: the rows go, the file is reread."""
    folder = tmp_path / "photos"
    names = copy_samples(folder, 4)
    out = tmp_path / "out"
    assert main(["photos", str(folder), "--out", str(out), "--no-annotate"]) == 0
    full = read_rows(out / "predictions.csv")
    ledger = (out / "progress.jsonl").read_text().splitlines()
    kept = [line for line in ledger if json.loads(line)["file"] != names[1]]
    (out / "progress.jsonl").write_text("\n".join(kept) + "\n")
    assert main(["photos", str(folder), "--out", str(out), "--no-annotate", "--resume"]) == 0
    assert read_rows(out / "predictions.csv") == full  # names[1]'s rows once, not twice
    assert json.loads((out / "summary.json").read_text())["files_resumed"] == 3


def test_a_glob_and_a_list_of_paths_and_uris_as_source(tmp_path):
    folder = tmp_path / "photos"
    names = copy_samples(folder, 4)
    (folder / "skip.png").write_bytes((folder / names[0]).read_bytes())
    by_glob = tmp_path / "by_glob"
    assert main(["photos", str(folder / "*.jpg"), "--out", str(by_glob), "--no-annotate"]) == 0
    assert list(dict.fromkeys(r[0] for r in read_rows(by_glob / "predictions.csv")[1:])) == names
    listing = tmp_path / "list.txt"
    listing.write_text(f"# the archive\nphotos/{names[0]}\n{folder / names[1]}\n"
                       f"file://{folder / names[2]}\n")
    by_list = tmp_path / "by_list"
    assert main(["photos", str(listing), "--out", str(by_list)]) == 0
    rows = read_rows(by_list / "predictions.csv")
    expected = {f"photos/{names[0]}": names[0], str(folder / names[1]): names[1],
                f"file://{folder / names[2]}": names[2]}
    found, reference = digits_by_file(rows), digits_by_file(read_rows(by_glob / "predictions.csv"))
    assert set(found) == set(expected)
    assert all(found[name] == reference[original] for name, original in expected.items())
    # Absolute paths and URIs keep their annotated images inside OUTDIR.
    annotated = sorted(p.relative_to(by_list) for p in by_list.rglob("*.png"))
    assert len(annotated) == 3 and all(p.parts[0] == "annotated" for p in annotated)


def test_parquet_holds_the_csv_rows(tmp_path):
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    folder = tmp_path / "photos"
    copy_samples(folder, 3)
    out = tmp_path / "out"
    assert main(["photos", str(folder), "--out", str(out), "--format", "parquet",
                 "--no-annotate"]) == 0
    table = pyarrow_parquet.read_table(out / "predictions.parquet").to_pylist()
    rows = read_rows(out / "predictions.csv")
    assert [list(map(str, (r["file"], r["digit"], f"{r['confidence']:.4f}", r["x"], r["y"],
                           r["w"], r["h"], r["line"]))) for r in table] == rows[1:]
    assert not (out / "annotated").exists()


def test_engine_ray_without_ray_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "ray.data", None)
    assert main(["photos", str(SAMPLES), "--out", str(tmp_path / "o"), "--engine", "ray"]) == 1
    err = capsys.readouterr().err
    assert "pip install 'recognizer[cluster]'" in err
    assert not (tmp_path / "o").exists()  # nothing written before the message


def test_the_local_engine_never_imports_ray(tmp_path):
    code = ("import sys; from recognizer.apps.cli import main; "
            f"status = main(['photos', {str(SHEETS[0].parent)!r}, '--out', {str(tmp_path)!r}]);"
            "assert 'ray' not in sys.modules, 'ray imported'; sys.exit(status)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)))
    assert completed.returncode == 0, completed.stderr[-1000:]


def test_cli_checks_the_archive_options(tmp_path, capsys):
    for arguments, message in (
        (["--resume", "--json"], "--resume needs --out"),
        (["--out", "o", "--workers", "2"], "options of --engine ray"),
        (["--out", "o", "--engine", "ray", "--jobs", "2"], "use --workers"),
    ):
        with pytest.raises(SystemExit):
            main(["photos", str(SAMPLES), *arguments])
        assert message in capsys.readouterr().err


def test_tiff_page_count_and_split_page():
    from recognizer.apps.archive_inputs import split_page, tiff_page_count

    ok, encoded = cv2.imencode(".tiff", np.zeros((8, 8), np.uint8))
    assert tiff_page_count(encoded.tobytes()) == 1 and tiff_page_count(b"junk") == 1
    assert split_page("a/b.pdf#page=12") == ("a/b.pdf", 12)
    assert split_page("odd#page=x.png") == ("odd#page=x.png", 0)


def test_a_local_worker_that_dies_loses_no_file_and_a_poison_file_is_reported(tmp_path,
                                                                              monkeypatch,
                                                                              capsys):
    """--jobs 2: a worker killed (SIGKILL, as a segfault) is replaced and its files read
    again; a file that kills every worker reading it is reported after bounded tries."""
    from recognizer.apps.archive_inputs import FAULT_ENV
    from recognizer.core import config

    folder = tmp_path / "photos"
    names = copy_samples(folder, 10)
    reference = tmp_path / "reference"
    assert main(["photos", str(folder), "--out", str(reference), "--no-annotate"]) == 0
    expected = read_rows(reference / "predictions.csv")
    monkeypatch.setenv(FAULT_ENV, f"{names[4]}:1")
    out = tmp_path / "once"
    assert main(["photos", str(folder), "--out", str(out), "--no-annotate", "--jobs", "2"]) == 0
    assert read_rows(out / "predictions.csv") == expected
    monkeypatch.setenv(FAULT_ENV, f"{names[4]}:1000")
    out = tmp_path / "always"
    assert main(["photos", str(folder), "--out", str(out), "--no-annotate", "--jobs", "2"]) == 2
    assert f"{names[4]}: its reading killed the worker {config.ARCHIVE_MAX_TRIES} times" in (
        capsys.readouterr().err)
    assert read_rows(out / "predictions.csv") == [r for r in expected if r[0] != names[4]]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_read"] == 9 and [e["file"] for e in summary["errors"]] == [names[4]]
