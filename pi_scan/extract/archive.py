"""Zip-level access to an APK, read the way Android's installer reads it.

Python's zipfile is lenient where Android is strict and strict where Android is lenient (it
takes the *last* of two entries with the same name, refuses an entry whose local header names
another file, and gives up on the "encrypted" flag that Android ignores), so a tampered APK that
installs fine could hide its manifest or code from a zipfile-based scan.  This module therefore
reads the central directory itself, with Android's rules:

* the end-of-central-directory record is the last one in the file (libziparchive scans
  backwards for it, as zipfile does);
* the central directory is trusted for sizes, method and offsets; a local header that
  disagrees is only a tamper indicator;
* of two entries with the same name the first one is read.  Android itself refuses such an
  archive since the "master key" fix (bug 8219321, Android 4.4); before it, the first entry is
  what ran.  Reading the first and flagging the duplicate keeps the scan consistent and tells
  the reviewer;
* an entry with a compression method Android does not know is read as stored when its sizes
  agree, else as deflate (what the platform's tolerant reader accepts), and flagged;
* the "encrypted" flag is ignored (Android does) and flagged.

Everything is read from a seekable stream (the file itself, or the bytes of a bundle member):
nothing is ever extracted to disk, and every entry that is decompressed passes the zip-bomb
guard first and is inflated with a hard cap at its declared size.  What looks tampered is
collected in `Archive.indicators`, the `tamper_indicators` fact.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import BinaryIO

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract import limits
from pi_scan.extract.limits import MAX_ENTRIES, MAX_ENTRY_SIZE, MAX_RATIO, MIB, RATIO_FLOOR
from pi_scan.model import NativeLib

MANIFEST = "AndroidManifest.xml"
RESOURCES = "resources.arsc"

# Exceptions whose message reads well on its own (ours, and the parsers' ValueErrors).
_SELF_EXPLAINING = (ApkAnalysisError, ValueError, OSError)
_DEX_NAME = re.compile(r"classes(\d*)\.dex")

_EOCD_SIG = b"PK\x05\x06"
_CD_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_EOCD = struct.Struct("<4sHHHHIIH")  # signature .. comment length: 22 bytes
_CD = struct.Struct("<4sHHHHHHIIIHHHHHII")  # central directory record: 46 bytes
_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # local file header: 30 bytes
_ZIP64_LOCATOR = struct.Struct("<4sIQI")  # 20 bytes
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")  # 56 bytes
_MAX_COMMENT = 0xFFFF
_FLAG_ENCRYPTED = 0x1
_FLAG_DESCRIPTOR = 0x8
_FLAG_UTF8 = 0x800
_STORED, _DEFLATED = 0, 8
_DEX_MAGIC = b"dex\n"


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


# --------------------------------------------------------------------------------------------
# the budget of bytes one scan may inflate
# --------------------------------------------------------------------------------------------


class BudgetExceeded(ApkAnalysisError):
    """The whole file's decompression budget is spent: the app is refused, not degraded."""


class InflateBudget:
    """Bytes decompressed so far for one scanned file, shared by a bundle and its members, so
    that many entries just under the per-entry limit cannot add up to exhausting memory."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limits.MAX_TOTAL_INFLATED if limit is None else limit
        self.used = 0

    def charge(self, name: str, size: int) -> None:
        if self.used + size > self.limit:
            raise BudgetExceeded(
                f"{name}: refusing to decompress more than {self.limit // MIB} MiB in all "
                "(zip-bomb guard)"
            )
        self.used += size


# --------------------------------------------------------------------------------------------
# the central directory
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One central-directory record: what Android believes about an entry."""

    name: str
    offset: int  # of the local header, in the stream
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    raw_name: bytes = b""


@dataclass(frozen=True)
class _Directory:
    """Where the central directory is, and the shift applied to every offset it states."""

    eocd: int
    offset: int
    size: int
    count: int  # records the end record claims
    shift: int


@dataclass(frozen=True)
class _Local:
    """The parts of a local file header that locate the data."""

    data_offset: int


class _Source:
    """Positional reads from a seekable stream of known size."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.size = stream.seek(0, 2)

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0 or offset >= self.size:
            return b""
        self.stream.seek(offset)
        return self.stream.read(min(length, self.size - offset))


class Archive:
    """A zip as Android reads it: entries by name (the first of duplicates), guarded reads,
    and the tamper indicators seen on the way."""

    def __init__(self, stream: BinaryIO, budget: InflateBudget | None = None) -> None:
        self._source = _Source(stream)
        self.budget = budget if budget is not None else InflateBudget()
        self.indicators: list[str] = []
        self._flagged: dict[str, None] = {}
        self._locals: dict[str, _Local | None] = {}
        head = self._source.read_at(0, 4)
        if not head:
            raise ApkAnalysisError("empty file")
        directory = self._find_directory(head)
        self.cd_offset = directory.offset
        self.entries: dict[str, Entry] = {}
        self.order: list[Entry] = []  # every record, duplicates included
        self._read_directory(directory)
        if head == _DEX_MAGIC:
            self._flag("dex_prepended")

    # --- public ---------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self._source.size

    def namelist(self) -> list[str]:
        """Unique entry names in central-directory order."""
        return list(self.entries)

    def has(self, name: str) -> bool:
        return name in self.entries

    def entry(self, name: str) -> Entry:
        return self.entries[name]

    def read_raw(self, offset: int, length: int) -> bytes:
        """Bytes of the container itself (the signing block, a prepended DEX)."""
        return self._source.read_at(offset, length)

    def read(self, name: str) -> bytes:
        """One entry's bytes, after the zip-bomb guard; inflation stops at the declared size."""
        data = self._inflate_entry(name)
        self.budget.charge(name, len(data))
        if _INFLATER.crc32(data) != self.entries[name].crc:  # ISA-L's: five times zlib's
            self._flag(f"crc_mismatch:{name}")
        return data

    def reread(self, name: str) -> bytes:
        """An entry `read` before, again: the budget was charged and the CRC checked then
        (the DEX reader drops a DEX's bytes and reads them again to decode code)."""
        return self._inflate_entry(name)

    def _inflate_entry(self, name: str) -> bytes:
        entry = self.entries[name]
        check_entry(entry)
        local = self._local(entry)
        if local is None:
            raise ApkAnalysisError(f"{name}: no local file header at offset {entry.offset}")
        raw = self._source.read_at(local.data_offset, entry.compressed_size)
        if len(raw) < entry.compressed_size:
            raise ApkAnalysisError(f"{name}: entry data runs past the end of the file")
        return self._decompress(entry, raw)

    # --- end of central directory -----------------------------------------------------------

    def _find_directory(self, head: bytes) -> _Directory:
        """The central directory as Android finds it: through the last EOCD signature in the
        file's tail (the last one that leads to a central directory, to be lenient)."""
        tail_start = max(0, self.size - _EOCD.size - _MAX_COMMENT)
        tail = self._source.read_at(tail_start, self.size - tail_start)
        candidates = [tail_start + pos for pos in _all_positions(tail, _EOCD_SIG)]
        for eocd in reversed(candidates):
            found = self._directory_at(eocd)
            if found is not None:
                self._check_extra_eocds(found, candidates)
                return found
        if not head.startswith(b"PK") and head != _DEX_MAGIC:
            raise ApkAnalysisError("not a zip file")
        if not candidates:
            raise ApkAnalysisError("truncated zip (End-of-central-directory signature not found)")
        raise ApkAnalysisError("corrupt zip (no central directory where the end record points)")

    def _directory_at(self, eocd: int) -> _Directory | None:
        record = self._source.read_at(eocd, _EOCD.size)
        if len(record) < _EOCD.size:
            return None
        _sig, _disk, _cd_disk, _here, count, cd_size, cd_offset, comment = _EOCD.unpack(record)
        if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            zip64 = self._zip64(eocd)
            if zip64 is None:
                return None
            count, cd_size, cd_offset = zip64
        found = self._locate(eocd, cd_offset, cd_size, count)
        if found is not None and eocd + _EOCD.size + comment != self.size:
            self._flag("eocd_comment_mismatch")
        return found

    def _zip64(self, eocd: int) -> tuple[int, int, int] | None:
        locator = self._source.read_at(eocd - _ZIP64_LOCATOR.size, _ZIP64_LOCATOR.size)
        if len(locator) < _ZIP64_LOCATOR.size or not locator.startswith(b"PK\x06\x07"):
            return None
        record_at = _ZIP64_LOCATOR.unpack(locator)[2]
        record = self._source.read_at(record_at, _ZIP64_EOCD.size)
        if len(record) < _ZIP64_EOCD.size or not record.startswith(b"PK\x06\x06"):
            return None
        fields = _ZIP64_EOCD.unpack(record)
        return fields[7], fields[8], fields[9]  # total entries, size, offset

    def _locate(self, eocd: int, offset: int, size: int, count: int) -> _Directory | None:
        """Android reads the central directory exactly where the EOCD says.  zipfile also
        accepts it shifted by data prepended to the archive (offsets then shift too), and a
        directory whose stated size overruns the end record is read up to it; both are
        flagged."""
        if offset + size <= eocd and self._is_directory(offset, count):
            return _Directory(eocd, offset, size, count, 0)
        shifted = eocd - size
        if 0 <= shifted != offset and self._is_directory(shifted, count):
            self._flag("zip_offsets_shifted")
            return _Directory(eocd, shifted, size, count, shifted - offset)
        if offset < eocd and self._is_directory(offset, count):
            self._flag("central_directory_size_mismatch")
            return _Directory(eocd, offset, eocd - offset, count, 0)
        return None

    def _is_directory(self, offset: int, count: int) -> bool:
        return count == 0 or self._source.read_at(offset, 4) == _CD_SIG

    def _check_extra_eocds(self, found: _Directory, candidates: list[int]) -> None:
        """Another end record after the start of the central directory (in the comment,
        appended, or a broken last one) is how two zip readers are made to disagree.  Earlier
        ones are left alone: a stored nested APK near the end carries its own."""
        if any(p != found.eocd and p >= min(found.offset, found.eocd) for p in candidates):
            self._flag("multiple_eocd")

    # --- central directory records ----------------------------------------------------------

    def _read_directory(self, directory: _Directory) -> None:
        data = self._source.read_at(directory.offset, directory.size)
        pos = count = 0
        while pos + _CD.size <= len(data) and data[pos : pos + 4] == _CD_SIG:
            count += 1
            if count > MAX_ENTRIES:
                raise ApkAnalysisError(
                    f"more than {MAX_ENTRIES} entries in the central directory (limit)"
                )
            pos = self._record(data, pos, directory.shift)
        if pos < len(data):
            self._flag("central_directory_junk")
        if directory.count not in (count, 0xFFFF):
            self._flag("eocd_entry_count_mismatch")

    def _record(self, data: bytes, pos: int, shift: int) -> int:
        fields: tuple[int, ...] = _CD.unpack_from(data, pos)[1:]
        flags, method, crc, packed, size = fields[2], fields[3], fields[6], fields[7], fields[8]
        name_len, extra_len, comment_len, offset = fields[9], fields[10], fields[11], fields[15]
        end = pos + _CD.size + name_len + extra_len + comment_len
        if end > len(data):
            self._flag("central_directory_junk")
            return len(data)
        raw_name = data[pos + _CD.size : pos + _CD.size + name_len]
        extra = data[pos + _CD.size + name_len : pos + _CD.size + name_len + extra_len]
        size, packed, offset = _zip64_sizes(extra, size, packed, offset)
        name = self._name(raw_name, flags)
        entry = Entry(name, offset + shift, method, flags, crc, packed, size, raw_name)
        self.order.append(entry)
        self._note_entry(entry)
        return end

    def _name(self, raw: bytes, flags: int) -> str:
        """Android takes names as UTF-8 and refuses NUL bytes or invalid UTF-8; such a name is
        kept (decoded as zipfile would) and flagged."""
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._flag("invalid_entry_name")
            return raw.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", "replace")
        if "\x00" in name:
            self._flag("invalid_entry_name")
        return name

    def _note_entry(self, entry: Entry) -> None:
        name = entry.name
        if name in self.entries:
            self._flag(f"duplicate_entry:{name}")
            return
        self.entries[name] = entry
        if entry.method not in (_STORED, _DEFLATED):
            self._flag(f"unknown_compression:{name}")
        if entry.flags & _FLAG_ENCRYPTED:
            self._flag(f"encrypted_flag:{name}")
        self._local(entry)

    # --- local headers ----------------------------------------------------------------------

    def _local(self, entry: Entry) -> _Local | None:
        """The local header of an entry, checked against the central directory once."""
        if entry.name in self._locals:
            return self._locals[entry.name]
        header = self._source.read_at(entry.offset, _LOCAL.size)
        local: _Local | None = None
        if len(header) == _LOCAL.size and header.startswith(_LOCAL_SIG):
            fields: tuple[int, ...] = _LOCAL.unpack(header)[1:]
            name_len, extra_len = fields[8], fields[9]
            raw_name = self._source.read_at(entry.offset + _LOCAL.size, name_len)
            local = _Local(entry.offset + _LOCAL.size + name_len + extra_len)
            if _disagrees(entry, fields, raw_name):
                self._flag(f"local_central_mismatch:{entry.name}")
        else:
            self._flag(f"local_central_mismatch:{entry.name}")
        self._locals[entry.name] = local
        return local

    # --- data -------------------------------------------------------------------------------

    def _decompress(self, entry: Entry, raw: bytes) -> bytes:
        if entry.method == _STORED:
            return _stored(entry, raw)
        if entry.method == _DEFLATED:
            return _inflate(entry, raw)
        # An unknown method: what the platform's lenient path accepts (equal sizes: stored).
        if entry.compressed_size == entry.size:
            return _stored(entry, raw)
        return _inflate(entry, raw)

    def _flag(self, indicator: str) -> None:
        """Record an indicator once; past MAX_INDICATORS only their number grows, so that an
        archive of a hundred thousand tampered entries cannot make the fact list huge."""
        if indicator in self._flagged:
            return
        if len(self._flagged) < limits.MAX_INDICATORS:
            self.indicators.append(indicator)
        elif len(self._flagged) == limits.MAX_INDICATORS:
            self.indicators.append("more_indicators_not_listed")
        self._flagged[indicator] = None


def _all_positions(data: bytes, needle: bytes) -> list[int]:
    found: list[int] = []
    start = data.find(needle)
    while start != -1:
        found.append(start)
        start = data.find(needle, start + 1)
    return found


def _zip64_sizes(extra: bytes, size: int, packed: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset from the zip64 extra field, for the values the record marks 0xFFFFFFFF."""
    if 0xFFFFFFFF not in (size, packed, offset):
        return size, packed, offset
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x0001:
            count = min(length, len(extra) - pos - 4) // 8
            values = list(struct.unpack_from(f"<{count}Q", extra, pos + 4))
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if packed == 0xFFFFFFFF and values:
                packed = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
            break
        pos += 4 + length
    return size, packed, offset


def _disagrees(entry: Entry, fields: tuple[int, ...], raw_name: bytes) -> bool:
    """Whether a local header names another file, another method, or (when it carries them
    and no data descriptor follows) other sizes or CRC than the central directory."""
    flags, method, crc, packed, size = fields[1], fields[2], fields[5], fields[6], fields[7]
    if raw_name != entry.raw_name or method != entry.method:
        return True
    if (flags | entry.flags) & _FLAG_DESCRIPTOR or 0xFFFFFFFF in (packed, size):
        return False
    return (crc, packed, size) != (entry.crc, entry.compressed_size, entry.size) and any(
        (crc, packed, size)
    )


def _stored(entry: Entry, raw: bytes) -> bytes:
    if len(raw) < entry.size:
        raise ApkAnalysisError(f"{entry.name}: stored entry shorter than its declared size")
    return raw[: entry.size]


def _inflater() -> ModuleType:
    """ISA-L's zlib-compatible inflater and CRC-32 (the `isal` wheel: inflating about twice
    as fast as zlib on DEX files, a quarter of a big app's extraction time; the CRC five
    times); zlib where it is not installed."""
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib
    return isal_zlib


_INFLATER = _inflater()
_INFLATE_ERRORS = (zlib.error, _INFLATER.error)


def _inflate(entry: Entry, raw: bytes) -> bytes:
    """Raw deflate, never producing more than one byte past the declared size."""
    inflater = _INFLATER.decompressobj(-15)
    try:
        data: bytes = inflater.decompress(raw, entry.size + 1)
    except _INFLATE_ERRORS as exc:
        raise ApkAnalysisError(
            f"{entry.name}: unreadable zip entry ({describe(exc)})"
            + (" (encrypted?)" if entry.flags & _FLAG_ENCRYPTED else "")
        ) from exc
    if len(data) > entry.size:
        raise ApkAnalysisError(
            f"{entry.name}: inflates past its declared {entry.size} bytes (zip-bomb guard)"
        )
    if len(data) < entry.size:
        raise ApkAnalysisError(f"{entry.name}: unreadable zip entry (truncated deflate data)")
    return data


def open_zip(stream: BinaryIO, budget: InflateBudget | None = None) -> Archive:
    """Open a seekable stream as an Archive; every complaint is a one-line ApkAnalysisError."""
    try:
        return Archive(stream, budget)
    except ApkAnalysisError:
        raise
    except (OSError, ValueError, struct.error, OverflowError) as exc:
        raise ApkAnalysisError(f"corrupt zip ({describe(exc)})") from exc


def check_entry(info: Entry) -> None:
    """Refuse an entry whose declared sizes make it a likely zip bomb."""
    size, packed = info.size, info.compressed_size
    if size > MAX_ENTRY_SIZE:
        raise ApkAnalysisError(
            f"{info.name}: refusing to read entry of {size} bytes "
            f"(more than {MAX_ENTRY_SIZE // MIB} MiB, zip-bomb guard)"
        )
    if size > RATIO_FLOOR and (packed == 0 or size / packed > MAX_RATIO):
        raise ApkAnalysisError(
            f"{info.name}: refusing to read entry with compression ratio over "
            f"{MAX_RATIO}:1 (zip-bomb guard)"
        )


def prepended_dex(zf: Archive) -> bytes | None:
    """A DEX file glued in front of the zip (the Janus trick, CVE-2017-13156): on devices that
    accept v1-only signatures the runtime executes it, so its code is part of the app."""
    if zf.read_raw(0, 4) != _DEX_MAGIC:
        return None
    header = zf.read_raw(0, 0x70)
    if len(header) < 0x24:
        return None
    declared = struct.unpack_from("<I", header, 0x20)[0]
    first = min((e.offset for e in zf.order), default=zf.cd_offset)
    length = min(declared, first, MAX_ENTRY_SIZE)
    data = zf.read_raw(0, length)
    zf.budget.charge("prepended DEX", len(data))
    return data


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
