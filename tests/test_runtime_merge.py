"""Runtime logs merged into the scan of the matching app: every format, the pre-consent rule
on reads seen only at run time, a statically gated app, a packed app, the frequency rule, a log
of another app, and the store key."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from pi_scan.batch.runner import logs_digest
from pi_scan.batch.task import AppTypes, ScanSetup, dump_setup, load_setup
from pi_scan.extract import extract_facts
from pi_scan.extract.runtime import attach_runtime, log_source
from pi_scan.facts import load_knowledge, rule_facts
from pi_scan.judge import judge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import ApkFacts, ApkResult, Outcome, RuleSet, ScanResult, Status
from pi_scan.report import REPORTERS
from tests.conftest import invoke, sample
from tests.runtime_logs import (
    camille_log,
    camille_row,
    jsonl_call,
    jsonl_log,
    sentry_consent,
    sentry_log,
    sentry_row,
)

T0 = datetime(2026, 1, 5, 9, 7, 3)
SECURE = "android.provider.Settings$Secure"
ANDROID_ID = f"{SECURE}.getString"
UMENG = "com.umeng.commonsdk.statistics.common.DeviceConfig.getAndroidId"
GETUI = "com.igexin.push.core.DeviceInfo.androidId"
CLEAN_APP = "org.piscan.sample.clean.CleanNotesApp.onCreate"
CAMILLE_ARGS = (
    '参数0："android.app.ContextImpl$ApplicationContentResolver@1"\r\n参数1："android_id"\r\n'
)


@cache
def _facts(name: str) -> ApkFacts:
    return extract_facts(sample(name))


@cache
def _rules() -> RuleSet:
    return load_rules()


def scan(name: str, *logs: Path) -> ApkResult:
    facts = attach_runtime(_facts(name), [log_source(p) for p in logs], only=True)
    return judge(name, facts, _rules(), load_knowledge(), None)


def outcome(result: ApkResult, rule: str) -> Outcome:
    return next(o for o in result.outcomes if o.rule_id == rule)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_camille_read_before_consent_seen_only_at_run_time(tmp_path: Path) -> None:
    """clean.apk reads nothing in its code; the log saw an SDK read the Android ID first."""
    assert outcome(scan("clean.apk"), "PI-CONS-001").status is Status.PASSED
    row = camille_row(at(0), (ANDROID_ID, UMENG, CLEAN_APP), True, "获取安卓ID")
    log = camille_log(tmp_path / "report.xlsx", [{**row, "传入参数": CAMILLE_ARGS}])
    result = scan("clean.apk", log)
    found = outcome(result, "PI-CONS-001")
    assert found.status is Status.FAILED
    assert found.source == "runtime"
    (evidence,) = found.evidence
    assert evidence.source == "runtime"
    assert evidence.where == "runtime log report.xlsx"
    assert "API-SETTINGS-SECURE-ANDROID-ID: called 1× before consent at run time" in evidence.value
    assert "by umeng-analytics from " + UMENG in evidence.value
    assert result.facts is not None and result.facts.runtime_logs[0].format == "camille"


def test_camille_five_columns_merge_without_a_phase(tmp_path: Path) -> None:
    row = camille_row(at(0), (ANDROID_ID, UMENG, CLEAN_APP), None, "获取安卓ID")
    log = camille_log(tmp_path / "old.xls", [{**row, "传入参数": CAMILLE_ARGS}], columns=5)
    result = scan("clean.apk", log)
    assert outcome(result, "PI-CONS-001").status is Status.PASSED  # phase unknown: no claim
    seen = rule_facts(_with(result), load_knowledge(), None)
    (use,) = [u for u in seen["api_uses"] if u["id"] == "API-SETTINGS-SECURE-ANDROID-ID"]
    assert use["source"] == "runtime"
    assert use["runtime"]["phases"] == {"before": 0, "after": 0, "unknown": 1}
    assert use["sdks"] == ["umeng-analytics"]
    assert result.facts is not None
    assert any("consent phase unknown" in w for w in result.facts.warnings)


def _with(result: ApkResult) -> ApkFacts:
    assert result.facts is not None
    return result.facts


def test_privacysentry_attributes_past_its_own_frames(tmp_path: Path) -> None:
    proxy = "com.yl.lib.privacy_proxy.PrivacySettingsProxy$SettingsProxy.getString"
    rows = [
        sentry_row(at(20), "getString", "读取AndroidId", (proxy, GETUI, CLEAN_APP)),
        sentry_consent(at(10)),
        sentry_row(at(1), "getString", "读取AndroidId", (proxy, GETUI, CLEAN_APP)),
    ]
    result = scan("clean.apk", sentry_log(tmp_path / "privacy_result.xls", rows))
    found = outcome(result, "PI-CONS-001")
    assert found.status is Status.FAILED and found.source == "runtime"
    assert "called 1× before consent" in found.evidence[0].value
    assert "by getui-push from " + GETUI in found.evidence[0].value
    assert "com.yl.lib" not in found.evidence[0].value.split(" from ")[1]


def test_statically_gated_app_is_flagged_by_its_sample_log() -> None:
    """samples/org.piscan.sample.consentgated@12.jsonl: Umeng's init read the Android ID
    before the consent marker, although the code gates it behind the stored flag."""
    assert outcome(scan("consent-gated.apk"), "PI-CONS-001").status is Status.PASSED
    result = scan("consent-gated.apk", sample("org.piscan.sample.consentgated@12.jsonl"))
    found = outcome(result, "PI-CONS-001")
    assert found.status is Status.FAILED
    (evidence,) = found.evidence
    assert "although the code reads a consent flag first" in evidence.value
    assert "by umeng-analytics" in evidence.value
    # the location read after consent confirms the static finding: source both
    api = outcome(result, "PI-API-006")
    assert api.status is Status.FAILED and api.source == "both"


def test_packed_app_logged_reads_give_findings(tmp_path: Path) -> None:
    stack = (UMENG, "org.piscan.sample.packed.WalletApp.onCreate")
    log = jsonl_log(
        tmp_path / "wallet.jsonl",
        "org.piscan.sample.packed",
        [jsonl_call(at(0), SECURE, "getString", stack, "before") | {"args": ["android_id"]}],
    )
    bare = scan("packed.apk")
    assert outcome(bare, "PI-CONS-001").status is Status.NOT_EVALUATED
    result = scan("packed.apk", log)
    assert outcome(result, "PI-COV-001").status is Status.FAILED  # still packed
    assert outcome(result, "PI-CONS-001").status is Status.FAILED
    assert result.coverage.runtime_apis == ("API-SETTINGS-SECURE-ANDROID-ID",)
    # Umeng's code is hidden by the packer, but the log saw it read: it joins the inventory
    (umeng,) = [sdk for sdk in result.inventory.sdks if sdk.id == "umeng-analytics"]
    assert umeng.status == "collects" and umeng.reads == ("android_id",)
    assert umeng.signals == (f"runtime {UMENG}",)
    assert "umeng-analytics" not in {sdk.id for sdk in bare.inventory.sdks}
    assert not result.coverage.complete
    page = REPORTERS["html"].render(ScanResult((result,), _rules(), "t", "2026-01-01"), "en")
    assert (
        "Seen called in the runtime logs all the same: <code>API-SETTINGS-SECURE-ANDROID-ID" in page
    )


@pytest.mark.parametrize(("reads", "fires"), [(11, True), (10, False)])
def test_a_burst_of_reads_trips_the_frequency_rule(tmp_path: Path, reads: int, fires: bool) -> None:
    stack = (UMENG, CLEAN_APP)
    calls = [
        jsonl_call(at(i * 5), SECURE, "getString", stack, "after") | {"args": ["android_id"]}
        for i in range(reads)
    ]
    log = jsonl_log(tmp_path / "burst.jsonl", "org.piscan.sample.clean", calls)
    found = outcome(scan("clean.apk", log), "PI-RUN-001")
    assert (found.status is Status.FAILED) is fires
    if fires:
        assert found.source == "runtime"
        assert found.evidence[0].value.startswith(
            f"API-SETTINGS-SECURE-ANDROID-ID: {reads} call(s)"
        )


def test_a_log_of_another_app_is_refused_by_name(tmp_path: Path) -> None:
    other = jsonl_log(
        tmp_path / "run.jsonl",
        "com.other.app",
        [jsonl_call(at(0), SECURE, "getString", (UMENG, "com.other.app.App.onCreate"), "before")],
    )
    result = invoke(
        ["scan", str(sample("clean.apk")), "--runtime-log", str(other), "--no-store", "--format",
         "json"],
        0,
    )  # fmt: skip
    app = json.loads(result.stdout)["results"][0]
    assert (
        "runtime log run.jsonl: refused: it is a log of com.other.app, "
        "not of org.piscan.sample.clean" in app["warnings"]
    )
    assert app["verdict"] == "pass"


def test_store_key_and_setup_carry_the_logs(tmp_path: Path) -> None:
    first = jsonl_log(tmp_path / "a.jsonl", "org.piscan.sample.clean", [])
    second = jsonl_log(tmp_path / "b.jsonl", "org.piscan.sample.clean", [], version=3)
    setup = ScanSetup(_rules(), load_knowledge(), AppTypes())
    assert logs_digest(setup) == ""
    one = replace(setup, runtime_logs=(log_source(first),))
    two = replace(setup, runtime_logs=(log_source(second),))
    assert logs_digest(one).startswith("+logs:")
    assert logs_digest(one) != logs_digest(two)
    streamed = replace(setup, runtime_logs=(log_source(first, with_data=True),), one_app=True)
    back = load_setup(dump_setup(streamed))
    assert back.runtime_logs[0].data == first.read_bytes()
    assert back.one_app


def test_cli_store_rescans_when_the_log_changes(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    log = tmp_path / "org.piscan.sample.clean.jsonl"
    stack = (UMENG, CLEAN_APP)
    read = jsonl_call(at(0), SECURE, "getString", stack, "before") | {"args": ["android_id"]}
    jsonl_log(log, "org.piscan.sample.clean", [])
    args = ["scan", str(sample("clean.apk")), "--store", str(store), "-q", "--format", "json"]
    first = json.loads(invoke([*args, "--runtime-log-dir", str(tmp_path)], 0).stdout)
    assert first["results"][0]["verdict"] == "pass"
    jsonl_log(log, "org.piscan.sample.clean", [read])
    second = json.loads(invoke([*args, "--runtime-log-dir", str(tmp_path)], 1).stdout)
    assert second["results"][0]["verdict"] != "pass"


def test_config_file_names_the_logs(tmp_path: Path) -> None:
    stack = (UMENG, CLEAN_APP)
    read = jsonl_call(at(0), SECURE, "getString", stack, "before") | {"args": ["android_id"]}
    (tmp_path / "logs").mkdir()
    jsonl_log(tmp_path / "logs" / "run.jsonl", "org.piscan.sample.clean", [read])
    (tmp_path / "pi-scan.toml").write_text('runtime_logs = ["logs/run.jsonl"]\n', "utf-8")
    args = ["scan", str(sample("clean.apk")), "--config", str(tmp_path / "pi-scan.toml")]
    doc = json.loads(invoke([*args, "--no-store", "-q", "--format", "json"], 1).stdout)
    (finding,) = [f for f in doc["results"][0]["findings"] if f["rule_id"] == "PI-CONS-001"]
    assert finding["source"] == "runtime"


def test_a_named_log_no_app_takes_is_a_run_warning(tmp_path: Path) -> None:
    report = camille_log(tmp_path / "report.xls", [camille_row(at(0), (ANDROID_ID, UMENG), True)])
    other = jsonl_log(tmp_path / "x.jsonl", "com.other.app", [])
    args = ["scan", str(sample("clean.apk")), str(sample("legacy.apk")), "--no-store", "-q"]
    args += ["--runtime-log", str(report), "--runtime-log", str(other), "--format", "json"]
    doc = json.loads(invoke(args, 1).stdout)
    assert doc["warnings"] == [
        "runtime log report.xls: merged into no app: it names no package (file name "
        "<package>[@<versionCode>].<ext> or a JSON-lines start line), and the run scans several "
        "apps",
        "runtime log x.jsonl: merged into no app: no app of the run is com.other.app",
    ]


def test_explain_and_facts_take_a_runtime_log() -> None:
    log = str(sample("org.piscan.sample.consentgated@12.jsonl"))
    app = str(sample("consent-gated.apk"))
    text = invoke(["explain", app, "PI-CONS-001", "--runtime-log", log], 0).stdout
    assert "entry: runtime log org.piscan.sample.consentgated@12.jsonl" in text
    assert "attributed to: umeng-analytics" in text
    data = json.loads(invoke(["facts", app, "--runtime-log", log], 0).stdout)
    assert [c["id"] for c in data["runtime_calls"]] == [
        "API-LOC-LAST-KNOWN",
        "API-SETTINGS-SECURE-ANDROID-ID",
    ]
    assert [e["phase"] for e in data["runtime_events"]] == ["before", "after"]
