"""The results store: versioned JSON, what a stored result is keyed by, warm rescans, history,
two processes writing at once, and a store that breaks (unwritable, not a database, full
disk) without losing the scan."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pi_scan.batch.store
from pi_scan.batch import AppTypes, Policies, run_scan
from pi_scan.batch.codec import result_from_json, result_to_json
from pi_scan.batch.runner import Batch, Event
from pi_scan.batch.store import Key, ResultStore
from pi_scan.extract.policytext import read_policy_file
from pi_scan.facts import Knowledge, load_knowledge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import RuleSet, ScanResult

from . import faults
from .conftest import ROOT, SAMPLE_COUNT, SAMPLE_SUMMARY, SAMPLES, invoke, sample


@pytest.fixture(scope="module")
def rules() -> tuple[RuleSet, Knowledge]:
    return load_rules(()), load_knowledge()


def scan(
    rules: tuple[RuleSet, Knowledge],
    paths: list[Path],
    store: Path | None,
    types: AppTypes | None = None,
    policies: Policies | None = None,
) -> tuple[ScanResult, list[str]]:
    """The result and where each app's result came from ("scan", "store", ...)."""
    sources: list[str] = []

    class Watch:
        def started(self, total: int) -> None:
            pass

        def finished(self, event: Event) -> None:
            sources.append(event.source)

    ruleset, knowledge = rules
    batch = Batch(jobs=1, store=store)
    result = run_scan(
        [str(p) for p in paths],
        ruleset,
        knowledge,
        types,
        batch=batch,
        observer=Watch(),
        policies=policies,
    )
    return result, sources


def test_results_round_trip_through_json(rules: tuple[RuleSet, Knowledge]) -> None:
    full = run_scan([str(SAMPLES)], *rules)  # no batch: every fact kept
    slim, _ = scan(rules, [SAMPLES], None)
    for result in (*full.results, *slim.results):
        assert result_from_json(result_to_json(result)) == result
    [full_clean] = [r for r in full.results if r.path.endswith("clean.apk")]
    [slim_clean] = [r for r in slim.results if r.path.endswith("clean.apk")]
    assert full_clean.facts and full_clean.facts.classes and full_clean.facts.code_graph
    assert slim_clean.facts and not slim_clean.facts.classes and not slim_clean.facts.code_graph


def test_warm_rescan_reads_the_store_and_reports_the_same(tmp_path: Path) -> None:
    store = str(tmp_path / "s.sqlite")
    cold = invoke(["scan", "--store", store, "--format", "json", str(SAMPLES)], 3)
    warm = invoke(["scan", "--store", store, "--format", "json", str(SAMPLES)], 3)
    cold_doc, warm_doc = json.loads(cold.stdout), json.loads(warm.stdout)
    cold_doc.pop("generated_at")
    warm_doc.pop("generated_at")
    assert warm_doc == cold_doc
    assert warm.stderr.count("error: ") == 3  # errors from the store are still reported


def test_the_key_is_bytes_rules_tool_and_app_type(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path
) -> None:
    store = tmp_path / "s.sqlite"
    apps = [sample("clean.apk"), sample("legacy.apk")]
    assert scan(rules, apps, store)[1] == ["scan", "scan"]
    assert scan(rules, apps, store)[1] == ["store", "store"]
    fewer = (load_rules((), ("PI-PERM-005",)), rules[1])
    assert scan(fewer, apps, store)[1] == ["scan", "scan"]
    typed = AppTypes(by_package={"org.piscan.sample.legacy": "map-navigation"})
    assert scan(rules, apps, store, typed)[1] == ["store", "scan"]
    assert scan(rules, apps, store, typed)[1] == ["store", "store"]
    copy = faults.variant(sample("clean.apk"), tmp_path / "clean-copy.apk", 1)
    assert scan(rules, [copy], store)[1] == ["scan"]
    with ResultStore(store) as opened:
        assert opened.count() == 6
    other_tool = Key(rules="x", tool="0.0.0-other")
    assert ResultStore(store).get("0" * 64, other_tool, lambda _p: None) is None


def test_history_by_version(tmp_path: Path) -> None:
    store = str(tmp_path / "s.sqlite")
    invoke(["scan", "--store", store, "--format", "json", str(SAMPLES)], 3)
    table = invoke(["history", "org.piscan.sample.split", "--store", store], 0).stdout
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["version", "sha256", "verdict"]
    assert len(lines) == 4 and all("notice" in line for line in lines[2:])
    doc = json.loads(
        invoke(
            ["history", "org.piscan.sample.legacy", "--store", store, "--format", "json"], 0
        ).stdout
    )
    [row] = doc["scans"]
    assert (row["version_name"], row["version_code"], row["verdict"]) == ("0.9.3", 7, "removal")
    assert (row["removal"], row["notice"]) == (1, 5)  # 5: PI-CONS-001 from the launcher
    assert (
        row["sha256"] == __import__("hashlib").sha256(sample("legacy.apk").read_bytes()).hexdigest()
    )
    nothing = invoke(["history", "org.example.none", "--store", store], 0)
    assert "no stored scans of org.example.none" in nothing.stderr
    invoke(["history", "x", "--store", str(tmp_path / "missing.sqlite")], 2)


def test_two_processes_write_one_store(tmp_path: Path) -> None:
    for name, first in (("a", 0), ("b", 30)):
        (tmp_path / name).mkdir()
        for number in range(first, first + 50):  # 20 apps in both folders
            faults.variant(sample("legacy.apk"), tmp_path / name / f"{number:03d}.apk", number)
    store = tmp_path / "s.sqlite"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pi_scan",
                "scan",
                "-j",
                "1",
                "-q",
                "--store",
                str(store),
                "--fail-on",
                "never",
                str(tmp_path / name),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert b"warning" not in err
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        texts = [t for (t,) in db.execute("SELECT result FROM results")]
    assert len(texts) == 80
    assert {result_from_json(t).verdict.label for t in texts} == {"removal"}


@pytest.mark.parametrize("kind", ["under a file", "not a database", "in /proc"])
def test_an_unusable_store_is_a_warning_and_the_scan_goes_on(tmp_path: Path, kind: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"not a folder")
    store = {
        "under a file": blocker / "s.sqlite",
        "not a database": blocker,
        "in /proc": Path("/proc/pi-scan-test/s.sqlite"),
    }[kind]
    run = invoke(["scan", "--store", str(store), "--format", "json", str(SAMPLES)], 3)
    assert len(json.loads(run.stdout)["results"]) == SAMPLE_COUNT
    assert run.stderr.count("warning: results store") == 1
    assert "the scan goes on without the store" in run.stderr


class _FullDisk:
    """A connection whose writes fail like SQLite's on a full disk."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def test_a_full_disk_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        pi_scan.batch.store, "connect", lambda *a, **k: _FullDisk(sqlite3.connect(*a, **k))
    )
    run = invoke(["scan", "-j", "2", "--store", str(tmp_path / "s.sqlite"), str(SAMPLES)], 3)
    assert run.stderr.count("database or disk is full; the scan goes on without the store") == 1
    assert SAMPLE_SUMMARY in run.stderr


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tiny tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_read_only_store(tiny_disk: Path) -> None:
    store = str(tiny_disk / "s.sqlite")
    invoke(["scan", "--store", store, str(sample("clean.apk"))], 0)
    remount = ["mount", "-o", "remount,ro", str(tiny_disk)]
    subprocess.run(remount, check=True)
    run = invoke(["scan", "--store", store, "--format", "json", str(SAMPLES)], 3)
    assert len(json.loads(run.stdout)["results"]) == SAMPLE_COUNT
    assert run.stderr.count("warning: results store") == 1
    # which statement meets the read-only disk first depends on the order of the apps
    assert any(
        m in run.stderr for m in ("unable to open database file", "attempt to write a readonly")
    ), run.stderr


def test_a_really_full_disk(tiny_disk: Path, tmp_path: Path) -> None:
    folder = tmp_path / "apps"
    folder.mkdir()
    for number in range(40):
        faults.variant(sample("sdk-collector.apk"), folder / f"{number:02d}.apk", number)
    store = tiny_disk / "s.sqlite"
    run = invoke(["scan", "-j", "2", "--store", str(store), "--fail-on", "never", str(folder)], 0)
    assert run.stderr.count("warning: results store") == 1
    assert "disk is full" in run.stderr
    assert "40 apps: 0 pass, 0 notice, 40 removal, 0 errors" in run.stderr
    with sqlite3.connect(store) as db:  # what was committed before the disk filled is intact
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = db.execute("SELECT count(*) FROM results").fetchone()[0]
    assert 0 < kept < 40
    shutil.rmtree(folder)


def test_the_tool_key_changes_with_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """A development build whose code changed under the same version number does not reuse
    results of the old code: the key digests the package's files and catalogues."""
    from pi_scan import __version__
    from pi_scan.batch import store as store_module

    tool = store_module.tool_id()
    assert tool.startswith(f"{__version__}+") and len(tool) == len(__version__) + 13
    assert Key(rules="x").tool == tool
    real = Path.read_bytes

    def edited(path: Path) -> bytes:
        data = real(path)
        return data + b"# edited" if path.name == "dex.py" else data

    store_module.tool_id.cache_clear()
    monkeypatch.setattr(Path, "read_bytes", edited)
    try:
        assert store_module.tool_id() != tool
    finally:
        monkeypatch.undo()
        store_module.tool_id.cache_clear()
    assert store_module.tool_id() == tool


def test_the_key_includes_the_supplied_policy(
    rules: tuple[RuleSet, Knowledge], tmp_path: Path
) -> None:
    """A result judged against one supplied policy is not served for another (or for none),
    and the same policy is served from the store."""
    store = tmp_path / "s.sqlite"
    apps = [sample("legacy.apk")]
    text = "<p>隐私政策：我们会收集您的设备标识符（IMEI）和位置信息，申请电话权限和位置权限。</p>"
    first = read_policy_file("a.html", text.encode())
    second = read_policy_file("b.html", (text + "<p>我们会申请通讯录权限。</p>").encode())
    package = "org.piscan.sample.legacy"
    assert scan(rules, apps, store)[1] == ["scan"]
    one = Policies(by_package={package: first})
    result, sources = scan(rules, apps, store, policies=one)
    assert sources == ["scan"]
    assert result.results[0].policy is not None
    assert result.results[0].policy.status == "compared"
    assert scan(rules, apps, store, policies=one)[1] == ["store"]
    assert scan(rules, apps, store, policies=Policies(default=second))[1] == ["scan"]
    assert scan(rules, apps, store)[1] == ["store"]  # without a policy: the first result


def test_a_store_from_before_policies_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE results (sha256 TEXT NOT NULL, rules TEXT NOT NULL, tool TEXT NOT NULL,"
            " app_type TEXT NOT NULL, format TEXT NOT NULL, package TEXT, version_code INTEGER,"
            " version_name TEXT, verdict TEXT NOT NULL, removal INTEGER NOT NULL,"
            " notice INTEGER NOT NULL, error TEXT, path TEXT NOT NULL, scanned_at TEXT NOT NULL,"
            " result TEXT NOT NULL, PRIMARY KEY (sha256, rules, tool, app_type));"
        )
    with ResultStore(path) as opened:
        assert opened.get("0" * 64, Key(rules="x"), lambda _p: None) is None
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(results)")}
    assert "policy" in columns
