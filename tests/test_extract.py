"""pi_scan.extract against the sample APKs, hand-made bundles and broken inputs.

The samples (samples/README.md) are built from readable sources in samples/src, so every value
asserted here can be checked against a manifest or a Java file there.  Broken and unusual
archives are made in tmp_path from the samples' own entries, so no extra tools are needed.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import hashlib
import io
import logging
import os
import random
import struct
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract import extract_facts, set_verbose
from pi_scan.extract.archive import dex_names
from pi_scan.extract.manifest import effective_exported, protection_level_name, qualify
from pi_scan.model import ApkFacts, Component, NativeLib, PermissionUse

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
APKS = ("clean.apk", "overperm.apk", "sdk-collector.apk", "legacy.apk", "multidex.apk")
BUNDLES = ("split.apks", "split.xapk")
SPLITS = ("base.apk", "split_config.arm64_v8a.apk", "split_feature_scan.apk")


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"samples/{name} is absent: run `python samples/build.py`")
    return path


@cache
def _facts(name: str) -> ApkFacts:
    return extract_facts(SAMPLES / name)


def facts(name: str) -> ApkFacts:
    """Facts of a sample, extracted once per test session."""
    sample(name)
    return _facts(name)


def component(f: ApkFacts, kind: str, name: str) -> Component:
    found = [c for c in f.components if c.kind == kind and c.name == name]
    assert len(found) == 1, [(c.kind, c.name) for c in f.components]
    return found[0]


def permission(f: ApkFacts, name: str) -> PermissionUse:
    found = [p for p in f.permissions if p.name == name]
    assert len(found) == 1, f.permissions
    return found[0]


def callers(refs: tuple[object, ...], ref: str) -> tuple[str, ...]:
    for item in refs:
        if getattr(item, "ref", None) == ref:
            return tuple(getattr(item, "callers", ()))
    raise AssertionError(f"{ref} not referenced")


# --------------------------------------------------------------------------------------------
# identity
# --------------------------------------------------------------------------------------------


def test_identity_of_clean() -> None:
    f = facts("clean.apk")
    assert f.package == "org.piscan.sample.clean"
    assert (f.version_code, f.version_name) == (3, "1.2.0")
    assert (f.label, f.label_zh) == ("Clean Notes", "干净笔记")
    assert (f.min_sdk, f.target_sdk) == (21, 34)
    assert isinstance(f.compile_sdk, int)
    assert f.splits == ()
    assert f.warnings == ()


@pytest.mark.parametrize("name", APKS + BUNDLES)
def test_file_hash_and_size(name: str) -> None:
    path = sample(name)
    f = facts(name)
    data = path.read_bytes()
    assert f.sha256 == hashlib.sha256(data).hexdigest()
    assert f.size == len(data)
    assert f.path == str(path)


@pytest.mark.parametrize("name", APKS + BUNDLES)
def test_certificates(name: str) -> None:
    certs = facts(name).certificates
    schemes = {c.scheme for c in certs}
    assert {"v1", "v2"} <= schemes
    assert len({c.sha256 for c in certs}) == 1, "one key signs every scheme"
    assert all("pi-scan" in c.subject and "CN=" in c.subject for c in certs)
    assert all(len(c.sha256) == 64 and c.sha256 == c.sha256.lower() for c in certs)
    assert list(certs) == sorted(certs, key=lambda c: (c.scheme, c.sha256))


def test_unsigned_apk_has_no_certificates(tmp_path: Path) -> None:
    path = tmp_path / "unsigned.apk"
    with zipfile.ZipFile(sample("clean.apk")) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            if not info.filename.startswith("META-INF/"):
                zout.writestr(info, zin.read(info))
    f = extract_facts(path)
    assert (f.certificates, f.warnings) == ((), ())
    assert f.package == "org.piscan.sample.clean"


@pytest.mark.parametrize(
    ("name", "label", "label_zh", "target"),
    [
        ("overperm.apk", "Bright Torch", "手电筒", 30),
        ("sdk-collector.apk", "News Daily", "每日新闻", 31),
        ("legacy.apk", "Old Weather", "旧天气", 22),
        ("multidex.apk", "Big Shop", "大商城", 34),
        ("split.apks", "Split Reader", "分包阅读器", 34),
    ],
)
def test_labels_and_target(name: str, label: str, label_zh: str, target: int) -> None:
    f = facts(name)
    assert (f.label, f.label_zh, f.target_sdk) == (label, label_zh, target)


# --------------------------------------------------------------------------------------------
# manifest
# --------------------------------------------------------------------------------------------


def test_permissions_with_max_sdk_and_sdk23() -> None:
    f = facts("overperm.apk")
    assert permission(f, "android.permission.WRITE_EXTERNAL_STORAGE").max_sdk == 28
    assert permission(f, "android.permission.ACCESS_COARSE_LOCATION").sdk23 is True
    assert permission(f, "android.permission.READ_SMS") == PermissionUse(
        "android.permission.READ_SMS"
    )
    names = [p.name for p in f.permissions]
    assert names == sorted(names)
    assert len(names) == 12


def test_custom_permission() -> None:
    f = facts("overperm.apk")
    assert [(p.name, p.protection_level) for p in f.custom_permissions] == [
        ("org.piscan.sample.overperm.TORCH", "signature")
    ]


APP_KEYS = {
    "class",
    "allow_backup",
    "debuggable",
    "uses_cleartext_traffic",
    "request_legacy_external_storage",
    "network_security_config",
    "full_backup_content",
    "data_extraction_rules",
}


def test_application_attributes_risky() -> None:
    app = facts("overperm.apk").application
    assert set(app) == APP_KEYS
    assert app["debuggable"] is True
    assert app["allow_backup"] is True
    assert app["uses_cleartext_traffic"] is True
    assert app["request_legacy_external_storage"] is True
    assert app["class"] is None
    assert app["network_security_config"] is None


def test_application_attributes_clean() -> None:
    app = facts("clean.apk").application
    assert set(app) == APP_KEYS
    assert app["class"] == "org.piscan.sample.clean.CleanNotesApp"  # ".CleanNotesApp" resolved
    assert app["allow_backup"] is False
    assert app["debuggable"] is None
    assert app["uses_cleartext_traffic"] is None


def test_implicit_export_below_api_31() -> None:
    receiver = component(
        facts("overperm.apk"), "receiver", "org.piscan.sample.overperm.BootReceiver"
    )
    assert receiver.exported is True
    assert receiver.exported_explicit is None
    assert receiver.actions == ("android.intent.action.BOOT_COMPLETED",)


def test_explicit_export_and_component_fields() -> None:
    f = facts("sdk-collector.apk")
    receiver = component(f, "receiver", "cn.jpush.android.service.PushReceiver")
    assert (receiver.exported, receiver.exported_explicit) == (True, True)
    assert receiver.actions == (
        "android.intent.action.BOOT_COMPLETED",
        "cn.jpush.android.intent.NOTIFICATION_RECEIVED",
    )
    assert receiver.categories == ("org.piscan.sample.sdkcollector",)
    service = component(f, "service", "com.igexin.sdk.PushService")
    assert (service.exported, service.exported_explicit, service.enabled) == (False, False, True)
    keys = [(c.kind, c.name) for c in f.components]
    assert keys == sorted(keys)


def test_providers_and_authorities() -> None:
    exported = component(
        facts("overperm.apk"), "provider", "org.piscan.sample.overperm.TorchFilesProvider"
    )
    assert exported.authorities == ("org.piscan.sample.overperm.files",)
    assert (exported.exported, exported.exported_explicit) == (True, True)
    private = component(
        facts("sdk-collector.apk"), "provider", "cn.jpush.android.service.DataProvider"
    )
    assert private.authorities == ("org.piscan.sample.sdkcollector.DataProvider",)
    assert private.exported is False


def test_queries_and_features() -> None:
    f = facts("overperm.apk")
    assert f.queries_packages == ("com.tencent.mm",)
    assert f.queries_actions == ("android.media.action.IMAGE_CAPTURE",)
    assert f.queries_providers == ("com.android.contacts",)
    assert [(x.name, x.required) for x in f.features] == [("android.hardware.camera", False)]


def test_meta_data() -> None:
    assert facts("sdk-collector.apk").app_meta_data == {
        "UMENG_APPKEY": "5f2b0c0ffee00000000sample",
        "UMENG_CHANNEL": "official",
    }
    assert facts("overperm.apk").app_meta_data["org.piscan.sample.overperm.BRIGHTNESS"] == "100"


@pytest.mark.parametrize(
    ("name", "launcher"),
    [
        ("clean.apk", "org.piscan.sample.clean.MainActivity"),
        ("overperm.apk", "org.piscan.sample.overperm.TorchActivity"),
        ("legacy.apk", "org.piscan.sample.legacy.WeatherActivity"),
        ("multidex.apk", "org.piscan.sample.multidex.ShopActivity"),
        ("split.xapk", "org.piscan.sample.split.ReaderActivity"),
    ],
)
def test_launcher_activity(name: str, launcher: str) -> None:
    assert facts(name).launcher_activity == launcher


# --------------------------------------------------------------------------------------------
# archive
# --------------------------------------------------------------------------------------------


def test_assets_and_raw_resources() -> None:
    assert facts("clean.apk").assets == ("assets/privacy_policy.html",)
    assert facts("multidex.apk").raw_resources == ("res/raw/privacy.txt",)
    assert facts("sdk-collector.apk").assets == ()


def test_native_libs_per_abi() -> None:
    assert facts("sdk-collector.apk").native_libs == (
        NativeLib("libjcore330.so", "arm64-v8a", "lib/arm64-v8a/libjcore330.so"),
        NativeLib("libumeng-spy.so", "arm64-v8a", "lib/arm64-v8a/libumeng-spy.so"),
        NativeLib("libjcore330.so", "armeabi-v7a", "lib/armeabi-v7a/libjcore330.so"),
    )
    assert facts("clean.apk").native_libs == ()


@pytest.mark.parametrize("name", BUNDLES)
def test_native_libs_of_a_bundle(name: str) -> None:
    assert facts(name).native_libs == (
        NativeLib(name="libreader.so", abi="arm64-v8a", path="lib/arm64-v8a/libreader.so"),
    )


# --------------------------------------------------------------------------------------------
# bundles
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLES)
def test_bundle_is_one_app(name: str) -> None:
    f = facts(name)
    assert f.package == "org.piscan.sample.split"
    assert (f.version_code, f.version_name) == (5, "1.0.5")
    assert f.splits == SPLITS
    assert {p.name for p in f.permissions} == {
        "android.permission.INTERNET",
        "android.permission.READ_CONTACTS",
        "android.permission.CAMERA",  # from the feature split
    }
    assert "org.piscan.sample.split.scan.ContactScanner" in f.classes  # the split's own DEX
    assert "org.piscan.sample.split.ReaderActivity" in f.classes
    assert f.dex_files == ("base.apk!classes.dex", "split_feature_scan.apk!classes.dex")
    assert f.warnings == ()


def _bundle(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _split_members() -> dict[str, bytes]:
    with zipfile.ZipFile(sample("split.apks")) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_bundle_detected_by_content(tmp_path: Path) -> None:
    f = extract_facts(_bundle(tmp_path / "download.zip", _split_members()))
    assert f.splits == SPLITS
    assert "android.permission.CAMERA" in {p.name for p in f.permissions}


def test_bundle_base_found_without_its_usual_name(tmp_path: Path) -> None:
    members = _split_members()
    members["zz-renamed.apk"] = members.pop("base.apk")
    f = extract_facts(_bundle(tmp_path / "renamed.apks", members))
    assert f.splits[0] == "zz-renamed.apk"
    assert f.launcher_activity == "org.piscan.sample.split.ReaderActivity"


def test_plain_apkm_is_read(tmp_path: Path) -> None:
    f = extract_facts(_bundle(tmp_path / "app.apkm", _split_members()))
    assert f.splits == SPLITS


def test_encrypted_apkm_is_refused(tmp_path: Path) -> None:
    members = {name: hashlib.sha512(data).digest() * 4 for name, data in _split_members().items()}
    members["info.json"] = b'{"apkm_version": 5}'
    with pytest.raises(ApkAnalysisError, match=r"^encrypted \.apkm not supported$"):
        extract_facts(_bundle(tmp_path / "app.apkm", members))


def test_bundle_without_apks(tmp_path: Path) -> None:
    path = _bundle(tmp_path / "empty.xapk", {"manifest.json": b"{}"})
    with pytest.raises(ApkAnalysisError, match="no APK inside"):
        extract_facts(path)


def test_apk_with_a_bundle_extension_is_an_apk(tmp_path: Path) -> None:
    path = tmp_path / "mislabelled.apks"
    path.write_bytes(sample("clean.apk").read_bytes())
    assert extract_facts(path).package == "org.piscan.sample.clean"


def test_apk_without_manifest_but_with_a_plugin_is_not_a_bundle(tmp_path: Path) -> None:
    path = tmp_path / "broken.apk"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("assets/plugin.apk", sample("clean.apk").read_bytes())
        zf.writestr("classes.dex", b"dex\n035\0")
    assert_refused(path, r"^no AndroidManifest\.xml \(not an APK\)$")


# --------------------------------------------------------------------------------------------
# DEX
# --------------------------------------------------------------------------------------------


def test_dex_method_and_field_callers() -> None:
    f = facts("sdk-collector.apk")
    device_id = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    assert "com.umeng.commonsdk.UMConfigure" in callers(f.method_refs, device_id)
    serial = callers(f.field_refs, "Landroid/os/Build;->SERIAL:Ljava/lang/String;")
    assert any(c.startswith("com.qq.e.") for c in serial)
    assert "com.umeng.commonsdk.UMConfigure" in f.classes
    assert f.dex_files == ("classes.dex",)


def test_dex_facts_are_sorted() -> None:
    f = facts("sdk-collector.apk")
    assert list(f.classes) == sorted(f.classes)
    assert list(f.strings) == sorted(f.strings)
    refs = [r.ref for r in f.method_refs]
    assert refs == sorted(refs)
    assert all(list(r.callers) == sorted(r.callers) for r in [*f.method_refs, *f.field_refs])


def test_multidex_reads_every_dex() -> None:
    f = facts("multidex.apk")
    assert f.dex_files == ("classes.dex", "classes2.dex")
    assert "org.piscan.sample.multidex.ShopActivity" in f.classes
    assert "org.piscan.sample.multidex.tracking.DeviceInfo" in f.classes  # classes2.dex only


def test_dex_names_in_numeric_order() -> None:
    names = ["classes10.dex", "classes2.dex", "lib/classes3.dex", "classes.dex", "classesX.dex"]
    assert dex_names(names) == ["classes.dex", "classes2.dex", "classes10.dex"]


def _rewrite(src: Path, dst: Path, change: Callable[[zipfile.ZipFile], None]) -> Path:
    """Copy an APK entry by entry (unsigned: signatures are not checked here), then `change`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        change(zout)
    return dst


def test_broken_dex_is_a_warning(tmp_path: Path) -> None:
    def add(zf: zipfile.ZipFile) -> None:
        zf.writestr("classes2.dex", b"dex\n035\0" + b"\xff" * 200)

    f = extract_facts(_rewrite(sample("clean.apk"), tmp_path / "bad-dex.apk", add))
    assert f.dex_files == ("classes.dex", "classes2.dex")
    assert len(f.warnings) == 1
    assert f.warnings[0].startswith("classes2.dex: ")
    assert "\n" not in f.warnings[0]
    assert "org.piscan.sample.clean.MainActivity" in f.classes  # classes.dex still read


def test_zip_bomb_ratio_is_refused(tmp_path: Path) -> None:
    def add(zf: zipfile.ZipFile) -> None:
        zf.writestr("classes2.dex", bytes(4 * 1024 * 1024))  # 4 MiB of zeros: ratio ~1000:1

    path = _rewrite(sample("clean.apk"), tmp_path / "bomb.apk", add)
    with pytest.raises(ApkAnalysisError, match=r"^classes2\.dex: .*zip-bomb guard"):
        extract_facts(path)


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """Patch the central directory so `name` claims `size` uncompressed bytes."""
    out = bytearray(data)
    offset = out.find(b"PK\x01\x02")
    while offset != -1:
        name_len = struct.unpack_from("<H", out, offset + 28)[0]
        if out[offset + 46 : offset + 46 + name_len] == name.encode():
            struct.pack_into("<I", out, offset + 24, size)
        offset = out.find(b"PK\x01\x02", offset + 4)
    return bytes(out)


def test_huge_declared_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.apk"
    path.write_bytes(_declare_size(sample("clean.apk").read_bytes(), "classes.dex", 0xF0000000))
    with pytest.raises(ApkAnalysisError, match=r"^classes\.dex: refusing .*zip-bomb guard"):
        extract_facts(path)


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def assert_refused(path: Path, pattern: str) -> str:
    with pytest.raises(ApkAnalysisError, match=pattern) as info:
        extract_facts(path)
    message = str(info.value)
    assert message and "\n" not in message and message == message.strip()
    assert type(info.value) is ApkAnalysisError
    return message


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("corrupt.apk", r"^truncated zip \(End-of-central-directory signature not found\)$"),
        ("not-an-apk.apk", r"^no AndroidManifest\.xml \(not an APK\)$"),
        ("bad-manifest.apk", r"^malformed binary AndroidManifest\.xml: "),
    ],
)
def test_broken_samples(name: str, pattern: str) -> None:
    assert_refused(sample(name), pattern)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.apk"
    path.write_bytes(b"")
    assert_refused(path, "^empty file$")


def test_directory(tmp_path: Path) -> None:
    path = tmp_path / "folder.apk"
    path.mkdir()
    assert_refused(path, "directory")


def test_missing_path(tmp_path: Path) -> None:
    assert_refused(tmp_path / "nothing-here.apk", "^missing path$")


def test_text_file_renamed(tmp_path: Path) -> None:
    path = tmp_path / "notes.apk"
    path.write_text("just some notes\nnot a zip\n", encoding="utf-8")
    assert_refused(path, "^not a zip file$")


def test_plain_text_manifest(tmp_path: Path) -> None:
    path = tmp_path / "source-manifest.apk"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("AndroidManifest.xml", b'<?xml version="1.0"?>\n<manifest package="a.b"/>')
    assert_refused(path, r"^malformed binary AndroidManifest\.xml: plain-text XML")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file"
)
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "locked.apk"
    path.write_bytes(sample("clean.apk").read_bytes())
    path.chmod(0)
    try:
        assert_refused(path, "^permission denied$")
    finally:
        path.chmod(0o600)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "pipe.apk"
    os.mkfifo(path)
    assert_refused(path, "^not a regular file$")


def test_mangled_inputs_only_raise_apk_analysis_error(tmp_path: Path) -> None:
    """Random damage to every part of an APK must end as a result or a one-line error."""
    rng = random.Random(20240501)
    original = sample("overperm.apk").read_bytes()
    path = tmp_path / "mangled.apk"
    for _ in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        try:
            extract_facts(path)
        except ApkAnalysisError as exc:
            assert str(exc) and "\n" not in str(exc)


def test_mangled_manifests_only_raise_apk_analysis_error(tmp_path: Path) -> None:
    rng = random.Random(7)
    with zipfile.ZipFile(sample("overperm.apk")) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    for i in range(150):
        manifest = bytearray(entries["AndroidManifest.xml"])
        for _ in range(rng.randint(1, 8)):
            manifest[rng.randrange(len(manifest))] = rng.randrange(256)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for name, data in entries.items():
                out.writestr(name, bytes(manifest) if name == "AndroidManifest.xml" else data)
        path = tmp_path / f"m{i}.apk"
        path.write_bytes(buffer.getvalue())
        try:
            extract_facts(path)
        except ApkAnalysisError as exc:
            assert str(exc) and "\n" not in str(exc)


# --------------------------------------------------------------------------------------------
# rules in isolation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "explicit", "has_filter", "sdk", "expected"),
    [
        ("activity", True, False, 34, True),
        ("activity", False, True, 30, False),  # written down: the attribute wins
        ("receiver", None, True, 30, True),  # implicit export through the intent-filter
        ("receiver", None, True, 31, True),  # invalid on 31+, still reachable as written
        ("service", None, False, 30, False),
        ("provider", None, False, 16, True),  # providers default to exported below API 17
        ("provider", None, False, 17, False),
        ("provider", False, False, 16, False),
    ],
)
def test_effective_exported(
    kind: str, explicit: bool | None, has_filter: bool, sdk: int, expected: bool
) -> None:
    assert effective_exported(kind, explicit, has_filter, sdk) is expected


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("0x00000000", "normal"),
        ("0x00000001", "dangerous"),
        ("0x00000002", "signature"),
        ("0x00000003", "signatureOrSystem"),
        ("0x00000012", "signature|privileged"),
        ("0x00000042", "signature|appop"),
        ("signature", "signature"),
        (None, None),
    ],
)
def test_protection_level_names(written: str | None, name: str | None) -> None:
    assert protection_level_name(written) == name


def test_class_names_are_qualified() -> None:
    assert qualify("a.b", ".App") == "a.b.App"
    assert qualify("a.b", "App") == "a.b.App"
    assert qualify("a.b", "c.d.App") == "c.d.App"
    assert qualify("a.b", None) is None


# --------------------------------------------------------------------------------------------
# behaviour
# --------------------------------------------------------------------------------------------


def test_extraction_is_deterministic() -> None:
    path = sample("sdk-collector.apk")
    assert extract_facts(path) == extract_facts(path)


def test_nothing_printed(capsys: pytest.CaptureFixture[str]) -> None:
    """stdout may carry a JSON report: extraction must not write to it."""
    for name in (*APKS, *BUNDLES):
        extract_facts(sample(name))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_garbage_collector_state_is_restored() -> None:
    assert gc.isenabled()
    extract_facts(sample("clean.apk"))
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(ApkAnalysisError):
            extract_facts(sample("corrupt.apk"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_verbose_mode_still_extracts() -> None:
    set_verbose(True)
    try:
        assert extract_facts(sample("clean.apk")).package == "org.piscan.sample.clean"
        with pytest.raises(ApkAnalysisError):
            extract_facts(sample("bad-manifest.apk"))
    finally:
        set_verbose(False)


def test_nothing_written_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("sdk-collector.apk", "split.xapk", "bad-manifest.apk"):
        with contextlib.suppress(ApkAnalysisError):
            extract_facts(sample(name))
    assert list(tmp_path.iterdir()) == []


def test_library_noise_is_contained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """androguard's zip reader logs odd local headers through the root logger, which would
    configure logging for the whole process; extraction must leave logging as it found it."""
    data = bytearray(sample("clean.apk").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        layout = zf.getinfo("res/layout/activity_main.xml")
    data[layout.header_offset : layout.header_offset + 4] = b"XXXX"  # an entry nobody reads
    path = tmp_path / "odd-local-header.apk"
    path.write_bytes(bytes(data))
    handlers = list(logging.getLogger().handlers)
    assert extract_facts(path).package == "org.piscan.sample.clean"
    assert logging.getLogger().handlers == handlers
    assert capsys.readouterr() == ("", "")


def _androguard_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        if any(m == "androguard" or m.startswith("androguard.") for m in modules):
            lines.append(node.lineno)
    return lines


def test_only_extract_imports_androguard() -> None:
    package = ROOT / "pi_scan"
    extract = package / "extract"
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(package.rglob("*.py"))
        if extract not in path.parents
        for line in _androguard_imports(path)
    ]
    assert offenders == []
    assert _androguard_imports(extract / "manifest.py"), "the check must see real imports"
