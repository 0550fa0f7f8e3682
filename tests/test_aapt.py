"""The manifest as Android and aapt read it.

Fixture APKs (tests/manifest_fixtures.py) reproduce what real apps do to their manifests:
namespace-prefixed elements, repeated elements, versionName and label as resource references
with values in several configurations, hexadecimal and referenced integers, no version.  pi-scan
must read each as the platform and `aapt dump badging` do; with Debian's aapt installed, every
sample APK and every fixture is also compared with `aapt dump badging`, `aapt dump permissions`
and `aapt dump xmltree` (tests/aapt.py).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pi_scan.extract import extract_facts, resconfig
from pi_scan.extract.resconfig import Config, best, request

from . import aapt
from .conftest import ROOT, SAMPLES, invoke
from .manifest_fixtures import FIXTURES, Fixture

needs_aapt = pytest.mark.skipif(aapt.AAPT is None, reason=aapt.MISSING)

# The samples pi-scan reads (the others are broken on purpose: samples/README.md).
READABLE_SAMPLES = sorted(
    p
    for p in SAMPLES.glob("*.apk")
    if p.name not in ("corrupt.apk", "not-an-apk.apk", "bad-manifest.apk")
)


@pytest.fixture(scope="module")
def fixture_apks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("manifest-fixtures")
    return {name: fx.write(folder, name) for name, fx in FIXTURES.items()}


# --------------------------------------------------------------------------------------------
# what Android reads (always run)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_manifest_facts(name: str, fixture_apks: dict[str, Path]) -> None:
    fx: Fixture = FIXTURES[name]
    f = extract_facts(fixture_apks[name])
    assert (f.version_code, f.version_name) == (fx.version_code, fx.version_name)
    assert (f.label, f.label_zh) == (fx.label, fx.label_zh)
    assert (f.min_sdk, f.target_sdk) == (fx.min_sdk, fx.target_sdk)
    assert {(p.name, p.max_sdk, p.sdk23) for p in f.permissions} == fx.permissions
    assert {(c.kind, c.name) for c in f.components} == fx.components
    assert list(f.warnings) == list(fx.warnings)


def test_namespace_prefixed_permissions_are_permissions(fixture_apks: dict[str, Path]) -> None:
    """The real app's case: three <android:uses-permission> were dropped."""
    f = extract_facts(fixture_apks["namespaced-elements"])
    names = {p.name for p in f.permissions}
    assert {"android.permission.READ_PHONE_STATE", "android.permission.CAMERA"} <= names
    assert "android.permission.ACCESS_FINE_LOCATION" in names
    assert f.launcher_activity == "org.piscan.fixture.namespaced.Main"


def test_plain_manifest_has_no_namespaced_reading_to_do(fixture_apks: dict[str, Path]) -> None:
    """The quiet side: an app without prefixes keeps exactly its own permissions."""
    f = extract_facts(fixture_apks["repeated-uses-sdk"])
    assert [p.name for p in f.permissions] == ["android.permission.READ_PHONE_STATE"]


def test_prefix_written_into_the_name_is_not_a_namespace(fixture_apks: dict[str, Path]) -> None:
    """<android:uses-permission> counts only when "android" is the element's namespace."""
    f = extract_facts(fixture_apks["prefix-in-name"])
    assert [p.name for p in f.permissions] == ["android.permission.INTERNET"]
    assert "axml_fallback" in f.tamper_indicators


def test_reference_in_versionname_never_reaches_a_report(fixture_apks: dict[str, Path]) -> None:
    result = invoke(["scan", "--no-store", "--fail-on", "never", "--format", "json",
                     str(fixture_apks["referenced-version-and-label"]), str(fixture_apks["dangling-version-reference"])], 0)  # fmt: skip
    versions = {r["package"]: r["version_name"] for r in json.loads(result.stdout)["results"]}
    assert versions == {
        "org.piscan.fixture.references": "3.1.0-en",
        "org.piscan.fixture.dangling": None,
    }


def test_resource_selection_follows_restable_config() -> None:
    en_us, zh_cn, none = request("en-US"), request("zh-CN"), request("")
    default, en, en_gb, v21 = (
        Config(),
        Config(language="en"),
        Config(language="en", country="GB"),
        Config(sdk=21),
    )
    zh_tw, zh = Config(language="zh", country="TW"), Config(language="zh")
    # English (US): a plain "en" beats everything without a locale, "en-GB" does not.
    assert best([(default, 0), (v21, 1), (en, 2)], en_us) == (en, 2)
    assert best([(default, 0), (en_gb, 1)], en_us) == (default, 0)
    assert best([(en_gb, 1)], en_us) == (en_gb, 1)  # the same script: usable when alone
    # Simplified Chinese does not use traditional-Chinese values, but generic "zh" ones.
    assert best([(zh_tw, 0)], zh_cn) is None
    assert best([(default, 0), (zh_tw, 1), (zh, 2)], zh_cn) == (zh, 2)
    # No locale requested: only values without a locale; the highest API level wins.
    assert best([(en, 0), (default, 1), (v21, 2)], none) == (v21, 2)
    # Values for big screens, night mode, API levels beyond aapt's, never match.
    assert not resconfig.matches(Config(smallest_width_dp=600), none)
    assert not resconfig.matches(Config(ui_mode=0x20), none)
    assert resconfig.matches(Config(sdk=34), none)


# --------------------------------------------------------------------------------------------
# what aapt reads (with Debian's aapt)
# --------------------------------------------------------------------------------------------


@needs_aapt
@pytest.mark.parametrize("apk", READABLE_SAMPLES, ids=lambda p: p.name)
def test_samples_agree_with_aapt(apk: Path) -> None:
    assert aapt.differences(apk, extract_facts(apk)) == []


@needs_aapt
@pytest.mark.parametrize("name", sorted(n for n, fx in FIXTURES.items() if not fx.aapt_refuses))
def test_fixtures_agree_with_aapt(name: str, fixture_apks: dict[str, Path]) -> None:
    apk = fixture_apks[name]
    assert aapt.differences(apk, extract_facts(apk)) == []


@needs_aapt
@pytest.mark.parametrize("name", sorted(n for n, fx in FIXTURES.items() if fx.aapt_refuses))
def test_what_aapt_refuses_is_still_read(name: str, fixture_apks: dict[str, Path]) -> None:
    """aapt reads versionCode without resolving a reference and stops; the platform resolves
    it, and so does pi-scan."""
    assert aapt.AAPT is not None
    done = subprocess.run([aapt.AAPT, "dump", "badging", str(fixture_apks[name])], capture_output=True, text=True)  # fmt: skip
    assert "ERROR" in done.stderr
    assert extract_facts(fixture_apks[name]).version_code == FIXTURES[name].version_code


ANDROID_JAR = ROOT / "samples" / ".build" / "tools" / "android.jar"

PACKAGED_MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="org.piscan.fixture.packaged" android:versionCode="0x2a"
    android:versionName="@string/version">
    <uses-sdk android:minSdkVersion="19" android:targetSdkVersion="22"/>
    <uses-sdk android:minSdkVersion="21" android:targetSdkVersion="30"/>
    <uses-permission android:name="android.permission.INTERNET"/>
    <android:uses-permission android:name="android.permission.READ_PHONE_STATE"/>
    <android:uses-permission android:name="android.permission.CAMERA" android:maxSdkVersion="28"/>
    <uses-permission android:name="android.permission.INTERNET"/>
    <uses-permission-sdk-23 android:name="android.permission.READ_CONTACTS" android:maxSdkVersion="0x1c"/>
    <android:uses-permission-sdk-23 android:name="android.permission.READ_SMS"/>
    <application android:label="@string/app_name">
        <android:activity android:name=".Main">
            <intent-filter>
                <action android:name="android.intent.action.MAIN"/>
                <category android:name="android.intent.category.LAUNCHER"/>
            </intent-filter>
        </android:activity>
        <android:service android:name="com.example.Svc"/>
    </application>
</manifest>
"""

PACKAGED_VALUES = {
    "values": '<string name="app_name">Packaged</string><string name="version">1.0</string>',
    "values-v21": '<string name="version">1.0-v21</string>',
    "values-en": '<string name="version">1.0-en</string><string name="app_name">Packaged EN</string>',
    "values-zh-rCN": '<string name="app_name">打包</string>',
}


@needs_aapt
@pytest.mark.skipif(
    not ANDROID_JAR.exists(), reason="android.jar is fetched by `python samples/build.py`"
)
def test_manifest_compiled_by_aapt_agrees_with_aapt(tmp_path: Path) -> None:
    """The same tricks written in source XML and compiled by aapt itself."""
    assert aapt.AAPT is not None
    (tmp_path / "AndroidManifest.xml").write_text(PACKAGED_MANIFEST)
    for folder, body in PACKAGED_VALUES.items():
        (tmp_path / "res" / folder).mkdir(parents=True)
        (tmp_path / "res" / folder / "strings.xml").write_text(f"<resources>{body}</resources>")
    apk = tmp_path / "packaged.apk"
    subprocess.run([aapt.AAPT, "package", "-f", "-M", str(tmp_path / "AndroidManifest.xml"), "-S", str(tmp_path / "res"),
                    "-I", str(ANDROID_JAR), "-F", str(apk)], check=True, capture_output=True)  # fmt: skip
    f = extract_facts(apk)
    assert aapt.differences(apk, f) == []
    assert (f.version_code, f.version_name, f.label, f.label_zh) == (
        42,
        "1.0-en",
        "Packaged",
        "打包",
    )
    assert (f.min_sdk, f.target_sdk) == (21, 30)
    assert len(f.permissions) == 5


def test_diff_shows_a_missing_version_as_a_dash(tmp_path: Path) -> None:
    old = FIXTURES["no-version"].write(tmp_path, "old")
    new = FIXTURES["no-version"].write(tmp_path, "new")
    out = json.loads(invoke(["diff", "--format", "json", str(old), str(new)], 0).stdout)
    assert out["old"]["version"] == out["new"]["version"] == "-"
    table = invoke(["diff", str(SAMPLES / "clean.apk"), str(new)], 0).stdout
    assert "None" not in table and "1.2.0 (3)" in table
