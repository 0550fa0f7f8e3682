"""Find the apps to scan: files as given, folders searched recursively, in a stable order."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

APP_SUFFIXES = (".apk", ".apks", ".xapk", ".apkm")


@dataclass(frozen=True)
class Target:
    """A file to scan, or a path given on the command line that yields nothing to scan."""

    path: str
    problem: str | None = None  # set when the path itself is the error


def discover(paths: Iterable[str]) -> list[Target]:
    """Expand the command-line paths into targets.

    A file named on the command line is scanned whatever its name (the extractor says if it
    is not an app).  A folder is searched recursively for *.apk, *.apks, *.xapk and *.apkm,
    in sorted order; symbolic links to folders are not followed (no loops).  A missing path
    or a folder with no apps becomes a target with a problem, so the run reports it and goes
    on with the rest.  The same file reached twice is scanned once.
    """
    targets: list[Target] = []
    seen: set[str] = set()
    for raw in paths:
        for target in _expand(Path(raw)):
            key = os.path.realpath(target.path) if target.problem is None else target.path
            if key not in seen:
                seen.add(key)
                targets.append(target)
    return targets


def _expand(path: Path) -> list[Target]:
    if path.is_dir():
        found, skipped = _walk(path)
        if not found:
            detail = f" ({skipped} other files skipped)" if skipped else ""
            return [Target(str(path), f"no APK, APKS, XAPK or APKM files found{detail}")]
        return [Target(p) for p in found]
    if path.exists() or path.is_symlink():
        return [Target(str(path))]
    return [Target(str(path), "no such file or folder")]


def _walk(root: Path) -> tuple[list[str], int]:
    found: list[str] = []
    skipped = 0
    for dirpath, dirnames, filenames in os.walk(root, onerror=None, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(APP_SUFFIXES):
                found.append(os.path.join(dirpath, name))
            else:
                skipped += 1
    return found, skipped
