"""Test-only extractors that misbehave on purpose, and APK variants with distinct bytes.

The extractors are module-level functions so that worker processes can unpickle them: a test
passes one to `run_scan(extractor=...)`; production code never names them.  Each behaves like
the real extractor except for files whose name contains its trigger word.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import threading
import time
import zipfile
from pathlib import Path

from pi_scan.extract import extract_facts
from pi_scan.model import ApkFacts


def kill_on_name(path: Path) -> ApkFacts:
    """SIGKILL for "kill", a segfault for "segv", os._exit(3) for "exit"."""
    name = Path(path).name
    if "kill" in name:
        os.kill(os.getpid(), signal.SIGKILL)
    if "segv" in name:
        ctypes.string_at(0)
    if "exit" in name:
        os._exit(3)
    return extract_facts(path)


def slow_on_name(path: Path) -> ApkFacts:
    """Sleeps for a minute on "slow"."""
    if "slow" in Path(path).name:
        time.sleep(60)
    return extract_facts(path)


def hog_on_name(path: Path) -> ApkFacts:
    """Asks for 8 GB on "hog" (more than any test's memory limit)."""
    if "hog" in Path(path).name:
        hog = bytearray(8 * 1024**3)
        hog[-1] = 1
    return extract_facts(path)


# In-process only: lets a test change the file while the extractor is in the middle of it.
reading = threading.Event()
changed = threading.Event()


def pausing(path: Path) -> ApkFacts:
    """Reads the file, then waits for the test to change it before extracting."""
    Path(path).read_bytes()
    reading.set()
    changed.wait(10)
    return extract_facts(path)


def variant(source: Path, target: Path, number: int) -> Path:
    """A copy of `source` whose bytes differ (a zip comment), so its SHA-256 does too."""
    shutil.copyfile(source, target)
    with zipfile.ZipFile(target, "a") as zf:
        zf.comment = f"pi-scan test variant {number}".encode()
    return target
