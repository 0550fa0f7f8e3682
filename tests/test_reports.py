"""Reporters: golden files, format validity, escaping of hostile APK strings, and the HTML in a browser.

Every reporter renders one hand-built ScanResult (fixed `generated_at`, hand-built rules, so
rule-text edits elsewhere do not churn these files): an app that passes, one with a notice
(DEX evidence with callers, a suppressed finding, a rule not evaluated), one to be removed whose
label, package, version, certificate and evidence are hostile (`<script>`, a CSV formula,
pipes, an ANSI escape), and one that could not be analysed.

Golden files live in tests/golden/reports/<format>.<lang>.<suffix>.  After an intended change
to a reporter, rewrite them and review the diff:

    PI_SCAN_UPDATE_GOLDEN=1 pytest tests/test_reports.py

The browser test renders the HTML report with Debian's chromium (`apt-get install chromium`)
and is skipped when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pi_scan.model import (
    ApkFacts,
    ApkResult,
    Applicability,
    CallerGroup,
    Certificate,
    Citation,
    Coverage,
    Escalation,
    Evidence,
    Inventory,
    Leaf,
    Level,
    NativeLib,
    Outcome,
    PermissionUse,
    Policy,
    Rule,
    RuleSet,
    ScanResult,
    SdkUse,
    Status,
    Verdict,
)
from pi_scan.report import REPORTERS
from pi_scan.report.base import clean_xml, fingerprint
from pi_scan.report.csv_ import safe_cell
from pi_scan.report.markdown import md
from pi_scan.report.sarif import FINGERPRINT_KEY, artifact_uri

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "reports"
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
REPORT_SCHEMA = ROOT / "pi_scan" / "report" / "schemas" / "report.schema.json"
UPDATE = os.environ.get("PI_SCAN_UPDATE_GOLDEN") == "1"
CHROMIUM = Path("/usr/bin/chromium")
LANGS = ("en", "zh")

HOSTILE_LABEL = "<script>alert(1)</script>"
HOSTILE_LABEL_ZH = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE_PACKAGE = "=cmd|' /C calc'!A0"
HOSTILE_VERSION = "6.6.6\x1b[31m|red"
HOSTILE_EVIDENCE = "=cmd|' /C calc'!A0 \x1b[31m|getImei()"
HOSTILE_CALLER = "-2+3 <i>x</i>"


# --- the fixture scan -----------------------------------------------------------------------


NO_PI = {
    "en": "The app processes no personal information.",
    "zh": "应用不处理个人信息。",
}


def _rule(rule_id: str, level: Level, category: str, tags: tuple[str, ...], **texts: Any) -> Rule:
    applies = None
    if "otherwise" in texts:
        applies = Applicability(Leaf("pi_processing", "any"), texts["otherwise"], NO_PI)
    return Rule(
        id=rule_id,
        level=level,
        title=texts["title"],
        message=texts["message"],
        remediation=texts["remediation"],
        citations=texts["citations"],
        condition=Leaf("permissions", "contains_any", ["x"]),
        tags=tags,
        category=category,
        source=f"rules/checks/{rule_id}.json",
        applies=applies,
    )


RULES = (
    _rule(
        "PI-API-002", Level.NOTICE, "illegal-collection", ("api", "device-id", "sdk", "sensitive-pi"),
        title={"en": "Third-party SDK code reads device identifiers", "zh": "第三方 SDK 代码读取设备标识符"},
        message={"en": "Code of a third-party SDK reads identifiers the user cannot reset.", "zh": "第三方 SDK 的代码读取了用户无法重置的设备标识。"},
        remediation={"en": "Update or configure the SDK so it does not collect them.", "zh": "升级或配置相关 SDK，使其不收集上述标识。"},
        citations=(Citation("RDFF", "5.1"), Citation("TC260-SDK", "3"), Citation("PIPL", "Art. 23")),
    ),
    _rule(
        "PI-PERM-001", Level.NOTICE, "over-scope-collection", ("permissions", "sms", "sensitive-pi"),
        title={"en": "Requests access to text messages", "zh": "申请短信权限"},
        message={"en": "The app asks for permissions that read, receive or send SMS.", "zh": "应用申请了读取、接收或发送短信的权限。"},
        remediation={"en": "Remove the SMS permissions unless SMS is the app's core function.", "zh": "除非短信是应用的核心功能，否则删除短信权限。"},
        citations=(Citation("RDFF", "4.1"), Citation("PIPL", "Art. 28")),
    ),
    _rule(
        "PI-PERM-005", Level.REMOVAL, "illegal-collection", ("permissions", "target-sdk", "sensitive-pi"),
        title={"en": "Targets an API level below 23 while requesting dangerous permissions", "zh": "目标 API 级别低于 23 且申请危险权限"},
        message={"en": "Dangerous permissions are granted at install time, without asking.", "zh": "危险权限在安装时即被授予，不经用户同意。"},
        remediation={"en": "Target API level 23 or higher and ask at run time.", "zh": "将目标 API 级别提升至 23 及以上，并在运行时申请权限。"},
        citations=(Citation("RDFF", "3.1"), Citation("PIPL", "Art. 14")),
    ),
    _rule(
        "PI-PP-001", Level.NOTICE, "illegal-collection", ("privacy-policy",),
        title={"en": "No evidence of a privacy policy", "zh": "未发现隐私政策"},
        message={"en": "Nothing in the app looks like a privacy policy.", "zh": "应用中未发现隐私政策。"},
        remediation={"en": "Ship a privacy policy and show it at first start.", "zh": "提供隐私政策并在首次启动时展示。"},
        citations=(Citation("RDFF", "1.1"), Citation("CSL", "Art. 43", "Art. 41")),
        otherwise="not_applicable",
    ),
    _rule(
        "PI-MAN-001", Level.NOTICE, "security-duty", ("manifest", "hygiene"),
        title={"en": "Release build is debuggable", "zh": "发布版本可调试"},
        message={"en": "android:debuggable is true.", "zh": "android:debuggable 为 true。"},
        remediation={"en": "Build the release with debuggable false.", "zh": "发布版本应关闭调试。"},
        citations=(Citation("CSL", "Art. 44", "Art. 42"),),
        otherwise="advice",
    ),
    _rule(
        "PI-START-001", Level.NOTICE, "self-start", ("manifest", "self-start"),
        title={"en": "Starts itself when the device boots", "zh": "开机自启动"},
        message={"en": "A receiver listens for BOOT_COMPLETED.", "zh": "存在监听开机广播的接收器。"},
        remediation={"en": "Remove the boot receiver.", "zh": "删除开机广播接收器。"},
        citations=(Citation("MIIT-164", "6"),),
    ),
)  # fmt: skip

RULESET = RuleSet(
    rules=RULES,
    policy=Policy(
        escalations=(
            Escalation(
                id="no-policy-with-sensitive-pi",
                to=Verdict.REMOVAL,
                reason={
                    "en": "No privacy policy while sensitive personal information is collectable.",
                    "zh": "无隐私政策且可收集敏感个人信息。",
                },
                rules_all=("PI-PP-001",),
                tags_any=("sensitive-pi",),
            ),
        )
    ),
    version="pi-scan-core@2026.11.0",
    categories={
        "illegal-collection": {"en": "Collecting personal information in breach of the rules", "zh": "违规收集个人信息"},
        "over-scope-collection": {"en": "Collecting personal information beyond the service's scope", "zh": "超范围收集个人信息"},
        "security-duty": {"en": "Personal-information security duties not met", "zh": "未履行个人信息安全保护义务"},
        "self-start": {"en": "Frequent self-start and associated start", "zh": "APP频繁自启动和关联启动"},
    },
    documents={
        "RDFF": {"en": "Methods for Identifying Illegal Collection and Use of Personal Information by Apps", "zh": "App违法违规收集使用个人信息行为认定方法", "number": "国信办秘字〔2019〕191号", "status": "in force"},
        "TC260-SDK": {"en": "Practice guide: security of SDKs used in apps", "zh": "网络安全标准实践指南—移动互联网应用程序（App）使用软件开发工具包（SDK）安全指引", "number": "信安秘字〔2020〕85号", "status": "practice guide"},
        "PIPL": {"en": "Personal Information Protection Law", "zh": "中华人民共和国个人信息保护法", "number": "2021", "status": "law"},
        "CSL": {"en": "Cybersecurity Law", "zh": "中华人民共和国网络安全法", "number": "2016, amended 2025", "status": "law"},
        "MIIT-164": {"en": "MIIT notice on deepening the special rectification of apps infringing user rights", "zh": "关于开展纵深推进APP侵害用户权益专项整治行动的通知", "number": "工信部信管函〔2020〕164号", "status": "campaign"},
    },
)  # fmt: skip

_MANIFEST_PERM = "AndroidManifest.xml <uses-permission>"


def _passed(*skip: str) -> tuple[Outcome, ...]:
    return tuple(Outcome(r.id, Status.PASSED, r.level) for r in RULES if r.id not in skip)


def _with(base: tuple[Outcome, ...], *changed: Outcome) -> tuple[Outcome, ...]:
    by_id = {o.rule_id: o for o in changed}
    return tuple(by_id.get(o.rule_id, o) for o in base)


PASS_APP = ApkResult(
    path="apks/clean notes.apk",
    facts=ApkFacts(
        path="apks/clean notes.apk", sha256="1f" * 32, size=1_234_567, package="com.example.notes",
        version_code=241, version_name="2.4.1", label="Clean Notes", label_zh="清爽笔记",
        min_sdk=24, target_sdk=34,
        certificates=(Certificate("v2", "CN=Example Notes,O=Example", "ab" * 32),),
        permissions=(PermissionUse("android.permission.INTERNET"),),
    ),
    outcomes=_with(
        _passed(),
        Outcome("PI-PP-001", Status.NOT_APPLICABLE, Level.NOTICE, reason=NO_PI["en"]),
        Outcome("PI-MAN-001", Status.FAILED, Level.ADVICE,
                (Evidence("application.debuggable", "application.debuggable=true", "AndroidManifest.xml <application>"),),
                reason=NO_PI["en"]),
    ),
)  # fmt: skip

NOTICE_APP = ApkResult(
    path="apks/shop.apk",
    facts=ApkFacts(
        path="apks/shop.apk", sha256="2e" * 32, size=48_000_000, package="com.example.shop",
        version_code=500, version_name="5.0.0", label="Example Shop", label_zh="示例商城",
        min_sdk=21, target_sdk=33,
        certificates=(Certificate("v1", "CN=Shop,O=Example Shop Ltd,C=CN", "cd" * 32), Certificate("v2", "CN=Shop,O=Example Shop Ltd,C=CN", "cd" * 32)),
        permissions=(
            PermissionUse("android.permission.INTERNET"),
            PermissionUse("android.permission.READ_SMS"),
            PermissionUse("android.permission.RECEIVE_SMS", sdk23=True),
            PermissionUse("android.permission.READ_PHONE_STATE", max_sdk=29),
        ),
        native_libs=(NativeLib("libjcore.so", "arm64-v8a", "lib/arm64-v8a/libjcore.so"), NativeLib("libjcore.so", "armeabi-v7a", "lib/armeabi-v7a/libjcore.so")),
    ),
    outcomes=_with(
        _passed(),
        Outcome("PI-API-002", Status.FAILED, Level.NOTICE, (
            Evidence("method_refs", "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;", "classes*.dex",
                     ("cn.jpush.android.helper.DeviceInfo", "com.umeng.commonsdk.statistics.idtracking.ImeiTracker")),
            Evidence("api_uses", "API-WIFI-MAC: Landroid/net/wifi/WifiInfo;->getMacAddress()Ljava/lang/String;", "classes*.dex",
                     ("com.umeng.commonsdk.statistics.common.DeviceConfig", "com.example.shop.Stats"),
                     api="WifiInfo.getMacAddress()",
                     pi=("non-resettable device identifier (MAC)", "不可重置的设备标识（MAC 地址）"),
                     groups=(CallerGroup("app", callers=("com.example.shop.Stats",)),
                             CallerGroup("sdk", "Umeng Analytics", "Umeng", ("com.umeng.commonsdk.statistics.common.DeviceConfig",)))),
        )),
        Outcome("PI-PERM-001", Status.FAILED, Level.NOTICE, (
            Evidence("permissions", "android.permission.READ_SMS", _MANIFEST_PERM),
            Evidence("permissions", "android.permission.RECEIVE_SMS", _MANIFEST_PERM),
        )),
        Outcome("PI-MAN-001", Status.SUPPRESSED, Level.NOTICE,
                (Evidence("application.debuggable", "application.debuggable=true", "AndroidManifest.xml <application>"),),
                justification="waiver W-12: internal test build, expires 2026-12-31"),
        Outcome("PI-START-001", Status.NOT_EVALUATED, Level.NOTICE, reason="manifest receivers could not be read"),
    ),
    verdict=Verdict.NOTICE,
    verdict_reasons=("PI-API-002:notice", "PI-PERM-001:notice"),
    inventory=Inventory(
        sdks=(
            SdkUse("jpush", "JPush", "JIGUANG", "push", "high", name_zh="极光推送", country="CN",
                   signals=("class cn.jpush.android.helper.DeviceInfo", "native_lib libjcore.so"), reads=("device_id",),
                   status="collects"),
            SdkUse("umeng-analytics", "Umeng Analytics", "Umeng", "analytics", "medium", name_zh="友盟统计",
                   country="CN", signals=("class com.umeng.commonsdk.statistics.idtracking.ImeiTracker",), reads=("device_id",),
                   status="collects"),
            SdkUse("tencent-bugly", "Tencent Bugly", "Tencent", "crash-apm", "medium", name_zh="腾讯 Bugly", country="CN",
                   signals=("class com.tencent.bugly.crashreport.CrashReport",), status="initialised"),
            SdkUse("alipay", "Alipay SDK", "Ant Group", "payment", "high", name_zh="支付宝 SDK", country="CN",
                   signals=("class com.alipay.sdk.app.PayTask",)),
        ),
        pi_types=("device_id", "sms"),
        api_uses=("API-TEL-DEVICEID", "API-WIFI-MAC"),
    ),
)  # fmt: skip

REMOVAL_APP = ApkResult(
    path="apks/evil app #1 100%.apk",
    facts=ApkFacts(
        path="apks/evil app #1 100%.apk", sha256="3d" * 32, size=666, package=HOSTILE_PACKAGE,
        version_code=666, version_name=HOSTILE_VERSION, label=HOSTILE_LABEL, label_zh=HOSTILE_LABEL_ZH,
        min_sdk=9, target_sdk=22,
        certificates=(Certificate("v1", 'CN=<b>Evil</b>,O="Quotes & Co"', "ef" * 32),),
        permissions=(
            PermissionUse("android.permission.READ_CONTACTS"),
            PermissionUse("@SUM(1+1)*cmd|' /C calc'!A0"),
        ),
        native_libs=(NativeLib("libjiagu.so", "arm64-v8a", "lib/arm64-v8a/libjiagu.so"),),
        warnings=("classes2.dex: not a DEX file \x1b[0m",),
    ),
    outcomes=_with(
        _passed(),
        Outcome("PI-PERM-005", Status.FAILED, Level.REMOVAL, (
            Evidence("target_sdk", "target_sdk=22", "AndroidManifest.xml <uses-sdk>"),
            Evidence("permissions", "android.permission.READ_CONTACTS", _MANIFEST_PERM),
        )),
        Outcome("PI-PP-001", Status.FAILED, Level.NOTICE,
                (Evidence("strings", 'none found: strings matches_any ["隐私政策"]', "classes*.dex"),)),
        Outcome("PI-API-002", Status.FAILED, Level.NOTICE,
                (Evidence("method_refs", HOSTILE_EVIDENCE, "classes*.dex", (HOSTILE_CALLER, "com.qq.e.comm.DeviceStatus")),)),
        Outcome("PI-PERM-001", Status.NOT_EVALUATED, Level.NOTICE,
                reason="the app's code could not all be read, so finding nothing proves nothing"),
    ),
    verdict=Verdict.REMOVAL,
    verdict_reasons=("PI-PERM-005:removal", "PI-PP-001:notice", "PI-API-002:notice", "escalation:no-policy-with-sensitive-pi"),
    coverage=Coverage(
        complete=False, packers=("360 Jiagu packer",),
        limits=("packed or protected by 360 Jiagu packer (native_lib libjiagu.so): <b>the code</b> that runs is loaded at run time",
                "DEX file not read: classes2.dex: not a DEX file \x1b[0m"),
        rules=("PI-PERM-001",),
    ),
)  # fmt: skip

ERROR_APP = ApkResult(
    path="apks/broken.apk", facts=None, error="not a ZIP archive (bad magic number) <b>"
)

SCAN = ScanResult(
    results=(PASS_APP, NOTICE_APP, REMOVAL_APP, ERROR_APP),
    ruleset=RULESET,
    tool_version="0.1.0",
    generated_at="2026-11-05T08:30:00+00:00",
)
EMPTY = ScanResult(
    results=(), ruleset=RULESET, tool_version="0.1.0", generated_at="2026-11-05T08:30:00+00:00"
)


def render(name: str, lang: str = "en", scan: ScanResult = SCAN) -> str:
    return REPORTERS[name].render(scan, lang)


# --- every reporter -------------------------------------------------------------------------


def test_registry_names_and_suffixes() -> None:
    assert set(REPORTERS) == {"table", "json", "sarif", "junit", "csv", "markdown", "html"}
    for name, reporter in REPORTERS.items():
        assert reporter.name == name
        assert reporter.suffix.startswith(".")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scan", [EMPTY, SCAN], ids=["empty", "fixture"])
@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_every_reporter_renders_deterministically(name: str, scan: ScanResult, lang: str) -> None:
    text = render(name, lang, scan)
    assert text
    assert text == render(name, lang, scan)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_golden(name: str, lang: str) -> None:
    path = GOLDEN / f"{name}.{lang}{REPORTERS[name].suffix}"
    text = render(name, lang)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} is missing: run PI_SCAN_UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == path.read_bytes().decode("utf-8"), f"{path.name} differs: see module docstring"


def test_unknown_language_falls_back_to_english() -> None:
    for name in REPORTERS:
        assert render(name, "fr") == render(name, "en")


def test_reporters_stay_pure() -> None:
    """Reporter modules import only the stdlib, the model and each other (tabulate: base's
    `tabulated`, which the table renderers call), and never open files, print or log."""
    stdlib = set(sys.stdlib_module_names)
    for path in sorted((ROOT / "pi_scan" / "report").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for mod in names:
                    top = mod.split(".")[0]
                    ours = mod == "pi_scan.model" or mod.startswith("pi_scan.report")
                    allowed = (
                        top in stdlib or ours or (top == "tabulate" and path.name == "base.py")
                    )
                    assert allowed and top != "logging", f"{path.name} imports {mod}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"open", "print", "input"}, (
                    f"{path.name} calls {node.func.id}"
                )


# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scan", [EMPTY, SCAN], ids=["empty", "fixture"])
def test_json_matches_its_schema(scan: ScanResult, lang: str) -> None:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(json.loads(render("json", lang, scan))), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_json_content() -> None:
    doc = json.loads(render("json"))
    assert doc["errors"] == [{"path": "apks/broken.apk", "error": ERROR_APP.error}]
    notice = doc["results"][1]
    assert [f["rule_id"] for f in notice["findings"]] == ["PI-API-002", "PI-PERM-001"]
    assert notice["suppressed"][0]["justification"].startswith("waiver W-12")
    assert notice["outcomes"]["PI-MAN-001"] == "suppressed"
    assert doc["documents"]["CSL"]["title"] == "Cybersecurity Law"


# --- SARIF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scan", [EMPTY, SCAN], ids=["empty", "fixture"])
def test_sarif_matches_the_official_schema(scan: ScanResult, lang: str) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(json.loads(render("sarif", lang, scan))), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_sarif_content() -> None:
    log = json.loads(render("sarif"))
    [run] = log["runs"]
    assert log["version"] == "2.1.0"
    driver = run["tool"]["driver"]
    assert driver["name"] == "pi-scan"
    assert "informationUri" not in driver
    assert [r["id"] for r in driver["rules"]] == [r.id for r in RULES]
    pp = driver["rules"][3]
    assert pp["shortDescription"]["text"] == "No evidence of a privacy policy"
    assert (
        "Cybersecurity Law (CSL, 2016, amended 2025), Art. 43 (formerly Art. 41)"
        in pp["help"]["text"]
    )
    results = run["results"]
    assert {(r["ruleId"], r["level"]) for r in results} >= {
        ("PI-PERM-005", "error"),
        ("PI-PERM-001", "warning"),
    }
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
    [suppressed] = [r for r in results if "suppressions" in r]
    assert suppressed["ruleId"] == "PI-MAN-001"
    assert suppressed["suppressions"] == [
        {
            "kind": "external",
            "justification": "waiver W-12: internal test build, expires 2026-12-31",
        }
    ]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {
        "apks/clean%20notes.apk",  # its advice, as a SARIF note
        "apks/shop.apk",
        "apks/evil%20app%20%231%20100%25.apk",
    }
    [advice] = [r for r in results if r["level"] == "note"]
    assert advice["ruleId"] == "PI-MAN-001" and "suppressions" not in advice
    api = next(r for r in results if r["ruleId"] == "PI-API-002")
    kinds = {
        (loc["kind"], loc["fullyQualifiedName"]) for loc in api["locations"][0]["logicalLocations"]
    }
    assert ("type", "cn.jpush.android.helper.DeviceInfo") in kinds
    evil = next(
        r
        for r in results
        if r["ruleId"] == "PI-API-002"
        and "evil" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    )
    assert "\x1b" not in evil["message"]["text"]
    assert (
        "=cmd|' /C calc'!A0 \ufffd\\[31m|getImei()" in evil["message"]["text"]
    )  # "[" escaped: no embedded link
    assert (
        evil["properties"]["evidence"][0]["value"] == HOSTILE_EVIDENCE
    )  # machine data stays exact
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [error] = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert error["message"]["text"] == f"apks/broken.apk: could not be analysed: {ERROR_APP.error}"


def test_sarif_without_errors_is_successful() -> None:
    scan = replace(SCAN, results=(PASS_APP, NOTICE_APP))
    assert json.loads(render("sarif", scan=scan))["runs"][0]["invocations"][0][
        "executionSuccessful"
    ]


def test_sarif_fingerprints_survive_a_rebuild() -> None:
    """A new build (other path, version, callers and evidence order) keeps its fingerprints."""
    assert NOTICE_APP.facts is not None
    rebuilt = replace(
        NOTICE_APP,
        path="release/v5.1/shop-5.1.0.apk",
        facts=replace(NOTICE_APP.facts, version_name="5.1.0", version_code=510, sha256="9" * 64),
        outcomes=tuple(
            replace(
                o, evidence=tuple(reversed([replace(e, callers=("a.b.C",)) for e in o.evidence]))
            )
            for o in NOTICE_APP.outcomes
        ),
    )

    def prints(app: ApkResult) -> dict[str, str]:
        log = json.loads(render("sarif", scan=replace(SCAN, results=(app,))))
        return {
            r["ruleId"]: r["partialFingerprints"][FINGERPRINT_KEY]
            for r in log["runs"][0]["results"]
        }

    assert prints(NOTICE_APP) == prints(rebuilt)
    assert len(set(prints(NOTICE_APP).values())) == 3
    assert rebuilt.facts is not None
    other_package = replace(rebuilt, facts=replace(rebuilt.facts, package="com.example.other"))
    assert not set(prints(other_package).values()) & set(prints(NOTICE_APP).values())
    assert fingerprint("p", Outcome("R", Status.FAILED, Level.NOTICE)) != fingerprint(
        "p", Outcome("S", Status.FAILED, Level.NOTICE)
    )


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("apks/a.apk", "apks/a.apk"),
        ("./apks/a b.apk", "apks/a%20b.apk"),
        ("../x/#1?.apk", "../x/%231%3F.apk"),
        ("/srv/apks/应用.apk", "file:///srv/apks/%E5%BA%94%E7%94%A8.apk"),
        ("apks\\win.apk", "apks/win.apk"),
        ("C:\\apks\\a b.apk", "file:///C:/apks/a%20b.apk"),
    ],
)
def test_sarif_artifact_uri(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


# --- JUnit ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_junit_parses_and_counts_match(lang: str) -> None:
    text = render("junit", lang)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "com.example.notes",
        "com.example.shop",
        HOSTILE_PACKAGE,
        "apks/broken.apk",
    ]
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        cases = suite.findall("testcase")
        counted = {
            "tests": len(cases),
            "failures": sum(len(c.findall("failure")) for c in cases),
            "errors": sum(len(c.findall("error")) for c in cases),
            "skipped": sum(len(c.findall("skipped")) for c in cases),
        }
        assert {k: int(suite.get(k, "-1")) for k in counted} == counted
        for key, value in counted.items():
            totals[key] += value
    assert {k: int(root.get(k, "-1")) for k in totals} == totals
    # skipped: the pass app's rule that does not apply, the suppressed and the not-evaluated
    # rule of the notice app, and the removal app's rule not evaluated for partial coverage and
    # its "coverage" case; the pass app's advice is no failure
    assert totals == {"tests": 20, "failures": 5, "errors": 1, "skipped": 5}
    [advice] = [
        c
        for c in root.iter("testcase")
        if c.get("classname") == "com.example.notes" and (c.get("name") or "").startswith("PI-MAN")
    ]
    assert advice.find("failure") is None and advice.find("system-out") is not None
    [coverage] = [c for c in root.iter("testcase") if c.get("name") == "coverage"]
    assert "360 Jiagu" in str(coverage.find("skipped").get("message"))  # type: ignore[union-attr]


def test_clean_xml() -> None:
    assert clean_xml("a\x00b\x1bc\ud800d\uffffe\tf\ng") == "a\ufffdb\ufffdc\ufffdd\ufffde\tf\ng"


def test_junit_cases() -> None:
    root = ET.fromstring(render("junit"))
    shop = root.findall("testsuite")[1]
    cases = {c.get("name"): c for c in shop.findall("testcase")}
    assert all(c.get("classname") == "com.example.shop" for c in cases.values())
    failure = cases["PI-API-002 Third-party SDK code reads device identifiers"].find("failure")
    assert failure is not None and failure.get("type") == "notice"
    assert "<- cn.jpush.android.helper.DeviceInfo" in (failure.text or "")
    skipped = cases["PI-MAN-001 Release build is debuggable"].find("skipped")
    assert (
        skipped is not None
        and skipped.get("message")
        == "suppressed: waiver W-12: internal test build, expires 2026-12-31"
    )
    assert cases["PI-PP-001 No evidence of a privacy policy"].find("*") is None  # passed
    broken = root.findall("testsuite")[3]
    error = broken.find("testcase/error")
    assert error is not None and error.get("message") == ERROR_APP.error
    evil = root.findall("testsuite")[2]
    props = {p.get("name"): p.get("value") for p in evil.iter("property")}
    assert props["version"] == "6.6.6\ufffd[31m|red (666)"


# --- missing values -------------------------------------------------------------------------

UNVERSIONED_APP = ApkResult(
    path="apks/unversioned.apk",
    facts=ApkFacts(path="apks/unversioned.apk", sha256="3d" * 32, size=4_096, package="com.example.unversioned"),
    outcomes=_passed(),
)  # fmt: skip
NAME_ONLY_APP = replace(
    UNVERSIONED_APP,
    path="apks/name-only.apk",
    facts=replace(UNVERSIONED_APP.facts, path="apks/name-only.apk", package="com.example.nameonly", version_name="0.1"),
)  # fmt: skip
UNVERSIONED = ScanResult(
    results=(UNVERSIONED_APP, NAME_ONLY_APP), ruleset=RULESET, tool_version="0.1.0",
    generated_at="2026-11-05T08:30:00+00:00",
)  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["table", "markdown", "html", "csv"])
def test_missing_values_print_as_a_dash(name: str, lang: str) -> None:
    text = render(name, lang, UNVERSIONED)
    assert "None" not in text
    assert "0.1 (-)" in text or name == "csv"
    if name == "csv":
        rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
        assert [(r["version_name"], r["version_code"]) for r in rows] == [("-", "-"), ("0.1", "-")]
    elif name == "table":
        row = next(line for line in text.splitlines() if line.startswith("apks/unversioned.apk"))
        assert row.split()[1:3] == ["com.example.unversioned", "-"]


def test_missing_values_stay_null_in_json() -> None:
    doc = json.loads(render("json", "en", UNVERSIONED))
    first = doc["results"][0]
    assert (first["version_name"], first["version_code"]) == (None, None)


def test_present_versions_print_unchanged() -> None:
    """The quiet side: an app with both parts shows them, no dash."""
    assert "2.4.1 (241)" in render("table")
    assert "2.4.1 (241)" in render("markdown")


# --- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_csv_parses_back_and_is_injection_safe(lang: str) -> None:
    text = render("csv", lang)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    head, body = rows[0], rows[1:]
    assert head[:3] == ["path", "package", "version_name"]
    assert all(len(r) == len(head) for r in body)
    assert len(body) == 1 + 3 + 3 + 1  # pass row, 2 failed + 1 suppressed, 3 failed, error row
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
            assert "\x1b" not in cell
    evil = [dict(zip(head, r, strict=True)) for r in body if r[0].startswith("apks/evil")]
    assert {r["package"] for r in evil} == {"'" + HOSTILE_PACKAGE}
    api = next(r for r in evil if r["rule_id"] == "PI-API-002")
    assert api["evidence"].startswith("'=cmd|' /C calc'!A0 \ufffd[31m|getImei() @ classes*.dex")
    broken = dict(zip(head, body[-1], strict=True))
    assert (broken["verdict"], broken["error"]) == ("error", ERROR_APP.error)


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("\rx", "'\ufffdx"), ("a=b", "a=b"), (None, ""), (12, "12"), ("\x1b[31m", "\ufffd[31m")],
)  # fmt: skip
def test_csv_safe_cell(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


# --- Markdown -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_markdown_escapes_hostile_strings(lang: str) -> None:
    text = render("markdown", lang)
    assert "<script" not in text and "<img" not in text and "<i>" not in text
    assert "\x1b" not in text
    assert md(HOSTILE_PACKAGE) in text
    assert md(HOSTILE_PACKAGE) == r"=cmd\|' /C calc'\!A0"
    starts = (
        "## ",
        "### ",
        "**",
        "|",
        "<sub>",
        "Not evaluated: ",
        "未评估: ",
        "Not applicable: ",
        "不适用: ",
    )
    for line in text.splitlines():
        assert not line or line.startswith(starts), line  # no line starts with an APK string
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) in (5, 7), line  # findings table, apps table


def test_markdown_escape() -> None:
    assert md("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md("a & b") == "a &amp; b"
    assert md("[x](javascript:y) @all #1 !2 *b* _i_ `c` ~d~ $e$ {+f+} %g \\") == (
        r"\[x\](javascript\:y) \@all \#1 \!2 \*b\* \_i\_ \`c\` \~d\~ \$e\$ \{+f+\} \%g \\"
    )
    assert md("see WWW.evil.example or https://evil.example") == (
        r"see WWW\.evil.example or https\://evil.example"
    )
    assert md("two\nlines\r\tx") == "two lines\ufffd x"


# --- HTML -----------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """The element names and attributes of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attrs += attrs


@pytest.mark.parametrize("lang", LANGS)
def test_html_is_inert_and_self_contained(lang: str) -> None:
    text = render("html", lang)
    lower = text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in lower
    assert "<img" not in lower
    assert "http://" not in lower and "https://" not in lower
    tags = _Tags()
    tags.feed(text)
    assert not tags.names & {"script", "img", "iframe", "object", "embed", "link", "base", "form"}
    assert not [
        a for a in tags.attrs if a[0].startswith("on") or a[0] in ("src", "srcset", "action")
    ]
    assert all((v or "").startswith("#") for k, v in tags.attrs if k in ("href", "xlink:href"))
    assert "\x1b" not in text
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert f'<meta http-equiv="Content-Security-Policy" content="{csp}' in text
    assert text.index("Content-Security-Policy") < text.index("<style>")
    assert 'id="summary"' in text
    assert text.count('<article class="app') == 4


def test_html_content() -> None:
    en, zh = render("html", "en"), render("html", "zh")
    assert "<title>pi-scan report</title>" in en and "<title>pi-scan 检测报告</title>" in zh
    assert "Cybersecurity Law (CSL, 2016, amended 2025), Art. 44 (formerly Art. 42)" in en
    assert "《中华人民共和国网络安全法》（CSL, 2016, amended 2025）Art. 44（原 Art. 42）" in zh
    # top SDKs come from the apps' SDK inventories; top PI types from rule tags
    assert "Umeng Analytics" in en and "JPush" in en
    assert "友盟统计" in zh and "极光推送" in zh
    assert "Text messages" in en and "短信" in zh
    assert "none detected" in render("html", "en", EMPTY)
    assert "waiver W-12" in en
    assert (
        "escalation (no-policy-with-sensitive-pi): No privacy policy while sensitive personal information is collectable."
        in en
    )


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)
def test_html_in_a_headless_browser(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render("html"), encoding="utf-8")
    profile = tmp_path / "profile"
    cmd = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert 'id="summary"' in dom
    assert "4</strong>" in dom  # the summary's app count was rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # the hostile label, as text
    assert "<script" not in dom.lower()  # no script element at all
    assert "<img" not in dom.lower()
    assert "<title>pi-scan report</title>" in dom  # no onerror handler renamed the page
    assert "pwned" not in dom.split("</title>")[0]
