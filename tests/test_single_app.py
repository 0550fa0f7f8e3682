"""No more apps to scan than jobs (one app, say): no worker pool, a child forked from the
pi-scan process for each, under the same time and memory limits and with the same crash
isolation."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pi_scan.batch import runner
from pi_scan.batch.codec import encode
from pi_scan.batch.pool import can_fork
from pi_scan.batch.runner import Batch, Event, Limits
from pi_scan.facts import Knowledge, load_knowledge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import RuleSet

from . import faults
from .conftest import ROOT, invoke, sample
from .test_parallel import scan

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forked children: Linux only")


@pytest.fixture(scope="module")
def rules() -> tuple[RuleSet, Knowledge]:
    return load_rules(()), load_knowledge()


class Pids:
    """An Observer that keeps the process each app was scanned in."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def started(self, total: int) -> None:
        pass

    def finished(self, event: Event) -> None:
        self.events.append(event)


@pytest.fixture(autouse=True)
def single_threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """pi-scan forks its workers only while it runs one thread.  In the whole test session
    the Dask tests leave distributed's idle "IO loop" thread behind (it lives as long as the
    interpreter); the pi-scan CLI never has it.  Count it out, so that these tests see the
    process as pi-scan runs it, not as the test session left it."""
    import threading

    leftover = {t for t in threading.enumerate() if t.daemon and t.name == "IO loop"}
    if leftover:
        real = threading.active_count
        monkeypatch.setattr(
            threading, "active_count", lambda: real() - len(leftover & set(threading.enumerate()))
        )


@pytest.fixture
def no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the setup is pickled for fresh workers: a pool was started."""

    def refuse(_setup: object) -> bytes:
        raise AssertionError("a worker pool was started for a single app")

    monkeypatch.setattr(runner, "dump_setup", refuse)


def test_a_single_app_is_scanned_in_a_forked_child_not_a_pool(
    rules: tuple[RuleSet, Knowledge], no_pool: None
) -> None:
    assert can_fork()
    pids = Pids()
    result = scan(rules, [sample("legacy.apk")], Batch(jobs=2), observer=pids)
    [only] = result.results
    assert only.verdict.label == "removal"
    [event] = pids.events
    assert event.source == "scan"
    assert event.pid is not None and event.pid != os.getpid()  # not in this process


def test_no_more_apps_than_jobs_get_a_forked_child_each_at_once(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path, no_pool: None
) -> None:
    names = ["a-slow.apk", "b-slow.apk", "c.apk"]
    for number, name in enumerate(names):
        faults.variant(sample("legacy.apk"), tmp_path / name, number)
    pids = Pids()
    start = time.monotonic()
    batch = Batch(jobs=3, limits=Limits(timeout=2))
    result = scan(rules, [tmp_path], batch, faults.slow_on_name, pids)
    elapsed = time.monotonic() - start
    assert [r.error for r in result.results] == ["timed out after 2 s"] * 2 + [None]
    assert elapsed < 3.9  # the two slow ones ran side by side, not one after the other
    assert len({e.pid for e in pids.events}) == 3
    assert os.getpid() not in {e.pid for e in pids.events}


def test_more_apps_than_jobs_get_the_pool(rules: tuple[RuleSet, Knowledge], no_pool: None) -> None:
    paths = [sample("clean.apk"), sample("legacy.apk"), sample("overperm.apk")]
    with pytest.raises(AssertionError, match="worker pool"):
        scan(rules, paths, Batch(jobs=2))


@pytest.mark.parametrize(
    "name", ["clean.apk", "legacy.apk", "sdk-collector.apk", "split.apks", "corrupt.apk"]
)
def test_single_child_in_process_and_pool_give_the_same_results(
    rules: tuple[RuleSet, Knowledge], name: str
) -> None:
    single = scan(rules, [sample(name)], Batch(jobs=2))
    in_process = scan(rules, [sample(name)], Batch(jobs=1))
    # the pool: the same app among more apps than jobs
    others = [sample("overperm.apk"), sample("multidex.apk")]
    pooled = scan(rules, [sample(name), *others], Batch(jobs=2))
    assert encode(single.results[0]) == encode(in_process.results[0])
    assert encode(single.results[0]) == encode(pooled.results[0])


def test_a_single_app_over_the_time_limit_is_an_error(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path, no_pool: None
) -> None:
    apk = faults.variant(sample("legacy.apk"), tmp_path / "a-slow.apk", 1)
    start = time.monotonic()
    result = scan(rules, [apk], Batch(jobs=2, limits=Limits(timeout=1.5)), faults.slow_on_name)
    assert time.monotonic() - start < 20  # the child sleeps for 60 s: it was killed
    [only] = result.results
    assert only.error == "timed out after 1.5 s"


def test_a_single_app_over_the_memory_limit_is_an_error(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path, no_pool: None
) -> None:
    apk = faults.variant(sample("legacy.apk"), tmp_path / "a-hog.apk", 1)
    batch = Batch(jobs=2, limits=Limits(memory_mb=2048))
    result = scan(rules, [apk], batch, faults.hog_on_name)
    [only] = result.results
    assert only.error == "memory limit of 2048 MB exceeded"
    # the limit was the child's: this process can still take what the app could not
    hog = bytearray(3 * 1024**3)
    del hog


@pytest.mark.parametrize(
    ("name", "reason"),
    [("a-kill.apk", "worker died (signal 9)"), ("a-segv.apk", "worker died (signal 11)")],
)
def test_a_single_app_that_crashes_its_child_is_an_error(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path, no_pool: None, name: str, reason: str
) -> None:
    apk = faults.variant(sample("clean.apk"), tmp_path / name, 1)
    store = tmp_path / "store.sqlite"
    result = scan(rules, [apk], Batch(jobs=2, store=store), faults.kill_on_name)
    [only] = result.results
    assert only.error == reason
    # not remembered: the next run tries again (and scans it, the extractor being the real one)
    again = scan(rules, [apk], Batch(jobs=2, store=store))
    assert again.results[0].verdict.label == "pass"


def test_a_single_app_with_the_default_jobs_through_the_cli(tmp_path: Path) -> None:
    """`pi-scan scan APK` with the default --jobs: the result of --jobs 1, no traceback."""
    args = ["scan", "--no-store", "-q", "--format", "json", "--fail-on", "never"]
    default = invoke([*args, str(sample("sdk-collector.apk"))], 0)
    one = invoke([*args, "-j", "1", str(sample("sdk-collector.apk"))], 0)

    def stable(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if "generated_at" not in line)

    assert stable(default.stdout) == stable(one.stdout)
    assert '"verdict": "removal"' in default.stdout


INTERRUPTED = """
import sys
from pi_scan.batch import run_scan
from pi_scan.facts import load_knowledge
from pi_scan.judge.ruleset import load_rules
from pi_scan.batch.runner import Batch
from tests import faults

rules = load_rules(())
knowledge = load_knowledge()
print("loaded", flush=True)
try:
    run_scan([sys.argv[1]], rules, knowledge, extractor=faults.slow_on_name, batch=Batch(jobs=2))
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def _children(pid: int) -> list[int]:
    listed = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in listed.stdout.split()]


def test_ctrl_c_stops_the_forked_child(tmp_path: Path) -> None:
    if shutil.which("pgrep") is None:
        pytest.skip("no pgrep")
    apk = faults.variant(sample("legacy.apk"), tmp_path / "a-slow.apk", 1)
    command = [sys.executable, "-c", INTERRUPTED, str(apk)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "loaded\n"
    deadline = time.monotonic() + 30
    while not (children := _children(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert children, "no child was forked"
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert out == "interrupted\n"
    assert not any(Path(f"/proc/{child}").exists() for child in children)


def test_a_single_file_without_a_store_is_hashed_once(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One file and no store: nothing to look up, keep or wait for, so the runner does not hash
    it before the scan (the extractor does, and the result carries the SHA-256); with a store,
    or with several files (a twin waits for its first copy), it does."""
    import hashlib

    hashed: list[str] = []
    real = runner.fingerprint

    def counted(path: str) -> object:
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(runner, "fingerprint", counted)
    apk = sample("clean.apk")
    [result] = scan(rules, [apk], Batch(jobs=1)).results
    assert hashed == []
    assert result.facts is not None
    assert result.facts.sha256 == hashlib.sha256(apk.read_bytes()).hexdigest()
    scan(rules, [apk], Batch(jobs=1, store=tmp_path / "store.sqlite"))
    assert hashed == ["clean.apk"]
    twin = tmp_path / "twin.apk"
    shutil.copyfile(apk, twin)
    hashed.clear()
    results = scan(rules, [apk, twin], Batch(jobs=1)).results
    assert sorted(hashed) == ["clean.apk", "twin.apk"]
    assert results[0].verdict == results[1].verdict
