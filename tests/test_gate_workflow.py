"""Release-gate workflows end to end: baselines, waivers, rectification, diff, config files."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from .conftest import SAMPLES, invoke, sample

GOOD = [
    "clean.apk",
    "legacy.apk",
    "multidex.apk",
    "overperm.apk",
    "sdk-collector.apk",
    "split.apks",
]


@pytest.fixture()
def apps(tmp_path: Path) -> Path:
    folder = tmp_path / "apps"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def json_scan(*args: str, code: int) -> dict[str, object]:
    return json.loads(invoke(["scan", "--format", "json", *args], code).stdout)


def test_baseline_gate_cycle(tmp_path: Path, apps: Path) -> None:
    base = tmp_path / "baseline.json"
    invoke(["baseline", "create", "-o", str(base), str(apps)], 0)
    entries = json.loads(base.read_text(encoding="utf-8"))["entries"]
    assert entries and all(len(e["fingerprint"]) == 64 for e in entries)

    # with the baseline every known finding is suppressed: the gate passes
    report = json_scan("--baseline", str(base), str(apps), code=0)
    results = report["results"]
    assert isinstance(results, list)
    assert all(r["verdict"] == "pass" for r in results)
    assert sum(len(r["suppressed"]) for r in results) == len(entries)
    assert all(f["status"] == "suppressed" for r in results for f in r["suppressed"])

    # a finding the baseline does not know: the gate fails
    kept = [e for e in entries if e["rule_id"] != "PI-PERM-005"]
    base.write_text(json.dumps({"schema_version": 1, "entries": kept}), encoding="utf-8")
    report = json_scan("--baseline", str(base), str(apps), code=1)
    failing = {r["package"] for r in report["results"] if r["verdict"] != "pass"}  # type: ignore[union-attr]
    assert failing == {"org.piscan.sample.legacy"}

    # a broken APK in the folder: incomplete, whatever the baseline says
    shutil.copy(SAMPLES / "corrupt.apk", apps / "corrupt.apk")
    invoke(["scan", "--baseline", str(base), str(apps)], 3)


def test_baseline_survives_a_rebuild_under_another_path(tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    invoke(["baseline", "create", "-o", str(base), str(sample("split.apks"))], 0)
    # the same app as an .xapk bundle: other path, other file hash, same findings
    report = json_scan("--baseline", str(base), str(sample("split.xapk")), code=0)
    assert report["results"][0]["verdict"] == "pass"  # type: ignore[index]


def waivers(tmp_path: Path, *items: dict[str, str]) -> Path:
    path = tmp_path / "waivers.json"
    path.write_text(json.dumps({"waivers": list(items)}), encoding="utf-8")
    return path


def test_waiver_with_reason_and_expiry(tmp_path: Path) -> None:
    future = date(date.today().year + 1, 1, 1).isoformat()
    file = waivers(
        tmp_path,
        {
            "rule": "PI-API-001",
            "package": "org.piscan.sample.multidex",
            "reason": "IMEI for anti-fraud, disclosed",
            "expires": future,
        },
        {"rule": "PI-API-008", "reason": "Wi-Fi scan for store locator"},
        {"rule": "PI-PP-002", "reason": "consent dialog is server-driven"},
        {"rule": "PI-CONS-001", "reason": "IMEI read only after the server-driven consent"},
        {"rule": "PI-PERM-001", "reason": "never matches here"},
        {"rule": "PI-PERM-002", "reason": "old waiver", "expires": "2020-01-01"},
    )
    result = invoke(
        ["scan", "--format", "json", "--waivers", str(file), str(sample("multidex.apk"))], 0
    )
    app = json.loads(result.stdout)["results"][0]
    assert app["verdict"] == "pass"
    reasons = {f["rule_id"]: f["justification"] for f in app["suppressed"]}
    assert reasons["PI-API-001"] == "waiver: IMEI for anti-fraud, disclosed"
    assert "warning: waiver PI-PERM-001 for * matched no finding" in result.stderr
    assert (
        "warning: waiver PI-PERM-002 for * (expires 2020-01-01) expired on 2020-01-01"
        in result.stderr
    )
    assert len(json.loads(result.stdout)["warnings"]) == 2


def test_waiver_for_another_package_does_not_apply(tmp_path: Path) -> None:
    file = waivers(
        tmp_path, {"rule": "PI-API-001", "package": "com.other", "reason": "not this app"}
    )
    invoke(["scan", "--waivers", str(file), str(sample("multidex.apk"))], 1)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"rule": "PI-API-001"}, "'reason' is a required property"),
        ({"rule": "PI-API-001", "reason": "fine", "until": "2030-01-01"}, "'until' was unexpected"),
        ({"rule": "PI-API-001", "reason": "fine", "expires": "2030-02-30"}, "not a date"),
    ],
)
def test_bad_waivers_file_is_a_usage_error(
    tmp_path: Path, item: dict[str, str], message: str
) -> None:
    result = invoke(
        ["scan", "--waivers", str(waivers(tmp_path, item)), str(sample("clean.apk"))], 2
    )
    assert message in result.stderr


def test_not_rectified_escalates_to_removal(tmp_path: Path) -> None:
    earlier = json_scan(str(sample("split.apks")), code=1)
    assert earlier["results"][0]["verdict"] == "notice"  # type: ignore[index]
    earlier["results"][0]["version_code"] = 4  # type: ignore[index]  # an earlier build
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(earlier), encoding="utf-8")

    report = json_scan("--previous", str(previous), str(sample("split.apks")), code=1)
    app = report["results"][0]  # type: ignore[index]
    assert app["verdict"] == "removal"
    assert "escalation:not-rectified" in app["verdict_reasons"]
    assert {f["rule_id"] for f in app["findings"] if f["not_rectified"]} == {
        "PI-API-004", "PI-PERM-003", "PI-PP-002"
    }  # fmt: skip


def test_same_version_is_not_a_rectification_attempt(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(json_scan(str(sample("split.apks")), code=1)), encoding="utf-8")
    report = json_scan("--previous", str(previous), str(sample("split.apks")), code=1)
    assert report["results"][0]["verdict"] == "notice"  # type: ignore[index]


def test_previous_must_be_a_report(tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text("[]", encoding="utf-8")
    result = invoke(["scan", "--previous", str(bogus), str(sample("clean.apk"))], 2)
    assert "not a pi-scan JSON report" in result.stderr


def test_diff_of_two_apps_and_of_a_report(tmp_path: Path) -> None:
    out = invoke(
        ["diff", "--format", "json", str(sample("clean.apk")), str(sample("legacy.apk"))], 0
    )
    changes = json.loads(out.stdout)["changes"]
    assert "android.permission.READ_CONTACTS" in changes["permissions"]["added"]
    assert "android.permission.INTERNET" in changes["permissions"]["removed"]
    assert "PI-PERM-005 (removal)" in changes["findings"]["added"]
    assert any(s.startswith("API-TEL-DEVICEID <- ") for s in changes["call_sites"]["added"])

    report = tmp_path / "old.json"
    report.write_text(
        invoke(["scan", "--format", "json", str(sample("split.apks"))], 1).stdout, encoding="utf-8"
    )
    table = invoke(["diff", str(report), str(sample("split.xapk"))], 0).stdout
    assert "no changes" in table


def test_diff_with_sdk_changes(tmp_path: Path) -> None:
    out = invoke(["diff", str(sample("clean.apk")), str(sample("sdk-collector.apk"))], 0).stdout
    assert "sdks" in out and "umeng-analytics" in out


def test_config_file_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pi-scan.toml").write_text('fail_on = "never"\nlang = "zh"\n', encoding="utf-8")
    app = str(sample("split.apks"))  # a notice
    assert "通报" in invoke(["scan", app], 0).stdout  # file: never, zh
    monkeypatch.setenv("PI_SCAN_SCAN_FAIL_ON", "notice")
    invoke(["scan", app], 1)  # env beats file
    invoke(["scan", "--fail-on", "removal", app], 0)  # flag beats env


def test_pyproject_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.pi-scan]\ncategory = 38\nselect = ["PI-PERM-007"]\n',
        encoding="utf-8",
    )
    report = json.loads(invoke(["scan", "--format", "json", str(sample("overperm.apk"))], 1).stdout)
    assert [f["rule_id"] for f in report["results"][0]["findings"]] == ["PI-PERM-007"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail_on = "never"\nfial_on = "x"\n', "'fial_on' was unexpected"),
        ('fail_on = "sometimes"\n', "$.fail_on"),
        ("fail_on = \n", "invalid TOML"),
    ],
)
def test_bad_config_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pi-scan.toml").write_text(text, encoding="utf-8")
    result = invoke(["scan", str(sample("clean.apk"))], 2)
    assert message in result.stderr and "pi-scan.toml" in result.stderr


def test_config_sets_large_scan_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pi-scan.toml").write_text(
        'jobs = 1\nstore = "results.sqlite"\nquiet = true\nfail_on = "never"\n', encoding="utf-8"
    )
    invoke(["scan", str(sample("clean.apk"))], 0)
    assert (tmp_path / "results.sqlite").is_file()  # relative to the config file


def test_a_schema_version_1_report_is_still_read_as_previous(tmp_path: Path) -> None:
    """Reports written before advice existed (schema_version 1) keep working as --previous."""
    earlier = json_scan(str(sample("split.apks")), code=1)
    earlier["schema_version"] = 1  # type: ignore[index]
    earlier["results"][0]["version_code"] = 4  # type: ignore[index]
    for key in ("advice", "explanation", "not_applicable"):
        del earlier["results"][0][key]  # type: ignore[index]
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(earlier), encoding="utf-8")
    report = json_scan("--previous", str(previous), str(sample("split.apks")), code=1)
    assert report["results"][0]["verdict"] == "removal"  # type: ignore[index]
