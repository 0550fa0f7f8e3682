"""Warm rescans: a file whose size, times and inode are those it was hashed under is not read
again (its SHA-256 comes from the store); --rehash forces hashing; and when nothing needs
scanning, the extractor (androguard) is not loaded."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pi_scan.batch import run_scan, runner
from pi_scan.batch.runner import Batch, Event
from pi_scan.batch.store import ResultStore
from pi_scan.batch.task import CHANGED, Fingerprint, fingerprint
from pi_scan.facts import Knowledge, load_knowledge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import RuleSet, ScanResult

from . import faults
from .conftest import ROOT, invoke, sample


@pytest.fixture(scope="module")
def rules() -> tuple[RuleSet, Knowledge]:
    return load_rules(()), load_knowledge()


class Sources:
    def __init__(self) -> None:
        self.by_name: dict[str, str] = {}

    def started(self, total: int) -> None:
        pass

    def finished(self, event: Event) -> None:
        self.by_name[Path(event.result.path).name] = event.source


class Hashed:
    """Counts the files hashed, by name."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        monkeypatch.setattr(runner, "fingerprint", self)

    def __call__(self, path: str) -> Fingerprint | None:
        self.names.append(Path(path).name)
        return fingerprint(path)


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files made by a test are seconds old at most: let the store remember them at once."""
    monkeypatch.setattr(runner, "_RACY_NS", -(10**12))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    apps = tmp_path / "apps"
    apps.mkdir()
    for number, name in enumerate(["a.apk", "b.apk", "c.apk"]):
        faults.variant(sample("clean.apk"), apps / name, number)
    return apps


def scan(
    rules: tuple[RuleSet, Knowledge], paths: list[Path], batch: Batch, extractor: object = None
) -> tuple[ScanResult, dict[str, str]]:
    ruleset, knowledge = rules
    sources = Sources()
    result = run_scan(
        [str(p) for p in paths],
        ruleset,
        knowledge,
        extractor=extractor,  # type: ignore[arg-type]
        batch=batch,
        observer=sources,
    )
    return result, sources.by_name


def test_an_unchanged_file_is_not_hashed_again(
    rules: tuple[RuleSet, Knowledge],
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settled: None,
) -> None:
    batch = Batch(jobs=1, store=tmp_path / "store.sqlite")
    hashed = Hashed(monkeypatch)
    cold, _ = scan(rules, [folder], batch)
    assert hashed.names == ["a.apk", "b.apk", "c.apk"]
    hashed.names.clear()
    warm, sources = scan(rules, [folder], batch)
    assert hashed.names == []
    assert sources == {"a.apk": "store", "b.apk": "store", "c.apk": "store"}
    assert [r.verdict for r in warm.results] == [r.verdict for r in cold.results]


def test_touching_a_file_gets_it_hashed_again(
    rules: tuple[RuleSet, Knowledge],
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settled: None,
) -> None:
    batch = Batch(jobs=1, store=tmp_path / "store.sqlite")
    scan(rules, [folder], batch)
    hashed = Hashed(monkeypatch)
    st = (folder / "b.apk").stat()
    os.utime(folder / "b.apk", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    _, sources = scan(rules, [folder], batch)
    assert hashed.names == ["b.apk"]
    assert sources["b.apk"] == "store"  # same bytes: known once hashed


def test_new_bytes_under_the_same_name_are_scanned(
    rules: tuple[RuleSet, Knowledge],
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settled: None,
) -> None:
    batch = Batch(jobs=1, store=tmp_path / "store.sqlite")
    scan(rules, [folder], batch)
    faults.variant(sample("legacy.apk"), folder / "c.apk", 7)
    hashed = Hashed(monkeypatch)
    result, sources = scan(rules, [folder], batch)
    assert hashed.names == ["c.apk"]
    assert sources["c.apk"] == "scan"
    assert result.results[2].verdict.label == "removal"


def test_rehash_hashes_every_file(
    rules: tuple[RuleSet, Knowledge],
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settled: None,
) -> None:
    scan(rules, [folder], Batch(jobs=1, store=tmp_path / "store.sqlite"))
    hashed = Hashed(monkeypatch)
    _, sources = scan(rules, [folder], Batch(jobs=1, store=tmp_path / "store.sqlite", rehash=True))
    assert hashed.names == ["a.apk", "b.apk", "c.apk"]
    assert set(sources.values()) == {"store"}


def test_rehash_on_the_command_line(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    args = ["scan", "--store", str(tmp_path / "store.sqlite"), "-q", "-j", "1", str(folder)]
    invoke(args, 0)
    hashed = Hashed(monkeypatch)
    invoke(args, 0)
    assert hashed.names == []
    invoke([*args, "--rehash"], 0)
    assert hashed.names == ["a.apk", "b.apk", "c.apk"]


def test_a_file_just_written_is_not_remembered_by_its_stat(
    rules: tuple[RuleSet, Knowledge], folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its times are within the file system's timestamp granularity of the hash: a write in
    the same tick would not move them, so it is hashed again next time."""
    batch = Batch(jobs=1, store=tmp_path / "store.sqlite")
    scan(rules, [folder], batch)
    hashed = Hashed(monkeypatch)
    scan(rules, [folder], batch)
    assert hashed.names == ["a.apk", "b.apk", "c.apk"]


def test_no_store_means_every_file_is_hashed(
    rules: tuple[RuleSet, Knowledge], folder: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    scan(rules, [folder], Batch(jobs=1))
    hashed = Hashed(monkeypatch)
    scan(rules, [folder], Batch(jobs=1))
    assert hashed.names == ["a.apk", "b.apk", "c.apk"]


def test_a_stale_digest_is_caught_and_forgotten(
    rules: tuple[RuleSet, Knowledge], folder: Path, tmp_path: Path, settled: None
) -> None:
    """The trade-off's safety net: if the stat fields ever vouch for bytes the file no longer
    has (changed without moving them), the extractor's own hash disagrees, the app is an
    error that is not stored, and the next run hashes the file again."""
    store = tmp_path / "store.sqlite"
    apk = folder / "a.apk"
    with ResultStore(store) as db:
        fp = fingerprint(str(apk))
        assert fp is not None
        db.remember(str(apk), fp.signature, "0" * 64)  # as if other bytes had been hashed
    result, _ = scan(rules, [apk], Batch(jobs=1, store=store))
    assert result.results[0].error == CHANGED
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM results").fetchone() == (0,)
    again, _ = scan(rules, [apk], Batch(jobs=1, store=store))
    assert again.results[0].verdict.label == "pass"


def test_store_remembers_and_forgets_digests(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "store.sqlite") as store:
        signature = (1, 2**64 - 1, 3, 4, 5)  # an inode beyond SQLite's signed integers
        assert store.known_digest("/x.apk", signature) is None
        store.remember("/x.apk", signature, "ab" * 32)
        assert store.known_digest("/x.apk", signature) == "ab" * 32
        assert store.known_digest("/x.apk", (1, 2**64 - 1, 3, 4, 6)) is None  # ctime moved
        assert store.known_digest("/y.apk", signature) is None
        store.forget("/x.apk")
        assert store.known_digest("/x.apk", signature) is None


WARM_RESCAN = """
import sys
from pi_scan.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    print(exc.code, "androguard" in sys.modules, "pi_scan.extract" in sys.modules)
"""


def test_a_warm_rescan_does_not_load_the_extractor(folder: Path, tmp_path: Path) -> None:
    """Nothing to scan: androguard and the extraction modules are not even imported."""
    args = ["scan", "--store", str(tmp_path / "store.sqlite"), "-q", "-j", "1"]
    command = [sys.executable, "-c", WARM_RESCAN, *args, str(folder)]
    cold = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert cold.stdout.splitlines()[-1] == "0 True True"
    warm = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert warm.stdout.splitlines()[-1] == "0 False False"


def test_verbose_reaches_an_in_process_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pi_scan.extract

    calls: list[bool] = []
    monkeypatch.setattr(pi_scan.extract, "set_verbose", calls.append)
    args = ["scan", "--no-store", "-q", "-j", "1", str(sample("clean.apk"))]
    invoke(args, 0)
    assert calls == []  # quiet is the extractor's own default
    invoke(["-v", *args], 0)
    assert calls == [True]
