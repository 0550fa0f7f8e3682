"""A focused, fast reader of Dalvik executables (DEX) in pure Python.

It reads only the facts pi-scan's rules need: the classes a DEX defines, every method and
field it references (in smali form) with the defining classes whose code invokes or accesses
each one, and every string of its string table.  Nothing else of the DEX object model is
built: it is about four times faster and smaller than androguard's ``DEX`` object model,
which does not even attribute call sites (benchmarks/README.md).

Format notes (https://source.android.com/docs/core/runtime/dex-format):

* Tables are fixed-size records at offsets given by the header.  Each table is checked
  against the file size *before* anything proportional to its count is allocated, then read
  in one go with :mod:`array`.
* Speed comes from doing per-item work in C: :mod:`re`, ``bytes`` methods, and
  ``map``/``itertools`` chains over builtins.  Python bytecode runs per class or per ref
  only where unavoidable, and per instruction never.
* Instructions are 16-bit code units.  One compiled pattern (``_INSTRUCTIONS``) walks them:
  an alternation of opcode byte classes, each followed by the exact byte length of its
  instruction format, consumes uninteresting instructions in bulk, and captures a 4-byte
  record (opcode, A, 16-bit index) of each invoke and field-access instruction (the index
  operand is always at byte 2).  What follows the loop always matches where it stops, so
  the engine never backtracks into a misaligned decoding.  ``map(findall)`` runs it over
  every method's instructions; the records of all methods are joined with a class mark
  after each class, and splitting at the marks gives each class's records, whose opcode
  bytes (``[::4]``, translated to masks) select method and field indices with ``compress``.
* A payload pseudo-instruction (``nop`` with high byte 1, 2 or 3: packed-switch,
  sparse-switch and fill-array-data tables) has a size the pattern cannot know; it is
  captured as a record with opcode 0, and a class that has one is walked again method by
  method, skipping each payload by its size (``_records_past_payloads``).
* ``class_data_item`` lists each class's methods as ULEB128 triples; one ``findall`` splits
  the whole class_data section into ULEB128 tokens (at most 5 bytes each).
* Strings are MUTF-8 (NUL written C0 80, supplementary characters as two 3-byte surrogates).
  All of a DEX's strings are decoded by one call of the C UTF-8 codec (surrogates passed
  through, then pairs combined through UTF-16); a lone surrogate and any invalid sequence
  become U+FFFD, so that every string can be printed and encoded.
* Anything that does not fit the usual layout (strings or class data not stored back to
  back, a big-endian host) takes a slower per-item path that reads the same facts.
"""

from __future__ import annotations

import codecs
import gc
import re
import struct
import sys
from array import array
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, chain, compress, islice, repeat
from operator import add, contains, getitem, gt, itemgetter, methodcaller, not_, sub
from typing import TypeAlias, cast

__all__ = ["DexContents", "DexFormatError", "DexTables", "merge_dex", "read_dex", "read_dex_tables"]


class DexFormatError(ValueError):
    """The bytes are not a DEX file this reader can read; the message says why."""


@dataclass(frozen=True)
class DexContents:
    """What one DEX file (or the union of an APK's DEX files) defines and references."""

    classes: frozenset[str]
    method_refs: Mapping[str, frozenset[str]]
    field_refs: Mapping[str, frozenset[str]]
    strings: frozenset[str]


@dataclass(frozen=True)
class DexTables:
    """The tables `read_dex` decodes on its way and then drops, kept for a reader of code
    (`pi_scan.extract.callgraph`): the bytes, and the string, type, method and field tables
    by index (members in smali form, the same string objects as DexContents' keys)."""

    data: bytes
    strings: list[str]
    types: list[str]
    methods: list[str]
    fields: list[str]


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
_EMPTY: frozenset[str] = frozenset()
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


def _check_indices(what: str, indices: Iterable[int], limit: int) -> None:
    top = max(indices, default=-1)
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
_NOT_ONE_ASCII_BYTE = bytes(b == 0 or b >= 0x80 for b in range(256))
_FROM_SECOND = slice(1, None)
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
    offsets = _table(data, header, "string_ids", 4).tolist()
    if not offsets:
        return []
    if max(offsets) >= len(data):
        raise DexFormatError(f"string_data_off 0x{max(offsets):x} outside the file")
    strings = _strings_in_bulk(data, offsets)
    if strings is None:
        chunks = [_string_chunk(data, off) for off in offsets]
        strings = _decode_joined(b"".join(chunks), len(chunks))
        if strings is None:
            strings = [_decode_mutf8(chunk[:-1]) for chunk in chunks]
    return strings


def _strings_in_bulk(data: bytes, offsets: list[int]) -> list[str] | None:
    """All strings, when their string_data_items are stored back to back in id order.

    The checks, all in C: offsets ascend; the byte before each next item is a NUL; and the
    region holds no other NUL than those and the ULEB128 0 of empty strings.  So each item
    is its ULEB128, its bytes and one NUL.  Each ULEB128 that is not one ASCII byte is then
    replaced by b"\\x01", the region decoded at once, split at the NULs, and the first
    character of each part (the ULEB128) cut off.  None for any other layout.
    """
    if offsets != sorted(offsets):
        return None
    count, first = len(offsets), offsets[0]
    end = data.find(b"\x00", _uleb(data, offsets[-1])[1]) + 1
    if end <= 0:
        return None
    ends = offsets[1:]
    ends.append(end)
    if bytes(map(data.__getitem__, map(sub, ends, repeat(1)))) != bytes(count):
        return None
    lead = bytes(map(data.__getitem__, offsets))
    if data.count(b"\x00", first, end) != count + lead.count(0):
        return None
    pieces: list[bytes] = []
    pos = first
    for index in compress(range(count), lead.translate(_NOT_ONE_ASCII_BYTE)):
        pieces += (data[pos : offsets[index]], b"\x01")
        pos = _uleb(data, offsets[index])[1]
    pieces.append(data[pos:end])
    parts = _decode_joined(b"".join(pieces), count)
    return None if parts is None else list(map(itemgetter(_FROM_SECOND), parts))


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


def _read_types(data: bytes, header: _Header, strings: list[str]) -> list[str]:
    descriptor_idx = _table(data, header, "type_ids", 4)
    _check_indices("type_ids descriptor string", descriptor_idx, len(strings))
    return list(map(strings.__getitem__, descriptor_idx))


def _type_lists(data: bytes, offsets: list[int], types: list[str]) -> list[str]:
    """type_lists (a proto's parameters) at offsets, each as "(" descriptors ")", in C."""
    if max(offsets, default=0) + 4 > len(data):
        raise DexFormatError(f"type_list at 0x{max(offsets):x} outside the file")
    sizes = list(map(itemgetter(0), map(_U32.unpack_from, repeat(data), offsets)))
    starts = list(map(add, offsets, repeat(4)))
    ends = list(map(add, starts, map(add, sizes, sizes)))
    if max(ends, default=0) > len(data):
        raise DexFormatError("a type_list overruns the file")
    indices = map(_words, map(data.__getitem__, map(slice, starts, ends)), repeat("H"))
    try:
        joined = list(map("".join, map(map, repeat(types.__getitem__), indices)))
    except IndexError:
        raise DexFormatError(f"type_list type index out of range ({len(types)} types)") from None
    return list(map("".join, zip(repeat("("), joined, repeat(")"))))


def _read_protos(data: bytes, header: _Header, types: list[str]) -> list[str]:
    """Each proto_id as its smali descriptor "(params)return"."""
    words = _table(data, header, "proto_ids", 12)
    returns, params_offs = words[1::3], words[2::3]
    _check_indices("proto_ids return type", returns, len(types))
    offsets = sorted(set(params_offs) - {0})
    params = dict(zip(offsets, _type_lists(data, offsets, types), strict=True))
    params[0] = "()"
    return list(map(add, map(params.__getitem__, params_offs), map(types.__getitem__, returns)))


def _member_names(
    data: bytes, header: _Header, table: str, parts: tuple[list[str], list[str], list[str]]
) -> list[str]:
    """field_ids or method_ids in smali form: class "->" name, then the type or the proto.

    parts: the class, name and type-or-proto lists the three columns index.
    """
    halves = _table(data, header, table, 8, "H")
    classes, kinds, names = halves[0::4], halves[1::4], _table(data, header, table, 8)[1::2]
    owners, labels, signatures = parts
    _check_indices(f"{table} class", classes, len(owners))
    _check_indices(f"{table} type or proto", kinds, len(signatures))
    _check_indices(f"{table} name", names, len(labels))
    separator = ":" if table == "field_ids" else ""
    joined = zip(
        map(owners.__getitem__, classes),
        repeat("->"),
        map(labels.__getitem__, names),
        repeat(separator),
        map(signatures.__getitem__, kinds),
    )
    return list(map("".join, joined))


def _dotted(descriptor: str) -> str:
    """'Lcom/example/Foo$1;' -> 'com.example.Foo$1' (other descriptors are kept as they are)."""
    if descriptor.startswith("L") and descriptor.endswith(";"):
        return descriptor[1:-1].replace("/", ".")
    return descriptor


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
# Joined after each class's records, then split at.  No run of records can contain it: no
# record starts with 0xff or 0x05, and a record starting with 0 has 1, 2 or 3 next.
_CLASS_MARK = b"\x00\x05\xff\xff"


# Possessive repetition (Python 3.11+) saves the regex engine its backtracking bookkeeping.
# It is an optimisation only: what follows the loop always matches where the loop stops.
_STAR = b"*+" if sys.version_info >= (3, 11) else b"*"


def _byte_class(ops: Iterable[int]) -> bytes:
    return b"[" + b"".join(re.escape(bytes([op])) for op in ops) + b"]"


def _instruction_patterns() -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """(the record pattern, the pattern that consumes instructions up to a payload)."""
    nop = rb"\x00[\x00\x04-\xff]"  # high byte 1, 2, 3: a payload
    boring = [_byte_class(_WIDTHS[1]) + b".", nop]
    boring += [_byte_class(_WIDTHS[w]) + b"." * (2 * w - 1) for w in (2, 3, 5)]
    invoke, polymorphic = _byte_class(_INVOKE_OPS), _byte_class(_POLYMORPHIC_OPS)
    field = _byte_class(_FIELD_OPS)
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


def _records_past_payloads(data: bytes, ranges: Iterable[tuple[int, int]]) -> list[bytes]:
    """The records of the code in the ranges, skipping each payload by its size."""
    records: list[bytes] = []
    for start, end in ranges:
        pos = start
        while pos < end:
            stop = _UNTIL_PAYLOAD.match(data, pos, end).end()  # type: ignore[union-attr]
            records += _INSTRUCTIONS.findall(data, pos, stop)
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
# One ULEB128 per match, and a match at every position (5+ continuation bytes make a bad
# token of 5), so that findall splits a byte range into consecutive tokens.
_ULEB_TOKEN = re.compile(_ULEB + rb"|[\x80-\xff]{1,5}", re.DOTALL)
_CLASS_DATA_HEADER = re.compile(rb"(%s)(%s)(%s)(%s)" % ((_ULEB,) * 4), re.DOTALL)
_ENCODED_METHOD = re.compile(rb"%s%s(%s)" % ((_ULEB,) * 3), re.DOTALL)
_ULEB_RUNS = {n: re.compile(rb"%s{%d}" % (_ULEB, n), re.DOTALL) for n in (64, 32, 16, 8, 4, 2, 1)}
_SMALL_ULEB = {bytes([value]): value for value in range(0x80)}
_ZERO = b"\x00"
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


def _code_tokens_in_bulk(data: bytes, header: _Header) -> dict[int, list[bytes]]:
    """code_off tokens of every class_data_item, keyed by the item's offset.

    Writers store the items back to back: one findall splits the whole section into ULEB128
    tokens, and a walk over the member counts finds the items.  An item not found here (an
    unusual layout) is read on its own by _code_offsets.
    """
    section = _class_data_section(data, header)
    if section is None:
        return {}
    start, end, count = section
    tokens = _ULEB_TOKEN.findall(data, start, end)
    positions = list(accumulate(map(len, tokens), initial=start))
    found: dict[int, list[bytes]] = {}
    small, pos, total = _SMALL_ULEB, 0, len(tokens)
    for _ in range(count):
        if pos + 4 > total:
            break
        head = tokens[pos : pos + 4]
        small_counts = list(map(small.get, head))
        counts = _uleb_values(head) if None in small_counts else cast(list[int], small_counts)
        static_fields, instance_fields, direct, virtual = counts
        methods = pos + 4 + 2 * (static_fields + instance_fields)
        after = methods + 3 * (direct + virtual)
        if after > total:
            break
        found[positions[pos]] = tokens[methods + 2 : after : 3]
        pos = after
    return found


def _class_code(data: bytes, header: _Header, data_offs: Iterable[int]) -> list[list[int]]:
    """Per class_def, the code_off of each of its methods that has code (abstract and
    native methods have code_off 0)."""
    bulk = _code_tokens_in_bulk(data, header)
    tokens = [bulk.get(offset, None) if offset else [] for offset in data_offs]
    nonzero = filter(_ZERO.__ne__, chain.from_iterable(filter(None, tokens)))
    values = iter(_uleb_values(nonzero))
    return [
        [o for o in _code_offsets(data, offset) if o]
        if found is None
        else list(islice(values, len(found) - found.count(_ZERO)))
        for offset, found in zip(data_offs, tokens, strict=True)
    ]


# --------------------------------------------------------------------------------------------
# Code: which refs each class uses
# --------------------------------------------------------------------------------------------

_Usage: TypeAlias = list[tuple[str, set[int], set[int]]]  # class, methods used, fields used
_IndexSets: TypeAlias = list[tuple[str, set[int]]]  # class name, distinct ref indices
_u16s = partial(array, "H")
_EVERY_4TH = slice(None, None, 4)
_ODD_WORDS = slice(1, None, 2)
_method_mask = methodcaller("translate", _IS_METHOD)
_field_mask = methodcaller("translate", _IS_FIELD)


def _insns_ranges(data: bytes, code_offs: list[int]) -> tuple[list[int], list[int]]:
    """(starts, ends) byte offsets of the instructions of each code_item."""
    size = len(data)
    if max(code_offs, default=0) + 16 > size:
        raise DexFormatError(f"code_item at 0x{max(code_offs):x} outside the file")
    insns_size = map(_U32.unpack_from, repeat(data), map(add, code_offs, repeat(12)))
    units = list(map(itemgetter(0), insns_size))
    starts = list(map(add, code_offs, repeat(16)))
    ends = list(map(add, starts, map(add, units, units)))  # 2 bytes a unit
    if max(ends, default=0) > size:
        offset = code_offs[list(map(gt, ends, repeat(size))).index(True)]
        raise DexFormatError(f"code_item at 0x{offset:x} overruns the file")
    return starts, ends


def _class_usage(data: bytes, header: _Header, types: list[str]) -> tuple[list[str], _Usage]:
    """Defined class names, and per class with code: (name, methods invoked, fields used)."""
    words = _table(data, header, "class_defs", 32)
    class_idx, data_offs = words[0::8], words[6::8]
    _check_indices("class_defs class", class_idx, len(types))
    names = [_dotted(types[i]) for i in class_idx]
    if max(data_offs, default=0) >= len(data):
        raise DexFormatError(f"class_data_off 0x{max(data_offs):x} outside the file")
    class_code = _class_code(data, header, data_offs)
    with_code = [(name, code) for name, code in zip(names, class_code, strict=True) if code]
    usage = _usage_in_bulk(data, with_code) if _LITTLE else None
    if usage is None:
        usage = [(name, *_index_sets(data, code_offs)) for name, code_offs in with_code]
    return names, usage  # indices are checked against the tables by _callers


def _usage_in_bulk(data: bytes, with_code: list[tuple[str, list[int]]]) -> _Usage | None:
    """Scan the code of all classes (see the module docstring), all in C but for payloads.

    None (use the per-class path) if the class marks do not split the records into one
    part per class, which _CLASS_MARK's choice rules out: a guard, not a code path.
    """
    code_offs = list(chain.from_iterable(map(itemgetter(1), with_code)))
    starts, ends = _insns_ranges(data, code_offs)
    per_method = list(map(_INSTRUCTIONS.findall, repeat(data), starts, ends))
    marks = [b""] * len(code_offs)
    bounds = list(accumulate(map(len, map(itemgetter(1), with_code)), initial=0))
    for last in bounds[1:]:
        marks[last - 1] = _CLASS_MARK
    records = chain.from_iterable(zip(map(b"".join, per_method), marks, strict=True))
    parts = b"".join(records).split(_CLASS_MARK)
    if len(parts) != len(with_code) + 1:
        return None
    del parts[-1]
    opcodes = list(map(getitem, parts, repeat(_EVERY_4TH)))
    for i in compress(range(len(parts)), map(contains, opcodes, repeat(b"\x00"))):
        parts[i] = _without_payloads(
            data, per_method, starts, ends, range(bounds[i], bounds[i + 1])
        )
        opcodes[i] = parts[i][::4]
    indices = list(map(getitem, map(_u16s, parts), repeat(_ODD_WORDS)))
    methods = map(set, map(compress, indices, map(_method_mask, opcodes)))
    fields = map(set, map(compress, indices, map(_field_mask, opcodes)))
    return list(zip(map(itemgetter(0), with_code), methods, fields, strict=True))


def _without_payloads(
    data: bytes, per_method: list[list[bytes]], starts: list[int], ends: list[int], which: range
) -> bytes:
    """A class's records, its methods that have a payload walked again past the payloads."""
    records = []
    for j in which:
        found = b"".join(per_method[j])
        if b"\x00" in found[::4]:
            found = b"".join(_records_past_payloads(data, ((starts[j], ends[j]),)))
        records.append(found)
    return b"".join(records)


def _index_sets(data: bytes, code_offs: list[int]) -> tuple[set[int], set[int]]:
    """(distinct method indices, distinct field indices) used by some code_items."""
    starts, ends = _insns_ranges(data, code_offs)
    blob = b"".join(_records_past_payloads(data, zip(starts, ends, strict=True)))
    opcodes, indices = blob[::4], _words(blob, "H")[1::2]
    methods = set(compress(indices, opcodes.translate(_IS_METHOD)))
    return methods, set(compress(indices, opcodes.translate(_IS_FIELD)))


# --------------------------------------------------------------------------------------------
# Caller maps
# --------------------------------------------------------------------------------------------


def _callers(refs: list[str], usage: _IndexSets, what: str) -> dict[str, frozenset[str]]:
    """Map every ref (smali form) to the names of the classes whose code uses it.

    Inverted in C: users[i].append(name) for every (class, index) pair, by map/deque over
    list.append.  Caller sets are interned, so the many refs with the same single caller
    share one frozenset (a frozenset costs ~200 bytes; there are 500k refs in a big app).
    """
    users: defaultdict[int, list[str]] = defaultdict(list)
    indices = chain.from_iterable(map(itemgetter(1), usage))
    counts = map(len, map(itemgetter(1), usage))
    callers = chain.from_iterable(map(repeat, map(itemgetter(0), usage), counts))
    deque(map(list.append, map(users.__getitem__, indices), callers), 0)
    if max(users, default=-1) >= len(refs):
        top = max(users)
        raise DexFormatError(f"{users[top][0]} uses {what} index {top} of {len(refs)}")
    sets = list(map(frozenset, users.values()))
    interned: dict[frozenset[str], frozenset[str]] = {}
    sets = list(map(interned.setdefault, sets, sets))
    result = dict.fromkeys(refs, _EMPTY)
    result.update(zip(map(refs.__getitem__, users), sets, strict=True))
    if len(result) < len(refs):  # duplicated ids (a malformed file): unite their callers
        values = [_EMPTY] * len(refs)
        for index, found in zip(users, sets, strict=True):
            values[index] = found
        result = {}
        for ref, found in zip(refs, values, strict=True):
            result[ref] = result.get(ref, _EMPTY) | found
    return result


def _merge_into(merged: dict[str, frozenset[str]], refs: Mapping[str, frozenset[str]]) -> None:
    """Add a ref map to merged; a ref in both gets the union of its caller sets.

    In C but for the refs that have callers in both: refs without callers are only added
    where missing (setdefault), the others are united with what merged has, then stored.
    """
    if not merged:
        merged.update(refs)
        return
    keys, values = list(refs), list(refs.values())
    deque(map(merged.setdefault, compress(keys, map(not_, values)), repeat(_EMPTY)), 0)
    used, callers = list(compress(keys, values)), list(compress(values, values))
    known = list(map(merged.get, used))
    for i in compress(range(len(known)), known):
        callers[i] = known[i] | callers[i]  # type: ignore[operator]
    merged.update(zip(used, callers, strict=True))


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def read_dex(data: bytes | memoryview, name: str = "classes.dex") -> DexContents:
    """Read one DEX file.  Raises DexFormatError (naming `name`) on anything malformed.

    The cyclic garbage collector is paused meanwhile: the reader makes hundreds of thousands
    of small objects and no cycles, and collections would cost a third of the time.
    """
    return _read_guarded(data, name, None)


def read_dex_tables(
    data: bytes | memoryview, name: str = "classes.dex"
) -> tuple[DexContents, DexTables]:
    """`read_dex`, and the tables it decoded on the way (for reading code later)."""
    kept: list[DexTables] = []
    contents = _read_guarded(data, name, kept)
    return contents, kept[0]


def _read_guarded(data: bytes | memoryview, name: str, keep: list[DexTables] | None) -> DexContents:
    raw = data if isinstance(data, bytes) else bytes(data)
    with _gc_paused():
        try:
            return _read(raw, keep)
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(data: bytes, keep: list[DexTables] | None = None) -> DexContents:
    header = _parse_header(data)
    size = header.file_size
    for table in ("link", "data"):
        _check_section(table, header.tables[table][1], header.tables[table][0], size)
    map_off = header.tables["map"][1]
    if map_off:
        _check_section("map", map_off, 4, size)
        _check_section("map", map_off, 4 + 12 * _U32.unpack_from(data, map_off)[0], size)
    strings = _read_strings(data, header)
    types = _read_types(data, header, strings)
    protos = _read_protos(data, header, types)
    methods = _member_names(data, header, "method_ids", (types, strings, protos))
    fields = _member_names(data, header, "field_ids", (types, strings, types))
    names, usage = _class_usage(data, header, types)
    users = [name for name, _, _ in usage]
    if keep is not None:
        keep.append(DexTables(data, strings, types, methods, fields))
    return DexContents(
        classes=frozenset(names),
        method_refs=_callers(
            methods, list(zip(users, map(itemgetter(1), usage), strict=True)), "method"
        ),
        field_refs=_callers(
            fields, list(zip(users, map(itemgetter(2), usage), strict=True)), "field"
        ),
        strings=frozenset(strings),
    )


def merge_dex(parts: Iterable[DexContents]) -> DexContents:
    """The union of several DEX files' contents (classes.dex, classes2.dex, ...).

    The parts are read once, in order: given a generator of read_dex results, each DEX's
    ref maps can be freed as soon as they are merged.
    """
    classes: list[frozenset[str]] = []
    strings: list[frozenset[str]] = []
    methods: dict[str, frozenset[str]] = {}
    fields: dict[str, frozenset[str]] = {}
    with _gc_paused():
        for part in parts:
            classes.append(part.classes)
            strings.append(part.strings)
            _merge_into(methods, part.method_refs)
            _merge_into(fields, part.field_refs)
        return DexContents(
            classes=frozenset().union(*classes),
            method_refs=methods,
            field_refs=fields,
            strings=frozenset().union(*strings),
        )
