"""Builders of hostile APKs and the deterministic malformed corpus.

Everything here derives broken inputs from the committed samples (samples/*.apk) or builds
them from scratch, in memory and deterministically (fixed seeds, no clock), so a failing
variant can be rebuilt by name:

* `RawZip` writes a zip byte by byte, so every field Android and zipfile disagree on can be set
  to anything (names with NUL bytes, duplicate entries, lying sizes and methods, local headers
  that differ from the central directory, extra end records, prepended data);
* `build_axml` compiles a small element tree into Android binary XML (what aapt writes), and
  `axml_chunks` / `join_axml` take a compiled manifest apart and put it back together, for
  tampering with single chunks;
* `variants()` is the malformed corpus: well over 500 broken variants of the samples, from
  random bit flips to zip bombs, each with a stable name.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ANDROID_URI = "http://schemas.android.com/apk/res/android"

# --------------------------------------------------------------------------------------------
# raw zip writer
# --------------------------------------------------------------------------------------------


@dataclass
class RawEntry:
    """One entry; `None` fields are computed from the data as a correct zip would have them."""

    name: bytes
    data: bytes  # uncompressed content
    method: int = 8
    flags: int = 0
    crc: int | None = None
    compressed: bytes | None = None  # the stored bytes; default: data deflated or stored
    csize: int | None = None
    usize: int | None = None
    local_name: bytes | None = None
    local_method: int | None = None
    local_csize: int | None = None
    local_usize: int | None = None
    local_crc: int | None = None
    extra: bytes = b""  # central directory extra field

    def payload(self) -> bytes:
        if self.compressed is not None:
            return self.compressed
        if self.method == 0:
            return self.data
        return deflate(self.data)


def deflate(data: bytes, level: int = 6) -> bytes:
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@dataclass
class RawZip:
    entries: list[RawEntry] = field(default_factory=list)
    prefix: bytes = b""  # data before the first local header
    adjust_offsets: bool = True  # offsets count the prefix (Janus) or not (plain concatenation)
    comment: bytes = b""
    comment_length: int | None = None
    count: int | None = None
    cd_size: int | None = None
    cd_offset: int | None = None
    trailer: bytes = b""  # after the end record (e.g. a second one)
    between: bytes = b""  # between the last entry and the central directory

    def build(self) -> bytes:
        out = bytearray(self.prefix)
        base = len(self.prefix) if self.adjust_offsets else 0
        origin = len(self.prefix) - base
        records = bytearray()
        for entry in self.entries:
            payload = entry.payload()
            crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
            csize = len(payload) if entry.csize is None else entry.csize
            usize = len(entry.data) if entry.usize is None else entry.usize
            offset = len(out) - origin
            local_name = entry.name if entry.local_name is None else entry.local_name
            out += struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                entry.flags,
                entry.method if entry.local_method is None else entry.local_method,
                0,
                0x21,
                crc if entry.local_crc is None else entry.local_crc,
                csize if entry.local_csize is None else entry.local_csize,
                usize if entry.local_usize is None else entry.local_usize,
                len(local_name),
                0,
            )
            out += local_name + payload
            records += struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                entry.flags,
                entry.method,
                0,
                0x21,
                crc,
                csize,
                usize,
                len(entry.name),
                len(entry.extra),
                0,
                0,
                0,
                0,
                offset,
            )
            records += entry.name + entry.extra
        out += self.between
        cd_offset = len(out) - origin
        out += records
        count = len(self.entries) if self.count is None else self.count
        out += struct.pack(
            "<4sHHHHIIH",
            b"PK\x05\x06",
            0,
            0,
            count & 0xFFFF,
            count & 0xFFFF,
            len(records) if self.cd_size is None else self.cd_size,
            cd_offset if self.cd_offset is None else self.cd_offset,
            len(self.comment) if self.comment_length is None else self.comment_length,
        )
        return bytes(out + self.comment + self.trailer)


def entries_of(apk: bytes) -> list[RawEntry]:
    """The entries of a real APK as RawEntries, in order, with their original methods."""
    with zipfile.ZipFile(io.BytesIO(apk)) as zf:
        return [
            RawEntry(info.filename.encode(), zf.read(info), method=info.compress_type)
            for info in zf.infolist()
        ]


def rezip(apk: bytes, change: Callable[[list[RawEntry]], list[RawEntry]] | None = None) -> bytes:
    entries = entries_of(apk)
    return RawZip(change(entries) if change else entries).build()


def with_entry(apk: bytes, name: str, data: bytes) -> bytes:
    """The APK (re-zipped, unsigned) with one entry's content replaced."""

    def change(entries: list[RawEntry]) -> list[RawEntry]:
        return [replace(e, data=data) if e.name == name.encode() else e for e in entries]

    return rezip(apk, change)


@cache
def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def member(apk: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(apk)) as zf:
        return zf.read(name)


# --------------------------------------------------------------------------------------------
# binary XML
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """An attribute value of any Res_value type (0x01 reference, 0x11 hexadecimal, ...)."""

    kind: int
    data: int


Attr = tuple[str | None, str, "str | bool | int | Typed"]  # (namespace uri or None, name, value)


@dataclass
class El:
    tag: str
    attrs: list[Attr] = field(default_factory=list)
    children: list[El] = field(default_factory=list)
    ns: str | None = None  # the element's own namespace (<android:uses-permission>)


@cache
def _android_ids() -> dict[str, int]:
    from androguard.core.resources import public

    inverse = public.SYSTEM_RESOURCES["attributes"]["inverse"]
    return {str(name): int(res_id) for res_id, name in inverse.items()}


def _walk(root: El) -> Iterator[El]:
    yield root
    for child in root.children:
        yield from _walk(child)


def build_axml(root: El) -> bytes:
    """Compile `root` into binary XML the way aapt lays it out (UTF-16 string pool, resource
    map for android: attributes, one namespace, 20-byte attributes)."""
    ids = _android_ids()
    strings: list[str] = []
    index: dict[str, int] = {}

    def intern(text: str) -> int:
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    mapped = [n for el in _walk(root) for ns, n, _ in el.attrs if ns == ANDROID_URI and n in ids]
    for name in dict.fromkeys(mapped):
        intern(name)
    resource_ids = [ids[name] for name in dict.fromkeys(mapped)]
    prefix, uri = intern("android"), intern(ANDROID_URI)
    nodes = bytearray(_node(0x0100, struct.pack("<II", prefix, uri)))
    nodes += _element(root, intern)
    nodes += _node(0x0101, struct.pack("<II", prefix, uri))
    pool = string_pool(strings)
    resmap = struct.pack("<HHI", 0x0180, 8, 8 + 4 * len(resource_ids))
    resmap += struct.pack(f"<{len(resource_ids)}I", *resource_ids)
    body = pool + resmap + bytes(nodes)
    return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body


def _node(kind: int, ext: bytes, line: int = 1) -> bytes:
    return struct.pack("<HHIII", kind, 16, 16 + len(ext), line, 0xFFFFFFFF) + ext


def _element(el: El, intern: Callable[[str], int]) -> bytes:
    attrs = bytearray()
    for ns, name, value in el.attrs:
        ns_index = intern(ns) if ns else 0xFFFFFFFF
        name_index = intern(name)
        if isinstance(value, Typed):
            raw, kind, data = 0xFFFFFFFF, value.kind, value.data
        elif isinstance(value, bool):
            raw, kind, data = 0xFFFFFFFF, 0x12, 0xFFFFFFFF if value else 0
        elif isinstance(value, int):
            raw, kind, data = 0xFFFFFFFF, 0x10, value & 0xFFFFFFFF
        else:
            raw = data = intern(value)
            kind = 0x03
        attrs += struct.pack("<IIIHBBI", ns_index, name_index, raw, 8, 0, kind, data)
    ns = intern(el.ns) if el.ns else 0xFFFFFFFF
    ext = struct.pack("<IIHHHHHH", ns, intern(el.tag), 20, 20, len(el.attrs), 0, 0, 0)
    out = bytearray(_node(0x0102, ext + bytes(attrs)))
    for child in el.children:
        out += _element(child, intern)
    out += _node(0x0103, struct.pack("<II", ns, intern(el.tag)))
    return bytes(out)


def string_pool(strings: Sequence[str]) -> bytes:
    offsets, data = [], bytearray()
    for text in strings:
        offsets.append(len(data))
        encoded = text.encode("utf-16-le")
        data += struct.pack("<H", len(encoded) // 2) + encoded + b"\x00\x00"
    while len(data) % 4:
        data += b"\x00"
    start = 28 + 4 * len(strings)
    header = struct.pack("<HHIIIIII", 0x0001, 28, start + len(data), len(strings), 0, 0, start, 0)
    return header + struct.pack(f"<{len(offsets)}I", *offsets) + bytes(data)


def manifest(
    package: str,
    *,
    label: str | None = None,
    version_name: str = "1.0",
    permissions: Sequence[str] = (),
    components: Sequence[El] = (),
    extra: Sequence[El] = (),
) -> El:
    """A manifest tree like aapt's input, for build_axml."""
    app_attrs: list[Attr] = [] if label is None else [(ANDROID_URI, "label", label)]
    return El(
        "manifest",
        [
            (ANDROID_URI, "versionCode", 1),
            (ANDROID_URI, "versionName", version_name),
            (None, "package", package),
        ],
        [
            El(
                "uses-sdk",
                [(ANDROID_URI, "minSdkVersion", 21), (ANDROID_URI, "targetSdkVersion", 34)],
            ),
            *[El("uses-permission", [(ANDROID_URI, "name", p)]) for p in permissions],
            *extra,
            El("application", app_attrs, list(components)),
        ],
    )


@dataclass
class Chunk:
    kind: int
    header: bytes  # the chunk header, type/size fields included
    body: bytes  # everything after the header

    def raw(self) -> bytes:
        return self.header + self.body


def axml_chunks(data: bytes) -> list[Chunk]:
    """The chunks after the XML header of a well-formed binary XML."""
    chunks, pos = [], struct.unpack_from("<H", data, 2)[0]
    while pos + 8 <= len(data):
        kind, header, size = struct.unpack_from("<HHI", data, pos)
        chunks.append(Chunk(kind, data[pos : pos + header], data[pos + header : pos + size]))
        pos += size
    return chunks


def join_axml(chunks: Sequence[Chunk], kind: int = 0x0003) -> bytes:
    body = b"".join(c.raw() for c in chunks)
    return struct.pack("<HHI", kind, 8, 8 + len(body)) + body


def resize(chunk: Chunk, header: bytes | None = None, body: bytes | None = None) -> Chunk:
    """The chunk with another header or body, its size field updated."""
    head = bytearray(chunk.header if header is None else header)
    content = chunk.body if body is None else body
    struct.pack_into("<I", head, 4, len(head) + len(content))
    struct.pack_into("<H", head, 2, len(head))
    return Chunk(chunk.kind, bytes(head), content)


def widen_attributes(data: bytes, start: int = 24, stride: int = 24) -> bytes:
    """Every start element rewritten with attributes `start` bytes after the element header
    and `stride` bytes apart (Android reads both from the element; aapt writes 20 and 20)."""
    out = []
    for chunk in axml_chunks(data):
        if chunk.kind == 0x0102:
            ns, name, _start, _size, count, ident, cls, style = struct.unpack_from(
                "<IIHHHHHH", chunk.body
            )
            attrs = [chunk.body[20 + 20 * i : 40 + 20 * i] for i in range(count)]
            ext = struct.pack("<IIHHHHHH", ns, name, start, stride, count, ident, cls, style)
            padded = ext + b"\xa5" * (start - 20)
            padded += b"".join(a + b"\x5a" * (stride - 20) for a in attrs)
            chunk = resize(chunk, body=padded)
        out.append(chunk)
    return join_axml(out)


def long_node_headers(data: bytes, extra: int = 4) -> bytes:
    """Every XML node with a header `extra` bytes longer than 16 (Android reads the node's
    content from its declared header size)."""
    out = []
    for chunk in axml_chunks(data):
        if 0x0100 <= chunk.kind <= 0x0104:
            chunk = resize(chunk, header=chunk.header + b"\xee" * extra)
        out.append(chunk)
    return join_axml(out)


def padded_nodes(data: bytes, junk: bytes = b"JUNKJUNK") -> bytes:
    """Junk after every node, inside the node's declared size (Android skips it by size)."""
    out = [
        resize(c, body=c.body + junk) if 0x0100 <= c.kind <= 0x0104 else c
        for c in axml_chunks(data)
    ]
    return join_axml(out)


def unknown_chunks(data: bytes) -> bytes:
    """An unknown chunk type before the first node and between nodes (Android skips them)."""
    odd = Chunk(0x0777, struct.pack("<HHI", 0x0777, 8, 16), b"\x13" * 8)
    out: list[Chunk] = []
    for chunk in axml_chunks(data):
        if chunk.kind in (0x0100, 0x0103):
            out.append(odd)
        out.append(chunk)
    return join_axml(out)


def string_count(data: bytes, count: int) -> bytes:
    """The manifest with its string pool's string count field set to `count`."""
    out = bytearray(data)
    struct.pack_into("<I", out, 8 + 8, count)
    return bytes(out)


# --------------------------------------------------------------------------------------------
# DEX
# --------------------------------------------------------------------------------------------

DEX_FIELDS = {
    "file_size": 0x20,
    "header_size": 0x24,
    "endian_tag": 0x28,
    "link_size": 0x2C,
    "link_off": 0x30,
    "map_off": 0x34,
    "string_ids_size": 0x38,
    "string_ids_off": 0x3C,
    "type_ids_size": 0x40,
    "type_ids_off": 0x44,
    "proto_ids_size": 0x48,
    "proto_ids_off": 0x4C,
    "field_ids_size": 0x50,
    "field_ids_off": 0x54,
    "method_ids_size": 0x58,
    "method_ids_off": 0x5C,
    "class_defs_size": 0x60,
    "class_defs_off": 0x64,
    "data_size": 0x68,
    "data_off": 0x6C,
}


def dex_field(dex: bytes, name: str, value: int) -> bytes:
    out = bytearray(dex)
    struct.pack_into("<I", out, DEX_FIELDS[name], value & 0xFFFFFFFF)
    return bytes(out)


# --------------------------------------------------------------------------------------------
# zip bombs
# --------------------------------------------------------------------------------------------


def zeros_deflated(size: int) -> bytes:
    """`size` zero bytes, deflated (1 GiB is about 1 MiB), without holding them in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(min(size, 64 << 20))
    out, left = [], size
    while left:
        step = min(left, len(chunk))
        out.append(packer.compress(chunk[:step] if step < len(chunk) else chunk))
        left -= step
    out.append(packer.flush())
    return b"".join(out)


def bomb_apk(size: int, declared: int | None = None, name: bytes = b"classes.dex") -> bytes:
    """clean.apk's manifest plus an entry that inflates to `size` zero bytes (and claims
    `declared`, by default the truth)."""
    entries = [e for e in entries_of(sample_bytes("clean.apk")) if e.name != name]
    crc = 0 if declared is not None else _zeros_crc(size)
    bomb = RawEntry(name, b"", compressed=zeros_deflated(size), usize=declared or size, crc=crc)
    return RawZip([*entries, bomb]).build()


def _zeros_crc(size: int) -> int:
    crc, chunk, left = 0, bytes(1 << 20), size
    while left:
        step = min(left, len(chunk))
        crc = zlib.crc32(chunk[:step], crc)
        left -= step
    return crc


# --------------------------------------------------------------------------------------------
# the malformed corpus
# --------------------------------------------------------------------------------------------

CORPUS_SAMPLES = ("clean.apk", "overperm.apk", "sdk-collector.apk", "multidex.apk")
Variant = tuple[str, bytes]


def variants() -> Iterator[Variant]:
    """Every variant of the corpus, deterministically, as (name, bytes)."""
    for family in (
        _bit_flips,
        _byte_runs,
        _truncations,
        _eocd_tampering,
        _central_tampering,
        _local_tampering,
        _duplicates,
        _manifest_tampering,
        _dex_tampering,
        _bombs,
        _names,
        _prepended,
        _bundles,
        _odd_files,
    ):
        yield from family()


def _bit_flips() -> Iterator[Variant]:
    rng = random.Random(1)
    for sample in CORPUS_SAMPLES:
        data = sample_bytes(sample)
        for i in range(30):
            out = bytearray(data)
            for _ in range(rng.choice((1, 1, 2, 4, 16))):
                out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
            yield f"bitflip-{sample}-{i}", bytes(out)


def _byte_runs() -> Iterator[Variant]:
    rng = random.Random(2)
    for sample in CORPUS_SAMPLES:
        data = sample_bytes(sample)
        for i in range(15):
            out = bytearray(data)
            length = rng.choice((4, 16, 64, 256))
            start = rng.randrange(len(out) - length)
            fill = rng.choice((b"\x00", b"\xff", None))
            out[start : start + length] = (
                fill * length if fill else bytes(rng.randrange(256) for _ in range(length))
            )
            yield f"byterun-{sample}-{i}", bytes(out)


def _truncations() -> Iterator[Variant]:
    data = sample_bytes("clean.apk")
    cd = data.rfind(b"PK\x05\x06")
    first_cd = data.find(b"PK\x01\x02")
    cuts = sorted(
        {*range(0, len(data), len(data) // 40), *range(first_cd - 4, first_cd + 60, 7)}
        | {cd - 1, cd, cd + 1, cd + 10, len(data) - 1}
    )
    for cut in cuts:
        yield f"truncate-clean-{cut}", data[:cut]
    other = sample_bytes("multidex.apk")
    for cut in range(len(other) - 2000, len(other), 100):
        yield f"truncate-multidex-{cut}", other[:cut]


def _eocd(data: bytes) -> int:
    return data.rfind(b"PK\x05\x06")


def _patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value & ((1 << (8 * struct.calcsize(fmt))) - 1))
    return bytes(out)


def _eocd_tampering() -> Iterator[Variant]:
    data = sample_bytes("clean.apk")
    end = _eocd(data)
    fields = {"disk": (4, "<H"), "cd_disk": (6, "<H"), "here": (8, "<H"), "total": (10, "<H")}
    fields |= {"cd_size": (12, "<I"), "cd_offset": (16, "<I"), "comment": (20, "<H")}
    cd_size, cd_offset = struct.unpack_from("<II", data, end + 12)
    values = (0, 1, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF)
    for name, (offset, fmt) in fields.items():
        current = struct.unpack_from(fmt, data, end + offset)[0]
        for value in {*values, current + 1, current - 1, len(data)}:
            yield f"eocd-{name}-{value}", _patch(data, end + offset, fmt, value)
    record = data[end : end + 22]
    yield "eocd-appended-copy", data + b"junk" + record
    yield "eocd-in-comment", _patch(data, end + 20, "<H", 22) + record
    yield "eocd-bogus-last", data + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, 46, 0, 0)
    yield "eocd-trailing-garbage", data + b"\x00" * 1000
    yield "eocd-zip64-marker", _patch(data, end + 16, "<I", 0xFFFFFFFF)
    yield "eocd-cd-shifted", b"\x00" * 512 + data
    del cd_size, cd_offset


def _records(data: bytes) -> list[tuple[int, str]]:
    """(offset, name) of every central directory record."""
    out, pos = [], data.find(b"PK\x01\x02")
    while pos != -1 and pos < _eocd(data):
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        out.append((pos, data[pos + 46 : pos + 46 + name_len].decode("utf-8", "replace")))
        pos = data.find(b"PK\x01\x02", pos + 46)
    return out


_CD_FIELDS = {
    "flags": (8, "<H", (0x1, 0x8, 0x800, 0xFFFF)),
    "method": (10, "<H", (0, 8, 9, 12, 99, 0xFFFF)),
    "crc": (16, "<I", (0, 0xFFFFFFFF)),
    "csize": (20, "<I", (0, 1, 0xFFFFFFFF, 0x7FFFFFFF)),
    "usize": (24, "<I", (0, 1, 0xFFFFFFFF, 0x40000000)),
    "name_len": (28, "<H", (0, 0xFFFF)),
    "extra_len": (30, "<H", (0xFFFF, 4)),
    "comment_len": (32, "<H", (0xFFFF,)),
    "offset": (42, "<I", (0, 1, 0xFFFFFFFF)),
}
_NEEDED = ("AndroidManifest.xml", "classes.dex", "resources.arsc", "META-INF/SAMPLE.RSA")


def _central_tampering() -> Iterator[Variant]:
    data = sample_bytes("clean.apk")
    for pos, name in _records(data):
        if name not in _NEEDED and not name.endswith(".png"):
            continue
        for field_name, (offset, fmt, values) in _CD_FIELDS.items():
            for value in values:
                yield f"cd-{name}-{field_name}-{value}", _patch(data, pos + offset, fmt, value)


_LOCAL_FIELDS = {
    "signature": (0, "<I", (0,)),
    "flags": (6, "<H", (0x1, 0x8)),
    "method": (8, "<H", (0, 99)),
    "crc": (14, "<I", (0,)),
    "csize": (18, "<I", (0, 0xFFFFFFFF)),
    "usize": (22, "<I", (0xFFFFFFFF,)),
    "name_len": (26, "<H", (0, 0xFFFF)),
    "extra_len": (28, "<H", (0xFFFF, 3)),
}


def _local_tampering() -> Iterator[Variant]:
    data = sample_bytes("clean.apk")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        offsets = {i.filename: i.header_offset for i in zf.infolist() if i.filename in _NEEDED}
    for name, pos in offsets.items():
        for field_name, (offset, fmt, values) in _LOCAL_FIELDS.items():
            for value in values:
                yield f"local-{name}-{field_name}-{value}", _patch(data, pos + offset, fmt, value)


def _duplicates() -> Iterator[Variant]:
    clean, over = sample_bytes("clean.apk"), sample_bytes("overperm.apk")
    for name in ("AndroidManifest.xml", "classes.dex", "resources.arsc"):
        first = entries_of(clean)
        second = RawEntry(name.encode(), member(over, name))
        yield f"duplicate-{name}-after", RawZip([*first, second]).build()
        yield f"duplicate-{name}-before", RawZip([second, *first]).build()
    entries = entries_of(clean)
    yield "duplicate-everything", RawZip(entries + entries).build()


def _manifest_tampering() -> Iterator[Variant]:
    apk = sample_bytes("overperm.apk")
    original = member(apk, "AndroidManifest.xml")
    for label, changed in _manifest_variants(original):
        yield f"manifest-{label}", with_entry(apk, "AndroidManifest.xml", changed)


def _manifest_variants(data: bytes) -> Iterator[tuple[str, bytes]]:
    pool_count = struct.unpack_from("<I", data, 16)[0]
    for count in (0, 1, pool_count - 1, pool_count + 1, pool_count * 2, 0x00FFFFFF, 0xFFFFFFFF):
        yield f"string-count-{count}", string_count(data, count)
    for offset, label in (
        (20, "style-count"),
        (24, "flags"),
        (28, "strings-start"),
        (32, "styles-start"),
    ):
        for value in (0, 1, 0x100, 0xFFFFFFFF, len(data)):
            yield f"pool-{label}-{value}", _patch(data, offset, "<I", value)
    for value in (0, 8, 0x1C + 4, 0xFFFF):
        yield f"pool-header-size-{value}", _patch(data, 10, "<H", value)
    for value in (0, 8, len(data) - 4, len(data) + 4, 0xFFFFFFFF):
        yield f"xml-size-{value}", _patch(data, 4, "<I", value)
    yield "xml-type-0", _patch(data, 0, "<H", 0)
    yield "attributes-wide", widen_attributes(data)
    yield "attributes-start-only", widen_attributes(data, start=28, stride=20)
    yield "attributes-stride-only", widen_attributes(data, start=20, stride=28)
    yield "attributes-short-stride", widen_attributes(data, start=20, stride=20)[:-1] + b"\x00"
    yield "node-headers-long", long_node_headers(data)
    yield "nodes-padded", padded_nodes(data)
    yield "unknown-chunks", unknown_chunks(data)
    yield "appended-junk", data + b"\x00\x01junk" * 16
    chunks = axml_chunks(data)
    for i, chunk in enumerate(chunks[:40]):
        for value in (0, 4, 0xFFFF_FFFF):
            head = bytearray(chunk.header)
            struct.pack_into("<I", head, 4, value)
            changed = [*chunks[:i], Chunk(chunk.kind, bytes(head), chunk.body), *chunks[i + 1 :]]
            yield f"chunk-{i}-size-{value}", join_axml(changed)
    rng = random.Random(3)
    for i in range(40):
        out = bytearray(data)
        for _ in range(rng.choice((1, 2, 8))):
            out[rng.randrange(len(out))] = rng.randrange(256)
        yield f"random-{i}", bytes(out)


def _dex_tampering() -> Iterator[Variant]:
    apk = sample_bytes("clean.apk")
    dex = member(apk, "classes.dex")
    for field_name in DEX_FIELDS:
        current = struct.unpack_from("<I", dex, DEX_FIELDS[field_name])[0]
        for value in (0, 0x7FFFFFFF, 0xFFFFFFFF, current + 1, len(dex)):
            changed = dex_field(dex, field_name, value)
            yield f"dex-{field_name}-{value}", with_entry(apk, "classes.dex", changed)
    yield "dex-magic", with_entry(apk, "classes.dex", b"dey\n035\x00" + dex[8:])
    yield "dex-truncated", with_entry(apk, "classes.dex", dex[: len(dex) // 2])
    yield "dex-empty", with_entry(apk, "classes.dex", b"")


def _bombs() -> Iterator[Variant]:
    yield "bomb-honest-64mib", bomb_apk(64 << 20)
    yield "bomb-lying-64mib", bomb_apk(64 << 20, declared=1000)
    yield "bomb-manifest", bomb_apk(64 << 20, declared=4000, name=b"AndroidManifest.xml")
    yield "bomb-resources", bomb_apk(64 << 20, name=b"resources.arsc")
    clean = entries_of(sample_bytes("clean.apk"))
    zeros = zeros_deflated(1 << 20)
    flood = [
        RawEntry(f"classes{i}.dex".encode(), b"", compressed=zeros, usize=1 << 20, crc=0)
        for i in range(2, 1100)
    ]
    yield "bomb-dex-flood", RawZip([*clean, *flood]).build()
    inner = bomb_apk(64 << 20)
    yield "bomb-in-bundle", RawZip([RawEntry(b"base.apk", inner, method=0)]).build()


def _names() -> Iterator[Variant]:
    clean = entries_of(sample_bytes("clean.apk"))
    hostile = (
        b"../../pi-scan-traversal",
        b"/tmp/pi-scan-absolute",
        b"C:\\pi-scan-drive",
        b"evil\x00.txt",
        b"AndroidManifest.xml\x00",
        b"\xff\xfe invalid utf-8",
        b"a/" * 2000 + b"deep",
        b"",
    )
    for i, name in enumerate(hostile):
        yield f"name-{i}", RawZip([*clean, RawEntry(name, b"payload")]).build()
    for label, extra in (
        ("zip64-short", struct.pack("<HHQ", 1, 24, 5)),
        ("zip64-huge", struct.pack("<HHQQ", 1, 16, 1 << 62, 1 << 62)),
        ("extra-overrun", struct.pack("<HH", 0x7777, 0xFFFF)),
    ):
        changed = [
            replace(e, extra=extra, usize=0xFFFFFFFF, csize=0xFFFFFFFF)
            if e.name == b"classes.dex"
            else e
            for e in clean
        ]
        yield f"name-{label}", RawZip(changed).build()
    renamed = [replace(e, name=b"./" + e.name) if e.name == b"classes.dex" else e for e in clean]
    yield "name-dot-slash-dex", RawZip(renamed).build()
    many = [RawEntry(f"assets/{i}".encode(), b"", method=0) for i in range(5000)]
    yield "name-many-entries", RawZip([*clean, *many]).build()


def _prepended() -> Iterator[Variant]:
    apk = sample_bytes("clean.apk")
    dex = member(apk, "classes.dex")
    entries = entries_of(apk)
    yield "janus-adjusted", RawZip(entries, prefix=dex).build()
    yield "janus-unadjusted", RawZip(entries, prefix=dex, adjust_offsets=False).build()
    yield "janus-garbage-dex", RawZip(entries, prefix=b"dex\n035\x00" + b"\xff" * 200).build()
    yield "prepended-junk", RawZip(entries, prefix=b"MZ" + b"\x00" * 300).build()


def _bundles() -> Iterator[Variant]:
    bundle = sample_bytes("split.apks")
    rng = random.Random(4)
    for i in range(20):
        out = bytearray(bundle)
        for _ in range(rng.choice((1, 4))):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        yield f"bundle-bitflip-{i}", bytes(out)
    members = entries_of(bundle)
    nested = RawZip([RawEntry(b"inner.apks", bundle, method=0)]).build()
    yield "bundle-of-bundle", RawZip([RawEntry(b"base.apk", nested, method=0)]).build()
    yield "bundle-duplicate-base", RawZip(members + members[:1]).build()
    yield (
        "bundle-member-garbage",
        RawZip([RawEntry(b"base.apk", b"PK\x03\x04" + b"\x00" * 64)]).build(),
    )


def _odd_files() -> Iterator[Variant]:
    yield "odd-empty", b""
    yield "odd-one-byte", b"P"
    yield "odd-pk", b"PK"
    yield "odd-only-eocd", struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0, 0, 0, 0, 0)
    yield "odd-only-local", b"PK\x03\x04" + b"\x00" * 26
    yield "odd-dex-only", member(sample_bytes("clean.apk"), "classes.dex")
    yield "odd-eocd-loop", struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, 22, 0, 0) * 50


# --------------------------------------------------------------------------------------------
# scanning the corpus (run in a child process with an address-space limit)
# --------------------------------------------------------------------------------------------

REGRESS = ROOT / "tests" / "data" / "regress"
SLIPS = ("cannot analyse (", "too deeply nested")


def regressions() -> Iterator[Variant]:
    """Kept inputs that once broke something (tests/data/regress, zip-* and the rest)."""
    if REGRESS.is_dir():
        for path in sorted(REGRESS.iterdir()):
            if path.is_file() and not path.name.endswith(".md"):
                yield f"regress-{path.name}", path.read_bytes()


def scan_corpus(folder: Path, per_file_seconds: int) -> dict[str, object]:
    """Scan every variant through extract_facts; return the counts as a JSON-ready dict.

    An outcome is "facts", "partial" (facts with warnings), "error" (a one-line
    ApkAnalysisError) or a crash: any other exception, an ApkAnalysisError that is only the
    boundary's catch-all (a parser slipped), a multi-line message, or a file slower than
    `per_file_seconds` (SIGALRM).
    """
    import resource
    import signal
    import time

    from pi_scan.errors import ApkAnalysisError
    from pi_scan.extract import extract_facts

    def alarm(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"slower than {per_file_seconds} s")

    signal.signal(signal.SIGALRM, alarm)
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    counts = {"facts": 0, "partial": 0, "error": 0, "crash": 0}
    crashes: list[str] = []
    slowest, slowest_name, tried = 0.0, "", 0
    for name, data in (*variants(), *regressions()):
        tried += 1
        path = folder / "variant.apk"
        path.write_bytes(data)
        started = time.monotonic()
        signal.alarm(per_file_seconds)
        try:
            facts = extract_facts(path)
            counts["partial" if facts.warnings else "facts"] += 1
        except ApkAnalysisError as exc:
            if str(exc).startswith(SLIPS) or "\n" in str(exc):
                counts["crash"] += 1
                crashes.append(f"{name}: {exc}")
            else:
                counts["error"] += 1
        except BaseException as exc:
            counts["crash"] += 1
            crashes.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
        finally:
            signal.alarm(0)
        elapsed = time.monotonic() - started
        if elapsed > slowest:
            slowest, slowest_name = elapsed, name
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "tried": tried,
        **counts,
        "crashes": crashes,
        "slowest_seconds": round(slowest, 3),
        "slowest": slowest_name,
        "peak_rss_mib": round(peak / 1024, 1),
        "rss_growth_mib": round((peak - start_rss) / 1024, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tests.malformed FOLDER [SECONDS]`: scan the corpus, print the counts as JSON."""
    import json
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0])
    seconds = int(args[1]) if len(args) > 1 else 10
    print(json.dumps(scan_corpus(folder, seconds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
