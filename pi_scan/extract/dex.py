"""A focused, fast reader of Dalvik executables (DEX) in pure Python.

It reads only the facts pi-scan's rules need: the classes a DEX defines, every method and
field it references (in smali form) together with the defining classes whose code invokes or
accesses each one, and every string of its string table.  Nothing else of the DEX object
model is built, which is what makes it about an order of magnitude faster and smaller than
androguard's ``DEX`` for the same facts.

Format notes (https://source.android.com/docs/core/runtime/dex-format):

* All tables are fixed-size records at offsets given by the header.  Each table is checked
  against the file size *before* anything proportional to its count is allocated, then read
  in one go with :mod:`array` (little-endian; byte-swapped on a big-endian host).
* ``class_data_item`` lists each class's methods as ULEB128 triples; only the ``code_off`` of
  each method is needed.  ULEB128 values are at most 5 bytes.
* Instructions are 16-bit code units.  The instruction walk is driven by one compiled
  :mod:`re` pattern: an alternation of opcode byte classes, each followed by the exact byte
  length of its instruction format, consumes the uninteresting instructions in bulk inside
  the C regex engine (possessively, so it never backtracks into a misaligned decoding) and
  captures only the 16-bit index operand of the invoke and field-access instructions
  (always at byte offset 2 of the instruction).  ``findall`` returns those captures for a
  whole ``code_item`` at once.  A payload pseudo-instruction (``nop`` with high byte 1, 2
  or 3: packed-switch, sparse-switch and fill-array-data tables) has a variable size the
  pattern cannot know, so it is captured too; a ``code_item`` that has one is walked again
  in Python, resuming the pattern after each payload.  This was measured against a
  per-instruction Python loop over ``memoryview.cast('H')`` with a width table (see
  benchmarks/README.md).
* Strings are MUTF-8: NUL is written ``C0 80`` and a supplementary character as two
  3-byte-encoded surrogates.  They are decoded in bulk with the C UTF-8 codec (surrogates
  passed through, then pairs combined through UTF-16); a lone surrogate and any invalid
  sequence become U+FFFD so that every string can be printed and encoded.
"""

from __future__ import annotations

import codecs
import gc
import operator
import re
import struct
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from collections import defaultdict
from itertools import accumulate, chain, compress

__all__ = ["DexContents", "DexFormatError", "merge_dex", "read_dex"]


class DexFormatError(ValueError):
    """The bytes are not a DEX file this reader can read; the message says why."""


@dataclass(frozen=True)
class DexContents:
    """What one DEX file (or the union of an APK's DEX files) defines and references."""

    classes: frozenset[str]
    method_refs: Mapping[str, frozenset[str]]
    field_refs: Mapping[str, frozenset[str]]
    strings: frozenset[str]


# --------------------------------------------------------------------------------------------
# Header and tables
# --------------------------------------------------------------------------------------------

_HEADER_SIZE = 0x70
_ENDIAN_CONSTANT = 0x12345678
_REVERSE_ENDIAN_CONSTANT = 0x78563412
_HEADER = struct.Struct("<8sI20s20I")  # magic .. data_off
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Header:
    file_size: int
    tables: dict[str, tuple[int, int]]  # name -> (size, offset) as read


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
    names = ("link", "map", "string_ids", "type_ids", "proto_ids", "field_ids", "method_ids")
    values = fields[6:]
    tables = {"link": (values[0], values[1]), "map": (0, values[2])}
    for i, table in enumerate(names[2:]):
        tables[table] = (values[3 + 2 * i], values[4 + 2 * i])
    tables["class_defs"] = (values[13], values[14])
    tables["data"] = (values[15], values[16])
    return _Header(len(data), tables)


def _check_section(name: str, offset: int, size: int, limit: int) -> None:
    if size and (offset < 0 or offset + size > limit):
        raise DexFormatError(
            f"{name} section outside the file (offset 0x{offset:x}, size {size}, "
            f"file size {limit})"
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
    words = array(typecode)
    words.frombytes(raw)
    if sys.byteorder == "big":
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
    """Error handler: pass a 3-byte encoded surrogate through, replace anything else."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    raw, start = exc.object, exc.start
    if (
        start + 2 < len(raw)
        and raw[start] == 0xED
        and 0xA0 <= raw[start + 1] <= 0xBF
        and 0x80 <= raw[start + 2] <= 0xBF
    ):
        code = 0xD000 | (raw[start + 1] & 0x3F) << 6 | (raw[start + 2] & 0x3F)
        return chr(code), start + 3
    return "\ufffd", max(exc.end, start + 1)


codecs.register_error("pi_scan.mutf8", _mutf8_errors)


def _fix_surrogates(text: str) -> str:
    """Combine surrogate pairs into one character; a lone surrogate becomes U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _decode_mutf8(raw: bytes) -> str:
    text = raw.replace(b"\xc0\x80", b"\x00").decode("utf-8", "pi_scan.mutf8")
    return _fix_surrogates(text) if b"\xed" in raw else text


def _decode_many(chunks: list[bytes]) -> list[str]:
    """Decode NUL-terminated MUTF-8 strings, all at once when they are plain UTF-8.

    The encoded NUL (C0 80) is swapped for U+FFFF (EF BF BF) around the bulk decode so that
    the NUL terminators can split the result; if U+FFFF occurs itself, or anything does not
    decode, each string is decoded on its own.
    """
    joined = b"".join(chunks)
    has_nul = b"\xc0\x80" in joined
    if not (has_nul and b"\xef\xbf\xbf" in joined):
        try:
            text = joined.replace(b"\xc0\x80", b"\xef\xbf\xbf").decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            pass
        else:
            if b"\xed" in joined:
                text = _fix_surrogates(text)
            parts = text.split("\x00")
            if len(parts) == len(chunks) + 1:
                del parts[-1]
                if has_nul:
                    parts = [p.replace("\uffff", "\x00") if "\uffff" in p else p for p in parts]
                return parts
    return [_decode_mutf8(chunk[:-1]) for chunk in chunks]


# One string_data_item: ULEB128 utf16_size, then the MUTF-8 bytes and their terminating NUL.
_STRING_ITEM = re.compile(rb"([\x80-\xff]{0,4}[\x00-\x7f])([^\x00]*\x00)", re.DOTALL)


def _read_strings(data: bytes, header: _Header) -> list[str]:
    offsets = _table(data, header, "string_ids", 4).tolist()
    if not offsets:
        return []
    if max(offsets) >= len(data):
        raise DexFormatError(f"string_data_off 0x{max(offsets):x} outside the file")
    chunks = _string_chunks_in_bulk(data, offsets)
    if chunks is None:
        chunks = [_string_chunk(data, off) for off in offsets]
    return _decode_many(chunks)


def _string_chunks_in_bulk(data: bytes, offsets: list[int]) -> list[bytes] | None:
    """The NUL-terminated MUTF-8 bytes of every string, when they are stored back to back.

    Writers lay string_data_items out contiguously in string_id order; then one ``findall``
    splits them all, and the running sum of the item lengths proves each one starts exactly
    where its string_id says.  Any other layout returns None (read one by one).
    """
    if offsets != sorted(offsets):
        return None
    end = data.find(b"\x00", _uleb(data, offsets[-1])[1]) + 1
    if end <= 0:
        return None
    pairs = _STRING_ITEM.findall(data, offsets[0], end)
    if len(pairs) != len(offsets):
        return None
    ulebs, chunks = zip(*pairs, strict=True)
    lengths = map(operator.add, map(len, ulebs), map(len, chunks))
    starts = list(accumulate(lengths, initial=offsets[0]))
    if starts[:-1] != offsets:
        return None
    return list(chunks)


def _string_chunk(data: bytes, offset: int) -> bytes:
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
    return [strings[i] for i in descriptor_idx]


def _type_list(data: bytes, offset: int, types: list[str]) -> str:
    if offset == 0:
        return ""
    if offset + 4 > len(data):
        raise DexFormatError(f"type_list at 0x{offset:x} outside the file")
    (size,) = _U32.unpack_from(data, offset)
    _check_section("type_list", offset + 4, 2 * size, len(data))
    indices = _words(data[offset + 4 : offset + 4 + 2 * size], "H")
    _check_indices("type_list type", indices, len(types))
    return "".join([types[i] for i in indices])


def _read_protos(data: bytes, header: _Header, strings: list[str], types: list[str]) -> list[str]:
    """Each proto_id as its smali descriptor "(params)return"."""
    words = _table(data, header, "proto_ids", 12)
    returns = words[1::3]
    _check_indices("proto_ids return type", returns, len(types))
    cache: dict[int, str] = {}
    protos = []
    for ret, params_off in zip(returns, words[2::3], strict=True):
        params = cache.get(params_off)
        if params is None:
            params = cache[params_off] = _type_list(data, params_off, types)
        protos.append(f"({params}){types[ret]}")
    return protos


def _member_ids(data: bytes, header: _Header, name: str) -> tuple[list[int], list[int], list[int]]:
    """(class_idx, proto_or_type_idx, name_idx) columns of field_ids or method_ids."""
    halves = _table(data, header, name, 8, "H")
    words = _table(data, header, name, 8)
    return halves[0::4].tolist(), halves[1::4].tolist(), words[1::2].tolist()


def _method_names(
    data: bytes, header: _Header, strings: list[str], types: list[str], protos: list[str]
) -> list[str]:
    classes, proto_idx, names = _member_ids(data, header, "method_ids")
    _check_indices("method_ids class", classes, len(types))
    _check_indices("method_ids proto", proto_idx, len(protos))
    _check_indices("method_ids name", names, len(strings))
    return [
        f"{types[c]}->{strings[n]}{protos[p]}"
        for c, p, n in zip(classes, proto_idx, names, strict=True)
    ]


def _field_names(data: bytes, header: _Header, strings: list[str], types: list[str]) -> list[str]:
    classes, type_idx, names = _member_ids(data, header, "field_ids")
    _check_indices("field_ids class", classes, len(types))
    _check_indices("field_ids type", type_idx, len(types))
    _check_indices("field_ids name", names, len(strings))
    return [
        f"{types[c]}->{strings[n]}:{types[t]}"
        for c, t, n in zip(classes, type_idx, names, strict=True)
    ]


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
    2: (0x02, 0x05, 0x08, 0x13, 0x15, 0x16, 0x19, 0x1A, 0x1C, 0x1F, 0x20, 0x22, 0x23, 0x29)
    + tuple(range(0x2D, 0x52))
    + tuple(range(0x90, 0xB0))
    + tuple(range(0xD0, 0xE3))
    + (0xFE, 0xFF),
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


def _byte_class(ops: Iterable[int]) -> bytes:
    return b"[" + b"".join(re.escape(bytes([op])) for op in ops) + b"]"


def _instruction_patterns() -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """(the record pattern, the pattern that consumes instructions up to a payload)."""
    boring = [_byte_class(_WIDTHS[1]) + b".", b"\\x00[\\x00\\x04-\\xff]"]
    boring += [_byte_class(_WIDTHS[w]) + b"." * (2 * w - 1) for w in (2, 3, 5)]
    invoke, polymorphic = _byte_class(_INVOKE_OPS), _byte_class(_POLYMORPHIC_OPS)
    field = _byte_class(_FIELD_OPS)
    wanted = b"(?:" + invoke + b"|" + polymorphic + b"|" + field + b"|\\x00(?=[\\x01-\\x03]))..."
    rest = b"(?:(?<=" + invoke + b"...)..|(?<=" + polymorphic + b"...)....|(?<=" + field
    rest += b"...)|(?<=\\x00...))"
    records = re.compile(
        b"(?:" + b"|".join(boring) + b")*+"  # uninteresting instructions, never given back
        b"(?:(" + wanted + b")" + rest  # the record: opcode, A, 16-bit index; then the rest
        + b"|\\Z|..?)",  # end of the code, or a truncated instruction (skip one unit)
        re.DOTALL,
    )
    any_insn = boring + [invoke + b".{5}", polymorphic + b".{7}", field + b"..."]
    until_payload = re.compile(b"(?:" + b"|".join(any_insn) + b")*+", re.DOTALL)
    return records, until_payload


_INSTRUCTIONS, _UNTIL_PAYLOAD = _instruction_patterns()
_IS_METHOD = bytes(op in _INVOKE_OPS or op in _POLYMORPHIC_OPS for op in range(256))
_IS_FIELD = bytes(op in _FIELD_OPS for op in range(256))


def _payload_end(data: bytes, pos: int, end: int) -> int:
    """End of the payload pseudo-instruction at pos (a packed/sparse switch or array data)."""
    if pos + 8 > end:
        raise DexFormatError(f"truncated payload at 0x{pos:x}")
    kind = data[pos + 1]
    (size,) = _U16.unpack_from(data, pos + 2)
    if kind == 1:
        units = 4 + 2 * size
    elif kind == 2:
        units = 2 + 4 * size
    else:
        (count,) = _U32.unpack_from(data, pos + 4)
        units = 4 + (size * count + 1) // 2
    if pos + 2 * units > end:
        raise DexFormatError(f"payload at 0x{pos:x} overruns its code_item")
    return pos + 2 * units


def _records_past_payloads(data: bytes, ranges: list[tuple[int, int]]) -> list[bytes]:
    """Like _records, but skipping each payload by its size and resuming after it."""
    records: list[bytes] = []
    for pos, end in ranges:
        while pos < end:
            stop = _UNTIL_PAYLOAD.match(data, pos, end).end()  # type: ignore[union-attr]
            records += _INSTRUCTIONS.findall(data, pos, stop)
            if stop >= end:
                break
            if data[stop] == 0 and data[stop + 1] in (1, 2, 3):
                pos = _payload_end(data, stop, end)
            else:  # a truncated instruction: skip one unit, as _INSTRUCTIONS does
                pos = stop + 2
    return records


# Classes
# --------------------------------------------------------------------------------------------

_ULEB = rb"(?:[\x80-\xff]{0,4}[\x00-\x7f])"
# One ULEB128 per match, and a match at every position (5+ continuation bytes make a bad
# token of 5), so that findall splits a byte range into consecutive tokens.
_ULEB_TOKEN = re.compile(_ULEB + rb"|[\x80-\xff]{1,5}", re.DOTALL)
_CLASS_DATA_HEADER = re.compile(rb"(%s)(%s)(%s)(%s)" % ((_ULEB,) * 4), re.DOTALL)
_ENCODED_METHOD = re.compile(rb"%s%s(%s)" % ((_ULEB,) * 3), re.DOTALL)
_ULEB_RUNS = {n: re.compile(rb"%s{%d}" % (_ULEB, n), re.DOTALL) for n in (64, 32, 16, 8, 4, 2, 1)}
_SMALL_ULEB = {bytes([value]): value for value in range(0x80)}
_TYPE_CLASS_DATA_ITEM = 0x2000
_from_le = partial(int.from_bytes, byteorder="little")


def _uleb_value(token: bytes) -> int:
    """The value of one ULEB128 token of 1 to 5 bytes."""
    raw = int.from_bytes(token, "little")
    return (
        raw & 0x7F
        | raw >> 1 & 0x3F80
        | raw >> 2 & 0x1FC000
        | raw >> 3 & 0xFE00000
        | raw >> 4 & 0xF0000000
    )


def _uleb_values(tokens: Iterable[bytes]) -> list[int]:
    """_uleb_value of many tokens (inlined: this runs once per method)."""
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
    static_fields, instance_fields, direct, virtual = map(_uleb_value, header.groups())
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
    types, sizes, offsets = items[0::3], items[1::3], items[2::3]
    for kind, size, start in zip(types, sizes, offsets, strict=True):
        if kind & 0xFFFF == _TYPE_CLASS_DATA_ITEM:
            end = min((o for o in offsets if o > start), default=len(data))
            return start, min(end, len(data)), size
    return None


def _code_offsets_in_bulk(data: bytes, header: _Header) -> dict[int, list[bytes]]:
    """code_off tokens of every class_data_item, keyed by the item's offset.

    Writers store the items back to back; one findall splits the whole section into ULEB128
    tokens and a walk over their counts finds the items.  Offsets that are not found here
    (an unusual layout) are read one by one by _code_offsets.
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
        counts = [small.get(t) for t in tokens[pos : pos + 4]]
        if None in counts:
            counts = [_uleb_value(t) for t in tokens[pos : pos + 4]]
        static_fields, instance_fields, direct, virtual = counts  # type: ignore[misc]
        methods = pos + 4 + 2 * (static_fields + instance_fields)
        after = methods + 3 * (direct + virtual)
        if after > total:
            break
        found[positions[pos]] = tokens[methods + 2 : after : 3]
        pos = after
    return found


def _class_code(data: bytes, header: _Header, data_offs: Iterable[int]) -> list[list[int]]:
    """Per class_def, the code_off of each of its methods that has code."""
    bulk = _code_offsets_in_bulk(data, header)
    result = []
    for offset in data_offs:
        if not offset:
            result.append([])
            continue
        tokens = bulk.get(offset)
        code_offs = _code_offsets(data, offset) if tokens is None else _uleb_values(tokens)
        result.append([o for o in code_offs if o])
    return result


_Usage = list[tuple[str, set[int], set[int]]]
_SEPARATOR = b"\x00" * 8  # four nops between code_items: a truncated insn cannot swallow more


def _class_usage(
    data: bytes, header: _Header, types: list[str], n_methods: int, n_fields: int
) -> tuple[list[str], _Usage]:
    """Defined class names, and per class with code: (name, methods invoked, fields used).

    The instructions of a class's methods are joined (with nop padding between them) and
    scanned by one findall; records of all its instructions then become two index sets.
    """
    words = _table(data, header, "class_defs", 32)
    class_idx, data_offs = words[0::8], words[6::8]
    _check_indices("class_defs class", class_idx, len(types))
    names = [_dotted(types[i]) for i in class_idx]
    if max(data_offs, default=0) >= len(data):
        raise DexFormatError(f"class_data_off 0x{max(data_offs):x} outside the file")
    view, size, unpack = memoryview(data), len(data), _U32.unpack_from
    findall, usage = _INSTRUCTIONS.findall, []
    for name, code_offs in zip(names, _class_code(data, header, data_offs), strict=True):
        if not code_offs:
            continue
        if max(code_offs) + 16 > size:
            raise DexFormatError(f"code_item at 0x{max(code_offs):x} outside the file")
        ranges = [(o + 16, o + 16 + 2 * unpack(data, o + 12)[0]) for o in code_offs]
        if max(end for _, end in ranges) > size:
            raise DexFormatError(f"a code_item of {name} overruns the file")
        blob = b"".join(findall(_SEPARATOR.join([view[s:e] for s, e in ranges])))
        opcodes = blob[::4]
        if b"\x00" in opcodes:  # a payload: walk again, skipping payloads by their size
            blob = b"".join(_records_past_payloads(data, ranges))
            opcodes = blob[::4]
        indices = _words(blob, "H")[1::2]
        methods = set(compress(indices, opcodes.translate(_IS_METHOD)))
        fields = set(compress(indices, opcodes.translate(_IS_FIELD)))
        if methods and max(methods) >= n_methods:
            raise DexFormatError(f"{name} invokes method index {max(methods)} of {n_methods}")
        if fields and max(fields) >= n_fields:
            raise DexFormatError(f"{name} uses field index {max(fields)} of {n_fields}")
        usage.append((name, methods, fields))
    return names, usage


# --------------------------------------------------------------------------------------------
# Caller maps
# --------------------------------------------------------------------------------------------


class _Refs(Mapping[str, frozenset[str]]):
    """ref (smali form) -> names of the classes whose code uses it; built on first use.

    Holds one DEX's ref names and per-class index sets; merge_dex inverts those of all the
    DEX files at once instead of building (and then re-uniting) a map per DEX.
    """

    __slots__ = ("_refs", "_usage", "_map")

    def __init__(self, refs: list[str], usage: list[tuple[str, set[int]]]) -> None:
        self._refs = refs
        self._usage = usage
        self._map: dict[str, frozenset[str]] | None = None

    def _built(self) -> dict[str, frozenset[str]]:
        if self._map is None:
            self._map = _invert([(self._refs, self._usage)])
        return self._map

    def __getitem__(self, ref: str) -> frozenset[str]:
        return self._built()[ref]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())

    def __contains__(self, ref: object) -> bool:
        return ref in self._built()

    def __repr__(self) -> str:
        return f"_Refs({self._built()!r})"


def _invert(sources: list[tuple[list[str], list[tuple[str, set[int]]]]]) -> dict[str, frozenset[str]]:
    """Union over DEX files of: every ref -> the classes whose code uses it.

    Caller sets are interned (one frozenset per distinct set, one per class for the usual
    single caller): a frozenset per ref would cost ~200 bytes for each of 500k refs.
    """
    users: defaultdict[str, list[str]] = defaultdict(list)
    for refs, usage in sources:
        for name, indices in usage:
            for ref in map(refs.__getitem__, indices):
                users[ref].append(name)
    result = dict.fromkeys(chain.from_iterable(refs for refs, _ in sources), _EMPTY)
    interned: dict[frozenset[str], frozenset[str]] = {}
    for ref, names in users.items():
        callers = frozenset(names)
        result[ref] = interned.setdefault(callers, callers)
    return result


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def read_dex(data: bytes | memoryview, name: str = "classes.dex") -> DexContents:
    """Read one DEX file.  Raises DexFormatError (naming `name`) on anything malformed.

    The cyclic garbage collector is paused meanwhile: the reader makes hundreds of thousands
    of small objects and no cycles, and collections would cost a third of the time.
    """
    raw = data if isinstance(data, bytes) else bytes(data)
    with _gc_paused():
        try:
            return _read(raw)
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


def _read(data: bytes) -> DexContents:
    header = _parse_header(data)
    size = header.file_size
    for table, item in (("link", 1), ("data", 1)):
        count, offset = header.tables[table]
        _check_section(table, offset, count * item, size)
    map_off = header.tables["map"][1]
    if map_off:
        _check_section("map", map_off, 4, size)
        _check_section("map", map_off, 4 + 12 * _U32.unpack_from(data, map_off)[0], size)
    strings = _read_strings(data, header)
    types = _read_types(data, header, strings)
    protos = _read_protos(data, header, strings, types)
    methods = _method_names(data, header, strings, types, protos)
    fields = _field_names(data, header, strings, types)
    names, usage = _class_usage(data, header, types, len(methods), len(fields))
    return DexContents(
        classes=frozenset(names),
        method_refs=_Refs(methods, [(name, m) for name, m, _ in usage]),
        field_refs=_Refs(fields, [(name, f) for name, _, f in usage]),
        strings=frozenset(strings),
    )


def _merge_refs(maps: list[Mapping[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    if all(isinstance(m, _Refs) and m._map is None for m in maps):
        return _invert([(m._refs, m._usage) for m in maps])  # type: ignore[union-attr]
    merged: dict[str, frozenset[str]] = {}
    for refs in maps:
        for ref, callers in refs.items():
            known = merged.get(ref)
            merged[ref] = callers if known is None else known | callers
    return merged


def merge_dex(parts: Iterable[DexContents]) -> DexContents:
    """The union of several DEX files' contents (classes.dex, classes2.dex, ...)."""
    parts = list(parts)
    with _gc_paused():
        return DexContents(
            classes=frozenset().union(*(p.classes for p in parts)),
            method_refs=_merge_refs([p.method_refs for p in parts]),
            field_refs=_merge_refs([p.field_refs for p in parts]),
            strings=frozenset().union(*(p.strings for p in parts)),
        )
