"""Zip-level access to an APK: guarded entry reads and the listing of what the archive holds.

Everything here goes through Python's zipfile on a seekable stream (the file itself, or the
bytes of a bundle member), so nothing is ever extracted to disk, and every entry that is
decompressed passes the zip-bomb guard first.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from pi_scan.errors import ApkAnalysisError
from pi_scan.model import NativeLib

MANIFEST = "AndroidManifest.xml"
RESOURCES = "resources.arsc"

# Zip-bomb guard.  Entries we decompress (DEX, manifest, resources, nested APKs of a bundle)
# must not declare more than MAX_ENTRY_SIZE, nor expand more than MAX_RATIO times.  The ratio
# only counts above RATIO_FLOOR: a small entry cannot exhaust memory however well it compresses,
# and padded or highly repetitive small manifests are common in obfuscated apps.
MAX_ENTRY_SIZE = 512 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024

# Exceptions whose message reads well on its own (ours, and the parsers' ValueErrors).
_SELF_EXPLAINING = (ApkAnalysisError, ValueError, OSError, zipfile.BadZipFile)
_DEX_NAME = re.compile(r"classes(\d*)\.dex")
_EOCD_MISSING = "File is not a zip file"


def describe(exc: BaseException, limit: int = 160) -> str:
    """An exception as one short line, for error messages and warnings.

    Messages of low-level exceptions ("unpack requires a buffer of 4 bytes", "'x'") mean little
    without their type, so those keep it.
    """
    text = " ".join(str(exc).split())
    if not text or not isinstance(exc, _SELF_EXPLAINING):
        name = type(exc).__name__
        if name == "error":  # struct.error, zlib.error
            name = f"{type(exc).__module__}.error"
        text = f"{name}: {text}" if text else name
    return text if len(text) <= limit else text[: limit - 3] + "..."


def open_zip(stream: BinaryIO) -> zipfile.ZipFile:
    """Open a seekable stream as a zip, turning every zipfile complaint into a one-line
    ApkAnalysisError.

    A file that starts like a zip but has no end-of-central-directory record was almost
    certainly cut short (an interrupted download), which is worth telling apart from a file
    that was never a zip.
    """
    head = stream.read(4)
    stream.seek(0)
    if not head:
        raise ApkAnalysisError("empty file")
    try:
        return zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        reason = str(exc)
        if not head.startswith(b"PK"):
            raise ApkAnalysisError("not a zip file") from exc
        if reason == _EOCD_MISSING:
            raise ApkAnalysisError(
                "truncated zip (End-of-central-directory signature not found)"
            ) from exc
        raise ApkAnalysisError(f"corrupt zip ({reason})") from exc
    except (OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ApkAnalysisError(f"corrupt zip ({describe(exc)})") from exc


def check_entry(info: zipfile.ZipInfo) -> None:
    """Refuse an entry whose declared sizes make it a likely zip bomb."""
    size, packed = info.file_size, info.compress_size
    if size > MAX_ENTRY_SIZE:
        raise ApkAnalysisError(
            f"{info.filename}: refusing to read entry of {size} bytes "
            f"(more than {MAX_ENTRY_SIZE // (1024 * 1024)} MiB, zip-bomb guard)"
        )
    if size > RATIO_FLOOR and (packed == 0 or size / packed > MAX_RATIO):
        raise ApkAnalysisError(
            f"{info.filename}: refusing to read entry with compression ratio over "
            f"{MAX_RATIO}:1 (zip-bomb guard)"
        )


def read_entry(zf: zipfile.ZipFile, name: str) -> bytes:
    """Read one entry after the zip-bomb guard; zipfile itself stops at the declared size."""
    info = zf.getinfo(name)
    check_entry(info)
    try:
        with zf.open(info) as handle:
            return handle.read(info.file_size)
    except RuntimeError as exc:  # zipfile's way of saying "encrypted, password required"
        raise ApkAnalysisError(f"{name}: encrypted zip entry") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise ApkAnalysisError(f"{name}: unreadable zip entry ({describe(exc)})") from exc


def has_entry(zf: zipfile.ZipFile, name: str) -> bool:
    try:
        zf.getinfo(name)
    except KeyError:
        return False
    return True


def dex_names(names: Iterable[str]) -> list[str]:
    """Root `classes.dex`, `classes2.dex`, ... in numeric order, as the runtime loads them.

    Sorting by number matters once there are ten or more: classes10.dex comes after
    classes9.dex, not after classes1.dex.
    """
    found: list[tuple[int, str, str]] = []
    for name in names:
        match = _DEX_NAME.fullmatch(name)
        if match is not None:
            digits = match.group(1) or "1"
            found.append((len(digits), digits, name))  # numeric order without int() limits
    return [name for _, _, name in sorted(found)]


@dataclass(frozen=True)
class ArchiveListing:
    """The parts of an archive that rules look at by path only."""

    native_libs: tuple[NativeLib, ...] = ()
    assets: tuple[str, ...] = ()
    raw_resources: tuple[str, ...] = ()
    nested_apks: tuple[str, ...] = ()


def list_archive(names: Iterable[str]) -> ArchiveListing:
    """Classify entry names; directories (names ending in '/') are skipped."""
    libs: set[NativeLib] = set()
    assets: set[str] = set()
    raw: set[str] = set()
    nested: set[str] = set()
    for name in names:
        if name.endswith("/"):
            continue
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "lib" and parts[1] and parts[2].endswith(".so"):
            libs.add(NativeLib(name=parts[2], abi=parts[1], path=name))
        if name.startswith("assets/"):
            assets.add(name)
        if name.startswith("res/raw/"):
            raw.add(name)
        if name.lower().endswith(".apk"):
            nested.add(name)
    return ArchiveListing(
        native_libs=tuple(sorted(libs, key=lambda lib: (lib.abi, lib.name, lib.path))),
        assets=tuple(sorted(assets)),
        raw_resources=tuple(sorted(raw)),
        nested_apks=tuple(sorted(nested)),
    )


def merge_listings(parts: Iterable[ArchiveListing]) -> ArchiveListing:
    """Union of the listings of several split APKs."""
    libs: set[NativeLib] = set()
    assets: set[str] = set()
    raw: set[str] = set()
    nested: set[str] = set()
    for part in parts:
        libs.update(part.native_libs)
        assets.update(part.assets)
        raw.update(part.raw_resources)
        nested.update(part.nested_apks)
    return ArchiveListing(
        native_libs=tuple(sorted(libs, key=lambda lib: (lib.abi, lib.name, lib.path))),
        assets=tuple(sorted(assets)),
        raw_resources=tuple(sorted(raw)),
        nested_apks=tuple(sorted(nested)),
    )
