"""Cluster mode against a real Dask cluster on loopback: a `dask scheduler` and two `dask
worker` processes, started here.  A cluster scan, by path and with --stream, must give exactly
the results of a local scan (verdicts, findings, error results), and fill the same store."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pi_scan.batch import run_scan
from pi_scan.batch.codec import encode
from pi_scan.batch.runner import Batch
from pi_scan.facts import load_knowledge
from pi_scan.judge.ruleset import load_rules

from . import faults
from .conftest import ROOT, SAMPLE_COUNT, SAMPLE_REMOVALS, SAMPLE_SUMMARY, SAMPLES, invoke, sample

distributed = pytest.importorskip(
    "distributed", reason="cluster mode needs dask[distributed] (pip install '.[test]')"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dask = shutil.which("dask", path=str(Path(sys.executable).parent))
    if dask is None:
        pytest.fail("the dask command is missing although distributed is installed")
    address = f"tcp://127.0.0.1:{free_port()}"
    scratch = tmp_path_factory.mktemp("dask")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # workers unpickle pi_scan and tests.faults from here
        "DASK_DISTRIBUTED__WORKER__DAEMON": "False",  # let workers isolate each scan
    }
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    port = address.rsplit(":", 1)[1]
    commands = [[dask, "scheduler", "--port", port, *common]] + [
        [dask, "worker", address, "--nthreads", "1", "--name", f"w{n}",
         "--local-directory", str(scratch / f"w{n}"), *common]
        for n in (1, 2)
    ]  # fmt: skip
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for command in commands:
            log = (scratch / f"{Path(command[1]).name}-{len(procs)}.log").open("wb")
            procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log))
            if len(procs) == 1:
                time.sleep(1.0)
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        _stop(address, procs)


def _stop(address: str, procs: list[subprocess.Popen[bytes]]) -> None:
    """Ask the scheduler to shut the cluster down (quick), then make sure of it."""
    try:
        with distributed.Client(address, timeout="5s") as client:
            client.shutdown()
    except Exception:
        pass
    for proc in reversed(procs):
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples, plus a duplicate, a FIFO and an app that kills the worker scanning it."""
    root = tmp_path_factory.mktemp("apps")
    for path in SAMPLES.iterdir():
        if path.is_file() and path.suffix in (".apk", ".apks", ".xapk"):
            shutil.copy(path, root / path.name)
    shutil.copy(sample("legacy.apk"), root / "legacy-again.apk")
    os.mkfifo(root / "pipe.apk")
    faults.variant(sample("clean.apk"), root / "kill-worker.apk", 1)
    return root


def test_cluster_scan_equals_local_scan(cluster: str, folder: Path, tmp_path: Path) -> None:
    ruleset, knowledge = load_rules(()), load_knowledge()

    def scan(batch: Batch) -> list[object]:
        result = run_scan(
            [str(folder)], ruleset, knowledge, extractor=faults.kill_on_name, batch=batch
        )
        return [encode(r) for r in result.results]

    local = scan(Batch(jobs=2))
    store = tmp_path / "store.sqlite"
    by_path = scan(Batch(scheduler=cluster, store=store))
    streamed = scan(Batch(scheduler=cluster, stream=True))
    assert by_path == local
    assert streamed == local
    errors = {Path(str(r["path"])).name: r["error"] for r in local}  # type: ignore[index]
    assert errors["kill-worker.apk"] == "worker died (signal 9)"
    assert errors["pipe.apk"] == "not a regular file"
    assert "truncated zip" in str(errors["corrupt.apk"])
    with sqlite3.connect(store) as db:  # every result that depends on the bytes alone
        assert db.execute("SELECT count(*) FROM results").fetchone() == (SAMPLE_COUNT,)


def test_cluster_from_the_command_line(cluster: str, tmp_path: Path) -> None:
    store = str(tmp_path / "store.sqlite")
    args = ["scan", "--scheduler", cluster, "--stream", "--store", store, str(SAMPLES)]
    first = invoke(args, 3)
    assert SAMPLE_SUMMARY in first.stderr
    again = invoke([*args, "--format", "json"], 3)
    assert again.stdout.count('"verdict": "removal"') == SAMPLE_REMOVALS


def test_stream_needs_a_scheduler() -> None:
    run = invoke(["scan", "--stream", str(SAMPLES)], 2)
    assert "--stream needs --scheduler" in run.stderr


def test_runtime_logs_travel_to_the_workers(cluster: str, tmp_path: Path) -> None:
    """With --stream the workers get the log's bytes (its path here leads nowhere)."""
    from pi_scan.extract.runtime import log_source

    log = log_source(sample("org.piscan.sample.consentgated@12.jsonl"), with_data=True)
    elsewhere = replace(
        log, path=str(tmp_path / "gone" / "org.piscan.sample.consentgated@12.jsonl")
    )
    ruleset, knowledge = load_rules(()), load_knowledge()
    result = run_scan(
        [str(sample("consent-gated.apk"))],
        ruleset,
        knowledge,
        batch=Batch(scheduler=cluster, stream=True),
        runtime_logs=[elsewhere],
    )
    (app,) = result.results
    assert app.facts is not None
    assert [log.name for log in app.facts.runtime_logs] == [elsewhere.name]
    cons = next(o for o in app.outcomes if o.rule_id == "PI-CONS-001")
    assert cons.source == "runtime"
