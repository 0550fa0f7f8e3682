"""Binary XML read the way Android reads it, for manifests that androguard gives up on.

Packers and malware tamper with AndroidManifest.xml in ways the platform tolerates but
analysis tools do not: string-pool counts that disagree with the offsets table, attribute
records that are not 20 bytes apart or do not start right after the element header, node
headers longer than 16 bytes, unknown chunks before the first element, data appended after the
declared size.  Android's own parser (frameworks/base/libs/androidfw, ResXMLTree and
ResStringPool) follows the chunk sizes, the element's attributeStart and attributeSize, and
the string pool's own offsets, so such a manifest installs and runs with everything it
declares.  This module implements exactly those rules (and the checks that make Android refuse
a manifest), to

* survey a manifest before androguard sees it: the limits of `pi_scan.extract.limits`
  (size, string count, nesting) are enforced, the tamper indicators are collected, and layouts
  that androguard would silently misread are recognised; and
* read the manifest into a small element tree when androguard cannot (or would misread it).

androguard also embeds apkInspector, whose AXML reader targets the same tricks; it is not used
because it configures the process's root logger at import, names unknown attributes with
random numbers, scans byte by byte in Python, and only produces XML *text* that would have to
be parsed again.  The tree built here never goes through an XML parser, so no entity or DTD in
an APK string can be resolved.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from androguard.core.axml import format_value  # type: ignore[import-untyped]
from androguard.core.resources import public  # type: ignore[import-untyped]

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract.limits import MAX_MANIFEST_SIZE, MAX_XML_DEPTH, MAX_XML_STRINGS

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
PREFIX = "malformed binary AndroidManifest.xml"

_STRING_POOL = 0x0001
_RESOURCE_MAP = 0x0180
_FIRST_NODE, _LAST_NODE = 0x0100, 0x017F
_NS_START, _NS_END, _START, _END, _CDATA = 0x0100, 0x0101, 0x0102, 0x0103, 0x0104
_MIN_EXT = {_NS_START: 8, _NS_END: 8, _START: 20, _END: 8, _CDATA: 12}
_TYPE_STRING = 0x03
_NO_INDEX = 0xFFFFFFFF
_UTF8 = 0x100
_POOL_HEADER = 28
_NODE_HEADER = 16
_ATTRIBUTE = 20

# Layouts androguard's AXMLParser reads wrongly or not at all, though Android accepts them.
_ANDROGUARD_MISREADS = frozenset(
    {
        "axml_bad_attribute_start",
        "axml_bad_attribute_size",
        "axml_bad_node_header",
        "axml_bad_string_pool_header",
        "axml_string_pool_not_first",
    }
)


class Node:
    """One element: what `manifest._Element` needs (tag, get, iteration over children)."""

    __slots__ = ("attrib", "children", "tag")

    def __init__(self, tag: str, attrib: dict[str, str]) -> None:
        self.tag = tag
        self.attrib = attrib
        self.children: list[Node] = []

    def get(self, key: str) -> str | None:
        return self.attrib.get(key)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.children)


# --------------------------------------------------------------------------------------------
# string pool (ResStringPool::setTo and stringAt)
# --------------------------------------------------------------------------------------------


class _Strings:
    """A string pool with Android's validity rules; strings are decoded on first use."""

    def __init__(self, data: bytes, start: int, indicators: set[str]) -> None:
        header_size, size = struct.unpack_from("<HI", data, start + 2)
        count, styles, flags, strings_start, styles_start = struct.unpack_from(
            "<5I", data, start + 8
        )
        if header_size != _POOL_HEADER:
            indicators.add("axml_bad_string_pool_header")
        if count > MAX_XML_STRINGS or count * 4 > len(data):
            raise ApkAnalysisError(
                f"{PREFIX}: string pool claims {count} strings in {len(data)} bytes (limit)"
            )
        if (count or strings_start) and strings_start != header_size + 4 * (count + styles):
            indicators.add("axml_bad_string_count")
        self.data = data
        self.count = count
        self.utf8 = bool(flags & _UTF8)
        self.offsets = start + header_size
        self.chars = start + strings_start
        self.char = 1 if self.utf8 else 2
        self.pool = _pool_size(count, styles, size, strings_start, styles_start) // self.char
        if count and (header_size + 4 * count > size or not self._terminated()):
            self.pool = 0  # Android refuses the whole pool: no string resolves
        self._cache: dict[int, str | None] = {}

    def _terminated(self) -> bool:
        """Android requires the pool's last character to be NUL."""
        if self.pool <= 0:
            return False
        last = self.chars + (self.pool - 1) * self.char
        return self.data[last : last + self.char] == bytes(self.char)

    def get(self, index: int) -> str | None:
        if index not in self._cache:
            self._cache[index] = self._decode(index) if 0 <= index < self.count else None
        return self._cache[index]

    def _decode(self, index: int) -> str | None:
        if self.pool <= 0:
            return None
        entry = self.offsets + 4 * index
        try:
            offset = struct.unpack_from("<I", self.data, entry)[0] // self.char
            if offset >= self.pool - 1:
                return None
            pos = self.chars + offset * self.char
            end = self.chars + self.pool * self.char
            return _utf8_at(self.data, pos, end) if self.utf8 else _utf16_at(self.data, pos, end)
        except (IndexError, struct.error):  # a length prefix at the very end of the data
            return None


def _pool_size(count: int, styles: int, size: int, strings_start: int, styles_start: int) -> int:
    """Bytes of string data, or 0 when Android would refuse the layout."""
    if not count or strings_start >= size - 2:
        return 0
    end = size if styles == 0 else styles_start
    if styles and (styles_start >= size - 2 or styles_start <= strings_start):
        return 0
    return max(0, end - strings_start)


def _utf8_at(data: bytes, pos: int, end: int) -> str | None:
    _chars, pos = _length8(data, pos)
    length, pos = _length8(data, pos)
    if pos + length >= end or data[pos + length] != 0:
        return None
    return data[pos : pos + length].decode("utf-8", "replace")


def _length8(data: bytes, pos: int) -> tuple[int, int]:
    first = data[pos]
    if first & 0x80:
        return ((first & 0x7F) << 8) | data[pos + 1], pos + 2
    return first, pos + 1


def _utf16_at(data: bytes, pos: int, end: int) -> str | None:
    first = struct.unpack_from("<H", data, pos)[0]
    if first & 0x8000:
        length = ((first & 0x7FFF) << 16) | struct.unpack_from("<H", data, pos + 2)[0]
        pos += 4
    else:
        length, pos = first, pos + 2
    stop = pos + 2 * length
    if stop + 2 > end or data[stop : stop + 2] != b"\x00\x00":
        return None
    return data[pos:stop].decode("utf-16-le", "replace")


# --------------------------------------------------------------------------------------------
# the chunk stream (ResXMLTree::setTo, ResXMLParser::nextNode, validateNode)
# --------------------------------------------------------------------------------------------


@dataclass
class Document:
    """A surveyed binary XML: its indicators, and the events Android would see."""

    indicators: set[str] = field(default_factory=set)
    error: str | None = None  # why Android would refuse it (no tree can be built)
    strings: _Strings | None = None
    resource_ids: tuple[int, ...] = ()
    events: list[tuple[int, int, int]] = field(default_factory=list)  # (type, node, ext)
    data: bytes = b""

    @property
    def androguard_misreads(self) -> bool:
        return bool(self.indicators & _ANDROGUARD_MISREADS)

    def androguard_rewrites(self) -> str | None:
        """Why androguard's AXMLPrinter would build another tree than Android reads, if it
        would.  Element names: an empty name (the element is dropped and its children move
        up), "android:x" without a namespace (moved into the android namespace), a name not
        starting with a letter or "_" (prefixed); Android reads names as written, so
        <android:x> in a namespace is an x, but an element literally named
        "android:uses-permission" is no uses-permission.  Repeated attributes (the same
        resource id, or the same namespace and name): androguard keeps the last, Android
        (ResXMLParser::indexOfAttribute, and obtainAttributes) the first."""
        strings = self.strings
        if strings is None:
            return None
        for kind, _node, ext in self.events:
            if kind != _START:
                continue
            name = strings.get(struct.unpack_from("<I", self.data, ext + 4)[0])
            # a name these rules cannot decode is left to androguard
            if name is not None and (
                not name or ":" in name or not (name[0].isalpha() or name[0] == "_")
            ):
                return "it has element names androguard rewrites"
            if self._repeats_attribute(strings, ext):
                return "an element repeats an attribute, which androguard reads last"
        return None

    def _repeats_attribute(self, strings: _Strings, ext: int) -> bool:
        start, stride, count = struct.unpack_from("<HHH", self.data, ext + 8)
        seen: set[tuple[int, int | str | None]] = set()
        for index in range(count):
            pos = ext + start + stride * index
            if pos + _ATTRIBUTE > len(self.data):
                break
            ns, name = struct.unpack_from("<II", self.data, pos)
            res_id = self.resource_ids[name] if name < len(self.resource_ids) else 0
            key = (-1, res_id) if res_id else (ns, strings.get(name))
            if key[1] is None:
                continue  # a name these rules cannot decode is left to androguard
            if key in seen:
                return True
            seen.add(key)
        return False


def _chunk(data: bytes, pos: int, end: int, minimum: int) -> tuple[int, int, int] | None:
    """(type, header size, size) of a chunk that passes validate_chunk, else None."""
    if pos + 8 > end:
        return None
    kind, header, size = struct.unpack_from("<HHI", data, pos)
    if header < minimum or header > size or (header | size) & 3 or size > end - pos:
        return None
    return kind, header, size


def survey_axml(data: bytes) -> Document:
    """Walk a binary XML as Android does, enforcing the limits; never raises for a layout
    Android would refuse (that is `Document.error`), only for a limit."""
    if len(data) > MAX_MANIFEST_SIZE:
        raise ApkAnalysisError(
            f"{PREFIX}: {len(data)} bytes, more than {MAX_MANIFEST_SIZE // (1024 * 1024)} MiB "
            "(limit)"
        )
    doc = Document(data=data)
    head = _chunk(data, 0, len(data), 8)
    if head is None:
        doc.error = "bad XML header"
        return doc
    kind, header, size = head
    if kind != 0x0003:
        doc.indicators.add("axml_bad_header_type")
    if size < len(data):
        doc.indicators.add("axml_trailing_data")
    first = _prelude(doc, header, size)
    if first is None:
        doc.error = doc.error or "no element found"
        return doc
    _nodes(doc, first, size)
    return doc


def _prelude(doc: Document, pos: int, end: int) -> int | None:
    """String pool and resource map (the last of each wins, as in Android) up to the first
    node; returns the first node's offset."""
    data, seen = doc.data, 0
    while True:
        chunk = _chunk(data, pos, end, 8)
        if chunk is None:
            doc.error = "bad chunk before the first element"
            return None
        kind, header, size = chunk
        if kind == _STRING_POOL:
            if doc.strings is not None:
                doc.indicators.add("axml_multiple_string_pools")
            if seen:
                doc.indicators.add("axml_string_pool_not_first")
            if size < _POOL_HEADER:
                doc.error = "string pool too small"
                return None
            doc.strings = _Strings(data, pos, doc.indicators)
        elif kind == _RESOURCE_MAP:
            count = (size - header) // 4
            doc.resource_ids = struct.unpack_from(f"<{count}I", data, pos + header)
        elif _FIRST_NODE <= kind <= _LAST_NODE:
            return pos
        else:
            doc.indicators.add("axml_unknown_chunk")
        seen += 1
        pos += size


def _nodes(doc: Document, pos: int, end: int) -> None:
    """Every node from the first one, following the declared sizes; depth is limited."""
    depth = 0
    while pos < end:
        chunk = _chunk(doc.data, pos, end, 8)
        if chunk is None or chunk[1] < _NODE_HEADER:
            doc.error = f"bad node at offset {pos}"
            return
        kind, header, size = chunk
        if header != _NODE_HEADER:
            doc.indicators.add("axml_bad_node_header")
        if kind in _MIN_EXT:
            if size - header < _MIN_EXT[kind] or not _valid_start(doc, kind, pos, header, size):
                doc.error = f"bad node at offset {pos}"
                return
            if size - header > _content(doc.data, kind, pos + header):
                doc.indicators.add("axml_junk_between_chunks")
            doc.events.append((kind, pos, pos + header))
            depth += 1 if kind == _START else -1 if kind == _END and depth else 0
            if depth > MAX_XML_DEPTH:
                raise ApkAnalysisError(
                    f"{PREFIX}: elements nested more than {MAX_XML_DEPTH} deep (limit)"
                )
        else:
            doc.indicators.add("axml_unknown_chunk")
        pos += size


def _content(data: bytes, kind: int, ext: int) -> int:
    """Bytes a node's content needs; aapt writes nodes exactly this long."""
    if kind != _START:
        return _MIN_EXT[kind]
    start, stride, count = struct.unpack_from("<HHH", data, ext + 8)
    return max(_MIN_EXT[_START], int(start) + int(stride) * int(count))


def _valid_start(doc: Document, kind: int, node: int, header: int, size: int) -> bool:
    """validateNode: a start element's attributes must fit in the node."""
    if kind != _START:
        return True
    start: int
    stride: int
    count: int
    start, stride, count = struct.unpack_from("<HHH", doc.data, node + header + 8)
    if start != _ATTRIBUTE:
        doc.indicators.add("axml_bad_attribute_start")
    if stride != _ATTRIBUTE and count:
        doc.indicators.add("axml_bad_attribute_size")
    return start + stride * count <= size - header


# --------------------------------------------------------------------------------------------
# the element tree
# --------------------------------------------------------------------------------------------


def read_axml(doc: Document) -> Node:
    """The element tree of a surveyed document, as Android's parser would deliver it."""
    if doc.error is not None:
        raise ApkAnalysisError(f"{PREFIX}: {doc.error}")
    strings = doc.strings
    if strings is None:
        raise ApkAnalysisError(f"{PREFIX}: no string pool")
    root: Node | None = None
    stack: list[Node] = []
    for kind, node, ext in doc.events:
        if kind == _START:
            element = _element(doc, strings, node, ext)
            if stack:
                stack[-1].children.append(element)
            elif root is None:
                root = element
            else:
                doc.indicators.add("axml_multiple_roots")
                continue
            stack.append(element)
        elif kind == _END and stack:
            stack.pop()
    if root is None:
        raise ApkAnalysisError(f"{PREFIX}: no XML element could be decoded")
    return root


def _element(doc: Document, strings: _Strings, node: int, ext: int) -> Node:
    data = doc.data
    ns, name, start, stride, count = struct.unpack_from("<IIHHH", data, ext)
    attrib: dict[str, str] = {}
    for index in range(count):
        pos = ext + start + stride * index
        if pos + _ATTRIBUTE > len(data):
            break
        key, value = _attribute(doc, strings, pos)
        if key in attrib:
            doc.indicators.add("axml_duplicate_attribute")
        attrib.setdefault(key, value)
    return Node(_qualified(strings, ns, strings.get(name) or ""), attrib)


def _attribute(doc: Document, strings: _Strings, pos: int) -> tuple[str, str]:
    """(key, value) as the platform resolves it: an attribute whose name has a framework
    resource id is that framework attribute, whatever its string says."""
    ns, name, raw, _size, _res0, kind, value = struct.unpack_from("<IIIHBBI", doc.data, pos)
    system = _system_attribute(doc.resource_ids[name]) if name < len(doc.resource_ids) else None
    key = ANDROID_NS + system if system else _qualified(strings, ns, strings.get(name) or "")
    if kind == _TYPE_STRING:
        text = strings.get(value)
        return key, text if text is not None else strings.get(raw) or ""
    try:
        return key, str(format_value(kind, value))
    except (IndexError, struct.error, OverflowError):  # a unit index past androguard's tables
        return key, f"<0x{value:X}, type 0x{kind:02X}>"


def _qualified(strings: _Strings, ns: int, name: str) -> str:
    uri = strings.get(ns) if ns != _NO_INDEX else None
    return f"{{{uri}}}{name}" if uri else name


@cache
def _system_names() -> dict[int, str]:
    table: Any = public.SYSTEM_RESOURCES["attributes"]["inverse"]
    return {int(key): str(value) for key, value in table.items()}


def _system_attribute(res_id: int) -> str | None:
    return _system_names().get(res_id)


_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")
_ON_CLICK = (b"onClick", "onClick".encode("utf-16-le"))


def layout_identifiers(data: bytes) -> list[str]:
    """Class names in a compiled layout's string pool (custom View tags, fragment names) and,
    in a layout with an android:onClick attribute, every identifier (the handlers' names).
    [] for anything that is not binary XML."""
    texts = pool_texts(data)
    if not any(needle in data for needle in _ON_CLICK):
        texts = [t for t in texts if "." in t]
    return [t for t in texts if _IDENTIFIER.fullmatch(t)]


def pool_texts(data: bytes) -> list[str]:
    """The short strings of a binary XML's first string pool, read in bulk: its character data
    decoded at once and cut at the NUL terminators, each piece without its length prefix
    (strings of 128 characters or more, and empty ones, may come out garbled or split).
    Without the validity checks of `_Strings`: for what only adds evidence."""
    if len(data) > MAX_MANIFEST_SIZE:
        return []
    head = _chunk(data, 0, len(data), 8)
    if head is None:
        return []
    start = head[1]
    pool = _chunk(data, start, head[2], 8)
    if pool is None or pool[0] != _STRING_POOL or pool[2] < _POOL_HEADER:
        return []
    count, styles, flags, strings_start, styles_start = struct.unpack_from("<5I", data, start + 8)
    end = start + (styles_start if styles and strings_start < styles_start else pool[2])
    begin = start + strings_start
    if not count or not start + _POOL_HEADER <= begin < end <= start + pool[2]:
        return []
    if flags & _UTF8:  # u8 character count, u8 byte count, UTF-8, NUL
        text = data[begin:end].decode("utf-8", "replace")
        skip = 2
    else:  # u16 character count, UTF-16LE, u16 NUL
        text = data[begin : end - (end - begin) % 2].decode("utf-16-le", "surrogatepass")
        skip = 1
    return [piece[skip:] for piece in text.split("\x00") if len(piece) > skip]
