"""A small process pool for scanning apps: one job at a time per worker, limits per job, and a
dead worker costs one app, never the batch.

concurrent.futures.ProcessPoolExecutor is not used because one worker that dies (a segfault
in a parser, the kernel's OOM killer, a SIGKILL) breaks the whole executor and every pending
future with it.  Here the parent keeps one pipe per worker and waits on the pipes and the
process sentinels together: a worker that dies or overruns its deadline is killed and
replaced, its app gets an error result naming the reason, and the other workers go on.

Workers are started with the "forkserver" method where there is one (Linux), else "spawn":
either way a worker is a fresh interpreter that inherits no state (androguard's and loguru's
globals, open stores, signal handlers) from the pi-scan process.  The fork server preloads the
extraction modules once, so starting a replacement worker costs milliseconds.

For a single app, or no more apps than workers, that is more than it gives: the fork server's
imports, pickling the rules and catalogues to each worker and unpickling them there cost about
0.4 s, more than scanning a small app.  A pool made with the `ScanSetup` itself instead of its
bytes forks its workers straight from this process (`can_fork`): they inherit the loaded rules
and the imported extraction modules, and are held to the same limits, pipe protocol and crash
handling.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import TYPE_CHECKING

from pi_scan.batch.task import (
    Done,
    Job,
    ScanSetup,
    error_result,
    load_setup,
    memory_message,
    scan_job,
)

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext

PRELOAD = ["pi_scan.batch.task", "pi_scan.extract"]
_EXIT_GRACE_S = 2.0


@dataclass(frozen=True)
class Limits:
    """Per-app limits enforced on workers; None (or 0 on the command line) means no limit."""

    timeout: float | None = 600.0  # seconds of wall time for one app
    memory_mb: int | None = 4096  # address space of a worker process (RLIMIT_AS)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: Job | None = None
    started: float = 0.0
    deadline: float | None = None


def context() -> ForkServerContext | SpawnContext:
    """forkserver where available (cheap, clean workers), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def can_fork() -> bool:
    """Whether workers may be forked from this very process: on Linux (where fork is the
    platform's own way; macOS system libraries are not fork-safe), and only while this process
    runs a single thread (another thread could hold a lock the child would then wait on)."""
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def warm_up() -> None:
    """Start the fork server now (where workers come from one), so that its imports (numpy,
    androguard, pi-scan: about half a second) run while the caller still loads the rules;
    the first worker is then forked without that wait.  Idempotent, and only a head start:
    if the server cannot start now, the pool starts it (and reports why) when it needs it."""
    if context().get_start_method() == "forkserver":
        from multiprocessing import forkserver  # POSIX only

        with contextlib.suppress(OSError):
            forkserver.ensure_running()


class WorkerPool:
    """Up to `size` worker processes, started as jobs arrive.  Use as a context manager: on
    leaving, workers are told to stop, or killed at once if an exception (Ctrl-C) is passing."""

    def __init__(
        self, setup: bytes | ScanSetup, size: int, limits: Limits, verbose: bool = False
    ) -> None:
        """`setup` as bytes (`dump_setup`): fresh workers load it.  As a `ScanSetup`: workers
        are forked from this process and take it as it is (call only where `can_fork()`)."""
        self._setup = setup
        self._size = max(1, size)
        self._limits = limits
        self._verbose = verbose
        self._ctx: ForkContext | ForkServerContext | SpawnContext
        if isinstance(setup, ScanSetup):
            self._ctx = multiprocessing.get_context("fork")
        else:
            self._ctx = context()
        self._workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(kill=exc is not None)

    def map(self, jobs: Iterable[Job]) -> Iterator[Done]:
        """Run every job; yield each result as it finishes (in no particular order)."""
        pending = iter(jobs)
        exhausted = False
        while True:
            while not exhausted and self._has_room():
                job = next(pending, None)
                if job is None:
                    exhausted = True
                else:
                    self._assign(self._idle_worker(), job)
            busy = [w for w in self._workers if w.job is not None]
            if not busy:
                return
            yield from self._collect(busy)

    def run_one(self, job: Job) -> Done:
        """Run one job on a worker of this pool (a Dask task's isolated scan)."""
        for done in self.map([job]):
            return done
        raise RuntimeError("the pool returned nothing")  # pragma: no cover

    def close(self, kill: bool = False) -> None:
        for worker in self._workers:
            if kill:
                worker.process.kill()
            else:
                _send_quietly(worker.conn, None)
        deadline = time.monotonic() + _EXIT_GRACE_S
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers.clear()

    # --- workers ------------------------------------------------------------------------------

    def _has_room(self) -> bool:
        return len(self._workers) < self._size or any(w.job is None for w in self._workers)

    def _idle_worker(self) -> _Worker:
        for worker in self._workers:
            if worker.job is None:
                return worker
        return self._start()

    def _start(self) -> _Worker:
        if isinstance(self._setup, ScanSetup):  # imported once here, not in every child
            for module in PRELOAD:
                importlib.import_module(module)
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        args = (child_end, self._setup, self._limits.memory_mb, self._verbose)
        process = self._ctx.Process(target=worker_main, args=args, daemon=True)
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.append(worker)
        return worker

    def _assign(self, worker: _Worker, job: Job) -> None:
        sent = _send_quietly(worker.conn, job)
        if not sent:  # it died while idle, which is not this job's fault: use a new one
            self._retire(worker)
            worker = self._start()
            sent = _send_quietly(worker.conn, job)
        worker.job = job
        worker.started = time.monotonic()
        timeout = self._limits.timeout
        if not sent:
            worker.deadline = worker.started  # dead at birth: _collect says why at once
        else:
            worker.deadline = worker.started + timeout if timeout else None

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker (it died, overran, or asked to go) and forget it."""
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self._workers.remove(worker)

    # --- results ------------------------------------------------------------------------------

    def _collect(self, busy: list[_Worker]) -> Iterator[Done]:
        deadlines = [w.deadline for w in busy if w.deadline is not None]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        now = time.monotonic()
        for worker in busy:
            if worker.conn in ready:
                yield self._receive(worker)
            elif worker.process.sentinel in ready:
                yield self._failed(worker, _death(worker.process))
            elif worker.deadline is not None and now >= worker.deadline:
                yield self._failed(worker, f"timed out after {self._limits.timeout:g} s")

    def _receive(self, worker: _Worker) -> Done:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            return self._failed(worker, _death(worker.process))
        worker.job = None
        done, keep = message
        if not keep:  # the worker leaves after a memory error: its heap is suspect
            self._retire(worker)
        return done  # type: ignore[no-any-return]

    def _failed(self, worker: _Worker, reason: str) -> Done:
        job = worker.job
        assert job is not None
        pid = worker.process.pid
        self._retire(worker)
        seconds = time.monotonic() - worker.started
        return Done(job.index, error_result(job.path, reason), False, pid, 0, seconds)


def _death(process: BaseProcess) -> str:
    process.join(_EXIT_GRACE_S)
    code = process.exitcode
    if code is None:
        return "worker stopped answering"
    if code < 0:
        return f"worker died (signal {-code})"
    return f"worker died (exit code {code})"


def _send_quietly(conn: Connection, message: object) -> bool:
    try:
        conn.send(message)
    except (OSError, ValueError):
        return False
    return True


# --- the worker process -----------------------------------------------------------------------


def worker_main(
    conn: Connection, setup: bytes | ScanSetup, memory_mb: int | None, verbose: bool
) -> None:
    """Serve jobs until told to stop or the parent goes away (its pipe end closes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    limit_memory(memory_mb)
    if isinstance(setup, ScanSetup):  # forked: drop what a fresh worker would not have
        faulthandler.disable()  # (a test runner's, say: a parser crash is reported by the parent)
        loaded = setup
    else:
        loaded = load_setup(setup)
    if loaded.extractor is None:
        from pi_scan.extract import set_verbose

        set_verbose(verbose)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        done = scan_job(loaded, job, memory_mb)
        keep = done.result.error != memory_message(memory_mb)
        try:
            conn.send((done, keep))
        except MemoryError:  # the result itself did not fit
            failed = error_result(job.path, memory_message(memory_mb))
            conn.send((Done(job.index, failed, False), False))
            return
        if not keep:
            return


def limit_memory(memory_mb: int | None) -> None:
    """Cap this process's address space, so an app that needs too much memory fails with a
    MemoryError in this worker instead of exhausting the machine."""
    if not memory_mb or sys.platform == "win32":
        return
    import resource

    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def default_jobs() -> int:
    """The number of CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
