"""Cluster mode: the same scan, run on an existing Dask cluster (`pip install 'pi-scan[dask]'`).

The client (the `pi-scan scan --scheduler tcp://HOST:PORT` process) keeps everything that
makes a scan a scan: discovery, hashing, the results store, the order of results, reports and
the exit code.  The cluster only scans: each task gets one app, by path when the files are on
storage every worker sees, or with `--stream` as bytes that the worker writes into a private
temporary folder of its own (mode 0700), scans and deletes.  Nothing from an app is executed.

On a worker, a task scans in a child process of a one-worker `WorkerPool` kept per worker
thread, so the time and memory limits hold there too and a parser crash costs one app, not
the Dask worker.  Dask's nanny runs workers as daemonic processes, which may not have
children; such workers scan in-thread, without those limits (start workers with
`DASK_DISTRIBUTED__WORKER__DAEMON=False` to keep them).

Tasks are submitted a window at a time (twice the cluster's threads), so a stream of
thousands of apps never sits whole in the client's memory.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from pi_scan.batch.codec import at_path
from pi_scan.batch.pool import Limits, WorkerPool
from pi_scan.batch.task import (
    CHANGED,
    Done,
    Fingerprint,
    Job,
    ScanSetup,
    error_result,
    load_setup,
    scan_job,
    signature,
)
from pi_scan.errors import PiScanError

CONNECT_TIMEOUT = "20s"


class ClusterError(PiScanError):
    """The cluster cannot be used: Dask missing, or the scheduler not reachable."""


def run_on_cluster(
    address: str, jobs: Iterable[Job], setup: bytes, limits: Limits, stream: bool
) -> Iterator[Done]:
    """Scan the jobs on the cluster at `address`; yield results as they finish."""
    client = _connect(address)
    try:
        yield from _Submitter(client, setup, limits, stream).run(jobs)
    finally:
        client.close()


def _connect(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--scheduler needs Dask: pip install 'pi-scan[dask]'") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


class _Submitter:
    """Keeps a window of tasks in flight and turns each finished task into a Done."""

    def __init__(self, client: Any, setup: bytes, limits: Limits, stream: bool) -> None:
        from distributed import as_completed

        self.client = client
        self.limits = limits
        self.stream = stream
        self.setup = client.scatter(setup, broadcast=True, hash=True)
        self.window = max(2, 2 * sum(client.nthreads().values()))
        self.running = as_completed(loop=client.loop)  # type: ignore[no-untyped-call]
        self.jobs: dict[str, Job] = {}

    def run(self, jobs: Iterable[Job]) -> Iterator[Done]:
        pending = iter(jobs)
        for job in pending:
            yield from self._submit(job)
            if len(self.jobs) >= self.window:
                break
        for future in self.running:
            yield self._done(future)
            for job in pending:
                yield from self._submit(job)
                if len(self.jobs) >= self.window:
                    break

    def _submit(self, job: Job) -> Iterator[Done]:
        """Send one job; a file the client cannot stream is settled here at once."""
        data = None
        if self.stream:
            data, problem = _read(job)
            if problem is not None:
                yield Done(job.index, error_result(job.path, problem), False)
                return
        sent = replace(job, path=job.path if self.stream else os.path.abspath(job.path))
        payload = self.client.scatter(data, hash=False) if data is not None else None
        future = self.client.submit(
            cluster_task, self.setup, sent, payload, self.limits, pure=False
        )
        self.jobs[future.key] = job
        self.running.add(future)  # type: ignore[no-untyped-call]

    def _done(self, future: Any) -> Done:
        job = self.jobs.pop(future.key)
        try:
            done = future.result()
        except Exception as exc:  # KilledWorker, a lost connection, ...
            reason = f"cluster task failed ({type(exc).__name__}: {exc})"
            return Done(job.index, error_result(job.path, reason), False)
        finally:
            future.release()
        if not isinstance(done, Done):
            return Done(job.index, error_result(job.path, "cluster task returned nothing"), False)
        return done


def _read(job: Job) -> tuple[bytes | None, str | None]:
    """The file's bytes, which must be the bytes that were hashed, or why they cannot be sent."""
    before = signature(job.path)
    if job.fingerprint is None or before != job.fingerprint.signature:
        return None, _unreadable(job.path)
    try:
        with open(job.path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return None, f"cannot read file ({exc.strerror or exc})"
    if hashlib.sha256(data).hexdigest() != job.fingerprint.sha256:
        return None, CHANGED
    return data, None


def _unreadable(path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read file ({exc.strerror or exc})"
    import stat

    return "not a regular file" if not stat.S_ISREG(mode) else CHANGED


# --- on the Dask worker -----------------------------------------------------------------------


def cluster_task(setup: bytes, job: Job, data: bytes | None, limits: Limits) -> Done:
    """One app, on a Dask worker: from shared storage, or streamed into a private temp file."""
    if data is None:
        return _isolated(setup, job, limits)
    name = os.path.basename(job.path) or "app.apk"
    with tempfile.TemporaryDirectory(prefix="pi-scan-") as folder:  # mode 0700
        path = os.path.join(folder, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        local = Job(job.index, path, _pinned(path, job.fingerprint))
        done = _isolated(setup, local, limits)
    return replace(done, result=at_path(done.result, job.path))


def _pinned(path: str, sent: Fingerprint | None) -> Fingerprint | None:
    stats = signature(path)
    return Fingerprint(sent.sha256, stats) if sent is not None and stats is not None else None


_local = threading.local()
_loaded: dict[str, ScanSetup] = {}
_lock = threading.Lock()


def _isolated(setup: bytes, job: Job, limits: Limits) -> Done:
    """Scan in this thread's worker process (made on first use), or in-thread where a daemonic
    Dask worker may not start processes."""
    digest = hashlib.sha256(setup).hexdigest()
    if multiprocessing.current_process().daemon:
        return scan_job(_setup_for(digest, setup), job)
    current = getattr(_local, "pool", None)
    if current is None or current[0] != (digest, limits):
        if current is not None:
            current[1].close()
        current = ((digest, limits), WorkerPool(setup, 1, limits))
        _local.pool = current
    pool: WorkerPool = current[1]
    return pool.run_one(job)


def _setup_for(digest: str, setup: bytes) -> ScanSetup:
    with _lock:
        if digest not in _loaded:
            _loaded.clear()
            _loaded[digest] = load_setup(setup)
        return _loaded[digest]
