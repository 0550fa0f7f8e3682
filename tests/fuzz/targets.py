"""The fuzz targets: one input in, and any outcome but the documented errors is a finding.

* ``zip``: the whole extraction, `pi_scan.extract.extract_facts`, on the input as a file.  It
  may only return facts or raise ApkAnalysisError; an ApkAnalysisError that is the boundary's
  catch-all ("cannot analyse (IndexError: ...)", "too deeply nested") also counts as a finding,
  because it means some parser slipped on the input instead of explaining it.
* ``axml``: the manifest entry point, `pi_scan.extract.manifest.parse_manifest`, on the input as
  AndroidManifest.xml; ApkAnalysisError only.
* ``dex``: the DEX reader, `pi_scan.extract.dex.read_dex` (called only); DexFormatError only.

Hangs are the runner's business (a per-input time limit).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract import extract_facts
from pi_scan.extract.dex import DexFormatError, read_dex
from pi_scan.extract.manifest import parse_manifest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
REGRESS = ROOT / "tests" / "data" / "regress"
SLIPS = ("cannot analyse (", "too deeply nested")


class Finding(Exception):
    """An outcome a target does not allow; the input is a crash to keep."""


_SCRATCH = Path("/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir())


def fuzz_zip(data: bytes) -> None:
    path = _SCRATCH / f"pi-scan-fuzz-{os.getpid()}.apk"
    path.write_bytes(data)
    try:
        extract_facts(path)
    except ApkAnalysisError as exc:
        if str(exc).startswith(SLIPS):
            raise Finding(str(exc)) from exc
    finally:
        path.unlink()


def fuzz_axml(data: bytes) -> None:
    with contextlib.suppress(ApkAnalysisError):
        parse_manifest(data, None)


def fuzz_dex(data: bytes) -> None:
    with contextlib.suppress(DexFormatError):
        read_dex(data)


TARGETS: dict[str, Callable[[bytes], None]] = {"zip": fuzz_zip, "axml": fuzz_axml, "dex": fuzz_dex}


def _apks() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in (".apk", ".apks", ".xapk"))


def _members(suffix: str) -> list[bytes]:
    """Entries named like `suffix` in every sample APK and in the APKs of the bundles."""
    found: list[bytes] = []
    for path in _apks():
        found += _entries(path.read_bytes(), suffix)
    return found


def _entries(data: bytes, suffix: str) -> list[bytes]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return []
    found = []
    for name in zf.namelist():
        if name.endswith(suffix):
            found.append(zf.read(name))
        elif name.endswith(".apk"):
            found += _entries(zf.read(name), suffix)
    return found


def seeds(target: str) -> list[bytes]:
    """The starting corpus: the samples' files of the target's kind, and kept regressions."""
    if target == "zip":
        found = [p.read_bytes() for p in _apks()]
    elif target == "axml":
        found = _members("AndroidManifest.xml")
    else:
        found = _members(".dex")
    kept = sorted(REGRESS.glob(f"{target}-*")) if REGRESS.is_dir() else []
    return list(dict.fromkeys(found + [p.read_bytes() for p in kept]))
