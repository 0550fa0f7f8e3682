"""Hostile and malformed APKs: read as Android reads them, within limits, without side effects.

Each test builds its input in memory from the samples (tests/malformed.py) and names the trick
it plays: the zip and binary-XML tamperings that packers use to hide content from analysis
tools (which must give the facts Android would see plus a tamper indicator), the resource
limits (which must end in a one-line error or a warning, never an OOM or a hang), and the
side effects that must never happen (files created from entry names, entities resolved,
report output that a terminal, a spreadsheet or a browser would interpret).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import struct
import time
import tracemalloc
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract import extract_facts, limits
from pi_scan.model import ApkFacts
from tests.conftest import invoke
from tests.malformed import (
    ANDROID_URI,
    El,
    RawEntry,
    RawZip,
    build_axml,
    dex_field,
    entries_of,
    long_node_headers,
    manifest,
    member,
    padded_nodes,
    rezip,
    sample_bytes,
    string_count,
    unknown_chunks,
    widen_attributes,
    with_entry,
    zeros_deflated,
)

ROOT = Path(__file__).resolve().parent.parent


def scan_bytes(tmp_path: Path, data: bytes, name: str = "hostile.apk") -> ApkFacts:
    path = tmp_path / name
    path.write_bytes(data)
    return extract_facts(path)


def refused(tmp_path: Path, data: bytes, pattern: str) -> str:
    path = tmp_path / "refused.apk"
    path.write_bytes(data)
    with pytest.raises(ApkAnalysisError, match=pattern) as info:
        extract_facts(path)
    assert "\n" not in str(info.value)
    return str(info.value)


def same_app(left: ApkFacts, right: ApkFacts) -> None:
    """Everything but identity, warnings and tamper indicators is equal."""
    skip = {"path", "sha256", "size", "warnings", "tamper_indicators"}
    a, b = dataclasses.asdict(left), dataclasses.asdict(right)
    assert {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }


def _patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def _central_record(data: bytes, name: str) -> int:
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        length = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + length] == name.encode():
            return pos
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(name)


def _local_header(data: bytes, name: str) -> int:
    return int(struct.unpack_from("<I", data, _central_record(data, name) + 42)[0])


@cache
def _baseline(sample: str) -> ApkFacts:
    """The sample re-zipped unchanged and unsigned: what a tampered copy must still give."""
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"pi-scan-baseline-{os.getpid()}-{sample}"
    path.write_bytes(rezip(sample_bytes(sample)))
    try:
        return extract_facts(path)
    finally:
        path.unlink()


# --------------------------------------------------------------------------------------------
# tolerant zip reading
# --------------------------------------------------------------------------------------------


def test_multiple_eocd_records_use_the_last_and_are_flagged(tmp_path: Path) -> None:
    data = sample_bytes("clean.apk")
    end = data.rfind(b"PK\x05\x06")
    f = scan_bytes(tmp_path, data + b"junk" + data[end : end + 22])
    assert f.package == "org.piscan.sample.clean"
    assert "multiple_eocd" in f.tamper_indicators


@pytest.mark.parametrize("order", ["real-first", "decoy-first"])
def test_duplicate_entries_read_the_first_and_are_flagged(tmp_path: Path, order: str) -> None:
    """Android refuses duplicates since the master-key fix; before it, the first one ran."""
    clean = entries_of(sample_bytes("clean.apk"))
    decoy = RawEntry(
        b"AndroidManifest.xml", member(sample_bytes("overperm.apk"), "AndroidManifest.xml")
    )
    entries = [*clean, decoy] if order == "real-first" else [decoy, *clean]
    f = scan_bytes(tmp_path, RawZip(entries).build())
    expected = "org.piscan.sample.clean" if order == "real-first" else "org.piscan.sample.overperm"
    assert f.package == expected
    assert f.tamper_indicators == ("duplicate_entry:AndroidManifest.xml",)


def test_local_header_naming_another_file_trusts_the_central_directory(tmp_path: Path) -> None:
    data = sample_bytes("clean.apk")
    local = _local_header(data, "classes.dex")
    data = data[: local + 30] + b"classes.dey" + data[local + 41 :]
    f = scan_bytes(tmp_path, data)
    assert "org.piscan.sample.clean.MainActivity" in f.classes
    assert "local_central_mismatch:classes.dex" in f.tamper_indicators


@pytest.mark.parametrize("name", ["classes.dex", "resources.arsc", "AndroidManifest.xml"])
def test_unknown_compression_method_is_read_and_flagged(tmp_path: Path, name: str) -> None:
    """Deflated (classes.dex, the manifest) and stored (resources.arsc) entries alike."""
    data = sample_bytes("clean.apk")
    data = _patch(data, _central_record(data, name) + 10, "<H", 0x63)
    data = _patch(data, _local_header(data, name) + 8, "<H", 0x63)
    f = scan_bytes(tmp_path, data)
    same_app(f, extract_facts(ROOT / "samples" / "clean.apk"))
    assert f"unknown_compression:{name}" in f.tamper_indicators


def test_encrypted_flag_is_ignored_as_android_does(tmp_path: Path) -> None:
    data = sample_bytes("clean.apk")
    data = _patch(data, _central_record(data, "AndroidManifest.xml") + 8, "<H", 0x1)
    f = scan_bytes(tmp_path, data)
    assert f.package == "org.piscan.sample.clean"
    assert "encrypted_flag:AndroidManifest.xml" in f.tamper_indicators


def test_wrong_crc_is_flagged_not_fatal(tmp_path: Path) -> None:
    data = sample_bytes("clean.apk")
    data = _patch(data, _central_record(data, "classes.dex") + 16, "<I", 0x12345678)
    f = scan_bytes(tmp_path, data)
    assert "org.piscan.sample.clean.MainActivity" in f.classes
    assert "crc_mismatch:classes.dex" in f.tamper_indicators


def test_prepended_dex_janus_is_read_and_flagged(tmp_path: Path) -> None:
    apk = sample_bytes("clean.apk")
    hidden = member(sample_bytes("legacy.apk"), "classes.dex")
    f = scan_bytes(tmp_path, RawZip(entries_of(apk), prefix=hidden).build())
    assert f.package == "org.piscan.sample.clean"
    assert "dex_prepended" in f.tamper_indicators
    assert f.dex_files == ("<prepended dex>", "classes.dex")
    assert "org.piscan.sample.legacy.WeatherActivity" in f.classes  # the prepended code


def test_odd_certificates_print_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A certificate with a negative serial (cryptography warns about it) in the v2/v3 blocks."""
    from asn1crypto import cms

    data = sample_bytes("clean.apk")
    cert = cms.ContentInfo.load(member(data, "META-INF/SAMPLE.RSA"))["content"]["certificates"][0]
    der = cert.chosen.dump()
    serial = cert.chosen["tbs_certificate"]["serial_number"].dump()
    negative = serial[:2] + bytes([serial[2] | 0x80]) + serial[3:]
    assert data.count(der) == 2  # v2 and v3 blocks (the .RSA entry is deflated)
    f = scan_bytes(tmp_path, data.replace(der, der.replace(serial, negative, 1)))
    assert {c.scheme for c in f.certificates} == {"v1", "v2", "v3"}
    assert capfd.readouterr() == ("", "")


def test_clean_samples_have_no_tamper_indicators() -> None:
    for name in ("clean.apk", "overperm.apk", "multidex.apk", "split.apks", "split.xapk"):
        assert extract_facts(ROOT / "samples" / name).tamper_indicators == ()


# --------------------------------------------------------------------------------------------
# tolerant binary XML
# --------------------------------------------------------------------------------------------

LAYOUTS: dict[str, tuple[Callable[[bytes], bytes], set[str]]] = {
    "wide attributes": (widen_attributes, {"axml_bad_attribute_start", "axml_bad_attribute_size"}),
    "attribute gap": (lambda d: widen_attributes(d, 28, 20), {"axml_bad_attribute_start"}),
    "attribute stride": (lambda d: widen_attributes(d, 20, 28), {"axml_bad_attribute_size"}),
    "long node headers": (long_node_headers, {"axml_bad_node_header"}),
    "junk inside nodes": (padded_nodes, {"axml_junk_between_chunks"}),
    "unknown chunks": (unknown_chunks, {"axml_unknown_chunk"}),
    "appended data": (lambda d: d + b"\x00junk" * 8, {"axml_trailing_data"}),
    "string count": (lambda d: string_count(d, 3), {"axml_bad_string_count"}),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_tampered_manifest_layouts_give_the_facts_android_sees(tmp_path: Path, layout: str) -> None:
    change, indicators = LAYOUTS[layout]
    apk = sample_bytes("overperm.apk")
    tampered = change(member(apk, "AndroidManifest.xml"))
    f = scan_bytes(tmp_path, with_entry(apk, "AndroidManifest.xml", tampered))
    same_app(f, _baseline("overperm.apk"))
    assert indicators <= set(f.tamper_indicators), f.tamper_indicators


def test_androguard_giving_up_falls_back_with_a_warning(tmp_path: Path) -> None:
    apk = sample_bytes("overperm.apk")
    tampered = padded_nodes(member(apk, "AndroidManifest.xml"))
    f = scan_bytes(tmp_path, with_entry(apk, "AndroidManifest.xml", tampered))
    assert "axml_fallback" in f.tamper_indicators
    assert any("read as Android reads it" in w for w in f.warnings)


def test_garbage_manifest_is_still_an_error() -> None:
    with pytest.raises(ApkAnalysisError, match=r"^malformed binary AndroidManifest\.xml: "):
        extract_facts(ROOT / "samples" / "bad-manifest.apk")


# --------------------------------------------------------------------------------------------
# limits
# --------------------------------------------------------------------------------------------


def test_limits_live_in_one_documented_module() -> None:
    names = [n for n in dir(limits) if n.isupper() and n != "MIB"]
    assert len(names) >= 10
    source = Path(limits.__file__).read_text(encoding="utf-8")
    for name in names:  # each constant is explained by a comment right above it
        block = source.split(f"\n{name} = ")[0].rsplit("\n\n", 1)[-1]
        assert block.strip().startswith("#"), name


def test_too_many_entries_is_refused(tmp_path: Path) -> None:
    entries = [RawEntry(b"a", b"", method=0) for _ in range(limits.MAX_ENTRIES + 1)]
    started = time.monotonic()
    refused(tmp_path, RawZip(entries).build(), r"^more than 100000 entries .*\(limit\)$")
    assert time.monotonic() - started < 10


def test_tens_of_thousands_of_duplicate_entries_are_bounded(tmp_path: Path) -> None:
    """Each duplicate is an indicator; recording them must not be quadratic or unbounded."""
    extra = [RawEntry(f"a{i}".encode(), b"", method=0) for i in range(40_000)]
    apk = RawZip([*entries_of(sample_bytes("clean.apk")), *extra, *extra]).build()
    started = time.monotonic()
    f = scan_bytes(tmp_path, apk)
    assert time.monotonic() - started < 5
    assert len(f.tamper_indicators) == limits.MAX_INDICATORS + 1
    assert f.tamper_indicators[-1] == "more_indicators_not_listed"


def test_string_pool_claiming_more_strings_than_the_file_holds_is_refused(tmp_path: Path) -> None:
    apk = sample_bytes("clean.apk")
    tampered = string_count(member(apk, "AndroidManifest.xml"), 10_000_001)
    refused(
        tmp_path, with_entry(apk, "AndroidManifest.xml", tampered), r"string pool claims 10000001"
    )


def test_deep_xml_nesting_is_refused(tmp_path: Path) -> None:
    deep = El("meta-data")
    for _ in range(limits.MAX_XML_DEPTH + 10):
        deep = El("meta-data", children=[deep])
    axml = build_axml(manifest("a.b", extra=[deep]))
    apk = with_entry(sample_bytes("clean.apk"), "AndroidManifest.xml", axml)
    refused(tmp_path, apk, r"nested more than 256 deep \(limit\)$")


def test_oversized_manifest_is_refused(tmp_path: Path) -> None:
    names = [f"p{i}." + "x" * 30_000 for i in range(limits.MAX_MANIFEST_SIZE // 60_000 + 2)]
    axml = build_axml(manifest("a.b", permissions=names))

    def store(entries: list[RawEntry]) -> list[RawEntry]:  # stored: no compression ratio
        return [
            dataclasses.replace(e, data=axml, method=0) if e.name == b"AndroidManifest.xml" else e
            for e in entries
        ]

    mib = limits.MAX_MANIFEST_SIZE // (1024 * 1024)
    refused(tmp_path, rezip(sample_bytes("clean.apk"), store), rf"more than {mib} MiB \(limit\)$")


@pytest.mark.parametrize("field", ["string_ids_size", "method_ids_size", "class_defs_size"])
def test_dex_tables_larger_than_the_file_are_a_warning_without_allocation(
    tmp_path: Path, field: str
) -> None:
    apk = sample_bytes("clean.apk")
    dex = dex_field(member(apk, "classes.dex"), field, 0x7FFFFFFF)
    tracemalloc.start()
    try:
        f = scan_bytes(tmp_path, with_entry(apk, "classes.dex", dex))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f.warnings and f.warnings[0].startswith("classes.dex: ")
    assert peak < 64 * 1024 * 1024


def test_total_decompression_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TOTAL_INFLATED", 1000)
    refused(tmp_path, sample_bytes("clean.apk"), r"more than 0 MiB in all \(zip-bomb guard\)$")


def test_nested_apks_are_listed_never_opened(tmp_path: Path) -> None:
    inner = sample_bytes("overperm.apk")
    apk = RawZip([*entries_of(sample_bytes("clean.apk")), RawEntry(b"assets/inner.apk", inner)])
    f = scan_bytes(tmp_path, apk.build())
    assert f.nested_apks == ("assets/inner.apk",)
    assert f.package == "org.piscan.sample.clean"
    assert [p.name for p in f.permissions] == ["android.permission.INTERNET"]


def test_bundles_are_opened_one_level_deep(tmp_path: Path) -> None:
    nested = RawZip([RawEntry(b"inner.apks", sample_bytes("split.apks"), method=0)]).build()
    bundle = RawZip([RawEntry(b"base.apk", nested, method=0)]).build()
    refused(tmp_path, bundle, r"^base\.apk: no AndroidManifest\.xml")


def _with_signing_block(apk: bytes, pairs: bytes) -> bytes:
    """The APK with an APK Signing Block holding `pairs` inserted before its central directory."""
    end = apk.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack_from("<I", apk, end + 16)[0]
    size = len(pairs) + 24
    block = struct.pack("<Q", size) + pairs + struct.pack("<Q", size) + b"APK Sig Block 42"
    out = apk[:cd_offset] + block + apk[cd_offset:]
    return _patch(out, end + len(block) + 16, "<I", cd_offset + len(block))


def test_signing_block_with_a_hundred_thousand_entries_is_bounded(tmp_path: Path) -> None:
    unsigned = rezip(
        sample_bytes("clean.apk"), lambda es: [e for e in es if not e.name.startswith(b"META-INF/")]
    )
    pairs = struct.pack("<QI", 4, 0x42726577) * 100_000
    started = time.monotonic()
    f = scan_bytes(tmp_path, _with_signing_block(unsigned, pairs))
    assert time.monotonic() - started < 5
    assert any("more than 1024 entries" in w for w in f.warnings)


def test_many_v1_signature_files_are_bounded(tmp_path: Path) -> None:
    clean = entries_of(sample_bytes("clean.apk"))
    rsa = member(sample_bytes("clean.apk"), "META-INF/SAMPLE.RSA")
    extra = [
        RawEntry(f"META-INF/S{i}.{ext}".encode(), rsa if ext == "RSA" else b"x")
        for i in range(300)
        for ext in ("RSA", "SF")
    ]
    started = time.monotonic()
    f = scan_bytes(tmp_path, RawZip([*clean, *extra]).build())
    assert time.monotonic() - started < 5
    assert any("only the first 16 read" in w for w in f.warnings)
    assert {c.scheme for c in f.certificates} == {"v1"}


# --------------------------------------------------------------------------------------------
# zip bombs
# --------------------------------------------------------------------------------------------

GIB = 1 << 30


@cache
def _gib_of_zeros() -> bytes:
    return zeros_deflated(GIB)  # about 1 MiB, built at test time, never committed


def _bomb(declared: int) -> bytes:
    clean = [e for e in entries_of(sample_bytes("clean.apk")) if e.name != b"classes.dex"]
    bomb = RawEntry(b"classes.dex", b"", compressed=_gib_of_zeros(), usize=declared, crc=0)
    return RawZip([*clean, bomb]).build()


@pytest.mark.parametrize(
    ("declared", "pattern"),
    [
        (GIB, r"^classes\.dex: refusing to read entry of 1073741824 bytes .*zip-bomb guard\)$"),
        (1 << 20, r"^classes\.dex: inflates past its declared 1048576 bytes \(zip-bomb guard\)$"),
        (4096, r"^classes\.dex: inflates past its declared 4096 bytes \(zip-bomb guard\)$"),
    ],
)
def test_zip_bomb_of_one_gib_of_zeros_is_refused(
    tmp_path: Path, declared: int, pattern: str
) -> None:
    """One deflate entry of 1 GiB of zeros (about 1 MiB on disk), honest about its size or
    claiming a small one: refused before, or as soon as, it inflates past what it declares."""
    data = _bomb(declared)
    assert len(data) < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        started = time.monotonic()
        refused(tmp_path, data, pattern)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 5
    assert peak < 64 * 1024 * 1024


# --------------------------------------------------------------------------------------------
# no side effects
# --------------------------------------------------------------------------------------------


def _files_named(root: Path, token: str) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root, onerror=lambda _: None):
        found += [os.path.join(folder, n) for n in dirs + files if token in n]
    return found


def test_path_traversal_names_never_create_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = f"pi-scan-traversal-{uuid.uuid4().hex}"
    hostile = [
        f"../../{token}",
        f"../../../../../../../../tmp/{token}",
        f"/tmp/{token}",
        f"/etc/{token}",
        f"C:\\{token}",
        f"..\\..\\{token}",
        f"assets/../../{token}.apk",
        f"{token}\x00.txt",
        f"lib/../../{token}.so",
    ]
    names = [n.encode() for n in hostile]
    apk = RawZip(
        [*entries_of(sample_bytes("clean.apk")), *(RawEntry(n, b"payload") for n in names)]
    )
    work = tmp_path / "cwd"
    work.mkdir()
    target = tmp_path / "traversal.apk"
    target.write_bytes(apk.build())
    monkeypatch.chdir(work)
    f = extract_facts(target)
    assert f"assets/../../{token}.apk" in f.nested_apks  # listed, never opened
    for fmt in ("table", "json", "csv", "markdown", "html", "sarif"):
        invoke(["scan", str(target), "--format", fmt, "--fail-on", "never", "--no-store"], 0)
    assert list(work.iterdir()) == []
    assert _files_named(tmp_path, token) == []
    assert _files_named(Path("/tmp"), token) == []
    assert not any(token in name for name in os.listdir("/etc"))


XXE = '<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><m>&xxe;</m>'


@pytest.mark.parametrize("reader", ["androguard", "tolerant"])
def test_entities_in_manifest_strings_are_never_resolved(tmp_path: Path, reader: str) -> None:
    axml = build_axml(
        manifest(
            "org.example.xxe",
            label=XXE,
            version_name="&xxe;",
            components=[El("activity", [(ANDROID_URI, "name", "&xxe;.Main")])],
        )
    )
    if reader == "tolerant":
        axml = widen_attributes(axml)
    apk = with_entry(sample_bytes("clean.apk"), "AndroidManifest.xml", axml)
    f = scan_bytes(tmp_path, rezip(apk, lambda es: [e for e in es if e.name != b"resources.arsc"]))
    assert (f.label, f.version_name) == (XXE, "&xxe;")
    assert [c.name for c in f.components] == ["&xxe;.Main"]
    assert ("axml_fallback" in f.tamper_indicators) is (reader == "tolerant")
    assert "root:" not in repr(dataclasses.asdict(f))


def test_no_xml_text_is_parsed_with_entities_on() -> None:
    """androguard builds its tree element by element and the tolerant reader never parses
    text, so no XML text from an APK reaches a parser; should one ever be added, it must not
    resolve entities or reach the network."""
    parse = re.compile(
        r"\b(?:fromstring|XMLParser|iterparse|parseString)\s*\(|\betree\.XML\s*\(|"
        r"\b(?:etree|ElementTree|ET|minidom|expatbuilder)\.parse\s*\("
    )
    for path in sorted((ROOT / "pi_scan").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if parse.search(line):
                assert "resolve_entities=False" in line and "no_network=True" in line, (
                    f"{path}:{number}: {line.strip()}"
                )


# --------------------------------------------------------------------------------------------
# reports escape every APK-derived string
# --------------------------------------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil")<script>alert(1)</script>\x1b]0;pwned\x07\x1b[31m[x](javascript:alert(1))|'


@cache
def _hostile_apk_bytes() -> bytes:
    tree = manifest(
        "org.example.evil",
        label=EVIL,
        version_name="@" + EVIL,
        permissions=["android.permission.READ_SMS", "android.permission.READ_CONTACTS"],
        components=[
            El(
                "provider",
                [
                    (ANDROID_URI, "name", "+" + EVIL),
                    (ANDROID_URI, "authorities", "-" + EVIL),
                    (ANDROID_URI, "exported", True),
                ],
            ),
            El("service", [(ANDROID_URI, "name", EVIL), (ANDROID_URI, "exported", True)]),
        ],
        extra=[El("permission", [(ANDROID_URI, "name", "=" + EVIL)])],
    )
    # Read by the tolerant reader (androguard would turn control characters into "_").
    axml = widen_attributes(build_axml(tree))
    apk = with_entry(sample_bytes("overperm.apk"), "AndroidManifest.xml", axml)
    return rezip(apk, lambda es: [e for e in es if e.name != b"resources.arsc"])


@pytest.fixture
def hostile_apk(tmp_path: Path) -> Path:
    path = tmp_path / "=evil<b>\x1b[1m.apk"
    path.write_bytes(_hostile_apk_bytes())
    return path


def _scan(path: Path, fmt: str) -> str:
    result = invoke(["scan", str(path), "--format", fmt, "--fail-on", "never", "--no-store"], 0)
    return result.stdout


def test_hostile_strings_reach_the_facts_unchanged(hostile_apk: Path) -> None:
    f = extract_facts(hostile_apk)
    assert "axml_fallback" in f.tamper_indicators
    assert f.label == EVIL
    assert f"org.example.evil.+{EVIL}" in [c.name for c in f.components]


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "html", "json", "sarif", "junit"])
def test_no_terminal_escapes_in_any_report(hostile_apk: Path, fmt: str) -> None:
    out = _scan(hostile_apk, fmt)
    assert "evil" in out
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x9b]", out), repr(out[:400])


def test_markdown_report_is_inert(hostile_apk: Path) -> None:
    out = _scan(hostile_apk, "markdown")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "](javascript:" not in out and "[x](" not in out
    for line in out.splitlines():  # no table cell broken open by a raw pipe
        assert "|" not in line.replace("\\|", "") or line.startswith("|") or not line


def test_csv_report_has_no_formulas(hostile_apk: Path) -> None:
    out = _scan(hostile_apk, "csv").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(out)))
    cells = [cell for row in rows[1:] for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_html_report_is_inert(hostile_apk: Path) -> None:
    out = _scan(hostile_apk, "html")
    assert "<script>alert" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert 'href="javascript' not in out.lower()


def test_reread_gives_the_same_bytes_without_charging_the_budget() -> None:
    from pi_scan.extract.archive import InflateBudget, open_zip

    budget = InflateBudget()
    zf = open_zip(io.BytesIO(sample_bytes("multidex.apk")), budget)
    first = zf.read("classes2.dex")
    used = budget.used
    assert zf.reread("classes2.dex") == first
    assert budget.used == used
    zf.read("classes2.dex")
    assert budget.used == used + len(first)  # read charges every time


def test_inflation_without_isal_falls_back_to_zlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """isal is a dependency only where it has wheels; zlib inflates the same bytes."""
    import sys
    import zlib

    from pi_scan.extract import archive

    monkeypatch.setitem(sys.modules, "isal", None)  # import isal now raises ImportError
    assert archive._inflater() is zlib
    fast = archive.open_zip(io.BytesIO(sample_bytes("multidex.apk"))).read("classes.dex")
    monkeypatch.setattr(archive, "_INFLATER", zlib)
    slow = archive.open_zip(io.BytesIO(sample_bytes("multidex.apk"))).read("classes.dex")
    assert fast == slow
