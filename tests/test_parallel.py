"""Parallel folder scans: worker processes, deterministic order, per-app limits, and faults
(corrupt, truncated, empty, unreadable, duplicate and changing files, workers that die, Ctrl-C)
that cost one app an error result naming it, never the others' results."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pi_scan.batch import run_scan
from pi_scan.batch.codec import encode
from pi_scan.batch.runner import Batch, Event, Limits, Observer
from pi_scan.batch.task import CHANGED
from pi_scan.cli.progress import Progress
from pi_scan.facts import Knowledge, load_knowledge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import ApkResult, RuleSet, ScanResult

from . import faults
from .conftest import ROOT, SAMPLES, sample


@pytest.fixture(scope="module")
def rules() -> tuple[RuleSet, Knowledge]:
    return load_rules(()), load_knowledge()


class Events:
    """An Observer that remembers what it was told."""

    def __init__(self) -> None:
        self.total = -1
        self.events: list[Event] = []

    def started(self, total: int) -> None:
        self.total = total

    def finished(self, event: Event) -> None:
        self.events.append(event)

    def sources(self) -> dict[str, str]:
        return {Path(e.result.path).name: e.source for e in self.events}


def scan(
    rules: tuple[RuleSet, Knowledge],
    paths: list[Path],
    batch: Batch,
    extractor: object = None,
    observer: Observer | None = None,
) -> ScanResult:
    ruleset, knowledge = rules
    return run_scan(
        [str(p) for p in paths],
        ruleset,
        knowledge,
        extractor=extractor,  # type: ignore[arg-type]
        batch=batch,
        observer=observer,
    )


def by_name(result: ScanResult) -> dict[str, ApkResult]:
    return {Path(r.path).name: r for r in result.results}


def test_two_jobs_give_the_in_process_results_in_discover_order(
    rules: tuple[RuleSet, Knowledge],
) -> None:
    one = scan(rules, [SAMPLES], Batch(jobs=1))
    two = scan(rules, [SAMPLES], Batch(jobs=2))
    assert [r.path for r in two.results] == [r.path for r in one.results]
    assert [encode(r) for r in two.results] == [encode(r) for r in one.results]
    assert len(one.errors) == 3


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    """Corrupt, truncated, empty, FIFO, a folder named like an app, and duplicates."""
    folder = tmp_path / "messy"
    folder.mkdir()
    shutil.copy(sample("clean.apk"), folder / "a-clean.apk")
    shutil.copy(sample("clean.apk"), folder / "b-same-bytes.apk")
    shutil.copy(sample("corrupt.apk"), folder / "c-corrupt.apk")
    data = sample("legacy.apk").read_bytes()
    (folder / "d-truncated.apk").write_bytes(data[: len(data) // 3])
    (folder / "e-empty.apk").write_bytes(b"")
    os.mkfifo(folder / "f-fifo.apk")
    (folder / "g-folder.apk").mkdir()
    shutil.copy(sample("legacy.apk"), folder / "g-folder.apk" / "inner.apk")
    return folder


def test_messy_folder_every_file_reported_with_its_reason(
    rules: tuple[RuleSet, Knowledge], messy: Path, tmp_path: Path
) -> None:
    events = Events()
    batch = Batch(jobs=2, store=tmp_path / "store.sqlite")
    result = by_name(scan(rules, [messy], batch, observer=events))
    assert list(result) == [
        "a-clean.apk", "b-same-bytes.apk", "c-corrupt.apk", "d-truncated.apk", "e-empty.apk",
        "f-fifo.apk", "inner.apk",
    ]  # fmt: skip
    assert result["a-clean.apk"].verdict.label == "pass"
    assert result["b-same-bytes.apk"].facts is not None
    assert result["b-same-bytes.apk"].facts.path.endswith("b-same-bytes.apk")
    assert events.sources()["b-same-bytes.apk"] == "duplicate"
    assert "truncated zip" in str(result["c-corrupt.apk"].error)
    assert "truncated zip" in str(result["d-truncated.apk"].error)
    assert result["e-empty.apk"].error
    assert result["f-fifo.apk"].error == "not a regular file"
    assert result["inner.apk"].verdict.label == "removal"
    assert events.total == 7


def test_unreadable_file(tmp_path: Path) -> None:
    """Root reads anything: the scan runs as root without the capabilities that let it
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), dropped by util-linux's setpriv."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv is None:
        pytest.skip("running as root, and no setpriv to drop CAP_DAC_OVERRIDE")
    shutil.copy(sample("clean.apk"), tmp_path / "a.apk")
    shutil.copy(sample("legacy.apk"), tmp_path / "b-locked.apk")
    os.chmod(tmp_path / "b-locked.apk", 0o000)
    drop = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps=-all"]
    args = ["-m", "pi_scan", "scan", "-j", "2", "--no-store", "--format", "json", str(tmp_path)]
    command = [*(drop if os.geteuid() == 0 else []), sys.executable, *args]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)  # type: ignore[arg-type]
    assert run.returncode == 3, run.stderr
    assert "b-locked.apk: permission denied" in run.stderr
    assert '"verdict": "pass"' in run.stdout


def test_workers_that_die_cost_one_app_each(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path
) -> None:
    names = ["a-kill.apk", "b.apk", "c-segv.apk", "d.apk", "e-exit.apk", "f.apk"]
    for number, name in enumerate(names):
        faults.variant(sample("clean.apk"), tmp_path / name, number)
    store = tmp_path / "store.sqlite"
    result = scan(rules, [tmp_path], Batch(jobs=2, store=store), faults.kill_on_name)
    errors = {Path(r.path).name: r.error for r in result.results}
    assert errors == {
        "a-kill.apk": "worker died (signal 9)",
        "b.apk": None,
        "c-segv.apk": "worker died (signal 11)",
        "d.apk": None,
        "e-exit.apk": "worker died (exit code 3)",
        "f.apk": None,
    }
    assert _rows(store) == 3  # crashes are not remembered: a rescan tries again


def test_an_app_over_the_time_limit_is_an_error_and_the_scan_goes_on(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path
) -> None:
    for number, name in enumerate(["a-slow.apk", "b.apk", "c.apk"]):
        faults.variant(sample("legacy.apk"), tmp_path / name, number)
    batch = Batch(jobs=2, limits=Limits(timeout=1.5))
    start = time.monotonic()
    result = by_name(scan(rules, [tmp_path], batch, faults.slow_on_name))
    assert time.monotonic() - start < 20
    assert result["a-slow.apk"].error == "timed out after 1.5 s"
    assert result["b.apk"].verdict.label == result["c.apk"].verdict.label == "removal"


def test_an_app_over_the_memory_limit_is_an_error_and_the_scan_goes_on(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path
) -> None:
    for number, name in enumerate(["a-hog.apk", "b.apk", "c-hog.apk", "d.apk"]):
        faults.variant(sample("legacy.apk"), tmp_path / name, number)
    batch = Batch(jobs=2, limits=Limits(memory_mb=2048))
    result = by_name(scan(rules, [tmp_path], batch, faults.hog_on_name))
    assert result["a-hog.apk"].error == "memory limit of 2048 MB exceeded"
    assert result["c-hog.apk"].error == "memory limit of 2048 MB exceeded"
    assert result["b.apk"].error is None
    assert result["d.apk"].error is None


def test_a_file_that_changes_while_it_is_scanned(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path
) -> None:
    apk = faults.variant(sample("clean.apk"), tmp_path / "moving.apk", 1)
    store = tmp_path / "store.sqlite"
    faults.reading.clear()
    faults.changed.clear()

    def truncate_mid_scan() -> None:
        assert faults.reading.wait(10)
        with apk.open("r+b") as handle:
            handle.truncate(apk.stat().st_size // 2)
        faults.changed.set()

    thread = threading.Thread(target=truncate_mid_scan)
    thread.start()
    result = scan(rules, [apk], Batch(jobs=1, store=store), faults.pausing)
    thread.join()
    [only] = result.results
    assert only.error == CHANGED
    assert _rows(store) == 0
    # scanned again once it is stable: an error or a result, recorded under what was read
    again = scan(rules, [apk], Batch(jobs=2, store=store))
    [after] = again.results
    assert after.error and "truncated zip" in after.error
    with sqlite3.connect(store) as db:
        [(sha256,)] = db.execute("SELECT sha256 FROM results").fetchall()
    assert sha256 == hashlib.sha256(apk.read_bytes()).hexdigest()


def _rows(store: Path) -> int:
    with sqlite3.connect(store) as db:
        (count,) = db.execute("SELECT count(*) FROM results").fetchone()
    return int(count)


@pytest.fixture
def many(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(400):
        faults.variant(sample("sdk-collector.apk"), folder / f"app-{number:03d}.apk", number)
    yield folder


def test_ctrl_c_keeps_finished_results_and_the_rerun_resumes(many: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    args = [sys.executable, "-m", "pi_scan", "scan", "-j", "2", "--store", str(store)]
    args += ["--fail-on", "never", "--format", "json", str(many)]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not store.exists() or _safe_rows(store) < 10):
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert b"interrupted" in stderr
    with sqlite3.connect(store) as db:
        kept = dict(db.execute("SELECT sha256, rowid FROM results").fetchall())
    assert 10 <= len(kept) < 400

    rerun = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    with sqlite3.connect(store) as db:
        after = dict(db.execute("SELECT sha256, rowid FROM results").fetchall())
    assert len(after) == 400
    assert {sha: after[sha] for sha in kept} == kept  # not scanned (nor rewritten) again
    assert rerun.stdout.count('"verdict": "removal"') == 400


def _safe_rows(store: Path) -> int:
    try:
        return _rows(store)
    except sqlite3.Error:
        return 0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _event(index: int, error: str | None = None, source: str = "scan") -> Event:
    return Event(index, ApkResult(f"apps/{index}.apk", None, error=error), source)


def test_progress_in_a_log_is_a_line_every_n_apps_or_seconds() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, interactive=False, every=3, interval=10.0, clock=clock)
    progress.started(8)
    for index in range(7):
        clock.now += 0.5
        progress.finished(
            _event(index, "bad zip" if index == 1 else None, "store" if index == 2 else "scan")
        )
    clock.now += 11
    progress.finished(_event(7))  # the last one: the summary line follows, no progress line
    progress.close()
    assert stream.getvalue().splitlines() == [
        "error: apps/1.apk: bad zip",
        "pi-scan: 3/8 apps (37%), 1 errors, 1 from store or duplicates, 2.0 apps/s, ETA 0:03",
        "pi-scan: 6/8 apps (75%), 1 errors, 1 from store or duplicates, 2.0 apps/s, ETA 0:01",
    ]


def test_progress_on_a_terminal_is_redrawn_in_place_and_cleared() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, interactive=True, clock=clock)
    progress.started(2)
    clock.now = 1.0
    progress.finished(_event(0))
    progress.finished(_event(1, "truncated zip"))
    progress.close()
    assert stream.getvalue() == (
        "\r\x1b[Kpi-scan: 1/2 apps (50%), 1.0 apps/s, ETA 0:01"
        "\r\x1b[Kerror: apps/1.apk: truncated zip\n"
        "pi-scan: 2/2 apps (100%), 1 errors, 2.0 apps/s"
        "\r\x1b[Kpi-scan: 2/2 apps (100%), 1 errors, 2.0 apps/s"
        "\r\x1b[K"
    )


def test_quiet_progress_still_reports_errors() -> None:
    stream = io.StringIO()
    progress = Progress(stream, interactive=True, quiet=True, every=1)
    progress.started(3)
    for index in range(3):
        progress.finished(_event(index, "no manifest" if index == 2 else None))
    progress.close()
    assert stream.getvalue() == "error: apps/2.apk: no manifest\n"


@pytest.mark.skipif(sys.platform == "win32", reason="no fork server on Windows")
def test_the_fork_server_can_be_started_early(rules: tuple[RuleSet, Knowledge]) -> None:
    """`pi-scan scan --jobs N` starts the workers' fork server before it loads the rules, so
    that the server's imports overlap with that; starting it twice is harmless, and the
    workers then come from it as usual."""
    from multiprocessing import forkserver

    from pi_scan.batch.runner import warm_up

    warm_up()
    warm_up()
    assert forkserver._forkserver._forkserver_pid is not None  # type: ignore[attr-defined]
    apps = [sample("clean.apk"), sample("legacy.apk"), sample("overperm.apk")]  # > jobs: a pool
    result = scan(rules, apps, Batch(jobs=2))
    assert [r.verdict.label for r in result.results][:2] == ["pass", "removal"]


def test_the_collector_is_paused_while_an_app_is_scanned_and_its_objects_frozen_after() -> None:
    """scan_job pauses the cyclic collector (nested pauses leave it off) and, when it resumes,
    hands the app's objects to the permanent generation instead of rescanning them at once;
    the next scan's pause gives them back, so a worker still collects any cycle."""
    import gc

    from pi_scan.extract.gcpause import no_cyclic_gc

    assert gc.isenabled()
    try:
        with no_cyclic_gc(freeze=True):
            assert not gc.isenabled()
            with no_cyclic_gc():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner pause does not switch it back on
            made = [[i] for i in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= len(made)
        with no_cyclic_gc(freeze=True):
            assert gc.get_freeze_count() == 0  # given back to the collector
        gc.disable()
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()  # resumes only if it was on
    finally:
        gc.unfreeze()
        gc.enable()
