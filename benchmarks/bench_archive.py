"""Benchmark archive runs: the local engine against `--engine ray`, and Ray's scaling.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_archive.py [--count 2000] [--cluster-count 1000]

In one run, on `count` one-megapixel photos (sheets of about 20 digits, rendered like the
samples from MNIST test digits by bench_photos.make_megapixel_photos) in a temporary folder:
1. photos per second of the whole `recognizer photos` command (start-up included) and of the
   run itself (summary.json), for the local engine with --jobs 2 and for --engine ray with
   --workers 2, with and without annotations (--no-annotate): `repeats` runs of each, in the
   order local, ray, ray, local, ... (a passing load hits both), the best of each compared;
2. Ray's start-up overhead: `ray.init()` of a local Ray, and the wall time of a run of 8
   photos with each engine;
3. scaling: a test cluster on this machine (ray.cluster_utils.Cluster) of one node of 1 CPU,
   then of two nodes (raylets) of 1 CPU each, reading `cluster-count` photos without
   annotations, with one actor per CPU: the ratio of photos per second.

Targets (issue 15): Ray with 2 workers >= 90% of the local engine's throughput; two 1-CPU
nodes >= 1.8x one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_photos import make_megapixel_photos  # noqa: E402


def command_run(folder: Path, out: Path, *extra: str) -> tuple[float, float, dict]:
    """(wall seconds, run seconds from summary.json, summary) of one `recognizer photos`."""
    shutil.rmtree(out, ignore_errors=True)
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "recognizer.apps.cli", "photos", str(folder), "--out", str(out),
         *extra], env=environment, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"recognizer photos {' '.join(extra)} failed:\n{completed.stderr[-2000:]}")
    summary = json.loads((out / "summary.json").read_text())
    return wall, summary["seconds"], summary


def cluster_run(folder: Path, out: Path, nodes: int) -> tuple[float, dict]:
    """photos/s of an in-process --engine ray run on a test cluster of `nodes` 1-CPU nodes."""
    import ray
    from ray.cluster_utils import Cluster

    from recognizer.apps.photo_runs import run_photos

    # The engine's actors run at the local engine's priority (as ray_engine does for a local
    # Ray): Ray's default nice 15 would measure the other jobs of a shared machine.
    os.environ.setdefault("RAY_worker_niceness", "0")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    for _ in range(nodes - 1):
        cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    try:
        shutil.rmtree(out, ignore_errors=True)
        run_photos(folder, out, engine="ray", workers=nodes, annotate=False, progress=False)
        summary = json.loads((out / "summary.json").read_text())
    finally:
        ray.shutdown()
        cluster.shutdown()
    return summary["files_read"] / summary["seconds"], summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--cluster-count", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each engine")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_archive_"))
    try:
        folder, small = work / "photos", work / "small"
        folder.mkdir()
        small.mkdir()
        started = time.perf_counter()
        make_megapixel_photos(folder, args.count)
        for path in sorted(folder.iterdir())[:8]:
            shutil.copy(path, small / path.name)
        print(f"{args.count} photos of 1155 x 866 px made in {time.perf_counter() - started:.0f} s"
              f"; machine: {os.cpu_count()} cores, shared with other jobs")

        rows = []
        engines = (("local --jobs 2", ["--jobs", "2"]),
                   ("ray --workers 2", ["--engine", "ray", "--workers", "2"]))
        for annotate in (True, False):
            flags = [] if annotate else ["--no-annotate"]
            for repeat in range(args.repeats):
                # local, ray, then ray, local: a load that comes and goes hits both.
                for label, extra in engines if repeat % 2 == 0 else engines[::-1]:
                    wall, seconds, summary = command_run(folder, work / "out", *extra, *flags)
                    rows.append((label + ("" if annotate else " --no-annotate"), wall, seconds,
                                 summary["files_read"], summary["digits_found"]))
                    print(f"  ({rows[-1][0]}: {wall:.1f} s)", flush=True)
        print("\n| run | photos | digits | wall s | photos/s (wall) | run s | photos/s (run) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, wall, seconds, read, digits in rows:
            print(f"| {label} | {read} | {digits} | {wall:.1f} | {read / wall:.1f} | "
                  f"{seconds:.1f} | {read / seconds:.1f} |")
        for suffix, what in (("", "annotated"), (" --no-annotate", "no annotations")):
            best = {label: min(r[1] for r in rows if r[0] == label + suffix)
                    for label, _ in engines}
            print(f"ray / local ({what}, best of {args.repeats} each, wall time): "
                  f"{best['local --jobs 2'] / best['ray --workers 2']:.2f} (target >= 0.90)")

        import ray

        start = time.perf_counter()
        ray.init(address="local", include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
        init_seconds = time.perf_counter() - start
        ray.shutdown()
        local_small = command_run(small, work / "out", "--no-annotate")[0]
        ray_small = command_run(small, work / "out", "--engine", "ray", "--no-annotate")[0]
        print(f"\nRay start-up: ray.init() of a local Ray {init_seconds:.1f} s; 8 photos: "
              f"{local_small:.1f} s local, {ray_small:.1f} s ray (overhead "
              f"{ray_small - local_small:.1f} s)")

        cluster_folder = work / "cluster"
        cluster_folder.mkdir()
        for path in sorted(folder.iterdir())[: args.cluster_count]:
            os.link(path, cluster_folder / path.name)
        one, _ = cluster_run(cluster_folder, work / "out", 1)
        two, summary = cluster_run(cluster_folder, work / "out", 2)
        spread = sorted(summary["nodes"].values(), reverse=True)
        print(f"\ntest cluster, {args.cluster_count} photos, no annotations: one 1-CPU node "
              f"{one:.1f} photos/s, two 1-CPU nodes {two:.1f} photos/s (files per node "
              f"{spread}): ratio {two / one:.2f} (target >= 1.8)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
