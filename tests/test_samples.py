"""End to end on the bundled samples: verdicts and findings as samples/README.md states them,
and `pi-scan facts` equal to the golden JSON (set PI_SCAN_UPDATE_GOLDEN=1 to rewrite it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLES, invoke, sample

GOLDEN = ROOT / "tests" / "golden" / "facts"

EXPECTED = {
    "clean.apk": ("pass", set()),
    "overperm.apk": (
        "removal",
        {"PI-MAN-001", "PI-MAN-002", "PI-MAN-003", "PI-MAN-004", "PI-PERM-001", "PI-PERM-002",
         "PI-PERM-003", "PI-PERM-004", "PI-PERM-006", "PI-PERM-009", "PI-PERM-011", "PI-PP-001",
         "PI-PP-002", "PI-START-001"},
    ),
    "sdk-collector.apk": (
        "removal",
        {"PI-API-001", "PI-API-002", "PI-API-006", "PI-API-007", "PI-API-008", "PI-CONS-001",
         "PI-CONS-002", "PI-PERM-006", "PI-PP-001", "PI-PP-002", "PI-SDK-001", "PI-SDK-002",
         "PI-SDK-004", "PI-SDK-005", "PI-SDK-006", "PI-START-001"},
    ),
    "legacy.apk": (
        "removal",
        {"PI-API-001", "PI-CONS-001", "PI-PERM-003", "PI-PERM-005", "PI-PP-001", "PI-PP-002"},
    ),
    # the IMEI read from the launcher activity of an app without any consent dialog adds
    # PI-CONS-001 (RDFF category 3): three categories with sensitive PI escalate to removal
    "multidex.apk": ("removal", {"PI-API-001", "PI-API-008", "PI-CONS-001", "PI-PP-002"}),
    "consent-gated.apk": ("notice", {"PI-API-006"}),
    # Tencent MTA's code reads the IMEI: PI-API-002 reads the catalogue's attribution (it used
    # a list of SDK package prefixes that did not name com.tencent.mid)
    "provider-init.apk": (
        "removal",
        {"PI-API-001", "PI-API-002", "PI-CONS-001", "PI-CONS-002", "PI-SDK-001"},
    ),
    # its contacts read cannot return PI (READ_CONTACTS is not declared): advice, not PI-API-004
    "async-init.apk": ("notice", {"PI-API-001", "PI-API-003", "PI-API-008", "PI-CONS-001"}),
    "reflection.apk": ("notice", {"PI-API-010", "PI-CONS-001"}),
    # platform libraries: AppCompat's permission-guarded location read (no permission held)
    # and a share-intent query are not the app's collection; Play services' "Sign in" and
    # a Danish "Bekræft login" are not the app's account system
    "platform-libs.apk": ("pass", set()),
    "packed.apk": ("notice", {"PI-COV-001"}),
    "split.apks": ("notice", {"PI-API-004", "PI-PERM-003", "PI-PP-002"}),
    "split.xapk": ("notice", {"PI-API-004", "PI-PERM-003", "PI-PP-002"}),
}  # fmt: skip
ERRORS = {
    "corrupt.apk": "truncated zip",
    "not-an-apk.apk": "no AndroidManifest.xml (not an APK)",
    "bad-manifest.apk": "malformed binary AndroidManifest.xml",
}


@pytest.fixture(scope="module")
def report() -> dict[str, dict[str, object]]:
    result = invoke(["scan", "--format", "json", str(SAMPLES)], 3)
    doc = json.loads(result.stdout)
    return {Path(str(r["path"])).name: r for r in doc["results"]}


def test_every_sample_is_reported(report: dict[str, dict[str, object]]) -> None:
    assert set(report) == set(EXPECTED) | set(ERRORS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_verdict_and_findings(report: dict[str, dict[str, object]], name: str) -> None:
    verdict, rules = EXPECTED[name]
    result = report[name]
    assert result["verdict"] == verdict
    findings = result["findings"]
    assert isinstance(findings, list)
    assert {f["rule_id"] for f in findings} == rules
    for finding in findings:
        assert finding["citations"], "every finding names its clause"
        assert finding["evidence"]


def test_a_read_that_cannot_return_pi_is_advice(report: dict[str, dict[str, object]]) -> None:
    advice = report["async-init.apk"]["advice"]
    assert isinstance(advice, list)
    [finding] = advice
    assert finding["rule_id"] == "PI-API-013" and finding["level"] == "advice"
    [evidence] = finding["evidence"]
    assert "ContactsContract" in evidence["value"]
    assert "not collectable: READ_CONTACTS not declared" in evidence["value"]


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_broken_sample_is_an_error(report: dict[str, dict[str, object]], name: str) -> None:
    assert report[name]["verdict"] == "error"
    assert ERRORS[name] in str(report[name]["error"])


def test_sdk_inventory(report: dict[str, dict[str, object]]) -> None:
    inventory = report["sdk-collector.apk"]["inventory"]
    assert isinstance(inventory, dict)
    sdks = {s["id"]: s for s in inventory["sdks"]}
    assert set(sdks) == {"gdt", "getui-push", "jiguang-jcore", "jpush", "umeng-analytics"}
    assert sdks["umeng-analytics"]["reads"] == ["android_id", "device_id"]
    assert sdks["jiguang-jcore"]["confidence"] == "medium"  # native library only
    assert {s["id"]: s["status"] for s in sdks.values()} == {
        "gdt": "collects", "getui-push": "collects", "jiguang-jcore": "present",
        "jpush": "collects", "umeng-analytics": "collects",
    }  # fmt: skip
    assert report["clean.apk"]["inventory"]["sdks"] == []


def test_rules_needing_an_app_type_are_not_evaluated_without_one(
    report: dict[str, dict[str, object]],
) -> None:
    not_evaluated = report["overperm.apk"]["not_evaluated"]
    assert isinstance(not_evaluated, dict)
    policy_rules = {f"PI-POL-00{i}" for i in range(1, 6)}  # no policy text in this sample
    assert set(not_evaluated) == {"PI-PERM-007", "PI-PERM-008", "PI-SDK-003"} | policy_rules
    assert "--category" in not_evaluated["PI-PERM-007"]


@pytest.mark.parametrize("category", ["utility-tools", "38"])
def test_category_enables_type_rules(category: str) -> None:
    result = invoke(
        ["scan", "--format", "json", "--category", category, str(sample("overperm.apk"))], 1
    )
    [app] = json.loads(result.stdout)["results"]
    found = {f["rule_id"] for f in app["findings"]}
    assert {"PI-PERM-007", "PI-PERM-008"} <= found
    assert set(app["not_evaluated"]) == {f"PI-POL-00{i}" for i in range(1, 6)}  # no policy
    [unneeded] = [f for f in app["findings"] if f["rule_id"] == "PI-PERM-007"]
    assert "android.permission.READ_SMS" in {e["value"] for e in unneeded["evidence"]}


def test_category_map_per_package(tmp_path: Path) -> None:
    mapping = tmp_path / "types.csv"
    mapping.write_text(
        "package,type\norg.piscan.sample.overperm,map-navigation\n", encoding="utf-8"
    )
    result = invoke(
        ["scan", "--format", "json", "--category-map", str(mapping), str(sample("overperm.apk"))], 1
    )
    [app] = json.loads(result.stdout)["results"]
    found = {f["rule_id"] for f in app["findings"]}
    assert "PI-PERM-008" not in found  # location is necessary for maps
    assert "PI-PERM-007" in found  # SMS is not


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--category", "flashlights"], "unknown app type 'flashlights'"),
        (["--category-map", "missing.csv"], "cannot read category map"),
    ],
)
def test_bad_category_is_a_usage_error(args: list[str], message: str) -> None:
    result = invoke(["scan", *args, str(sample("clean.apk"))], 2)
    assert message in result.stderr


def test_sdk_calls_are_attributed_to_sdk_classes(report: dict[str, dict[str, object]]) -> None:
    findings = report["sdk-collector.apk"]["findings"]
    assert isinstance(findings, list)
    [api] = [f for f in findings if f["rule_id"] == "PI-API-002"]
    callers = {c for e in api["evidence"] for c in e["callers"]}
    assert callers == {
        "cn.jpush.android.api.JPushInterface",
        "com.qq.e.comm.managers.GDTAdSdk",
        "com.umeng.commonsdk.UMConfigure",
    }


def test_table_output_and_summary() -> None:
    result = invoke(["scan", str(SAMPLES / "clean.apk"), str(SAMPLES / "legacy.apk")], 1)
    assert "org.piscan.sample.clean" in result.stdout
    assert "PI-PERM-005" in result.stdout
    assert "pi-scan: 2 apps: 1 pass, 0 notice, 1 removal, 0 errors" in result.stderr


def test_chinese_table() -> None:
    result = invoke(["scan", "--lang", "zh", "--fail-on", "never", str(sample("legacy.apk"))], 0)
    assert "下架" in result.stdout and "targetSdkVersion 低于 23" in result.stdout


@pytest.mark.parametrize(("fail_on", "code"), [("notice", 1), ("removal", 0), ("never", 0)])
def test_fail_on_gate(fail_on: str, code: int) -> None:
    invoke(["scan", "--fail-on", fail_on, str(sample("split.apks"))], code)  # a notice


def test_bad_apk_does_not_stop_the_batch(tmp_path: Path) -> None:
    (tmp_path / "zero.apk").write_bytes(b"")
    (tmp_path / "text.apk").write_text("hello")
    result = invoke(["scan", str(tmp_path), str(sample("clean.apk"))], 3)
    assert "error: " in result.stderr and "zero.apk" in result.stderr
    assert "text.apk" in result.stderr
    assert "1 pass" in result.stderr and "2 errors" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(["scan", str(tmp_path / "nope.apk"), str(empty), str(sample("clean.apk"))], 3)
    assert "nope.apk: no such file or folder" in result.stderr
    assert "empty: no APK, APKS, XAPK or APKM files found" in result.stderr


def test_outputs_are_written_only_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = invoke(["scan", "-o", f"json:{out}", str(sample("clean.apk"))], 0)
    assert "org.piscan.sample.clean" in result.stdout  # the table still goes to stdout
    assert json.loads(out.read_text(encoding="utf-8"))["results"][0]["verdict"] == "pass"
    result = invoke(["scan", "-o", "json", str(sample("clean.apk"))], 0)
    assert json.loads(result.stdout)["summary"]["pass"] == 1


def test_unknown_output_format_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(["scan", "-o", "pdf:x.pdf", str(sample("clean.apk"))], 2)
    assert "unknown output format 'pdf'" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_unwritable_output_is_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "r.json"
    result = invoke(["scan", "-o", f"json:{target}", str(sample("clean.apk"))], 2)
    assert "cannot write report" in result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_facts_match_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke(["facts", f"samples/{name}"], 0)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("PI_SCAN_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.stdout, encoding="utf-8")
    assert json.loads(result.stdout) == json.loads(golden.read_text(encoding="utf-8"))


def test_extracted_only_facts_are_the_golden_facts_without_the_derived(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pi_scan.facts.view import DERIVED_FACTS, FACTS

    monkeypatch.chdir(ROOT)
    extracted = json.loads(
        invoke(["facts", "--extracted-only", "samples/sdk-collector.apk"], 0).stdout
    )
    golden = json.loads((GOLDEN / "sdk-collector.apk.json").read_text(encoding="utf-8"))
    assert set(extracted) == set(FACTS)
    assert set(golden) - set(extracted) == set(DERIVED_FACTS)
    # derivation adds the SDK that owns each component; everything else is as extracted
    for component in golden["components"]:
        del component["sdk"], component["starts_sdks"]
    assert extracted == {name: golden[name] for name in FACTS}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_facts_on_a_broken_sample(name: str) -> None:
    result = invoke(["facts", str(sample(name))], 3)
    assert ERRORS[name] in result.stderr
    assert result.stdout == ""


def test_version_and_help() -> None:
    assert "pi-scan, version" in invoke(["--version"], 0).stdout
    assert "scan" in invoke(["--help"], 0).stdout


def test_facts_into_a_closed_pipe_stops_quietly() -> None:
    import subprocess
    import sys

    run = subprocess.run(
        f"'{sys.executable}' -m pi_scan facts '{sample('sdk-collector.apk')}' | head -c 10",
        shell=True, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.stdout.startswith("{")
    assert "Traceback" not in run.stderr and "error" not in run.stderr


def test_facts_written_to_a_pipe_are_the_json_the_cli_runner_sees() -> None:
    """`pi-scan facts` writes UTF-8 straight to the binary stdout (no click.echo per piece):
    a real pipe gets the same JSON, Chinese texts included."""
    import json
    import subprocess
    import sys

    apk = str(sample("sdk-collector.apk"))
    run = subprocess.run(
        [sys.executable, "-m", "pi_scan", "facts", apk], capture_output=True, check=True
    )
    piped = json.loads(run.stdout.decode("utf-8"))
    assert piped == json.loads(invoke(["facts", apk], 0).stdout)
    assert any(not text.isascii() for text in piped["resource_strings"])


def test_facts_to_a_terminal_go_through_click() -> None:
    """On a terminal `pi-scan facts` writes through click.echo (which knows the console's
    encoding): the same JSON arrives."""
    import json
    import os
    import pty
    import subprocess
    import sys

    apk = str(sample("sdk-collector.apk"))
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "pi_scan", "facts", apk], stdout=follower, stderr=subprocess.DEVNULL
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert child.wait() == 0
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert json.loads(text) == json.loads(invoke(["facts", apk], 0).stdout)
