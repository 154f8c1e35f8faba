"""`recognizer photos SOURCE --engine ray`: read an archive with Ray actors, on one machine
or a cluster.

Ray Data holds the list of files (`from_items`) and streams it in batches of
config.RAY_BATCH_SIZE to an actor pool (`map_batches(..., concurrency=N)`): each actor loads
the Recognizer once and reads its files with the local engine's per-file code
(`photos.read_source`: the same loader, detector, pages and error boundary), so a bad file is
a reported result, never a failed Ray task. Results stream back to the driver (pickled
FileResults), which writes them as they come: predictions.csv, progress.jsonl. An actor on
the driver's node writes its annotated images into OUTDIR itself (as the local engine's
workers do); an actor on another node sends them back with its results (OUTDIR is the
driver's), and the driver writes them.

Faults: Ray Data restarts an actor that dies and retries its batch (max_restarts and
max_task_retries default to -1 for actor pools). A file that kills its worker every time
would be retried for ever, so a small tracker actor counts the reads begun and never finished
(the worker died reading them): per batch (one call a batch), and, for a batch that a worker
died reading before, per file (each file read alone, as the local engine reads the files of a
lost chunk); after config.ARCHIVE_MAX_TRIES deaths reading it alone a file is reported failed
and skipped, and the run finishes.

Ray is an optional extra (pip install 'recognizer[cluster]'); nothing else imports this
module, so the local engine never needs Ray.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import socket
import threading
import time
import uuid
from collections import Counter
from typing import Callable, Iterator

import numpy as np

from recognizer.apps.archive_inputs import FAULT_ENV, inject_test_fault
from recognizer.core import config
from recognizer.core.errors import RecognizerError

INSTALL_HINT = "pip install 'recognizer[cluster]'"
_NO_LIMIT = 1 << 62  # the tracker's max_tries for a batch: a batch is never refused


class RayMissingError(RecognizerError):
    """--engine ray without Ray installed."""


class ClusterLostError(RecognizerError):
    """The Ray cluster (its head node, or the driver's link to it) went away mid-run."""


def import_ray():
    """Ray and Ray Data, or a RayMissingError that says how to install them."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise RayMissingError(
            f"--engine ray needs Ray Data, which is not installed: {INSTALL_HINT} "
            "(or use the local engine: drop --engine ray)") from exc
    return ray


class _Tracker:
    """Counts, per batch and per file, the reads begun and not finished: a worker died
    reading it. (A batch is named by `batch_key`, a file by its name.)"""

    def __init__(self):
        self.open: dict[str, int] = {}
        self.current: dict[str, str] = {}  # actor key -> the batch or file it is reading

    def begin(self, key: str, name: str, max_tries: int) -> int:
        """Note that actor `key` begins `name`, a batch or a file (and finished what it read
        before); return how many workers died reading it before. At max_tries or more it
        is not begun."""
        self.end(key)
        deaths = self.open.get(name, 0)
        if deaths < max_tries:
            self.open[name] = deaths + 1
            self.current[key] = name
        return deaths

    def end(self, key: str) -> None:
        name = self.current.pop(key, None)
        if name is not None:
            self.open[name] -= 1


class _HeadWatch:
    """Probes the head node's GCS from a thread; when it stops answering, marks the cluster
    lost and calls on_lost(message) from that thread.

    The driver cannot stop in its own thread: it is blocked in Ray, and unwinding Ray Data's
    iterator waits on the lost GCS until Ray ends the process from its C++ core (after
    gcs_rpc_server_reconnect_timeout_s, 60 s by default) with no word to the user and no
    summary. So the caller's on_lost says what happened, writes what it must and ends the
    process itself; the rows are on disk already (streamed, flushed per file).
    """

    def __init__(self, gcs_address: str, on_lost):
        host, _, port = gcs_address.rpartition(":")
        self.host, self.port = host or "127.0.0.1", int(port)
        self.on_lost = on_lost
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="ray-head-watch", daemon=True)

    def __enter__(self) -> "_HeadWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()

    def answers(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port),
                                          timeout=config.RAY_HEAD_PROBE_SECONDS):
                return True
        except OSError:
            return False

    def _watch(self) -> None:
        last_seen = time.monotonic()
        while not self._stop.wait(config.RAY_HEAD_PROBE_SECONDS):
            if self.answers():
                last_seen = time.monotonic()
            elif time.monotonic() - last_seen >= config.RAY_HEAD_LOST_SECONDS:
                self.lost = True
                self.on_lost(f"lost the Ray head node at {self.host}:{self.port} (it stopped "
                             f"answering for {config.RAY_HEAD_LOST_SECONDS:.0f} s)")
                return


def small_run_batch(files: int, workers: int, batch_size: int) -> int:
    """The batch size for a run of `files` on `workers` actors: batch_size, or less when
    that many files would leave an actor without a batch (8 files, 2 actors: 4 each)."""
    return max(1, min(batch_size, -(-files // max(1, workers))))


def batch_key(names: list[str]) -> str:
    """The tracker's name for a batch of files (a retried batch has the same files)."""
    return "batch:" + hashlib.sha1("\n".join(names).encode("utf-8")).hexdigest()


class PageReader:
    """A Ray Data actor: the model loaded once, then batches of file names read."""

    def __init__(self, options, tracker, max_tries: int, driver_node: str):
        import dataclasses

        import ray

        from recognizer.apps.photos import worker_recognizer

        self._ray = ray
        self.tracker = tracker
        self.max_tries = max_tries
        self.key = uuid.uuid4().hex  # a restarted actor is a new reader
        self.node = ray.get_runtime_context().get_node_id()
        # On the driver's node the actor writes its annotated images into OUTDIR itself, as
        # the local engine's workers do; elsewhere OUTDIR is the driver's, so they go back.
        self.options = dataclasses.replace(options, return_annotations=self.node != driver_node)
        # The actor holds one CPU: one thread for OpenCV too (LiteRT's: worker_recognizer).
        import cv2

        cv2.setNumThreads(1)
        self.recognizer = worker_recognizer(options)

    def __call__(self, batch: dict) -> dict:
        from recognizer.apps.photos import FileResult, read_source

        names = [str(name) for name in batch["file"]]
        # One round trip a batch. A worker that died reading this batch before left it open:
        # then each of its files is begun alone (a round trip a file), so that a death names
        # its file. (A batch is never refused: no limit on its tries.)
        alone = self._ray.get(self.tracker.begin.remote(self.key, batch_key(names), _NO_LIMIT))
        payloads = []
        for name in names:
            deaths = 0
            if alone:
                deaths = self._ray.get(self.tracker.begin.remote(self.key, name, self.max_tries))
            if deaths >= self.max_tries:
                results = [FileResult(name, error=f"its reading killed the worker {deaths} "
                                      "times (a crash in a decoder?); not tried again")]
            else:
                inject_test_fault(name, deaths)
                results = read_source(name, self.options, self.recognizer)
            payloads.append(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
        self.tracker.end.remote(self.key)  # (no wait: the actor's next call comes after it)
        return {"file": np.array(names, dtype=object),
                "results": np.array(payloads, dtype=object),
                "node": np.array([self.node] * len(names), dtype=object)}


class RayReading:
    """Iterate to read `files` on Ray (results as they come); then `files_per_node` says
    where they were read. Starts a local Ray unless one is running or address is given.

    on_head_lost(message): called from a watch thread if the head node stops answering
    mid-run (`_HeadWatch`); it must end the process. Without it, Ray itself ends the
    process, a minute later and without a word.
    """

    def __init__(self, files: list[str], options, address: str | None = None,
                 workers: int | None = None, batch_size: int = config.RAY_BATCH_SIZE,
                 max_tries: int = config.ARCHIVE_MAX_TRIES,
                 on_head_lost: Callable[[str], None] | None = None):
        self.files, self.options, self.address = files, options, address
        self.on_head_lost = on_head_lost
        self.workers, self.batch_size, self.max_tries = workers, batch_size, max_tries
        self.files_per_node: Counter = Counter()
        self.ray = import_ray()

    def __iter__(self) -> Iterator:
        if not self.files:  # (--resume of a finished run): no Ray to start, 5-7 s saved
            return
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            if self.address is None:
                # Ray runs its workers at nice 15 to keep its own daemons responsive; here the
                # actors are the work itself, and at nice 15 on a busy machine they would
                # yield to everything else, which the local engine's workers do not.
                os.environ.setdefault("RAY_worker_niceness", "0")
            try:
                # "local" starts a new Ray even where one runs already (ray.init() without an
                # address would join a Ray started on this machine by someone else).
                ray.init(address=self.address or "local", include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ClusterLostError(f"cannot start or join Ray at {self.address or 'local'}"
                                       f" ({exc})") from exc
        watch = _HeadWatch(ray.get_runtime_context().gcs_address,
                                         self.on_head_lost or (lambda message: None))
        try:
            with watch:
                yield from self._read()
        except ray.exceptions.RayError as exc:
            raise ClusterLostError(f"the Ray run stopped ({type(exc).__name__}: "
                                   f"{str(exc).strip().splitlines()[0][:160]})") from exc
        finally:
            # With the head gone there is no cluster to leave (and shutting down would wait
            # on it): the process ends, and Ray's workers on other nodes with it.
            if started_here and not watch.lost:
                ray.shutdown()

    def _read(self) -> Iterator:
        ray = self.ray
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        # Start every actor before the first batch: a pool filled as actors come up hands the
        # first ones more than their share (and a small run all of it to one node).
        context.wait_for_min_actors_s = config.RAY_ACTOR_START_SECONDS
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # our own report says enough
        # No usage report of Ray Data's (Ray's documented opt-out): on a cluster with usage
        # stats on, it is one more actor process to start (1.3-1.6 s of CPU here) while the
        # readers start. Set to 0 to keep it.
        os.environ.setdefault("RAY_DATA_USAGE_DISABLED", "1")
        workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        tracker = ray.remote(num_cpus=0)(_Tracker).remote()
        remote_args = {}
        if os.environ.get(FAULT_ENV):  # (the test hook reaches actors of a running cluster)
            remote_args["runtime_env"] = {"env_vars": {FAULT_ENV: os.environ[FAULT_ENV]}}
        # A block a batch, and at least one batch per actor: a small run still uses them all
        # (Ray Data would join a run of 8 files' blocks into one batch for one actor). With
        # no more batches than actors, one in flight an actor: Ray Data prefers the actors on
        # the node holding the blocks (the driver's), which would take two each.
        batch_size = small_run_batch(len(self.files), workers, self.batch_size)
        blocks = -(-len(self.files) // batch_size)
        in_flight = 1 if blocks <= workers else config.RAY_BATCHES_IN_FLIGHT
        dataset = ray.data.from_items([{"file": name} for name in self.files],
                                      override_num_blocks=blocks)
        dataset = dataset.map_batches(
            PageReader, batch_size=batch_size, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(
                size=workers, max_tasks_in_flight_per_actor=in_flight),
            num_cpus=1, fn_constructor_kwargs={
                "options": self.options, "tracker": tracker, "max_tries": self.max_tries,
                "driver_node": ray.get_runtime_context().get_node_id()},
            **remote_args,
        )
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy",
                                          prefetch_batches=0):
            for node, payload in zip(batch["node"], batch["results"]):
                self.files_per_node[str(node)] += 1
                yield from pickle.loads(payload)
