"""Tests of pi_scan.extract.dex, the DEX reader.

* Agreement with androguard's DEX parser on every DEX we have: the fixtures built from
  tests/data/dex/src by tests/data/dex/build.sh, and every DEX inside the sample APKs.
* Hand-checked facts of those fixtures (callers, near misses, payload skipping).
* Malformed inputs: each returns DexContents or raises DexFormatError, quickly.
"""

from __future__ import annotations

import io
import os
import random
import struct
import time
import zipfile
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import pi_scan.extract.dex as dex_module
from pi_scan.extract.dex import (
    DexContents,
    DexFormatError,
    DexPart,
    combine,
    read_dex,
    read_dex_files,
)
from pi_scan.model import RefTable

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "dex"
SAMPLES = ROOT / "samples"

INVOKE_OPS = {*range(0x6E, 0x73), *range(0x74, 0x79), 0xFA, 0xFB}
FIELD_OPS = set(range(0x52, 0x6E))

GET_DEVICE_ID = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
SERIAL = "Landroid/os/Build;->SERIAL:Ljava/lang/String;"
OBJECT_INIT = "Ljava/lang/Object;-><init>()V"


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _dex_in_zip(data: bytes, where: str) -> Iterator[tuple[str, bytes]]:
    """Every classes*.dex in a zip, and in the APKs nested in it (split bundles)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    with archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".dex"):
                yield f"{where}!{name}", archive.read(name)
            elif name.endswith(".apk"):
                yield from _dex_in_zip(archive.read(name), f"{where}!{name}")


def _all_dex() -> list[tuple[str, bytes]]:
    found = [(f"tests/data/dex/{p.name}", p.read_bytes()) for p in sorted(FIXTURES.glob("*.dex"))]
    for path in sorted(SAMPLES.glob("*")):
        if path.suffix in (".apk", ".apks", ".xapk"):
            found += _dex_in_zip(path.read_bytes(), f"samples/{path.name}")
    return found


ALL_DEX = _all_dex()


@cache
def fixture() -> DexContents:
    return read_dex((FIXTURES / "fixture.dex").read_bytes(), "fixture.dex")


def fixture_bytes() -> bytes:
    return (FIXTURES / "fixture.dex").read_bytes()


def uses(refs: RefTable, cls: str) -> set[str]:
    """The refs whose callers include cls."""
    return {ref for ref, callers in refs.as_dict().items() if cls in callers}


def callers(refs: RefTable) -> Mapping[str, frozenset[str]]:
    return refs.as_dict()


def loaders(strings: RefTable) -> Mapping[str, frozenset[str]]:
    """The strings some code loads, with the classes loading each."""
    return {text: found for text, found in strings.as_dict().items() if found}


def union(parts: list[DexContents]) -> DexContents:
    """The naive union of several files' facts (what combine must give)."""
    methods: dict[str, set[str]] = {}
    fields: dict[str, set[str]] = {}
    texts: dict[str, set[str]] = {}
    for part in parts:
        for text, found in part.string_users.as_dict().items():
            texts.setdefault(text, set()).update(found)
        for ref, found in part.method_refs.as_dict().items():
            methods.setdefault(ref, set()).update(found)
        for ref, found in part.field_refs.as_dict().items():
            fields.setdefault(ref, set()).update(found)
    return DexContents(
        classes=tuple(sorted({c for p in parts for c in p.classes})),
        method_refs=RefTable.from_mapping(methods),
        field_refs=RefTable.from_mapping(fields),
        strings=tuple(sorted({s for p in parts for s in p.strings})),
        string_users=RefTable.from_mapping(texts),
    )


# --------------------------------------------------------------------------------------------
# Agreement with androguard
# --------------------------------------------------------------------------------------------


def _dotted(descriptor: str) -> str:
    return descriptor[1:-1].replace("/", ".")


def androguard_facts(data: bytes) -> DexContents:
    """The same facts, from androguard's DEX object model and its decoded instructions."""
    from androguard.core.dex import DEX  # type: ignore[import-untyped]
    from loguru import logger

    logger.disable("androguard")
    dex = DEX(data)
    methods = [
        f"{m.get_class_name()}->{m.get_name()}{m.get_descriptor().replace(' ', '')}"
        for m in dex.get_methods_id_item().gets()
    ]
    fields = [
        f"{f.get_class_name()}->{f.get_name()}:{f.get_type()}"
        for f in dex.get_fields_id_item().gets()
    ]
    texts = [
        s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        for s in dex.get_strings()
    ]
    string_callers: dict[str, set[str]] = {text: set() for text in texts}
    method_callers: dict[str, set[str]] = {ref: set() for ref in methods}
    field_callers: dict[str, set[str]] = {ref: set() for ref in fields}
    for cls in dex.get_classes():
        name = _dotted(cls.get_name())
        for method in cls.get_methods():
            code = method.get_code()
            if code is None:
                continue
            for ins in code.get_bc().get_instructions():
                op = ins.get_op_value()
                if op in INVOKE_OPS:  # formats 35c, 3rc, 45cc, 4rcc: method@BBBB
                    method_callers[methods[ins.BBBB]].add(name)
                elif op in FIELD_OPS:  # iget/iput 22c: field@CCCC; sget/sput 21c: field@BBBB
                    field_callers[fields[ins.CCCC if op < 0x60 else ins.BBBB]].add(name)
                elif op == 0x1A:  # const-string 21c: string@BBBB
                    string_callers[texts[ins.BBBB]].add(name)
                elif op == 0x1B:  # const-string/jumbo 31c: string@BBBBBBBB
                    string_callers[texts[ins.BBBBBBBB]].add(name)
    return DexContents(
        classes=tuple(sorted({_dotted(c.get_name()) for c in dex.get_classes()})),
        method_refs=RefTable.from_mapping(method_callers),
        field_refs=RefTable.from_mapping(field_callers),
        strings=tuple(sorted(set(texts))),
        string_users=RefTable.from_mapping(string_callers),
    )


def test_there_is_dex_to_compare() -> None:
    assert len(ALL_DEX) >= 3
    assert any(name.startswith("samples/") for name, _ in ALL_DEX)


@pytest.mark.parametrize(("name", "data"), ALL_DEX, ids=[name for name, _ in ALL_DEX])
def test_agrees_with_androguard(name: str, data: bytes) -> None:
    try:
        ours = read_dex(data, name)
    except DexFormatError:  # then androguard must not read it either
        try:
            androguard_facts(data)
        except Exception:  # androguard raises anything
            return
        pytest.fail(f"{name}: androguard reads what read_dex rejects")
    theirs = androguard_facts(data)
    assert ours.classes == theirs.classes
    assert ours.method_refs.refs == theirs.method_refs.refs
    assert callers(ours.method_refs) == callers(theirs.method_refs)
    assert ours.field_refs.refs == theirs.field_refs.refs
    assert callers(ours.field_refs) == callers(theirs.field_refs)
    assert ours.strings == theirs.strings
    assert ours.string_users.refs == ours.strings
    assert loaders(ours.string_users) == loaders(theirs.string_users)


LARGE_APK = ROOT / "benchmarks" / ".cache" / "large.apk"


@pytest.mark.skipif(
    not (os.environ.get("PI_SCAN_LARGE_DEX") and LARGE_APK.exists()),
    reason="slow (a minute): set PI_SCAN_LARGE_DEX=1 after benchmarks/make_large_apk.py",
)
def test_large_apk_agrees_with_androguard() -> None:
    for name, data in _dex_in_zip(LARGE_APK.read_bytes(), "large.apk"):
        ours, theirs = read_dex(data, name), androguard_facts(data)
        assert ours.classes == theirs.classes, name
        assert ours.method_refs == theirs.method_refs, name
        assert ours.field_refs == theirs.field_refs, name
        assert ours.strings == theirs.strings, name
        assert loaders(ours.string_users) == loaders(theirs.string_users), name


def test_merge_of_sample_multidex_agrees_with_androguard() -> None:
    parts = [(n, d) for n, d in ALL_DEX if n.startswith("samples/multidex.apk!")]
    if len(parts) < 2:
        pytest.skip("samples/multidex.apk has fewer than two DEX files")
    ours = read_dex_files(parts)
    theirs = union([androguard_facts(d) for _, d in parts])
    assert ours == theirs


FAST_PATHS = ("_strings_in_bulk", "_class_data_tokens")


def test_fast_paths_are_taken_for_d8_output(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[str] = []
    for name in FAST_PATHS:
        real = getattr(dex_module, name)

        def spy(*args: object, _real: object = real, _name: str = name) -> object:
            result = _real(*args)  # type: ignore[operator]
            if result:
                taken.append(_name)
            return result

        monkeypatch.setattr(dex_module, name, spy)
    read_dex(fixture_bytes())
    assert taken == list(FAST_PATHS)


@pytest.mark.parametrize("fast_path", FAST_PATHS)
def test_slow_paths_read_the_same_facts(fast_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each bulk fast path has a per-item fallback for unusual layouts: same facts."""
    fast = [read_dex(data, name) for name, data in ALL_DEX]
    monkeypatch.setattr(dex_module, fast_path, lambda *_: None)
    slow = [read_dex(data, name) for name, data in ALL_DEX]
    assert slow == fast


@pytest.mark.parametrize("tail", [0, 10**9], ids=["all-steps", "all-regex"])
def test_the_step_walk_and_the_regex_read_the_same(
    tail: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small files have fewer methods than _TAIL, so the regex alone walks them; here every
    instruction goes through the numpy step walk, or none does: the same facts."""
    fast = [read_dex(data, name) for name, data in ALL_DEX]
    monkeypatch.setattr(dex_module, "_TAIL", tail)
    assert [read_dex(data, name) for name, data in ALL_DEX] == fast


def test_greedy_loop_of_python_3_10_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [read_dex(data, name) for name, data in ALL_DEX]
    monkeypatch.setattr(dex_module, "_STAR", b"*")
    records, until_payload = dex_module._instruction_patterns()
    assert b")*(" in records.pattern
    monkeypatch.setattr(dex_module, "_INSTRUCTIONS", records)
    monkeypatch.setattr(dex_module, "_UNTIL_PAYLOAD", until_payload)
    assert [read_dex(data, name) for name, data in ALL_DEX] == fast


# --------------------------------------------------------------------------------------------
# Hand-checked facts (tests/data/dex/src)
# --------------------------------------------------------------------------------------------


def test_classes_are_dotted_with_inner_classes_kept() -> None:
    assert set(fixture().classes) == {
        "fixture.A",
        "fixture.B",
        "fixture.Outer",
        "fixture.Outer$1",
        "fixture.Outer$Inner",
        "fixture.Switches",
    }


def test_a_calls_get_device_id_and_reads_serial_b_does_neither() -> None:
    dex = fixture()
    assert callers(dex.method_refs)[GET_DEVICE_ID] == {"fixture.A", "fixture.Outer$1"}
    assert callers(dex.field_refs)[SERIAL] == {"fixture.A"}
    assert "getDeviceId" in dex.strings  # B's near miss: only a string
    assert uses(dex.method_refs, "fixture.B") == {OBJECT_INIT}
    assert uses(dex.field_refs, "fixture.B") == set()


def test_the_anonymous_runnable_is_the_caller_not_its_outer_class() -> None:
    dex = fixture()
    assert "fixture.Outer" not in callers(dex.method_refs)[GET_DEVICE_ID]
    assert "fixture.Outer$1" in callers(dex.method_refs)[GET_DEVICE_ID]
    assert callers(dex.field_refs)["Lfixture/Outer;->counter:I"] == {"fixture.Outer$Inner"}


def test_payloads_are_skipped_not_read_as_instructions() -> None:
    """Switches has packed/sparse switch and array payloads whose data looks like invokes
    and field accesses (method@0, field@0 ...); only its real calls may be attributed."""
    data = fixture_bytes()
    for unit in (b"\x00\x01", b"\x00\x02", b"\x00\x03"):  # the fixture really has them
        assert unit in data
    dex = fixture()
    assert uses(dex.method_refs, "fixture.Switches") == {
        OBJECT_INIT,
        "Ljava/lang/String;->valueOf(Ljava/lang/Object;)Ljava/lang/String;",
        "Ljava/lang/String;->trim()Ljava/lang/String;",  # invoked after the payload methods
    }
    assert uses(dex.field_refs, "fixture.Switches") == {
        "Lfixture/Switches;->LOOKS_LIKE_CODE:[I",
        "Lfixture/Switches;->ODD_BYTES:[B",
    }


def test_referenced_but_never_invoked_maps_to_an_empty_set() -> None:
    dex = fixture()
    assert callers(dex.method_refs)["Lfixture/B;->describe()Ljava/lang/String;"] == frozenset()


def test_invoke_polymorphic_is_a_method_call() -> None:
    dex = read_dex((FIXTURES / "poly.dex").read_bytes(), "poly.dex")
    invoke_exact = (
        "Ljava/lang/invoke/MethodHandle;->invokeExact([Ljava/lang/Object;)Ljava/lang/Object;"
    )
    assert callers(dex.method_refs)[invoke_exact] == {"fixture.Poly"}


def test_memoryview_input_and_merge_of_one() -> None:
    data = fixture_bytes()
    assert read_dex(memoryview(data)) == fixture()
    assert read_dex_files([("fixture.dex", data)]) == fixture()


def _part(classes: list[str], refs: dict[str, frozenset[str]], strings: list[str]) -> DexPart:
    """A DexPart as read_dex_part would give for a file with these facts (no code)."""
    methods = list(refs)
    keys = [
        classes.index(user) << 16 | index for index, ref in enumerate(methods) for user in refs[ref]
    ]
    return DexPart(
        "part.dex",
        strings,
        [],
        [],
        methods,
        [],
        classes,
        [],
        np.array(sorted(keys), np.uint32),
        np.empty(0, np.uint32),
    )


def test_combine_unites_caller_sets() -> None:
    one = _part(["a.X"], {"r": frozenset({"a.X"}), "s": frozenset()}, ["x"])
    two = _part(["a.Y"], {"r": frozenset({"a.Y"}), "t": frozenset()}, ["y", "x"])
    merged, tables = combine([one, two])
    assert merged.classes == ("a.X", "a.Y")
    assert merged.strings == ("x", "y")
    assert callers(merged.method_refs) == {
        "r": frozenset({"a.X", "a.Y"}),
        "s": frozenset(),
        "t": frozenset(),
    }
    assert list(tables[1].strings) == ["y", "x"]  # views in each file's own order
    assert list(tables[1].methods) == ["r", "t"]


def test_combine_equals_a_naive_union_of_random_maps() -> None:
    rng = random.Random(7)
    keys = [f"Lk{i};->m()V" for i in range(60)]
    classes = [f"c.C{i}" for i in range(6)]
    for _ in range(50):
        parts = []
        for _ in range(rng.randint(1, 4)):
            refs = {
                k: frozenset(rng.sample(classes, rng.randint(0, 3)))
                for k in rng.sample(keys, rng.randint(0, 30))
            }
            parts.append(_part(classes, refs, []))
        expected: dict[str, frozenset[str]] = {}
        for part in parts:
            for index, ref in enumerate(part.methods):
                users = {
                    part.classes[int(k >> 16)] for k in part.method_uses if k & 0xFFFF == index
                }
                expected[ref] = expected.get(ref, frozenset()) | users
        assert callers(combine(parts)[0].method_refs) == expected


# --------------------------------------------------------------------------------------------
# Malformed input
# --------------------------------------------------------------------------------------------


def _patched(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def _read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _first_code_off(data: bytes) -> tuple[int, int]:
    """(position, byte length) of the first encoded method's code_off with code."""
    count, offset = struct.unpack_from("<II", data, 0x60)
    for i in range(count):
        class_data_off = struct.unpack_from("<I", data, offset + 32 * i + 24)[0]
        if not class_data_off:
            continue
        counts = []
        pos = class_data_off
        for _ in range(4):
            value, pos = _read_uleb(data, pos)
            counts.append(value)
        for _ in range(2 * (counts[0] + counts[1])):
            pos = _read_uleb(data, pos)[1]
        for _ in range(counts[2] + counts[3]):
            pos = _read_uleb(data, _read_uleb(data, pos)[1])[1]
            code_off, end = _read_uleb(data, pos)
            if code_off:
                return pos, end - pos
            pos = end
    raise AssertionError("no code")


def _expect_error(data: bytes, *words: str) -> str:
    start = time.perf_counter()
    with pytest.raises(DexFormatError) as info:
        read_dex(data, "bad.dex")
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert message.startswith("bad.dex: ")
    assert "\n" not in message
    for word in words:
        assert word in message
    return message


def test_bad_magic() -> None:
    _expect_error(b"dey\n035\x00" + fixture_bytes()[8:], "bad magic")
    _expect_error(b"PK\x03\x04" + bytes(200), "bad magic")


def test_truncated_header() -> None:
    _expect_error(fixture_bytes()[:0x40], "truncated header")
    _expect_error(b"", "truncated header")


def test_truncated_file() -> None:
    _expect_error(fixture_bytes()[:-100], "truncated")


def test_unsupported_versions_and_endianness() -> None:
    data = fixture_bytes()
    _expect_error(b"dex\n041\x00" + data[8:], "unsupported container dex v041")
    _expect_error(b"dex\n034\x00" + data[8:], "unsupported dex version")
    _expect_error(_patched(data, 0x28, ">I", 0x12345678), "big-endian")
    _expect_error(_patched(data, 0x24, "<I", 0x78), "header_size")


def test_huge_string_ids_size_fails_before_allocating() -> None:
    _expect_error(_patched(fixture_bytes(), 0x38, "<I", 0x8000_0000), "string_ids section outside")
    _expect_error(_patched(fixture_bytes(), 0x58, "<I", 0xFFFF_FFFF), "method_ids section outside")


def test_method_ids_offset_outside_the_file() -> None:
    _expect_error(_patched(fixture_bytes(), 0x5C, "<I", 0x7FFF_0000), "method_ids section outside")


def test_class_data_off_outside_the_file() -> None:
    data = fixture_bytes()
    class_defs_off = struct.unpack_from("<I", data, 0x64)[0]
    _expect_error(_patched(data, class_defs_off + 24, "<I", len(data) + 100), "class_data_off")


def test_code_off_outside_the_file() -> None:
    data = fixture_bytes()
    pos, length = _first_code_off(data)
    assert length >= 2 and (1 << (7 * length)) - 1 > len(data)
    huge = bytes([0xFF] * (length - 1) + [0x7F])  # the largest value of the same length
    _expect_error(data[:pos] + huge + data[pos + length :], "code_item")


def test_truncated_and_overlong_uleb() -> None:
    data = fixture_bytes()
    class_defs_off = struct.unpack_from("<I", data, 0x64)[0]
    end = len(data) - 3
    truncated = _patched(data[:end] + b"\x80\x80\x80", class_defs_off + 24, "<I", end)
    _expect_error(truncated, "class_data")
    overlong = bytearray(data)
    first = struct.unpack_from("<I", data, class_defs_off + 24)[0]
    overlong[first : first + 6] = b"\x80" * 6
    _expect_error(bytes(overlong))


def test_hostile_member_counts_fail_fast() -> None:
    data = fixture_bytes()
    class_defs_off = struct.unpack_from("<I", data, 0x64)[0]
    item = b"\xff\xff\xff\xff\x0f" * 4  # four counts of 2**32 - 1, past the file's end
    _expect_error(_patched(data + item, class_defs_off + 24, "<I", len(data)), "member counts")


def test_index_out_of_range_names_what() -> None:
    data = fixture_bytes()
    type_ids_off = struct.unpack_from("<I", data, 0x44)[0]
    message = _expect_error(_patched(data, type_ids_off, "<I", 0xFFFF), "type_ids")
    assert "out of range" in message


def test_invoked_method_index_out_of_range_names_the_class() -> None:
    data = fixture_bytes()
    call = b"\x6e\x10\x01\x00\x02\x00"  # invoke-virtual {v2}, method@0001 (getDeviceId)
    assert data.count(call) == 1  # in fixture.A
    position = data.index(call)
    message = _expect_error(data[:position] + b"\x6e\x10\xff\xff" + data[position + 4 :])
    assert "fixture.A uses method index 65535" in message


@pytest.mark.parametrize("tail", [0, 10**9], ids=["all-steps", "all-regex"])
def test_random_bit_flips_never_escape_as_other_errors(
    tail: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dex_module, "_TAIL", tail)
    data = fixture_bytes()
    rng = random.Random(20261129)
    outcomes = {"ok": 0, "error": 0}
    start = time.perf_counter()
    for _ in range(200):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(mutated))
            mutated[position] ^= 1 << rng.randrange(8)
        one = time.perf_counter()
        try:
            result = read_dex(bytes(mutated), "flipped.dex")
        except DexFormatError:
            outcomes["error"] += 1
        else:
            assert isinstance(result, DexContents)
            outcomes["ok"] += 1
        assert time.perf_counter() - one < 1.0
    assert time.perf_counter() - start < 20
    assert outcomes["ok"] and outcomes["error"]


def test_the_step_walk_and_the_regex_agree_on_damaged_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Flipped bits in the code (truncated instructions, bogus payloads, indices out of
    range): both walks give the same facts, or both refuse the file."""
    data = fixture_bytes()
    class_data = _first_code_off(data)[0]  # flip bits from the class data to the end
    rng = random.Random(11)

    def outcome(blob: bytes, tail: int) -> object:
        monkeypatch.setattr(dex_module, "_TAIL", tail)
        try:
            return read_dex(blob, "flipped.dex")
        except DexFormatError as exc:
            return str(exc)

    agreed = 0
    for _ in range(150):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            mutated[rng.randrange(class_data, len(mutated))] ^= 1 << rng.randrange(8)
        steps, regex = outcome(bytes(mutated), 0), outcome(bytes(mutated), 10**9)
        assert steps == regex
        agreed += isinstance(steps, DexContents)
    assert agreed  # some damaged files are still read


@pytest.mark.parametrize("tail", [0, 10**9], ids=["step-walk", "regex"])
def test_const_string_indices_in_both_walks(tail: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """const-string (16-bit index) and const-string/jumbo (32-bit index, beyond 65,535 strings)
    are read by the numpy step walk and by the regex alike."""
    monkeypatch.setattr(dex_module, "_TAIL", tail)
    code = b"".join(
        [
            bytes([0x1B, 0x00, 0x34, 0x12, 0x01, 0x00]),  # const-string/jumbo v0, string@0x11234
            bytes([0x6E, 0x10, 0x07, 0x00, 0x00, 0x00]),  # invoke-virtual {v0}, method@7
            bytes([0x1A, 0x01, 0x05, 0x00]),  # const-string v1, string@5
            bytes([0x1B, 0x02, 0xFF, 0xFF, 0x02, 0x00]),  # const-string/jumbo v2, string@0x2FFFF
            bytes([0x0E, 0x00]),  # return-void
        ]
    )
    method, opcodes, index = dex_module._walk(
        code, np.array([0], np.int64), np.array([len(code)], np.int64)
    )
    assert opcodes.tolist() == [0x1B, 0x6E, 0x1A, 0x1B]
    assert index.tolist() == [0x11234, 7, 5, 0x2FFFF]
    assert method.tolist() == [0, 0, 0, 0]


def test_type_lists_are_read_at_once_and_one_by_one_when_a_descriptor_holds_nul() -> None:
    """A proto's parameters: all lists' indices read at once and joined between their
    parentheses; a descriptor holding NUL (MUTF-8 C0 80) takes the list-by-list path."""
    import struct

    def type_list(*indices: int) -> bytes:
        body = struct.pack(f"<I{len(indices)}H", len(indices), *indices)
        return body + b"\0\0" * (len(indices) % 2)  # padded to 4 bytes

    lists = [type_list(0, 1), type_list(), type_list(2)]
    offsets = [0, len(lists[0]), len(lists[0]) + len(lists[1])]
    data = b"".join(lists)
    assert dex_module._type_lists(data, offsets, ["I", "La/B;", "[J"]) == ["(ILa/B;)", "()", "([J)"]
    odd = ["I", "La/\0B;", "[J"]
    assert dex_module._type_lists(data, offsets, odd) == ["(ILa/\0B;)", "()", "([J)"]
    with pytest.raises(DexFormatError, match="type index out of range"):
        dex_module._type_lists(data, offsets, ["I", "La/B;"])
    with pytest.raises(DexFormatError, match="overruns"):
        dex_module._type_lists(data[:-4], offsets, ["I", "La/B;", "[J"])


def test_the_unit_walk_reads_odd_offsets_and_overrunning_instructions_as_the_regex_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The step walk reads 16-bit units: code at an odd offset (a hostile code_off) goes to
    the regex, and an instruction that runs past its method's end is skipped a unit at a time
    by both (no record)."""
    body = b"".join(
        [
            bytes([0x1A, 0x01, 0x05, 0x00]),  # const-string v1, string@5
            bytes([0x6E, 0x10, 0x07, 0x00, 0x00, 0x00]),  # invoke-virtual {v0}, method@7
            bytes([0x0E, 0x00]),  # return-void
            bytes([0x6E, 0x10, 0x09, 0x00]),  # an invoke cut short by the method's end
        ]
    )
    expected = [(0, 0x1A, 5), (0, 0x6E, 7)]
    for offset in (2, 1):  # even: the unit walk reads it; odd: the regex does
        data = bytes(offset) + body + bytes([0x54, 0x00, 0x03, 0x00])  # then an iget
        starts = np.array([offset], np.int64)
        ends = np.array([offset + len(body)], np.int64)
        for tail in (0, 10**9):  # the step walk, or the regex alone
            monkeypatch.setattr(dex_module, "_TAIL", tail)
            method, opcodes, index = dex_module._walk(data, starts, ends)
            found = zip(method.tolist(), opcodes.tolist(), index.tolist(), strict=True)
            assert sorted(found) == expected, (offset, tail)
