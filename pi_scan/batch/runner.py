"""Running a scan at scale: the results store first, then the work in-process, in a pool of
worker processes (`pool`) or on a Dask cluster (`pi_scan.batch.cluster`), results in discover order.

For each target, in discover order: a path that is itself the problem becomes an error at
once; otherwise the file is hashed (cheap next to scanning it; skipped when the store saw the
file under the same size, times and inode before, unless `Batch.rehash`, and for a single file
scanned on this machine with no store) and looked up in the store; a file with the same
bytes as one already under way waits for that one's result; the rest are handed to the
executor, lazily, so hashing overlaps with scanning.  Each finished result is
stored (committed on its own) before the next is awaited, so an interrupted scan keeps all it
finished.  A store that fails is reported once, as a warning, and the scan goes on without it.

With more than one job, a pool of fresh worker processes is started only when more apps need
scanning than there are jobs; fewer (one app, a few files) are each scanned in a child forked
from this process (`pool.can_fork`), all at once and under the same limits, which costs a few
milliseconds instead of a pool's start-up.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pi_scan.batch.codec import at_path, ruleset_digest
from pi_scan.batch.discover import Target
from pi_scan.batch.pool import Limits, WorkerPool, can_fork, default_jobs, warm_up
from pi_scan.batch.store import Key, ResultStore, StoreError
from pi_scan.batch.task import (
    CHANGED,
    Done,
    Fingerprint,
    Job,
    ScanSetup,
    dump_setup,
    fingerprint,
    regular_signature,
    scan_job,
)
from pi_scan.model import ApkResult

__all__ = [
    "Batch",
    "Event",
    "Limits",
    "Observer",
    "ScanSetup",
    "default_jobs",
    "execute",
    "warm_up",
]

Executor = Callable[[Iterable[Job]], Generator[Done, None, None]]


@dataclass(frozen=True)
class Batch:
    """How to run a scan: where, how wide, under which limits, with which store."""

    jobs: int = 1  # 1: in this process (no limits); more: worker processes
    limits: Limits = field(default_factory=Limits)
    store: Path | None = None  # None: no store
    scheduler: str | None = None  # a Dask scheduler address: run on that cluster
    stream: bool = False  # cluster only: send the files' bytes instead of their paths
    verbose: bool = False  # show androguard's log messages (in workers too)
    rehash: bool = False  # hash every file, even one the store saw unchanged (stat fields)


@dataclass(frozen=True)
class Event:
    """One target finished, and where its result came from."""

    index: int
    result: ApkResult
    source: str  # "scan", "store", "duplicate" or "discover" (a path that is not a file)
    pid: int | None = None
    rss_kb: int = 0
    seconds: float = 0.0


class Observer(Protocol):
    """Told the number of targets once, then each finished one (progress, error lines)."""

    def started(self, total: int) -> None: ...

    def finished(self, event: Event) -> None: ...


def execute(
    targets: Sequence[Target], setup: ScanSetup, batch: Batch, observer: Observer
) -> tuple[list[ApkResult], list[str]]:
    """Every target's result, in the order of `targets`, and warnings about the run."""
    store = _SafeStore(batch.store)
    key = Key(rules=ruleset_digest(setup.ruleset) + logs_digest(setup))
    # a cluster is sent each app with the digest it must match: every file is hashed there
    run = _Run(targets, setup, store, key, observer, batch.rehash, batch.scheduler is None)
    observer.started(len(targets))
    try:  # closing the executor stops its workers at once, also on Ctrl-C
        with contextlib.closing(_executor(setup, batch)(run.jobs())) as finished:
            for done in finished:
                run.receive(done)
    finally:
        store.close()
    return run.collected(), store.warnings


def logs_digest(setup: ScanSetup) -> str:
    """What the runtime logs add to the store key: the digest of each log (and whether the run
    scans one app, which decides where a log given by name goes); "" without logs."""
    if not setup.runtime_logs:
        return ""
    digests = sorted(f"{log.sha256}:{int(log.explicit)}" for log in setup.runtime_logs)
    text = ",".join(digests) + f";one={int(setup.one_app)}"
    return "+logs:" + hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


def _executor(setup: ScanSetup, batch: Batch) -> Executor:
    address = batch.scheduler
    if address is not None:
        from pi_scan.batch.cluster import run_on_cluster

        def on_cluster(jobs: Iterable[Job]) -> Generator[Done, None, None]:
            blob = dump_setup(setup)
            yield from run_on_cluster(address, jobs, blob, batch.limits, batch.stream)

        return on_cluster
    if batch.jobs > 1:

        def in_pool(jobs: Iterable[Job]) -> Generator[Done, None, None]:
            pending = iter(jobs)
            head = list(itertools.islice(pending, batch.jobs + 1))  # more apps than workers?
            if not head:  # all settled (the store knew every app): no worker to start
                return
            # no more than one round: each app in a child forked from here, all at once, under
            # the same limits; a pool's start-up would cost more than it gives
            work: bytes | ScanSetup = setup
            if len(head) > batch.jobs or not can_fork():
                work = dump_setup(setup)
            with WorkerPool(work, batch.jobs, batch.limits, batch.verbose) as pool:
                yield from pool.map(itertools.chain(head, pending))

        return in_pool

    def in_process(jobs: Iterable[Job]) -> Generator[Done, None, None]:
        for number, job in enumerate(jobs):
            if number == 0 and batch.verbose and setup.extractor is None:
                from pi_scan.extract import set_verbose  # not before there is an app to scan

                set_verbose(True)
            yield scan_job(setup, job)

    return in_process


class _Run:
    """The bookkeeping of one scan: results by index, duplicates waiting for their twin."""

    def __init__(
        self,
        targets: Sequence[Target],
        setup: ScanSetup,
        store: _SafeStore,
        key: Key,
        observer: Observer,
        rehash: bool = False,
        lone_unhashed: bool = True,
    ) -> None:
        self.targets = targets
        self.rehash = rehash
        self.lone_unhashed = lone_unhashed  # one file and no store: not hashed before
        self.setup = setup
        self.store = store
        self.key = key
        self.observer = observer
        self.results: list[ApkResult | None] = [None] * len(targets)
        self.sha256: dict[int, str] = {}
        self.first: dict[str, int] = {}  # SHA-256 -> index of the first target with it
        self.twins: dict[int, list[int]] = {}  # that index -> later targets with the same bytes

    def jobs(self) -> Iterator[Job]:
        """The targets that need scanning; the others are settled on the way."""
        # one file and no store: no twin to wait for, nothing to look up or keep, so it is not
        # hashed here (the extractor hashes what it reads anyway)
        alone = len(self.targets) == 1 and not self.store.active and self.lone_unhashed
        for index, target in enumerate(self.targets):
            if target.problem is not None:
                self._finish(index, ApkResult(target.path, None, error=target.problem), "discover")
                continue
            fp = None if alone else self._fingerprint(target.path)
            if fp is None:
                yield Job(index, target.path)
                continue
            self.sha256[index] = fp.sha256
            if self._settled(index, fp.sha256):
                continue
            self.first[fp.sha256] = index
            yield Job(index, target.path, fp)

    def _fingerprint(self, path: str) -> Fingerprint | None:
        """The file's SHA-256 as the store knows it when its stat fields are those it was
        hashed under (and `rehash` is off), else hashed now (and remembered, once settled)."""
        name = os.path.abspath(path)
        if not self.rehash:
            now = regular_signature(path)
            known = self.store.known_digest(name, now) if now is not None else None
            if now is not None and known is not None:
                return Fingerprint(known, now)
        fp = fingerprint(path)
        if fp is not None and _settled_for(fp.signature, time.time_ns()):
            self.store.remember(name, fp.signature, fp.sha256)
        return fp

    def _settled(self, index: int, sha256: str) -> bool:
        """Known from the store, or from (or waiting for) an earlier file with the same bytes."""
        twin = self.first.get(sha256)
        if twin is not None:
            done = self.results[twin]
            if done is None:
                self.twins.setdefault(twin, []).append(index)
            else:
                self._finish(index, at_path(done, self.targets[index].path), "duplicate")
            return True
        stored = self.store.get(sha256, self.key, self.setup.types.of, self.setup.policies.digest)
        if stored is None:
            return False
        self._finish(index, at_path(stored, self.targets[index].path), "store")
        return True

    def receive(self, done: Done) -> None:
        path = self.targets[done.index].path
        result = at_path(done.result, path)
        sha256 = self.sha256.get(done.index)
        if done.cacheable and sha256 is not None:
            package = result.facts.package if result.facts else None
            app_type = self.setup.types.of(package) if package is not None else None
            policy = self.setup.policies.digest(package) if package is not None else ""
            self.store.put(sha256, self.key, result, app_type, policy)
        elif result.error == CHANGED:  # the stat fields may no longer tell: hash it next time
            self.store.forget(os.path.abspath(path))
        self._finish(done.index, result, "scan", done)
        for twin in self.twins.pop(done.index, []):
            self._finish(twin, at_path(result, self.targets[twin].path), "duplicate")

    def _finish(self, index: int, result: ApkResult, source: str, done: Done | None = None) -> None:
        self.results[index] = result
        cost = (done.pid, done.rss_kb, done.seconds) if done else (None, 0, 0.0)
        self.observer.finished(Event(index, result, source, *cost))

    def collected(self) -> list[ApkResult]:
        missing = [self.targets[i].path for i, r in enumerate(self.results) if r is None]
        if missing:
            raise RuntimeError(f"no result for {', '.join(missing)}")
        return [r for r in self.results if r is not None]


# A file whose times are this close to the clock when it is hashed is not remembered by its
# stat fields: a write in the same timestamp tick (coarse on many file systems: 2 s on FAT)
# after the hash could leave them unchanged ("racy git").  It is simply hashed again next time.
_RACY_NS = 2_000_000_000


def _settled_for(signature: tuple[int, ...], now_ns: int) -> bool:
    _dev, _ino, _size, mtime_ns, ctime_ns = signature
    return now_ns - max(mtime_ns, ctime_ns) > _RACY_NS


class _SafeStore:
    """The results store, or nothing: the first store error becomes a warning and turns the
    store off for the rest of the run (an unwritable or full store must not lose a scan)."""

    def __init__(self, path: Path | None) -> None:
        self.warnings: list[str] = []
        self._store: ResultStore | None = None
        if path is not None:
            try:
                self._store = ResultStore(path)
            except StoreError as exc:
                self._off(exc)

    @property
    def active(self) -> bool:
        """Whether there is a store to look results up in and keep them."""
        return self._store is not None

    def get(
        self,
        sha256: str,
        key: Key,
        app_type: Callable[[str], str | None],
        policy: Callable[[str], str] | None = None,
    ) -> ApkResult | None:
        if self._store is None:
            return None
        try:
            return self._store.get(sha256, key, app_type, policy)
        except StoreError as exc:
            self._off(exc)
            return None

    def put(
        self, sha256: str, key: Key, result: ApkResult, app_type: str | None, policy: str = ""
    ) -> None:
        if self._store is None:
            return
        try:
            self._store.put(sha256, key, result, app_type, policy)
        except StoreError as exc:
            self._off(exc)

    def known_digest(self, path: str, signature: tuple[int, ...]) -> str | None:
        if self._store is None:
            return None
        try:
            return self._store.known_digest(path, signature)
        except StoreError as exc:
            self._off(exc)
            return None

    def remember(self, path: str, signature: tuple[int, ...], sha256: str) -> None:
        if self._store is None:
            return
        try:
            self._store.remember(path, signature, sha256)
        except StoreError as exc:
            self._off(exc)

    def forget(self, path: str) -> None:
        if self._store is None:
            return
        try:
            self._store.forget(path)
        except StoreError as exc:
            self._off(exc)

    def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            try:
                store.close()
            except StoreError as exc:
                self._off(exc)

    def _off(self, exc: StoreError) -> None:
        self.warnings.append(f"{exc}; the scan goes on without the store")
        store, self._store = self._store, None
        if store is not None:
            with contextlib.suppress(StoreError):
                store.close()
