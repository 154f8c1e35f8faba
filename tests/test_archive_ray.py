"""`recognizer photos --engine ray` on a Ray test cluster of two 1-CPU nodes on this machine.

One cluster (ray.cluster_utils.Cluster: a head and a second raylet) is started for the module
and every test runs the engine in-process against it: the same rows as the local engine, a run
interrupted halfway and resumed, a driver killed (SIGKILL) and resumed, a head node lost mid-run
(a cluster of its own) and resumed, a worker killed mid-run (the engine's test-only fault hook:
the actor reading a given file kills itself with SIGKILL), a file that kills every worker
that reads it, and the work spread over both nodes. Marked `ray` (deselect: -m "not ray").
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from recognizer.apps.cli import main
from recognizer.core import config
from tests.conftest import PROJECT_ROOT

ray = pytest.importorskip("ray", reason="needs Ray: pip install 'recognizer[cluster]'")
ray_engine = pytest.importorskip("recognizer.apps.ray_engine")
FAULT_ENV = ray_engine.FAULT_ENV

pytestmark = pytest.mark.ray

SAMPLES = PROJECT_ROOT / "samples" / "photos"


@pytest.fixture(scope="module")
def cluster():
    """Two 1-CPU nodes (two raylets), the driver connected; shut down after the module."""
    from ray.cluster_utils import Cluster

    test_cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    test_cluster.add_node(num_cpus=1)
    test_cluster.wait_for_nodes()
    ray.init(address=test_cluster.address, log_to_driver=False, configure_logging=False)
    yield test_cluster
    ray.shutdown()
    test_cluster.shutdown()


@pytest.fixture(scope="module")
def local_rows(tmp_path_factory):
    """predictions.csv of the local engine on the samples (the reference)."""
    out = tmp_path_factory.mktemp("local")
    assert main(["photos", str(SAMPLES), "--out", str(out), "--no-annotate"]) == 0
    return read_rows(out / "predictions.csv")


def read_rows(path):
    with open(path, newline="") as stream:
        return list(csv.reader(stream))


def some_samples(tmp_path, count):
    """A folder with the first `count` sample photos (names kept, sorted)."""
    folder = tmp_path / "photos"
    folder.mkdir()
    chosen = sorted(p for p in SAMPLES.rglob("*.jpg"))[:count]
    for path in chosen:
        shutil.copy(path, folder / path.name)
    return folder, [p.name for p in chosen]


def test_ray_gives_the_local_rows_and_spreads_over_both_nodes(cluster, local_rows, tmp_path):
    out = tmp_path / "out"
    status = main(["photos", str(SAMPLES), "--out", str(out), "--engine", "ray",
                   "--workers", "2"])
    assert status == 0
    assert read_rows(out / "predictions.csv") == local_rows  # every row, in the same order
    summary = json.loads((out / "summary.json").read_text())
    assert summary["engine"] == "ray" and summary["files_read"] == summary["files_found"] == 32
    # Both raylets read files: two node ids, each with some of the 32 files.
    assert len(summary["nodes"]) == 2 and sum(summary["nodes"].values()) == 32
    assert min(summary["nodes"].values()) >= config.RAY_BATCH_SIZE
    # The driver wrote the annotated images the actors drew.
    assert (out / "annotated" / "sheets").is_dir()
    assert len(list((out / "annotated").rglob("*.png"))) == 32
    # Ray Data's usage report is off (RAY_DATA_USAGE_DISABLED): no actor started for it.
    actors = {actor["name"] for actor in ray.util.list_named_actors(all_namespaces=True)}
    assert "datasets_stats_actor" in actors and "DataUsageCollectionActor" not in actors


def test_interrupted_halfway_then_resumed_gives_each_file_once(cluster, local_rows, tmp_path,
                                                               monkeypatch, capsys):
    real_iter = ray_engine.RayReading.__iter__

    def stop_halfway(self):
        for count, result in enumerate(real_iter(self)):
            if count == 16:
                raise KeyboardInterrupt  # as Ctrl+C (or SIGTERM) in the middle of the run
            yield result

    out = tmp_path / "out"
    monkeypatch.setattr(ray_engine.RayReading, "__iter__", stop_halfway)
    arguments = ["photos", str(SAMPLES), "--out", str(out), "--engine", "ray", "--no-annotate"]
    assert main(arguments) == 130
    err = capsys.readouterr().err
    assert "interrupted after 16 of 32" in err and "--resume" in err
    first = read_rows(out / "predictions.csv")
    kept = {row[0] for row in first[1:]}
    assert 0 < len(kept) <= 16
    assert json.loads((out / "summary.json").read_text())["interrupted"] is True

    monkeypatch.setattr(ray_engine.RayReading, "__iter__", real_iter)
    assert main(arguments + ["--resume"]) == 0
    assert "resuming: 16 of 32 files already read" in capsys.readouterr().err
    assert read_rows(out / "predictions.csv") == local_rows
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_resumed"] == 16 and summary["files_read"] == 32
    ledger = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert sorted(entry["file"] for entry in ledger) == sorted(
        {row[0] for row in local_rows[1:]} | {e["file"] for e in ledger})
    assert len(ledger) == len({entry["file"] for entry in ledger}) == 32


def test_a_worker_killed_mid_run_loses_no_file(cluster, tmp_path, monkeypatch):
    folder, names = some_samples(tmp_path, 12)
    reference = tmp_path / "reference"
    assert main(["photos", str(folder), "--out", str(reference), "--no-annotate"]) == 0
    # The actor that begins the 6th file dies (SIGKILL) the first time it reads it in its
    # batch and the first time alone (the hook counts deaths of the file read alone, as in
    # the local engine): Ray restarts it and retries its batch, file by file, twice.
    monkeypatch.setenv(FAULT_ENV, f"{names[5]}:1")
    out = tmp_path / "out"
    assert main(["photos", str(folder), "--out", str(out), "--engine", "ray",
                 "--no-annotate"]) == 0
    assert read_rows(out / "predictions.csv") == read_rows(reference / "predictions.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_read"] == 12 and summary["errors"] == []


def test_a_file_that_kills_every_worker_is_reported_and_the_run_finishes(cluster, tmp_path,
                                                                        monkeypatch, capsys):
    folder, names = some_samples(tmp_path, 6)
    monkeypatch.setenv(FAULT_ENV, f"{names[2]}:1000")
    out = tmp_path / "out"
    assert main(["photos", str(folder), "--out", str(out), "--engine", "ray",
                 "--no-annotate"]) == 2
    assert f"{names[2]}: its reading killed the worker {config.ARCHIVE_MAX_TRIES} times" in (
        capsys.readouterr().err)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_read"] == 5 and [e["file"] for e in summary["errors"]] == [names[2]]
    files = {row[0] for row in read_rows(out / "predictions.csv")[1:]}
    assert files == set(names) - {names[2]}


def test_a_driver_killed_mid_run_keeps_what_it_read_and_resume_finishes(cluster, local_rows,
                                                                       tmp_path):
    """SIGKILL (no handler runs) of a `--engine ray` driver joined to the cluster: the rows of
    every file in progress.jsonl are in predictions.csv; --resume reads the rest."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "recognizer.apps.cli", "photos", str(SAMPLES), "--out",
               str(out), "--engine", "ray", "--address", cluster.address, "--no-annotate"]
    process = subprocess.Popen(command, env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ledger = out / "progress.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if ledger.exists() and len(ledger.read_text().splitlines()) >= config.RAY_BATCH_SIZE:
            break
        time.sleep(0.02)
    process.kill()
    process.wait(timeout=30)
    assert not (out / "summary.json").exists(), "the run ended before it could be killed"
    done = [json.loads(line)["file"] for line in ledger.read_text().splitlines()]
    assert config.RAY_BATCH_SIZE <= len(done) < 32
    kept = read_rows(out / "predictions.csv")
    expected_files = {row[0] for row in local_rows[1:]}
    assert {row[0] for row in kept[1:]} >= set(done) & expected_files
    assert main(["photos", str(SAMPLES), "--out", str(out), "--engine", "ray", "--no-annotate",
                 "--resume"]) == 0
    assert read_rows(out / "predictions.csv") == local_rows
    assert json.loads((out / "summary.json").read_text())["files_resumed"] == len(done)


def test_a_lost_head_node_keeps_what_was_read_says_so_and_resume_finishes(local_rows, tmp_path):
    """The head node of the cluster a run joined dies mid-run (its raylet and GCS killed):
    the run says so within seconds, exits 2 with summary.json "interrupted", keeps the rows
    of every file it had read, and --resume reads the rest, each file once."""
    from ray.cluster_utils import Cluster

    doomed = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    address = doomed.address
    out = tmp_path / "out"
    command = [sys.executable, "-m", "recognizer.apps.cli", "photos", str(SAMPLES), "--out",
               str(out), "--engine", "ray", "--address", address, "--no-annotate"]
    process = subprocess.Popen(command, env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ledger = out / "progress.jsonl"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if ledger.exists() and len(ledger.read_text().splitlines()) >= config.RAY_BATCH_SIZE:
                break
            time.sleep(0.02)
        doomed.remove_node(doomed.head_node, allow_graceful=False)
        killed = time.monotonic()
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        doomed.shutdown()
    assert time.monotonic() - killed < config.RAY_HEAD_LOST_SECONDS + 10
    assert process.returncode == 2, stderr[-2000:]
    assert f"lost the Ray head node at {address}" in stderr and "--resume" in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True
    done = [json.loads(line)["file"] for line in ledger.read_text().splitlines()]
    assert config.RAY_BATCH_SIZE <= len(done) < 32
    kept = {row[0] for row in read_rows(out / "predictions.csv")[1:]}
    assert kept >= set(done) & {row[0] for row in local_rows[1:]}
    assert main(["photos", str(SAMPLES), "--out", str(out), "--no-annotate", "--resume"]) == 0
    assert read_rows(out / "predictions.csv") == local_rows
    assert json.loads((out / "summary.json").read_text())["files_resumed"] == len(done)


def test_the_tracker_counts_a_batch_then_its_files_alone_after_a_death():
    """One round trip a batch: only a batch a worker died reading is read file by file, and
    a file is refused after ARCHIVE_MAX_TRIES deaths reading it alone."""
    tracker, NO_LIMIT = ray_engine._Tracker(), ray_engine._NO_LIMIT  # noqa: N806
    batch = ray_engine.batch_key(["a.jpg", "b.jpg"])
    assert batch == ray_engine.batch_key(["a.jpg", "b.jpg"]) != ray_engine.batch_key(["a.jpg"])
    assert tracker.begin("actor-1", batch, NO_LIMIT) == 0  # a first read: the batch at once
    tracker.end("actor-1")
    assert tracker.begin("actor-2", batch, NO_LIMIT) == 0  # read and ended: no death
    # actor-2 dies in the batch (no end): each retry reads its files alone; b.jpg kills
    # actor-3, -4 and -5 (each began it and never ended), and actor-6 is told not to read it.
    for number, deaths in ((3, 0), (4, 1), (5, 2), (6, 3)):
        assert tracker.begin(f"actor-{number}", batch, NO_LIMIT) >= 1
        assert tracker.begin(f"actor-{number}", "a.jpg", 3) == 0
        assert tracker.begin(f"actor-{number}", "b.jpg", 3) == deaths
    assert tracker.open["b.jpg"] == 3 and tracker.open["a.jpg"] == 0


def test_nothing_left_to_read_starts_no_ray(tmp_path, monkeypatch, capsys):
    """--resume of a finished run: every file is done, so no Ray is started (5-7 s)."""
    folder, names = some_samples(tmp_path, 2)
    out = tmp_path / "out"
    assert main(["photos", str(folder), "--out", str(out), "--no-annotate"]) == 0
    before = read_rows(out / "predictions.csv")

    def no_init(*args, **kwargs):
        raise AssertionError("Ray was started with nothing to read")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", no_init)
    assert main(["photos", str(folder), "--out", str(out), "--engine", "ray", "--no-annotate",
                 "--resume"]) == 0
    assert "resuming: 2 of 2 files already read" in capsys.readouterr().err
    assert read_rows(out / "predictions.csv") == before
    assert json.loads((out / "summary.json").read_text())["files_resumed"] == 2


def test_a_small_run_gives_every_worker_a_batch(cluster, tmp_path):
    """4 files on 2 workers: a batch of 2 each (a batch of config.RAY_BATCH_SIZE would leave
    one actor, here one node, without work)."""
    assert ray_engine.small_run_batch(4, 2, 8) == 2
    assert ray_engine.small_run_batch(9, 2, 8) == 5
    assert ray_engine.small_run_batch(2000, 2, 8) == 8
    assert ray_engine.small_run_batch(1, 4, 8) == 1
    folder, _ = some_samples(tmp_path, 4)
    out = tmp_path / "out"
    assert main(["photos", str(folder), "--out", str(out), "--engine", "ray", "--workers", "2",
                 "--no-annotate"]) == 0
    assert sorted(json.loads((out / "summary.json").read_text())["nodes"].values()) == [2, 2]
