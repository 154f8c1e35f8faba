"""Benchmark archive runs: the local engine against `--engine ray`, and Ray's scaling.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_archive.py [--count 2000] [--cluster-count 1000]

In one run, on `count` one-megapixel photos (sheets of about 20 digits, rendered like the
samples from MNIST test digits by bench_photos.make_megapixel_photos) in a temporary folder:
1. photos per second of the whole `recognizer photos` command (start-up included) and of the
   run itself (summary.json), for the local engine with --jobs 2 and for --engine ray with
   --workers 2, with and without annotations (--no-annotate): `repeats` runs of each, in the
   order local, ray, ray, local, ... (a passing load hits both), the best of each compared;
2. start-up: the same commands on 8 photos (`small-repeats` runs of each, alternated, the
   median kept), and `ray.init()` of a local Ray alone. With wall(N) = start-up + N / rate,
   each engine's steady rate is its marginal photos per second,
   (count - 8) / (wall(count) - wall(8)): measured the same way for both engines and printed
   beside the whole-command figure, never instead of it;
3. scaling: a test cluster on this machine (ray.cluster_utils.Cluster) of one node of 1 CPU,
   then of two nodes (raylets) of 1 CPU each, each node's processes pinned to a core of its
   own (as on machines of 1 CPU; the driver shares the head's; --unpinned leaves them free,
   and the one-node cluster then borrows the idle core), reading `cluster-count` photos
   without annotations, with one actor per CPU: the ratio of photos per second of the whole run
   (summary.json), and of the marginal rate (a run of 8 photos on the same cluster, after one
   of 8 that warms the driver, as the start-up);
4. with --joined: --engine ray --no-annotate joining a Ray that runs already (--address, as
   on a user's cluster), whose runs pay no ray.init() and no ray.shutdown();
5. the machine's own ceiling for step 3: two independent `--jobs 1` readers (no Ray), each
   pinned to its own core, on the two halves of the same photos at once, against one on one
   half alone, pinned to one core: what two cores give without Ray, beside step 3.

Targets (issue 15): Ray with 2 workers >= 90% of the local engine's throughput; two 1-CPU
nodes >= 1.8x one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_photos import make_megapixel_photos  # noqa: E402

SMALL = 8  # photos in a start-up run


def photos_command(folder: Path, out: Path, *extra: str) -> tuple[list[str], dict]:
    """The `recognizer photos` command line of this checkout, and its environment."""
    return ([sys.executable, "-m", "recognizer.apps.cli", "photos", str(folder), "--out",
             str(out), *extra], dict(os.environ, PYTHONPATH=str(ROOT)))


def command_run(folder: Path, out: Path, *extra: str) -> tuple[float, float, dict]:
    """(wall seconds, run seconds from summary.json, summary) of one `recognizer photos`."""
    shutil.rmtree(out, ignore_errors=True)
    command, environment = photos_command(folder, out, *extra)
    start = time.perf_counter()
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"recognizer photos {' '.join(extra)} failed:\n{completed.stderr[-2000:]}")
    summary = json.loads((out / "summary.json").read_text())
    return wall, summary["seconds"], summary


def cluster_runs(folder: Path, small: Path, out: Path, nodes: int,
                 pin_nodes: bool = True) -> dict:
    """In-process --engine ray runs on a test cluster of `nodes` 1-CPU nodes (each pinned to
    a core of its own unless pin_nodes is False): 8 photos (to warm the driver: its first
    Ray Data run imports and plans more), 8 photos again (the start-up) and every photo of
    folder; their summaries, by name."""
    import ray
    from ray.cluster_utils import Cluster

    from recognizer.apps.photo_runs import run_photos

    # The engine's actors run at the local engine's priority (as ray_engine does for a local
    # Ray): Ray's default nice 15 would measure the other jobs of a shared machine.
    os.environ.setdefault("RAY_worker_niceness", "0")
    # Each node on a core of its own, as on machines of 1 CPU: a node's processes (its
    # raylet and the workers it starts) inherit the affinity they were started with, and
    # the head's core is the driver's too. Without it the one-node cluster borrows the idle
    # second core for its driver, GCS and raylet, and the ratio measures that.
    cores = sorted(os.sched_getaffinity(0))
    pinned = pin_nodes and len(cores) >= nodes
    if pinned:
        os.sched_setaffinity(0, {cores[0]})
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    for index in range(1, nodes):
        if pinned:
            os.sched_setaffinity(0, {cores[index]})
        cluster.add_node(num_cpus=1)
    if pinned:
        os.sched_setaffinity(0, {cores[0]})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    summaries = {}
    try:
        for name, source in (("warm-up", small), ("small", small), ("all", folder)):
            shutil.rmtree(out, ignore_errors=True)
            run_photos(source, out, engine="ray", workers=nodes, annotate=False, progress=False)
            summaries[name] = json.loads((out / "summary.json").read_text())
    finally:
        ray.shutdown()
        cluster.shutdown()
        os.sched_setaffinity(0, cores)
    return summaries


def joined_runs(folder: Path, small: Path, out: Path, args, rows: list, smalls: list) -> None:
    """--engine ray --address: the same commands joining a Ray that runs already (a test
    cluster of one 2-CPU node, started here beforehand, as a user's `ray start --head`), so
    that no run pays ray.init() and ray.shutdown(); against the local engine's runs above."""
    import ray
    from ray.cluster_utils import Cluster

    os.environ.setdefault("RAY_worker_niceness", "0")  # (as a Ray the engine starts)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2})
    try:
        extra = ["--engine", "ray", "--workers", "2", "--address", cluster.address,
                 "--no-annotate"]
        wall = command_run(folder, out, *extra)[0]
        start = statistics.median(command_run(small, out, *extra)[0]
                                  for _ in range(args.small_repeats))
    finally:
        ray.shutdown()
        cluster.shutdown()
    label = "local --jobs 2 --no-annotate"
    local_best = min(r[1] for r in rows if r[0] == label)
    local_start = statistics.median(w for name, w in smalls if name == label)
    whole = local_best / wall
    steady = (marginal_rate(args.count, wall, SMALL, start)
              / marginal_rate(args.count, local_best, SMALL, local_start))
    print(f"ray --workers 2 --no-annotate joining a running Ray (--address): {wall:.1f} s, "
          f"{SMALL} photos {start:.1f} s; ray / local: {whole:.2f} of the whole command, "
          f"{steady:.2f} steady (local: best run above; this run was not alternated with it)")


def machine_ceiling(folder: Path, work: Path) -> tuple[float, float, float]:
    """What two cores of this machine give for reading, without Ray or any coordination:
    `recognizer photos --jobs 1 --no-annotate` on one half of folder alone, pinned to one
    core (a 1-CPU node's share: `--jobs 1` reads in its main process with LiteRT's and
    OpenCV's default threads, which would take both cores), then on both halves at once,
    each process pinned to its own core. Returns (run seconds alone, run seconds of the
    slower of the pair, ratio of photos per second: pair / alone), run seconds from
    summary.json as for the test cluster."""
    names = sorted(folder.iterdir())
    halves = [work / "half_a", work / "half_b"]
    for half, part in zip(halves, (names[::2], names[1::2])):
        half.mkdir()
        for path in part:
            os.link(path, half / path.name)

    def start(half: Path, core: int) -> subprocess.Popen:
        command, environment = photos_command(half, work / f"out_{half.name}", "--jobs", "1",
                                              "--no-annotate")
        return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                preexec_fn=lambda: os.sched_setaffinity(0, {core}))

    def finish(processes: list, used: list[Path]) -> list[float]:
        seconds = []
        for half, process in zip(used, processes):
            if process.wait() != 0:
                sys.exit(f"recognizer photos {half} --jobs 1 failed (exit {process.returncode})")
            summary = json.loads((work / f"out_{half.name}" / "summary.json").read_text())
            seconds.append(summary["seconds"])
        return seconds

    cores = sorted(os.sched_getaffinity(0))[:2]
    (alone,) = finish([start(halves[0], cores[0])], halves[:1])
    pair = max(finish([start(half, core) for half, core in zip(halves, cores)], halves))
    count_a, count_b = (len(list(half.iterdir())) for half in halves)
    ratio = ((count_a + count_b) / pair) / (count_a / alone)
    return alone, pair, ratio


def marginal_rate(count: int, seconds: float, small_count: int, small_seconds: float) -> float:
    """Photos per second past the start-up: (count - small_count) / (seconds - small_seconds)."""
    return (count - small_count) / (seconds - small_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--cluster-count", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each engine")
    parser.add_argument("--small-repeats", type=int, default=3,
                        help="runs of each engine on 8 photos (the start-up)")
    parser.add_argument("--unpinned", action="store_true",
                        help="test cluster nodes not pinned to a core each (as before)")
    parser.add_argument("--joined", action="store_true",
                        help="also --engine ray --address, joining a Ray started beforehand")
    args = parser.parse_args()
    # Ray's workers (of the test clusters started in this process) import this checkout.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    work = Path(tempfile.mkdtemp(prefix="bench_archive_"))
    try:
        folder, small = work / "photos", work / "small"
        folder.mkdir()
        small.mkdir()
        started = time.perf_counter()
        make_megapixel_photos(folder, args.count)
        for path in sorted(folder.iterdir())[:SMALL]:
            shutil.copy(path, small / path.name)
        print(f"{args.count} photos of 1155 x 866 px made in {time.perf_counter() - started:.0f} s"
              f"; machine: {os.cpu_count()} cores; load average at the start "
              f"{os.getloadavg()[0]:.1f}")

        rows, smalls = [], []
        engines = (("local --jobs 2", ["--jobs", "2"]),
                   ("ray --workers 2", ["--engine", "ray", "--workers", "2"]))
        for annotate in (True, False):
            flags = [] if annotate else ["--no-annotate"]
            suffix = "" if annotate else " --no-annotate"
            for repeat in range(args.repeats):
                # local, ray, then ray, local: a load that comes and goes hits both.
                for label, extra in engines if repeat % 2 == 0 else engines[::-1]:
                    wall, seconds, summary = command_run(folder, work / "out", *extra, *flags)
                    rows.append((label + suffix, wall, seconds, summary["files_read"],
                                 summary["digits_found"]))
                    print(f"  ({rows[-1][0]}: {wall:.1f} s)", flush=True)
            for repeat in range(args.small_repeats):
                for label, extra in engines if repeat % 2 == 0 else engines[::-1]:
                    wall = command_run(small, work / "out", *extra, *flags)[0]
                    smalls.append((label + suffix, wall))
        print(f"\nload average at the end of the engine runs: {os.getloadavg()[0]:.1f}")
        print("\n| run | photos | digits | wall s | photos/s (wall) | run s | photos/s (run) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, wall, seconds, read, digits in rows:
            print(f"| {label} | {read} | {digits} | {wall:.1f} | {read / wall:.1f} | "
                  f"{seconds:.1f} | {read / seconds:.1f} |")
        print(f"\n| {args.count} photos | local wall s | ray wall s | local photos/s | "
              "ray photos/s | ray / local |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        ratios = []
        for suffix, what in (("", "annotated"), (" --no-annotate", "--no-annotate")):
            best = {label: min(r[1] for r in rows if r[0] == label + suffix)
                    for label, _ in engines}
            start = {label: statistics.median(w for name, w in smalls if name == label + suffix)
                     for label, _ in engines}
            whole = {label: args.count / best[label] for label in best}
            steady = {label: marginal_rate(args.count, best[label], SMALL, start[label])
                      for label in best}
            local, ray_label = (label for label, _ in engines)
            print(f"| {what}, whole command (best of {args.repeats}) | {best[local]:.1f} | "
                  f"{best[ray_label]:.1f} | {whole[local]:.1f} | {whole[ray_label]:.1f} | "
                  f"**{whole[ray_label] / whole[local]:.2f}** |")
            print(f"| {what}, {SMALL} photos (start-up, median of {args.small_repeats}) | "
                  f"{start[local]:.1f} | {start[ray_label]:.1f} | | | |")
            print(f"| {what}, steady: (count - {SMALL}) / (wall - wall of {SMALL}) | | | "
                  f"{steady[local]:.1f} | {steady[ray_label]:.1f} | "
                  f"**{steady[ray_label] / steady[local]:.2f}** |")
            ratios.append((what, whole[ray_label] / whole[local],
                           steady[ray_label] / steady[local],
                           start[ray_label] - start[local]))
        if args.count < 50 * SMALL:
            print(f"(with --count {args.count} the steady figures are mostly noise: the "
                  f"difference of two short runs; use a count of {50 * SMALL} or more)")
        for what, whole_ratio, steady_ratio, overhead in ratios:
            print(f"ray / local ({what}): {whole_ratio:.2f} of the whole command, "
                  f"{steady_ratio:.2f} steady (target >= 0.90); Ray's start-up costs "
                  f"{overhead:.1f} s more than the local engine's")

        import ray

        start_time = time.perf_counter()
        ray.init(address="local", include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
        init_seconds = time.perf_counter() - start_time
        ray.shutdown()
        print(f"\nRay start-up: ray.init() of a local Ray alone {init_seconds:.1f} s")
        if args.joined:
            joined_runs(folder, small, work / "out", args, rows, smalls)

        cluster_folder = work / "cluster"
        cluster_folder.mkdir()
        for path in sorted(folder.iterdir())[: args.cluster_count]:
            os.link(path, cluster_folder / path.name)
        one = cluster_runs(cluster_folder, small, work / "out", 1, not args.unpinned)
        two = cluster_runs(cluster_folder, small, work / "out", 2, not args.unpinned)
        rates = {}
        for label, runs in (("one 1-CPU node", one), ("two 1-CPU nodes", two)):
            whole = runs["all"]["files_read"] / runs["all"]["seconds"]
            steady = marginal_rate(runs["all"]["files_read"], runs["all"]["seconds"],
                                   runs["small"]["files_read"], runs["small"]["seconds"])
            rates[label] = whole, steady
            spread = sorted(runs["all"]["nodes"].values(), reverse=True)
            print(f"test cluster, {label}: {runs['all']['files_read']} photos in "
                  f"{runs['all']['seconds']:.1f} s ({whole:.1f} photos/s; files per node "
                  f"{spread}), {SMALL} photos in {runs['small']['seconds']:.1f} s; steady "
                  f"{steady:.1f} photos/s")
        (one_whole, one_steady), (two_whole, two_steady) = rates.values()
        print(f"test cluster, {args.cluster_count} photos, no annotations: two nodes / one "
              f"{two_whole / one_whole:.2f} of the whole run, {two_steady / one_steady:.2f} "
              "steady (target >= 1.8)" + (" (steady figures: mostly noise at this count)"
                                          if args.cluster_count < 50 * SMALL else ""))
        alone, pair, ceiling = machine_ceiling(cluster_folder, work)
        print(f"this machine without Ray: one `--jobs 1` reader on half of the "
              f"{args.cluster_count} photos {alone:.1f} s alone, two at once on both halves "
              f"{pair:.1f} s, each pinned to a core: two cores read {ceiling:.2f}x one; test "
              f"cluster two nodes / one {two_whole / one_whole:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
