"""One app, scanned where the work runs: in the pi-scan process, a worker process or a Dask
worker.  Everything here is picklable or runs on the far side of a pickle.

Besides judging the app, a task makes sure that what it reports belongs to the bytes it was
asked about: the file is hashed before it is scanned (`fingerprint`), and a file whose size,
times or inode move during the scan, or whose bytes hash differently when the extractor reads
them, yields an error ("file changed while it was scanned") instead of a result recorded under
the wrong SHA-256.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import stat
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

from pi_scan.batch.codec import slim
from pi_scan.errors import ApkAnalysisError
from pi_scan.facts import Knowledge
from pi_scan.judge import judge
from pi_scan.model import ApkFacts, ApkResult, LogSource, PolicyDocument, RuleSet

_CHUNK = 1024 * 1024
CHANGED = "file changed while it was scanned"

Extractor = Callable[[Path], ApkFacts]


@dataclass(frozen=True)
class AppTypes:
    """Which of the 39 app types an app is: a default for the run and a per-package map."""

    default: str | None = None
    by_package: Mapping[str, str] = field(default_factory=dict)

    def of(self, package: str) -> str | None:
        return self.by_package.get(package, self.default)


@dataclass(frozen=True)
class Policies:
    """Privacy policies the auditor supplies: one for every app of the run (`--policy`) and
    one per package (`--policy-dir`, files named by package); a supplied policy is compared
    instead of the one bundled in the APK."""

    default: PolicyDocument | None = None
    by_package: Mapping[str, PolicyDocument] = field(default_factory=dict)

    def of(self, package: str) -> PolicyDocument | None:
        return self.by_package.get(package, self.default)

    def digest(self, package: str) -> str:
        """Part of the results store's key: "" when none is supplied for the package."""
        doc = self.of(package)
        return doc.sha256 if doc is not None else ""

    def apply(self, facts: ApkFacts) -> ApkFacts:
        """The facts with the policy supplied for their package put first (it is compared
        instead of the bundled ones)."""
        supplied = self.of(facts.package)
        if supplied is None:
            return facts
        return replace(facts, policy_documents=(supplied, *facts.policy_documents))


@dataclass(frozen=True)
class Fingerprint:
    """The bytes of a file (SHA-256) and the stat fields that change when they change."""

    sha256: str
    signature: tuple[int, ...]  # device, inode, size, mtime and ctime in ns


@dataclass(frozen=True)
class Job:
    """Scan the file at `path`; `index` is its place in the discover order."""

    index: int
    path: str
    fingerprint: Fingerprint | None = None  # None: not hashable (a FIFO, unreadable, ...)


@dataclass(frozen=True)
class Done:
    """A finished job: the result, whether it may be stored, and what it cost where it ran."""

    index: int
    result: ApkResult
    cacheable: bool  # a property of the bytes alone (not a time-out, a crash, a change)
    pid: int | None = None  # the process that scanned it
    rss_kb: int = 0  # that process's peak resident set size so far
    seconds: float = 0.0


@dataclass(frozen=True)
class ScanSetup:
    """What every task needs, prepared once: rules, catalogues, app types, the extractor."""

    ruleset: RuleSet
    knowledge: Knowledge
    types: AppTypes
    extractor: Extractor | None = None  # None: pi_scan.extract.extract_facts
    slim: bool = (
        True  # drop the code-level fact lists from results (pi_scan.batch.codec.BULK_FACTS)
    )
    policies: Policies = field(default_factory=Policies)
    # runtime logs offered to every app (pi_scan.extract.runtime.attach_runtime); `one_app`:
    # the run scans a single app, to which logs given by name belong
    runtime_logs: tuple[LogSource, ...] = ()
    one_app: bool = False


def signature(path: str) -> tuple[int, ...] | None:
    try:
        return _signature(os.stat(path))
    except OSError:
        return None


def regular_signature(path: str) -> tuple[int, ...] | None:
    """The stat fields of a regular file; None for anything else or when stat fails."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _signature(st) if stat.S_ISREG(st.st_mode) else None


def _signature(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def fingerprint(path: str) -> Fingerprint | None:
    """Hash a regular file, streamed; None when it is not a regular readable file or keeps
    changing (the scan itself then says what is wrong, and nothing is stored)."""
    for _attempt in range(2):
        try:
            before = os.stat(path)
            if not stat.S_ISREG(before.st_mode):
                return None
            with open(path, "rb") as handle:
                sha256 = _hash(handle)
        except OSError:
            return None
        if signature(path) == _signature(before):
            return Fingerprint(sha256, _signature(before))
    return None


def _hash(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def scan_job(setup: ScanSetup, job: Job, memory_mb: int | None = None) -> Done:
    """Scan one file; every failure becomes an error result naming the reason."""
    from pi_scan.extract.gcpause import no_cyclic_gc  # not before there is an app to scan

    start = time.perf_counter()
    try:
        with no_cyclic_gc(freeze=True):  # extraction, derived facts and rules
            result, cacheable = _scan(setup, job)
    except MemoryError:
        result, cacheable = error_result(job.path, memory_message(memory_mb)), False
    if setup.slim:
        result = slim(result)
    return Done(job.index, result, cacheable, os.getpid(), peak_rss_kb(), _since(start))


def _scan(setup: ScanSetup, job: Job) -> tuple[ApkResult, bool]:
    expected = job.fingerprint
    if expected is not None and signature(job.path) != expected.signature:
        return error_result(job.path, CHANGED), False
    extractor = setup.extractor or _default_extractor()
    try:
        facts = extractor(Path(job.path))
    except ApkAnalysisError as exc:
        if _caused_by(exc, MemoryError):
            raise MemoryError from exc
        result, cacheable = error_result(job.path, str(exc)), True
    except MemoryError:
        raise
    except Exception as exc:  # one bad app must not end a batch
        return error_result(job.path, f"internal error: {exc!r}"), False
    else:
        if expected is not None and facts.sha256 != expected.sha256:
            return error_result(job.path, CHANGED), False
        if setup.runtime_logs:
            facts = _with_runtime(facts, setup)
        app_type = setup.types.of(facts.package)
        facts = setup.policies.apply(facts)
        result, cacheable = judge(job.path, facts, setup.ruleset, setup.knowledge, app_type), True
    if expected is None:
        return result, False
    if signature(job.path) != expected.signature:
        return error_result(job.path, CHANGED), False
    return result, cacheable


def _with_runtime(facts: ApkFacts, setup: ScanSetup) -> ApkFacts:
    from pi_scan.extract.runtime import attach_runtime

    return attach_runtime(facts, setup.runtime_logs, setup.one_app)


def _default_extractor() -> Extractor:
    from pi_scan.extract import extract_facts

    return extract_facts


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def memory_message(memory_mb: int | None) -> str:
    return f"memory limit of {memory_mb} MB exceeded" if memory_mb else "out of memory"


def error_result(path: str, reason: str) -> ApkResult:
    return ApkResult(path=path, facts=None, error=reason)


def peak_rss_kb() -> int:
    """This process's peak resident set size in KiB (0 where the OS does not say)."""
    if sys.platform == "win32":
        return 0
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // 1024 if sys.platform == "darwin" else peak)


def _since(start: float) -> float:
    return time.perf_counter() - start


# --- sending the setup to workers -------------------------------------------------------------


def _mapping_proxy(data: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(data)


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _mapping_proxy, (dict(proxy),)


class _SetupPickler(pickle.Pickler):
    """The catalogues keep read-only views (mappingproxy), which pickle cannot take by itself;
    a private dispatch table handles them without touching pickle's global registry."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}


def dump_setup(setup: ScanSetup) -> bytes:
    """The setup as bytes, made once per scan and loaded once per worker."""
    buffer = io.BytesIO()
    _SetupPickler(buffer).dump(setup)
    return buffer.getvalue()


def load_setup(data: bytes) -> ScanSetup:
    setup = pickle.loads(data)
    if not isinstance(setup, ScanSetup):
        raise TypeError("not a scan setup")
    return setup
