"""A focused, fast reader of Dalvik executables (DEX).

It reads only the facts pi-scan's rules need: the classes a DEX defines, every method and
field it references (in smali form) with the defining classes whose code invokes or accesses
each one, and every string of its string table.  Nothing else of the DEX object model is
built: it is several times faster and smaller than androguard's ``DEX`` object model, which
does not even attribute call sites (benchmarks/README.md).

Format notes (https://source.android.com/docs/core/runtime/dex-format):

* Tables are fixed-size records at offsets given by the header.  Each table is checked
  against the file size *before* anything proportional to its count is allocated, then read
  in one go with :mod:`array` or numpy.
* Speed comes from doing per-item work in C: numpy for everything that is arithmetic on
  arrays (ULEB128 decoding, caller attribution, merging files), :mod:`re` and ``bytes``
  methods for the rest.  Python bytecode runs per class or per ref only where unavoidable,
  and per instruction never.
* Instructions are 16-bit code units; an instruction's length follows from its opcode (the
  low byte), and the ref index of an invoke, field access or const-string is always at
  byte 2 (const-string/jumbo: 32 bits).  All the
  methods of a DEX are walked together, one instruction of each per numpy step
  (``_walk``): tables indexed by an instruction's first 16-bit unit give its length and
  whether to keep it.  A payload pseudo-instruction (``nop`` with high byte 1, 2 or 3:
  packed-switch, sparse-switch and fill-array-data tables) is skipped by the size in its
  header.
* The few longest methods, which would keep that walk going for thousands of steps, are
  finished by one compiled pattern (``_INSTRUCTIONS``): an alternation of opcode byte
  classes, each followed by the exact byte length of its instruction format, consumes
  uninteresting instructions in bulk and captures a 4-byte record (opcode, A, 16-bit
  index) of each invoke, field access and const-string (a const-string/jumbo's 32-bit
  index takes a second cell).  What follows the loop always matches where it
  stops, so the engine never backtracks into a misaligned decoding; payloads stop the
  pattern and are skipped by their size (``_records_past_payloads``).
* ``class_data_item`` lists each class's methods as ULEB128 triples; the whole class_data
  section is decoded at once (a token ends at each byte below 0x80).
* Strings are MUTF-8 (NUL written C0 80, supplementary characters as two 3-byte surrogates).
  A DEX's strings are decoded 16,384 at a time, by one call of the C UTF-8 codec each
  (surrogates passed through, then pairs combined through UTF-16); a lone surrogate and
  any invalid sequence become U+FFFD, so that every string can be printed and encoded.
* Anything that does not fit the usual layout (strings or class data not stored back to
  back) takes a slower per-item path that reads the same facts.

Reading an app is two steps: `read_dex_part` reads each DEX file on its own (its tables in
the file's order), then `combine` unites the parts into the app's sorted facts
(`DexContents`, with the refs in a `RefTable`) and gives each part a `DexTables` whose tables
are views on the united ones, for a reader of code (`pi_scan.extract.callgraph`).  A part's
bytes are not kept: a `DexTables` reads them again when code is decoded.
"""

from __future__ import annotations

import codecs
import gc
import re
import struct
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, compress, count, pairwise, repeat
from operator import add, contains
from typing import Any, TypeAlias, overload

import numpy as np
import numpy.typing as npt

from pi_scan.model import EMPTY_REFS, RefTable, picked, uint32_array

__all__ = [
    "ClassDef",
    "DexContents",
    "DexFormatError",
    "DexPart",
    "DexTables",
    "combine",
    "read_dex",
    "read_dex_files",
    "read_dex_part",
    "read_dex_tables",
]

Int64s: TypeAlias = npt.NDArray[np.int64]
UInt32s: TypeAlias = npt.NDArray[np.uint32]
# One class_def: descriptor, superclass (None for java.lang.Object), interfaces, class_data_off
ClassDef: TypeAlias = tuple[str, "str | None", tuple[str, ...], int]


class DexFormatError(ValueError):
    """The bytes are not a DEX file this reader can read; the message says why."""


@dataclass(frozen=True)
class DexContents:
    """What the DEX files of an app define and reference, sorted and without duplicates."""

    classes: tuple[str, ...]  # dotted names
    method_refs: RefTable
    field_refs: RefTable
    strings: tuple[str, ...]
    # the strings (same order) with the classes whose code loads each (const-string)
    string_users: RefTable = field(default_factory=lambda: EMPTY_REFS)


@dataclass(frozen=True)
class DexPart:
    """One DEX file as read: its tables in the file's own order, and which of its classes use
    which of its refs (`method_uses`, `field_uses`: sorted, unique uint32 keys
    ``class_def row << 16 | ref index``; code indexes refs with 16 bits, and a DEX has at
    most 65,536 types, so at most as many classes)."""

    name: str
    strings: list[str]
    types: list[str]  # descriptors
    type_strings: list[int]  # the string index of each type
    methods: list[str]  # smali form
    fields: list[str]
    classes: list[str]  # dotted name of each class_def
    class_defs: list[ClassDef]
    method_uses: UInt32s = field(repr=False)
    field_uses: UInt32s = field(repr=False)
    # sorted, unique int64 keys ``string index << 16 | class_def row`` of every const-string
    string_uses: Int64s = field(repr=False, default_factory=lambda: np.empty(0, np.int64))

    def method_indices(self, prefixes: tuple[str, ...]) -> list[int]:
        """The indices of the methods whose smali reference starts with one of `prefixes`."""
        return indices_starting(self.methods, prefixes)

    def users_of(self, prefixes: tuple[str, ...], wanted: list[int] | None = None) -> list[str]:
        """Dotted names of the classes whose code invokes a method whose smali reference
        starts with one of `prefixes` (`wanted`: their indices, if known), sorted."""
        if wanted is None:
            wanted = self.method_indices(prefixes)
        if not wanted or not len(self.method_uses):
            return []
        rows = self.method_uses[np.isin(self.method_uses & _INDEX, wanted)] >> _ROW
        return sorted({self.classes[row] for row in _unique(rows).tolist()})

    def tables(self, data: bytes) -> DexTables:
        """The part's own tables, with its bytes (to read its code before `combine`)."""
        return DexTables(
            lambda: data,
            self.strings,
            self.types,
            self.methods,
            self.fields,
            self.class_defs,
        )


def indices_starting(items: Iterable[str], prefixes: tuple[str, ...]) -> list[int]:
    """The indices of the items that start with one of `prefixes` (tested in C)."""
    return list(compress(count(), map(str.startswith, items, repeat(prefixes))))


class DexTables:
    """One DEX file's tables for a reader of code (`pi_scan.extract.callgraph`): its bytes,
    read when first needed, and its string, type, method and field tables by index (members
    in smali form, type and class descriptors as written)."""

    def __init__(
        self,
        load: Callable[[], bytes],
        strings: Sequence[str],
        types: Sequence[str],
        methods: Sequence[str],
        fields: Sequence[str],
        class_defs: Sequence[ClassDef],
    ) -> None:
        self._load: Callable[[], bytes] | None = load
        self._data: bytes | None = None
        self.strings = strings
        self.types = types
        self.methods = methods
        self.fields = fields
        self.class_defs = class_defs

    @property
    def data(self) -> bytes:
        if self._data is None:
            assert self._load is not None
            self._data = self._load()
            self._load = None
        return self._data


class _Indexed(Sequence[str]):
    """A DEX table as a view on the app's merged table: item i is `base[at[i]]`."""

    __slots__ = ("_at", "_base")

    def __init__(self, base: Sequence[str], at: array[int]) -> None:
        self._base = base
        self._at = at

    def __len__(self) -> int:
        return len(self._at)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._base[i] for i in self._at[index]]
        return self._base[self._at[index]]


# --------------------------------------------------------------------------------------------
# Header and tables
# --------------------------------------------------------------------------------------------

_HEADER_SIZE = 0x70
_ENDIAN_CONSTANT = 0x12345678
_REVERSE_ENDIAN_CONSTANT = 0x78563412
_HEADER = struct.Struct("<8sI20s20I")  # magic, checksum, signature, file_size .. data_off
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_LITTLE = sys.byteorder == "little"
_NO_INDEX = 0xFFFFFFFF
_SECTIONS = ("string_ids", "type_ids", "proto_ids", "field_ids", "method_ids", "class_defs")


@dataclass(frozen=True)
class _Header:
    file_size: int
    tables: dict[str, tuple[int, int]]  # name -> (count or size, offset), as read


def _parse_header(data: bytes) -> _Header:
    if len(data) < _HEADER_SIZE:
        raise DexFormatError(f"truncated header ({len(data)} bytes, need {_HEADER_SIZE})")
    fields = _HEADER.unpack_from(data, 0)
    magic: bytes = fields[0]
    if magic[:4] != b"dex\n" or magic[7] != 0 or not magic[4:7].isdigit():
        raise DexFormatError(f"bad magic {magic!r}")
    version = int(magic[4:7])
    if not 35 <= version <= 41:
        raise DexFormatError(f"unsupported dex version {magic[4:7].decode()}")
    if version == 41:
        raise DexFormatError("unsupported container dex v041")
    file_size, header_size, endian_tag = fields[3:6]
    if endian_tag == _REVERSE_ENDIAN_CONSTANT:
        raise DexFormatError("big-endian (reverse endian tag) dex is not supported")
    if endian_tag != _ENDIAN_CONSTANT:
        raise DexFormatError(f"bad endian tag 0x{endian_tag:08x}")
    if header_size != _HEADER_SIZE:
        raise DexFormatError(f"bad header_size 0x{header_size:x}")
    if file_size > len(data):
        raise DexFormatError(f"truncated file ({len(data)} bytes, header says {file_size})")
    values = fields[6:]
    tables = {"link": (values[0], values[1]), "map": (0, values[2])}
    for i, table in enumerate(_SECTIONS):
        tables[table] = (values[3 + 2 * i], values[4 + 2 * i])
    tables["data"] = (values[15], values[16])
    return _Header(len(data), tables)


def _check_section(name: str, offset: int, size: int, limit: int) -> None:
    if size and (offset < 0 or offset + size > limit):
        raise DexFormatError(
            f"{name} section outside the file (offset 0x{offset:x}, size {size}, file size {limit})"
        )


def _table(
    data: bytes, header: _Header, name: str, item_size: int, typecode: str = "I"
) -> array[int]:
    """A table of u32 (or u16) words, item_size bytes per record, bounds-checked first."""
    count, offset = header.tables[name]
    _check_section(name, offset, count * item_size, header.file_size)
    return _words(data[offset : offset + count * item_size], typecode)


def _words(raw: bytes, typecode: str) -> array[int]:
    """Little-endian u16 ("H") or u32 ("I") words of raw."""
    words = array(typecode, raw)
    if not _LITTLE:
        words.byteswap()
    return words


def _check_indices(what: str, indices: array[int] | Iterable[int], limit: int) -> None:
    found = np.asarray(indices) if isinstance(indices, array) else np.fromiter(indices, np.int64)
    top = int(found.max()) if len(found) else -1
    if top >= limit:
        raise DexFormatError(f"{what} index {top} out of range (table has {limit})")


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    """Read one ULEB128 (at most 5 bytes) at pos; return (value, next position)."""
    result = 0
    for shift in range(0, 35, 7):
        if pos >= len(data):
            raise DexFormatError(f"truncated ULEB128 at 0x{pos:x}")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
    raise DexFormatError(f"ULEB128 longer than 5 bytes at 0x{pos - 5:x}")


# --------------------------------------------------------------------------------------------
# Strings (MUTF-8)
# --------------------------------------------------------------------------------------------


def _mutf8_errors(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: pass a 3-byte encoded surrogate through, replace anything else."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    raw, start = exc.object, exc.start
    if (
        start + 2 < len(raw)
        and raw[start] == 0xED
        and 0xA0 <= raw[start + 1] <= 0xBF
        and 0x80 <= raw[start + 2] <= 0xBF
    ):
        return chr(0xD000 | (raw[start + 1] & 0x3F) << 6 | (raw[start + 2] & 0x3F)), start + 3
    return "\ufffd", max(exc.end, start + 1)


codecs.register_error("pi_scan.mutf8", _mutf8_errors)
_NUL_STAND_INS = ("\U0010ffff", "\U0010fffe", "\uffff", "\ufffe", "\ue000")
_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")  # the first two bytes of an encoded surrogate


def _fix_surrogates(text: str) -> str:
    """Combine surrogate pairs into one character; a lone surrogate becomes U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _decode_mutf8(raw: bytes) -> str:
    """One string, tolerantly: invalid sequences become U+FFFD."""
    text = raw.replace(b"\xc0\x80", b"\x00").decode("utf-8", "pi_scan.mutf8")
    return _fix_surrogates(text) if _SURROGATE.search(raw) else text


def _decode_joined(joined: bytes, count: int) -> list[str] | None:
    """Decode count NUL-terminated MUTF-8 strings joined together, in one codec call.

    The encoded NUL (C0 80) is swapped for a character absent from all the strings, so that
    the terminators can split the text.  None if that or the strict decoding fails.
    """
    stand_in = ""
    if b"\xc0\x80" in joined:
        stand_in = next((c for c in _NUL_STAND_INS if c.encode() not in joined), "")
        if not stand_in:
            return None
        joined = joined.replace(b"\xc0\x80", stand_in.encode())
    try:
        text = joined.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None
    if _SURROGATE.search(joined):
        text = _fix_surrogates(text)
    parts = text.split("\x00")
    if len(parts) != count + 1:
        return None
    del parts[-1]
    if stand_in:
        for i in compress(range(count), map(contains, parts, repeat(stand_in))):
            parts[i] = parts[i].replace(stand_in, "\x00")
    return parts


def _read_strings(data: bytes, header: _Header) -> list[str]:
    offsets = _table(data, header, "string_ids", 4)
    if not offsets:
        return []
    if max(offsets) >= len(data):
        raise DexFormatError(f"string_data_off 0x{max(offsets):x} outside the file")
    strings = _strings_in_bulk(data, np.frombuffer(offsets, np.uint32).astype(np.int64))
    if strings is None:
        chunks = [_string_chunk(data, off) for off in offsets]
        strings = _decode_joined(b"".join(chunks), len(chunks))
        if strings is None:
            strings = [_decode_mutf8(chunk[:-1]) for chunk in chunks]
    return strings


_STRINGS_AT_ONCE = 16_384  # strings decoded per codec call (bounds the transient memory)


def _strings_in_bulk(data: bytes, offsets: Int64s) -> list[str] | None:
    """All strings, when their string_data_items are stored back to back in id order.

    The checks, all in C: offsets ascend, and the byte before each next item (and after the
    last) is a NUL, so each item is its ULEB128 length, its bytes and one NUL.  The ULEB128
    bytes are cut out, and the rest is decoded a few thousand strings at a time and split at
    the NULs; a NUL inside a string's bytes gives one part too many, so `_decode_joined`
    refuses.  None for any other layout.
    """
    count = len(offsets)
    if count > 1 and bool((offsets[1:] <= offsets[:-1]).any()):
        return None
    first = int(offsets[0])
    end = data.find(b"\x00", _uleb(data, int(offsets[-1]))[1]) + 1
    if end <= 0:
        return None
    region = np.frombuffer(data, np.uint8, end - first, first)
    starts = offsets - first
    if bool(region[starts[1:] - 1].any()):  # each item ends right before the next
        return None
    lengths = _uleb_lengths(region, starts)
    if lengths is None:
        return None
    strings: list[str] = []
    for a in range(0, count, _STRINGS_AT_ONCE):
        b = min(a + _STRINGS_AT_ONCE, count)
        low, high = int(starts[a]), int(starts[b]) if b < count else len(region)
        keep = np.ones(high - low, np.bool_)
        at, size = starts[a:b] - low, lengths[a:b]
        for k in range(int(size.max())):
            keep[at[size > k] + k] = False
        decoded = _decode_joined(region[low:high][keep].tobytes(), b - a)
        if decoded is None:
            return None
        strings += decoded
    return strings


def _uleb_lengths(region: npt.NDArray[np.uint8], starts: Int64s) -> Int64s | None:
    """The byte length (1 to 5) of the ULEB128 at each start; None if one runs past the
    region or is longer than 5 bytes."""
    lengths = np.ones(len(starts), np.int64)
    longer = np.arange(len(starts))
    for k in range(5):
        longer = longer[region[starts[longer] + k] >= 0x80]  # a continuation byte at k
        if not len(longer):
            return lengths
        if k == 4 or int(starts[longer[-1]]) + k + 1 >= len(region):
            return None
        lengths[longer] += 1
    return None


def _string_chunk(data: bytes, offset: int) -> bytes:
    """One string_data_item's MUTF-8 bytes with their NUL."""
    start = _uleb(data, offset)[1]
    end = data.find(b"\x00", start)
    if end < 0:
        raise DexFormatError(f"string data at 0x{offset:x} not NUL-terminated")
    return data[start : end + 1]


# --------------------------------------------------------------------------------------------
# Types, prototypes, member references
# --------------------------------------------------------------------------------------------


def _type_lists(data: bytes, offsets: list[int], types: list[str]) -> list[str]:
    """type_lists (a proto's parameters) at offsets, each as "(" descriptors ")", in C: all
    their type indices read at once, the descriptors picked, placed between the parentheses
    with numpy, joined and split."""
    if max(offsets, default=0) + 4 > len(data):
        raise DexFormatError(f"type_list at 0x{max(offsets):x} outside the file")
    buf = np.frombuffer(data, np.uint8)
    at = np.asarray(offsets, np.int64)
    sizes = _u32_at(buf, at)
    if len(at) and int((at + 4 + 2 * sizes).max()) > len(data):
        raise DexFormatError("a type_list overruns the file")
    bounds = np.zeros(len(at) + 1, np.int64)
    np.cumsum(sizes, out=bounds[1:])
    indices = _u16_at(buf, np.repeat(at + 4 - 2 * bounds[:-1], sizes) + 2 * np.arange(bounds[-1]))
    if len(indices) and int(indices.max()) >= len(types):
        raise DexFormatError(f"type_list type index out of range ({len(types)} types)")
    lists = np.arange(len(at))
    placed = np.empty(int(bounds[-1]) + 2 * len(at), object)
    is_type = np.ones(len(placed), np.bool_)
    opens, closes = bounds[:-1] + 2 * lists, bounds[1:] + 2 * lists + 1
    is_type[opens] = is_type[closes] = False
    placed[opens] = "("
    placed[closes] = ")\0"
    placed[is_type] = picked(types, indices.tolist())
    joined = "".join(placed.tolist()).split("\0")
    if len(joined) == len(at) + 1:
        return joined[:-1]
    # a descriptor holds NUL itself: one list at a time
    descriptors = placed[is_type].tolist()
    return ["(" + "".join(descriptors[a:b]) + ")" for a, b in pairwise(bounds.tolist())]


def _read_protos(data: bytes, header: _Header, types: list[str]) -> list[str]:
    """Each proto_id as its smali descriptor "(params)return"."""
    words = _table(data, header, "proto_ids", 12)
    returns, params_offs = words[1::3], words[2::3]
    _check_indices("proto_ids return type", returns, len(types))
    offsets = sorted(set(params_offs) - {0})
    params = dict(zip(offsets, _type_lists(data, offsets, types), strict=True))
    params[0] = "()"
    return list(map(add, map(params.__getitem__, params_offs), picked(types, returns)))


def _member_names(
    data: bytes, header: _Header, table: str, parts: tuple[list[str], list[str], list[str]]
) -> list[str]:
    """field_ids or method_ids in smali form: class "->" name, then the type or the proto.

    parts: the class, name and type-or-proto lists the three columns index.  Each ref is
    joined from three pieces: "->" is added to the classes and ":" to the field types once
    each, not once per ref.
    """
    halves = _table(data, header, table, 8, "H")
    classes, kinds, names = halves[0::4], halves[1::4], _table(data, header, table, 8)[1::2]
    owners, labels, signatures = parts
    _check_indices(f"{table} class", classes, len(owners))
    _check_indices(f"{table} type or proto", kinds, len(signatures))
    _check_indices(f"{table} name", names, len(labels))
    arrows = [owner + "->" for owner in owners]
    ends = [":" + kind for kind in signatures] if table == "field_ids" else signatures
    joined = zip(picked(arrows, classes), picked(labels, names), picked(ends, kinds), strict=True)
    return list(map("".join, joined))


def _dotted(descriptors: Iterable[str]) -> list[str]:
    """'Lcom/example/Foo$1;' -> 'com.example.Foo$1' (other descriptors are kept as they are)."""
    return [d[1:-1].replace("/", ".") if d[:1] == "L" and d[-1:] == ";" else d for d in descriptors]


# --------------------------------------------------------------------------------------------
# Instructions
# --------------------------------------------------------------------------------------------

# Width in 16-bit code units of every opcode that is neither an invoke nor a field access
# (nop 0x00 is handled apart); unused opcodes count as one unit.
_WIDTHS: dict[int, tuple[int, ...]] = {
    2: (
        *(0x02, 0x05, 0x08, 0x13, 0x15, 0x16, 0x19, 0x1A, 0x1C, 0x1F, 0x20, 0x22, 0x23, 0x29),
        *range(0x2D, 0x52),
        *range(0x90, 0xB0),
        *range(0xD0, 0xE3),
        *(0xFE, 0xFF),
    ),
    3: (0x03, 0x06, 0x09, 0x14, 0x17, 0x1B, 0x24, 0x25, 0x26, 0x2A, 0x2B, 0x2C, 0xFC, 0xFD),
    5: (0x18,),
}
_FIELD_OPS = range(0x52, 0x6E)  # iget*, iput*, sget*, sput*: formats 22c / 21c, 2 units
_CONST_STRING, _CONST_STRING_JUMBO = 0x1A, 0x1B  # formats 21c (2 units) and 31c (3 units)
_STRING_OPS = (_CONST_STRING, _CONST_STRING_JUMBO)
_INVOKE_OPS = (*range(0x6E, 0x73), *range(0x74, 0x79))  # invoke-*(/range): 35c / 3rc, 3 units
_POLYMORPHIC_OPS = (0xFA, 0xFB)  # invoke-polymorphic(/range): 45cc / 4rcc, 4 units
_WIDTHS[1] = tuple(
    op
    for op in range(1, 256)
    if op not in _FIELD_OPS
    and op not in _INVOKE_OPS
    and op not in _POLYMORPHIC_OPS
    and all(op not in ops for ops in _WIDTHS.values())
)


# Possessive repetition (Python 3.11+) saves the regex engine its backtracking bookkeeping.
# It is an optimisation only: what follows the loop always matches where the loop stops.
_STAR = b"*+" if sys.version_info >= (3, 11) else b"*"


def _byte_class(ops: Iterable[int]) -> bytes:
    return b"[" + b"".join(re.escape(bytes([op])) for op in ops) + b"]"


def _instruction_patterns() -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """(the record pattern, the pattern that consumes instructions up to a payload)."""
    nop = rb"\x00[\x00\x04-\xff]"  # high byte 1, 2, 3: a payload
    boring = [_byte_class(_WIDTHS[1]) + b".", nop]
    boring += [
        _byte_class(op for op in _WIDTHS[w] if op not in _STRING_OPS) + b"." * (2 * w - 1)
        for w in (2, 3, 5)
    ]
    # const-string (4 bytes) is recorded like a field access, const-string/jumbo (6 bytes) like
    # an invoke: opcode, A and the low 16 bits of the index (the tail drops jumbo records)
    invoke = _byte_class((*_INVOKE_OPS, _CONST_STRING_JUMBO))
    polymorphic = _byte_class(_POLYMORPHIC_OPS)
    field = _byte_class((*_FIELD_OPS, _CONST_STRING))
    wanted = b"(?:" + invoke + b"|" + polymorphic + b"|" + field + b")..."
    wanted += rb"|\x00[\x01-\x03].."  # or the start of a payload
    rest = b"(?:(?<=" + invoke + b"...)..|(?<=" + polymorphic + b"...)....|(?<=" + field
    rest += rb"...)|(?<=\x00...))"
    loop = b"(?:" + b"|".join(boring) + b")" + _STAR  # the uninteresting instructions
    record = b"(" + wanted + b")" + rest  # opcode, A, 16-bit index; then the rest of the insn
    # \Z: the end of the code; ..?: a truncated instruction (skipped one unit at a time)
    records = re.compile(loop + b"(?:" + record + rb"|\Z|..?)", re.DOTALL)
    any_insn = [*boring, invoke + b".{5}", polymorphic + b".{7}", field + b"..."]
    until_payload = re.compile(b"(?:" + b"|".join(any_insn) + b")" + _STAR, re.DOTALL)
    return records, until_payload


_INSTRUCTIONS, _UNTIL_PAYLOAD = _instruction_patterns()
_IS_METHOD = bytes(op in _INVOKE_OPS or op in _POLYMORPHIC_OPS for op in range(256))
_IS_FIELD = bytes(op in _FIELD_OPS for op in range(256))
_IS_STRING = bytes(op in _STRING_OPS for op in range(256))


def _payload_end(data: bytes, pos: int, end: int) -> int:
    """End of the payload pseudo-instruction at pos (a packed/sparse switch or array data)."""
    kind = data[pos + 1]
    if pos + (4 if kind == 2 else 8) > end:
        raise DexFormatError(f"truncated payload at 0x{pos:x}")
    size: int = _U16.unpack_from(data, pos + 2)[0]
    if kind == 1:  # ident, size, first_key, size targets
        units = 4 + 2 * size
    elif kind == 2:  # ident, size, size keys, size targets
        units = 2 + 4 * size
    else:  # ident, element_width, size (u4), the data padded to a unit
        count: int = _U32.unpack_from(data, pos + 4)[0]
        units = 4 + (size * count + 1) // 2
    if pos + 2 * units > end:
        raise DexFormatError(f"payload at 0x{pos:x} overruns its code_item")
    return pos + 2 * units


_JUMBO = bytes([_CONST_STRING_JUMBO])
_HIGH_HALF = 0xFF  # the opcode of the cell after a const-string/jumbo record (never recorded)


def _with_jumbo_high_halves(data: bytes, pos: int, stop: int) -> list[bytes]:
    """The records of data[pos:stop], each const-string/jumbo record followed by a second
    4-byte cell (0xFF, 0, the index's high 16 bits), so that records stay 4 bytes apart."""
    out = []
    for match in _INSTRUCTIONS.finditer(data, pos, stop):
        record = match.group(1)
        if record is None:
            continue
        out.append(record)
        if record[:1] == _JUMBO:
            at = match.start(1) + 4
            out.append(bytes((_HIGH_HALF, 0)) + data[at : at + 2])
    return out


def _records_past_payloads(data: bytes, ranges: Iterable[tuple[int, int]]) -> list[bytes]:
    """The records of the code in the ranges, skipping each payload by its size."""
    records: list[bytes] = []
    for start, end in ranges:
        pos = start
        while pos < end:
            stop = _UNTIL_PAYLOAD.match(data, pos, end).end()  # type: ignore[union-attr]
            found = _INSTRUCTIONS.findall(data, pos, stop)
            if _JUMBO in b"".join(found)[0::4]:  # records are 4 bytes (or empty)
                found = _with_jumbo_high_halves(data, pos, stop)
            records += found
            if stop >= end:
                break
            if data[stop] == 0 and data[stop + 1] in (1, 2, 3):
                pos = _payload_end(data, stop, end)
            else:  # a truncated instruction: skip one unit, as _INSTRUCTIONS does
                pos = stop + 2
    return [record for record in records if record[:1] != b"\x00"]


# --------------------------------------------------------------------------------------------
# Class data
# --------------------------------------------------------------------------------------------

_ULEB = rb"(?:[\x80-\xff]{0,4}[\x00-\x7f])"
_CLASS_DATA_HEADER = re.compile(rb"(%s)(%s)(%s)(%s)" % ((_ULEB,) * 4), re.DOTALL)
_ENCODED_METHOD = re.compile(rb"%s%s(%s)" % ((_ULEB,) * 3), re.DOTALL)
_ULEB_RUNS = {n: re.compile(rb"%s{%d}" % (_ULEB, n), re.DOTALL) for n in (64, 32, 16, 8, 4, 2, 1)}
_TYPE_CLASS_DATA_ITEM = 0x2000
_from_le = partial(int.from_bytes, byteorder="little")


def _uleb_values(tokens: Iterable[bytes]) -> list[int]:
    """The values of ULEB128 tokens of 1 to 5 bytes (each 7-bit group moved into place)."""
    return [
        r & 0x7F | r >> 1 & 0x3F80 | r >> 2 & 0x1FC000 | r >> 3 & 0xFE00000 | r >> 4 & 0xF0000000
        for r in map(_from_le, tokens)
    ]


def _skip_ulebs(data: bytes, pos: int, count: int) -> int:
    """Position after count ULEB128 values at pos (in runs of up to 64, all in C)."""
    for run, pattern in _ULEB_RUNS.items():
        while count >= run:
            match = pattern.match(data, pos)
            if match is None:
                raise DexFormatError(f"bad or truncated ULEB128 in class_data near 0x{pos:x}")
            pos = match.end()
            count -= run
    return pos


def _code_offsets(data: bytes, offset: int) -> list[int]:
    """code_off of every method (0 for abstract and native ones) of one class_data_item."""
    header = _CLASS_DATA_HEADER.match(data, offset)
    if header is None:
        raise DexFormatError(f"bad or truncated class_data at 0x{offset:x}")
    static_fields, instance_fields, direct, virtual = _uleb_values(header.groups())
    pos = header.end()
    if 2 * (static_fields + instance_fields) + 3 * (direct + virtual) > len(data) - pos:
        raise DexFormatError(f"class_data at 0x{offset:x}: member counts exceed the file")
    pos = _skip_ulebs(data, pos, 2 * (static_fields + instance_fields))
    end = _skip_ulebs(data, pos, 3 * (direct + virtual))
    return _uleb_values(_ENCODED_METHOD.findall(data, pos, end))


def _class_data_section(data: bytes, header: _Header) -> tuple[int, int, int] | None:
    """(start, end, item count) of the class_data_item section, from the map_list."""
    map_off = header.tables["map"][1]
    if not map_off:
        return None
    (count,) = _U32.unpack_from(data, map_off)
    items = _words(data[map_off + 4 : map_off + 4 + 12 * count], "I")
    offsets = items[2::3]
    for kind, size, start in zip(items[0::3], items[1::3], offsets, strict=True):
        if kind & 0xFFFF == _TYPE_CLASS_DATA_ITEM:
            end = min((o for o in offsets if o > start), default=len(data))
            return start, min(end, len(data)), size
    return None


def _class_data_tokens(data: bytes, header: _Header) -> tuple[Int64s, Int64s] | None:
    """Every ULEB128 of the class_data_item section: (values, offsets), decoded at once.

    A token ends at each byte below 0x80.  None if there is no such section or a token is
    longer than 5 bytes (malformed: each item is then read on its own, which says where).
    """
    section = _class_data_section(data, header)
    if section is None or section[1] <= section[0]:
        return None
    start, end, _ = section
    region = np.frombuffer(data, np.uint8, end - start, start)
    last = np.flatnonzero(region < 0x80)
    if not len(last):
        return None
    first = np.empty_like(last)
    first[0] = 0
    first[1:] = last[:-1] + 1
    length = last - first + 1
    if int(length.max()) > 5:
        return None
    values = (region[first] & 0x7F).astype(np.int64)
    for k in range(1, 5):
        longer = np.flatnonzero(length > k)
        if not len(longer):
            break
        values[longer] |= (region[first[longer] + k] & 0x7F).astype(np.int64) << (7 * k)
    values &= 0xFFFFFFFF
    return values, first + start


def _class_code(data: bytes, data_offs: Sequence[int], header: _Header) -> tuple[Int64s, Int64s]:
    """(class_def row, code_off) of each method that has code (abstract and native methods
    have code_off 0), in row order.

    Writers store the class_data_items back to back, so the section is decoded at once and
    each class's counts and code offsets are read from the values, for all classes at once;
    an item that is not found there (an unusual layout) is read on its own by _code_offsets.
    """
    tokens = _class_data_tokens(data, header)
    values, positions = tokens if tokens is not None else (np.empty(0, np.int64),) * 2
    offs = np.asarray(data_offs, np.int64)
    total = len(values)
    at = np.minimum(np.searchsorted(positions, offs), max(total - 1, 0))
    usable = (offs != 0) & (at + 4 <= total)
    if total:
        usable &= positions[at] == offs
    candidates = usable.nonzero()[0]
    head = at[candidates]
    methods = head + 4 + 2 * (values[head] + values[head + 1])
    count = values[head + 2] + values[head + 3]
    fits = methods + 3 * count <= total
    rows, methods, count = candidates[fits], methods[fits], count[fits]
    firsts = np.zeros(len(count), np.int64)  # of each class's methods among all
    np.cumsum(count[:-1], out=firsts[1:])
    nth = np.arange(int(count.sum())) - np.repeat(firsts, count)
    code = values[np.repeat(methods + 2, count) + 3 * nth]  # each method's code_off
    owner = np.repeat(rows, count)
    read = np.zeros(len(offs), np.bool_)
    read[rows] = True
    alone = ((offs != 0) & ~read).nonzero()[0]
    if len(alone):
        found = [np.asarray(_code_offsets(data, int(offs[row])), np.int64) for row in alone]
        owner = np.concatenate([owner, np.repeat(alone, [len(f) for f in found])])
        code = np.concatenate([code, *found])
        order = np.argsort(owner, kind="stable")
        owner, code = owner[order], code[order]
    keep = code != 0
    return owner[keep], code[keep]


# --------------------------------------------------------------------------------------------
# Code: which refs each class uses
# --------------------------------------------------------------------------------------------

_METHOD_OP = np.frombuffer(_IS_METHOD, np.uint8).astype(np.bool_)
_FIELD_OP = np.frombuffer(_IS_FIELD, np.uint8).astype(np.bool_)
_STRING_OP = np.frombuffer(_IS_STRING, np.uint8).astype(np.bool_)
_LOW32 = 0xFFFFFFFF
_ROW, _INDEX = 16, 0xFFFF  # a use key: class_def row << _ROW | ref index


def _insns_ranges(data: bytes, code_offs: Int64s) -> tuple[Int64s, Int64s]:
    """(starts, ends) byte offsets of the instructions of each code_item."""
    size = len(data)
    offsets = np.asarray(code_offs, np.int64)
    if len(offsets) and int(offsets.max()) + 16 > size:
        raise DexFormatError(f"code_item at 0x{int(offsets.max()):x} outside the file")
    units = _u32_at(np.frombuffer(data, np.uint8), offsets + 12)  # insns_size
    starts = offsets + 16
    ends = starts + 2 * units  # 2 bytes a unit
    if len(ends) and int(ends.max()) > size:
        offset = int(offsets[np.argmax(ends > size)])
        raise DexFormatError(f"code_item at 0x{offset:x} overruns the file")
    return starts, ends


def _u32_at(buf: npt.NDArray[np.uint8], at: Int64s) -> Int64s:
    """The little-endian u32 at each offset."""
    word = buf[at].astype(np.int64)
    for k in (1, 2, 3):
        word |= buf[at + k].astype(np.int64) << (8 * k)
    return word


def _u16_at(buf: npt.NDArray[np.uint8], at: Int64s) -> Int64s:
    """The little-endian u16 at each offset."""
    return buf[at].astype(np.int64) | buf[at + 1].astype(np.int64) << 8


_BYTES = np.full(256, 2, np.int64)  # the byte length of each opcode's instruction
for _units, _ops in _WIDTHS.items():
    _BYTES[list(_ops)] = 2 * _units
_BYTES[list(_FIELD_OPS)] = 4
_BYTES[list(_INVOKE_OPS)] = 6
_BYTES[list(_POLYMORPHIC_OPS)] = 8
_BYTES[0] = 2  # nop; a payload's length is read from its header
_WANTED_OP = _METHOD_OP | _FIELD_OP | _STRING_OP
_KIND = np.where(_METHOD_OP, 0, np.where(_FIELD_OP, 1, 2)).astype(np.uint8)  # of a record
_TAIL = 32  # from this few methods still being walked on, the regex walks each one's rest
_PAYLOAD_WORDS = (0x0100, 0x0200, 0x0300)  # nop with high byte 1, 2, 3 (as a 16-bit unit)
_UNITS = (_BYTES // 2)[np.arange(1 << 16) & 0xFF]  # an instruction's units, by its first unit
_OVER = 1 << 40  # a payload's length is read from its header: past any method's end until then
_UNITS[list(_PAYLOAD_WORDS)] = _OVER
_WANTED_UNIT = _WANTED_OP[np.arange(1 << 16) & 0xFF]


def _walk(
    data: bytes, starts: Int64s, ends: Int64s
) -> tuple[Int64s, npt.NDArray[np.uint8], Int64s]:
    """Every invoke and field access in the code ranges: (range, opcode, ref index) arrays.

    All methods are walked at once, one instruction of each per step, in 16-bit code units:
    the first unit of the instruction at each current position gives its length and whether
    to keep it (two tables of 65,536 entries), a payload's length comes from its header, and
    an instruction that would run past its method's end is skipped one unit at a time.  A
    few long methods outlast the others by thousands of steps; once fewer than _TAIL remain
    (or for code that does not start on an even offset), the regex walks the rest of each
    (`_records_past_payloads`, same rules).
    """
    units = np.frombuffer(data, "<u2", len(data) // 2)
    live = ((starts < ends) & (starts % 2 == 0)).nonzero()[0]
    odd = ((starts < ends) & (starts % 2 == 1)).nonzero()[0]
    pos, end, method = starts[live] // 2, ends[live] // 2, live
    methods: list[Int64s] = []
    places: list[Int64s] = []  # where the step walk's records are (in units)
    skipped: list[Int64s] = []  # records of instructions that did not fit: method << 32 | unit
    while len(pos) > _TAIL:
        word = units[pos]
        width = _UNITS[word]
        take = _WANTED_UNIT[word].nonzero()[0]
        if len(take):
            methods.append(method[take])
            places.append(pos[take])
        pos += width
        live = (pos < end).nonzero()[0]
        if len(live) < len(pos):
            over = (pos > end).nonzero()[0]  # a payload (_OVER), or it does not fit
            if len(over):
                pos[over] -= width[over]
                for i in over[width[over] == _OVER].tolist():  # its length from its header
                    at = 2 * int(pos[i])
                    pos[i] = _payload_end(data, at, 2 * int(end[i])) // 2
                unfit = over[width[over] != _OVER]
                if len(unfit):  # no record, and the walk goes on one unit later
                    skipped.append(method[unfit] << 32 | pos[unfit])
                    pos[unfit] += 1
                live = (pos < end).nonzero()[0]
            pos, end, method = pos[live], end[live], method[live]
    out_methods: list[Int64s] = []
    out_ops: list[npt.NDArray[np.uint8]] = []
    out_indices: list[Int64s] = []
    if places:
        where = np.concatenate(places)
        ops = (units[where] & 0xFF).astype(np.uint8)
        owners = np.concatenate(methods)
        if skipped:
            keep = ~np.isin(owners << 32 | where, np.concatenate(skipped))
            owners, ops, where = owners[keep], ops[keep], where[keep]
        found = units[where + 1].astype(np.int64)
        jumbo = (ops == _CONST_STRING_JUMBO).nonzero()[0]
        if len(jumbo):  # a 32-bit string index
            found[jumbo] |= units[where[jumbo] + 2].astype(np.int64) << 16
        out_methods, out_ops, out_indices = [owners], [ops], [found]
    tail = zip(
        [*(2 * pos).tolist(), *starts[odd].tolist()],
        [*(2 * end).tolist(), *ends[odd].tolist()],
        [*method.tolist(), *odd.tolist()],
        strict=True,
    )
    for at, stop, which in tail:
        cells = np.frombuffer(b"".join(_records_past_payloads(data, ((at, stop),))), np.uint8)
        ops = cells[0::4]
        index = _u16_at(cells, np.arange(2, len(cells), 4))
        jumbo = (ops == _CONST_STRING_JUMBO).nonzero()[0]
        if len(jumbo):  # the next cell holds the high half of the 32-bit string index
            index[jumbo] |= index[jumbo + 1] << 16
        keep = ops != _HIGH_HALF
        out_methods.append(np.full(int(keep.sum()), which, np.int64))
        out_ops.append(ops[keep])
        out_indices.append(index[keep])
    if not out_methods:
        return np.empty(0, np.int64), np.empty(0, np.uint8), np.empty(0, np.int64)
    return np.concatenate(out_methods), np.concatenate(out_ops), np.concatenate(out_indices)


def _uses(
    data: bytes,
    class_code: tuple[Int64s, Int64s],
    limits: tuple[int, int, int],
    names: list[str],
) -> tuple[UInt32s, UInt32s, Int64s]:
    """(method uses, field uses): unique ``class_def row << 16 | ref index`` keys of every
    invoke and field access in the classes' code (`class_code`: the row and code_off of
    each method with code); (string uses): unique ``string index << 16 | class_def row`` keys
    of every const-string."""
    if len(names) > _INDEX + 1:
        raise DexFormatError(f"{len(names)} class_defs (a DEX has at most 65536 types)")
    rows, code_offs = class_code
    starts, ends = _insns_ranges(data, code_offs)
    method, opcodes, index = _walk(data, starts, ends)
    # the records grouped by kind (method, field, string) by one stable sort of their kind
    kind = _KIND[opcodes]
    order = np.argsort(kind, kind="stable")
    first_field, first_string = np.cumsum(np.bincount(kind, minlength=3))[:2].tolist()
    owner = rows.astype(np.uint32)[method[order]]
    index = index[order]
    del method, opcodes, kind, order
    out = []
    for (low, high), limit, what in zip(
        ((0, first_field), (first_field, first_string)),
        limits[:2],
        ("method", "field"),
        strict=True,
    ):
        keys = _unique(owner[low:high] << _ROW | index[low:high].astype(np.uint32))
        if len(keys) and int((keys & _INDEX).max()) >= limit:
            bad = int(((keys & _INDEX) >= limit).nonzero()[0][0])
            user, top = names[int(keys[bad] >> _ROW)], int(keys[bad] & _INDEX)
            raise DexFormatError(f"{user} uses {what} index {top} of {limit}")
        out.append(keys)
    strings = _unique(index[first_string:] << _ROW | owner[first_string:].astype(np.int64))
    if len(strings) and int(strings[-1] >> _ROW) >= limits[2]:
        bad = int((strings >> _ROW >= limits[2]).nonzero()[0][0])
        user, top = names[int(strings[bad] & _INDEX)], int(strings[bad] >> _ROW)
        raise DexFormatError(f"{user} uses string index {top} of {limits[2]}")
    return out[0], out[1], strings


def _unique(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The distinct values, sorted in place (every caller passes an array of its own; np.unique
    hashes, which is slower here than sorting); the array itself when all are distinct."""
    values.sort()
    if len(values) < 2:
        return values
    distinct = np.empty(len(values), np.bool_)
    distinct[0] = True
    np.not_equal(values[1:], values[:-1], out=distinct[1:])
    return values if distinct.all() else values[distinct]


def _class_defs(data: bytes, header: _Header, types: list[str]) -> tuple[list[ClassDef], list[int]]:
    """Each class_def as (descriptor, superclass, interfaces, class_data_off), and the
    class_data_off of each."""
    words = _table(data, header, "class_defs", 32)
    class_idx, super_idx, iface_offs, data_offs = words[0::8], words[2::8], words[3::8], words[6::8]
    limit = len(types)
    _check_indices("class_defs class", class_idx, limit)
    _check_indices("class_defs superclass", (i for i in super_idx if i != _NO_INDEX), limit)
    if max(data_offs, default=0) >= len(data):
        raise DexFormatError(f"class_data_off 0x{max(data_offs):x} outside the file")
    offsets = sorted(set(iface_offs) - {0})
    lists = dict(zip(offsets, _interface_lists(data, offsets, types), strict=True))
    lists[0] = ()
    supers = [types[i] if i != _NO_INDEX else None for i in super_idx]
    defs = list(
        zip(
            map(types.__getitem__, class_idx),
            supers,
            map(lists.__getitem__, iface_offs),
            data_offs,
            strict=True,
        )
    )
    return defs, data_offs.tolist()


def _interface_lists(data: bytes, offsets: list[int], types: list[str]) -> list[tuple[str, ...]]:
    """The type_lists at offsets (class interfaces) as tuples of descriptors."""
    lists = []
    for offset in offsets:
        if offset + 4 > len(data):
            raise DexFormatError(f"interfaces type_list at 0x{offset:x} outside the file")
        (size,) = _U32.unpack_from(data, offset)
        end = offset + 4 + 2 * size
        if end > len(data):
            raise DexFormatError(f"interfaces type_list at 0x{offset:x} overruns the file")
        lists.append(_words(data[offset + 4 : end], "H"))
    _check_indices("interfaces type", chain.from_iterable(lists), len(types))
    return [tuple(map(types.__getitem__, indices)) for indices in lists]


# --------------------------------------------------------------------------------------------
# Uniting the DEX files of an app
# --------------------------------------------------------------------------------------------


Maps: TypeAlias = list[npt.NDArray[np.uint32]]  # per part: where each of its items went


def _unify(lists: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], Maps]:
    """The sorted union of lists, and for each list where each of its items went.

    One stable sort of all items (numpy's timsort on an object array: each DEX's tables are
    sorted already, and timsort profits from such runs; the order is an int64 array, not
    half a million int objects), then a comparison of neighbours.  Intermediate arrays are
    dropped as soon as they are used: this runs when a big app's memory use peaks.
    """
    count = sum(map(len, lists))
    items = np.fromiter(chain.from_iterable(lists), object, count)
    order = np.argsort(items, kind="stable").astype(np.uint32)  # half the size at the peak
    items = items[order]
    new = np.ones(count, np.bool_)
    np.not_equal(items[1:], items[:-1], out=new[1:])
    united = tuple(items[new])
    del items
    where = np.empty(count, np.uint32)
    rank = np.cumsum(new, dtype=np.uint32)
    rank -= 1
    where[order] = rank
    del order, new, rank
    bounds = np.cumsum([0, *map(len, lists)]).tolist()
    return united, [where[a:b] for a, b in pairwise(bounds)]


def _ref_table(
    refs: tuple[str, ...],
    uses: Iterable[UInt32s],
    class_maps: Maps,
    ref_maps: Maps,
    names: tuple[str, ...],
) -> RefTable:
    """A RefTable from each part's uses and its class and ref maps into the merged tables."""
    keys = [
        ref_map[local & _INDEX].astype(np.int64) << 32 | class_map[local >> _ROW]
        for local, class_map, ref_map in zip(uses, class_maps, ref_maps, strict=True)
        if len(local)
    ]
    return _keyed_table(refs, keys, names)


def _keyed_table(items: tuple[str, ...], keys: list[Int64s], names: tuple[str, ...]) -> RefTable:
    """A RefTable of `items` from keys (item index << 32 | class row), duplicates dropped.

    The keys are united, sorted in place and cut into halves through 32-bit views, without
    more int64 copies: this runs when a big app's memory use peaks."""
    united = _unique(np.concatenate(keys)) if keys else np.empty(0, np.int64)
    keys.clear()
    halves = united.view(np.uint32)
    if _LITTLE:
        low, high = halves[0::2], halves[1::2]
    else:
        low, high = halves[1::2], halves[0::2]
    starts = uint32_array(np.searchsorted(high, np.arange(len(items) + 1, dtype=np.uint32)))
    callers = np.ascontiguousarray(low)
    del united, halves, low, high  # the int64 keys go before the callers are copied again
    return RefTable(items, starts, uint32_array(callers), names)


def _string_users(
    strings: tuple[str, ...],
    uses: Iterable[Int64s],
    class_maps: Maps,
    string_maps: Maps,
    names: tuple[str, ...],
) -> RefTable:
    """The merged strings as a RefTable whose callers are the classes loading each string."""
    keys = [
        string_map[local >> _ROW].astype(np.int64) << 32 | class_map[local & _INDEX]
        for local, class_map, string_map in zip(uses, class_maps, string_maps, strict=True)
        if len(local)
    ]
    return _keyed_table(strings, keys, names)


def combine(
    parts: Sequence[DexPart], loaders: Sequence[Callable[[], bytes]] | None = None
) -> tuple[DexContents, tuple[DexTables, ...]]:
    """The app's facts from its DEX files (their union, sorted), and for each part its
    tables as views on the merged ones; `loaders[i]()` gives part i's bytes again when its
    code is read."""
    with _gc_paused():  # each union's maps are let go once used: memory peaks here
        classes, class_maps = _unify([p.classes for p in parts])
        strings, string_maps = _unify([p.strings for p in parts])
        string_users = _string_users(
            strings, (p.string_uses for p in parts), class_maps, string_maps, classes
        )
        string_views = [_Indexed(strings, uint32_array(m)) for m in string_maps]
        type_views = [
            _Indexed(strings, uint32_array(m[np.asarray(p.type_strings, np.int64)]))
            for m, p in zip(string_maps, parts, strict=True)
        ]
        del string_maps
        methods, method_maps = _unify([p.methods for p in parts])
        method_refs = _ref_table(
            methods, (p.method_uses for p in parts), class_maps, method_maps, classes
        )
        method_views = [_Indexed(methods, uint32_array(m)) for m in method_maps]
        del method_maps
        fields, field_maps = _unify([p.fields for p in parts])
        field_refs = _ref_table(
            fields, (p.field_uses for p in parts), class_maps, field_maps, classes
        )
        field_views = [_Indexed(fields, uint32_array(m)) for m in field_maps]
        del field_maps, class_maps
        tables = tuple(
            DexTables(
                loaders[i] if loaders is not None else _no_bytes(part.name),
                string_views[i],
                type_views[i],
                method_views[i],
                field_views[i],
                part.class_defs,
            )
            for i, part in enumerate(parts)
        )
        contents = DexContents(classes, method_refs, field_refs, strings, string_users)
        return contents, tables


def _no_bytes(name: str) -> Callable[[], bytes]:
    def load() -> bytes:
        raise DexFormatError(f"{name}: the bytes of this DEX are not at hand")

    return load


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def read_dex_part(data: bytes | memoryview, name: str = "classes.dex") -> DexPart:
    """Read one DEX file.  Raises DexFormatError (naming `name`) on anything malformed.

    The cyclic garbage collector is paused meanwhile: the reader makes hundreds of thousands
    of small objects and no cycles, and collections would cost a third of the time.
    """
    raw = data if isinstance(data, bytes) else bytes(data)
    with _gc_paused():
        try:
            return _read(raw, name)
        except DexFormatError as exc:
            raise DexFormatError(f"{name}: {exc}") from None
        except (
            IndexError,
            KeyError,
            ValueError,
            TypeError,
            struct.error,
            OverflowError,
            MemoryError,
            RecursionError,
        ) as exc:
            raise DexFormatError(f"{name}: malformed dex ({type(exc).__name__}: {exc})") from exc


def read_dex(data: bytes | memoryview, name: str = "classes.dex") -> DexContents:
    """The facts of one DEX file (`read_dex_part`, then `combine`)."""
    return read_dex_tables(data, name)[0]


def read_dex_files(files: Iterable[tuple[str, bytes]]) -> DexContents:
    """The facts of several DEX files, (name, bytes) each, as one app's."""
    return combine([read_dex_part(data, name) for name, data in files])[0]


def read_dex_tables(
    data: bytes | memoryview, name: str = "classes.dex"
) -> tuple[DexContents, DexTables]:
    """`read_dex`, and the file's tables for reading its code."""
    raw = data if isinstance(data, bytes) else bytes(data)
    contents, tables = combine([read_dex_part(raw, name)], [lambda: raw])
    return contents, tables[0]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """`pi_scan.extract.gcpause.no_cyclic_gc()` for this module, which imports nothing of the
    pi_scan.extract package (its androguard imports): benchmarks/bench_extract.py loads it
    on its own."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(data: bytes, name: str) -> DexPart:
    header = _parse_header(data)
    size = header.file_size
    for table in ("link", "data"):
        _check_section(table, header.tables[table][1], header.tables[table][0], size)
    map_off = header.tables["map"][1]
    if map_off:
        _check_section("map", map_off, 4, size)
        _check_section("map", map_off, 4 + 12 * _U32.unpack_from(data, map_off)[0], size)
    strings = _read_strings(data, header)
    type_strings = _table(data, header, "type_ids", 4)
    _check_indices("type_ids descriptor string", type_strings, len(strings))
    types = list(picked(strings, type_strings))
    protos = _read_protos(data, header, types)
    methods = _member_names(data, header, "method_ids", (types, strings, protos))
    fields = _member_names(data, header, "field_ids", (types, strings, types))
    class_defs, data_offs = _class_defs(data, header, types)
    classes = _dotted(desc for desc, _, _, _ in class_defs)
    class_code = _class_code(data, data_offs, header)
    method_uses, field_uses, string_uses = _uses(
        data, class_code, (len(methods), len(fields), len(strings)), classes
    )
    return DexPart(
        name,
        strings,
        types,
        type_strings.tolist(),
        methods,
        fields,
        classes,
        class_defs,
        method_uses,
        field_uses,
        string_uses,
    )
