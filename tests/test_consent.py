"""Code evidence derived from the call graph (pi_scan.facts.consent and .coverage): what
is collected before consent and through which calls, consent gates, reflection, SDK status,
policy and consent texts, packers and partial coverage in results and in every report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import pytest

from pi_scan.extract import extract_facts
from pi_scan.facts import derive, load_knowledge, rule_facts
from pi_scan.facts.coverage import code_rules
from pi_scan.facts.view import FACTS, default_facts
from pi_scan.judge import judge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import (
    ApkFacts,
    ApkResult,
    CodeEdge,
    CodeNode,
    Component,
    NativeLib,
    ScanResult,
    Status,
    Verdict,
)
from pi_scan.report import REPORTERS

from .conftest import sample

KNOWLEDGE = load_knowledge()
RULES = load_rules()


@cache
def seen(name: str) -> dict[str, Any]:
    """What the rules see for one sample (extracted and derived facts)."""
    return rule_facts(extract_facts(sample(name)), KNOWLEDGE, None)


@cache
def result(name: str) -> ApkResult:
    facts = extract_facts(sample(name))
    return judge(str(sample(name)), facts, RULES, KNOWLEDGE, None)


def found(facts: Mapping[str, Any], **match: object) -> list[dict[str, Any]]:
    return [f for f in facts["pre_consent"] if all(f.get(k) == v for k, v in match.items())]


def fired(res: ApkResult) -> set[str]:
    return {o.rule_id for o in res.failed}


# --- samples: the cases of the issue --------------------------------------------------------


def test_sdk_init_in_application_on_create() -> None:
    facts = seen("sdk-collector.apk")
    [imei] = found(facts, target="API-TEL-DEVICEID")
    assert imei["chain"] == [
        "Lorg/piscan/sample/sdkcollector/NewsApp;->onCreate()V",
        "Lcom/umeng/commonsdk/UMConfigure;->init(Landroid/content/Context;Ljava/lang/String;"
        "Ljava/lang/String;ILjava/lang/String;)V",
        "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;",
    ]
    assert (imei["attributed_to"], imei["gated"], imei["confidence"]) == (
        "umeng-analytics", False, "high",
    )  # fmt: skip
    assert imei["entry_kind"] == "application" and imei["callers"] == [
        "com.umeng.commonsdk.UMConfigure"
    ]
    inits = {f["target"]: f for f in found(facts, kind="sdk_init")}
    assert set(inits) == {"gdt", "getui-push", "jpush", "umeng-analytics"}
    assert all(f["attributed_to"] == "first-party" and not f["gated"] for f in inits.values())
    # the documented start of Getui, not the getInstance() before it
    assert inits["getui-push"]["ref"].startswith("Lcom/igexin/sdk/PushManager;->initialize(")
    when = {s["id"]: s["initialised_when"] for s in facts["sdks"]}
    assert {sid for sid, w in when.items() if w == "before-consent"} == set(inits)
    # JPush's provider is declared but does nothing when created: no auto-init finding
    assert not found(facts, via="auto-init")
    res = result("sdk-collector.apk")
    assert {"PI-CONS-001", "PI-CONS-002"} <= fired(res)
    [outcome] = [o for o in res.failed if o.rule_id == "PI-CONS-001"]
    values = [e.value for e in outcome.evidence]
    assert (
        "API-TEL-DEVICEID: org.piscan.sample.sdkcollector.NewsApp.onCreate -> "
        "com.umeng.commonsdk.UMConfigure.init -> android.telephony.TelephonyManager.getDeviceId"
        " [high confidence]"
    ) in values
    assert all(e.where == "classes*.dex call graph" for e in outcome.evidence)


def test_consent_gated_sample_stays_quiet() -> None:
    facts = seen("consent-gated.apk")
    assert facts["pre_consent"], "the chains exist, behind the gate"
    assert all(f["gated"] for f in facts["pre_consent"])
    assert {f["gate"] for f in facts["pre_consent"]} == {
        "reads consent flag 'privacy_agreed' in org.piscan.sample.consentgated.GatedApp.onCreate"
    }
    # preInit (documented as safe before consent) and JPush's privacy switch start nothing
    refs = {f["ref"] for f in facts["pre_consent"]}
    assert not any("preInit" in r or "JCollectionAuth" in r for r in refs)
    assert not {"PI-CONS-001", "PI-CONS-002"} & fired(result("consent-gated.apk"))
    assert {s["id"]: s["status"] for s in facts["sdks"]} == {
        "jiguang-jcore": "present",  # only told the user's choice: not a start
        "jpush": "collects",
        "umeng-analytics": "collects",
    }
    assert {s["id"]: s["initialised_when"] for s in facts["sdks"]} == {
        "jiguang-jcore": None,
        "jpush": "after-consent",
        "umeng-analytics": "after-consent",
    }
    assert facts["consent_flag_keys"] == ["privacy_agreed"]
    assert facts["policy_urls"] == ["https://reading.example.org/legal/privacy-policy.html"]


def test_auto_init_provider_reads_the_device_id() -> None:
    facts = seen("provider-init.apk")
    [imei] = found(facts, target="API-TEL-DEVICEID")
    assert imei["entry_kind"] == "provider" and imei["attributed_to"] == "tencent-mta"
    assert [c.split("->")[1].split("(")[0] for c in imei["chain"]] == [
        "onCreate", "load", "getDeviceId",
    ]  # fmt: skip
    [auto] = found(facts, kind="sdk_init")
    assert (auto["target"], auto["via"], auto["confidence"]) == ("tencent-mta", "auto-init", "high")
    # near miss: the app's own provider reads the location in query(), which no entry runs
    assert not found(facts, target="API-LOC-LAST-KNOWN")
    assert {"PI-CONS-001", "PI-CONS-002"} <= fired(result("provider-init.apk"))


def test_thread_handler_and_lambda_hand_overs() -> None:
    facts = seen("async-init.apk")
    chains = {
        f["target"]: [c.split("->")[0].split("/")[-1] for c in f["chain"]]
        for f in facts["pre_consent"]
    }
    assert chains == {
        "API-LOC-LAST-KNOWN": ["TrackerApp;", "TrackerApp$1;", "Sensors;", "LocationManager;"],
        "API-WIFI-CONNECTION-INFO": ["TrackerApp;", "WifiTask;", "Sensors;", "WifiManager;"],
        "API-WIFI-MAC": ["TrackerApp;", "WifiTask;", "Sensors;", "WifiInfo;"],
        "API-SETTINGS-SECURE-ANDROID-ID": [
            "TrackerApp;", "Tasks;", "WarmUpLambda;", "Settings$Secure;",
        ],
    }  # fmt: skip
    # through a hand-over: medium confidence; the Kotlin-style lambda is the only Function0
    # the app ever creates, so block.invoke() can run nothing else: as sure as a direct call
    assert {f["target"]: f["confidence"] for f in facts["pre_consent"]} == {
        "API-LOC-LAST-KNOWN": "medium",
        "API-WIFI-CONNECTION-INFO": "medium",
        "API-WIFI-MAC": "medium",
        "API-SETTINGS-SECURE-ANDROID-ID": "high",
    }
    # near misses: the Runnable never posted (contacts), the click listener (clipboard)
    assert not any(f["pi_type"] in ("contacts", "clipboard") for f in facts["pre_consent"])
    assert "PI-CONS-001" in fired(result("async-init.apk"))


def test_reflection_with_constant_names() -> None:
    facts = seen("reflection.apk")
    [imei] = facts["pre_consent"]
    assert imei["via"] == "reflection" and imei["confidence"] == "medium"
    assert imei["ref"] == "reflection: android.telephony.TelephonyManager.getDeviceId (getMethod)"
    assert [r["target"] for r in facts["reflection"]] == [
        "android.telephony.TelephonyManager.getDeviceId"
    ]  # not String.length(), the near miss
    [api010] = [o for o in result("reflection.apk").failed if o.rule_id == "PI-API-010"]
    assert any("looked up by reflection" in e.value for e in api010.evidence)


def test_packed_app_has_partial_coverage_never_a_silent_pass() -> None:
    facts = seen("packed.apk")
    [packer] = facts["packers"]
    assert packer["id"] == "packer-jiagu360"
    assert {
        "application com.stub.StubApp",
        "native_lib libjiagu_a64.so",
        "asset assets/libjiagu.so",
    } <= set(packer["signals"])
    res = result("packed.apk")
    assert not res.coverage.complete and res.coverage.packers == ("360 Jiagu packer",)
    assert any("launcher activity" in x for x in res.coverage.limits)
    assert fired(res) == {"PI-COV-001"} and res.verdict is Verdict.NOTICE
    statuses = {o.rule_id: o.status for o in res.outcomes}
    for rule_id in ("PI-API-001", "PI-CONS-001", "PI-CONS-002", "PI-SDK-005"):
        assert statuses[rule_id] is Status.NOT_EVALUATED, rule_id
        assert rule_id in res.coverage.rules
    assert statuses["PI-PP-001"] is Status.PASSED  # found its evidence in the resources


def test_launcher_only_findings_depend_on_a_consent_dialog() -> None:
    facts = seen("multidex.apk")
    [imei] = found(facts, target="API-TEL-IMEI")
    assert (imei["entry_kind"], imei["confidence"]) == ("launcher", "medium")  # no dialog at all
    with_dialog = {k: v for k, v in facts.items() if k in FACTS}
    with_dialog["resource_strings"] = ["Agree", "Disagree"]
    with_dialog["resource_texts"] = [  # the app's own texts are read by name and locale
        {"name": "agree", "locale": "", "value": "Agree"},
        {"name": "disagree", "locale": "", "value": "Disagree"},
    ]
    again = derive(with_dialog, KNOWLEDGE, None)
    [imei] = found(again, target="API-TEL-IMEI")
    assert imei["confidence"] == "low" and "may show the consent dialog" in imei["summary"]


def test_clean_sample_has_nothing_before_consent() -> None:
    facts = seen("clean.apk")
    assert facts["pre_consent"] == [] and facts["coverage_limits"] == []
    assert facts["policy_files"] == ["assets/privacy_policy.html"]
    assert result("clean.apk").coverage.complete


# --- gates and targets on hand-made graphs --------------------------------------------------


APP = "Lcom/a/App;->onCreate()V"
HELPER = "Lcom/a/Consent;->agreed()Z"
IMEI = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
PREFS_BOOL = "Landroid/content/SharedPreferences;->getBoolean(Ljava/lang/String;Z)Z"


def graph_facts(nodes: Iterable[CodeNode], **extra: Any) -> dict[str, Any]:
    facts = {k: v for k, v in default_facts().items() if k in FACTS}
    facts["entry_points"] = [{"method": APP, "kind": "application", "component": "com.a.App"}]
    facts["code_graph"] = list(nodes)
    facts.update(extra)
    return derive(facts, KNOWLEDGE, None)


def node(method: str, *ops: str, edges: tuple[tuple[int, str], ...] = ()) -> CodeNode:
    return CodeNode(method, ops, tuple(CodeEdge(at, target) for at, target in edges))


def test_flag_read_before_the_call_gates_it() -> None:
    facts = graph_facts([node(APP, '"privacy_agreed', PREFS_BOOL, IMEI)])
    [imei] = facts["pre_consent"]
    assert imei["gated"] and "'privacy_agreed'" in str(imei["gate"])


def test_flag_read_after_the_call_does_not_gate_it() -> None:
    facts = graph_facts([node(APP, IMEI, '"privacy_agreed', PREFS_BOOL)])
    [imei] = facts["pre_consent"]
    assert not imei["gated"]


def test_flag_read_in_a_helper_gates_the_caller() -> None:
    helper = node(HELPER, '"user_consent_given', PREFS_BOOL)
    app = node(APP, HELPER, IMEI, edges=((0, HELPER),))
    [imei] = graph_facts([app, helper])["pre_consent"]
    assert imei["gated"] and "com.a.Consent.agreed" in str(imei["gate"])


@pytest.mark.parametrize(
    "ops",
    [
        # a prefs file named like consent is not a flag
        ('"privacy', "Lcom/a/App;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;"),
        # a key naming a URL is not a flag
        ('"privacy_policy_url', "Landroid/content/SharedPreferences;->getString(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;"),
        # a key that is not about consent
        ('"first_launch', PREFS_BOOL),
    ],
)  # fmt: skip
def test_near_miss_gates(ops: tuple[str, ...]) -> None:
    [imei] = graph_facts([node(APP, *ops, IMEI)])["pre_consent"]
    assert not imei["gated"]


AMAP_AGREE = (
    "Lcom/amap/api/location/AMapLocationClient;->updatePrivacyAgree(Landroid/content/Context;Z)V"
)
AMAP_SHOW = (
    "Lcom/amap/api/location/AMapLocationClient;->updatePrivacyShow(Landroid/content/Context;ZZ)V"
)
AMAP_START = "Lcom/amap/api/location/AMapLocationClient;->startLocation()V"
AMAP = ["com.amap.api.location.AMapLocationClient"]


def _amap(*ops: str, consts: tuple[tuple[int, int, int], ...] = ()) -> list[dict[str, Any]]:
    code = CodeNode(APP, ops, (), consts)
    return found(graph_facts([code], classes=AMAP), kind="sdk_init")


def test_privacy_switch_with_consent_not_given_gates_its_own_sdk() -> None:
    """updatePrivacyAgree(ctx, false): AMap is told consent is not given and collects
    nothing (https://lbs.amap.com/news/sdkhgsy)."""
    [init] = _amap(AMAP_AGREE, AMAP_START, consts=((0, 1, 0),))
    assert init["target"] == "amap" and init["ref"] == AMAP_START and init["gated"]
    assert "with consent not given" in str(init["gate"])


def test_privacy_switch_with_consent_not_given_gates_the_sdks_own_reads() -> None:
    """What AMap's code reads after the app told it consent is not given is gated too."""
    app = CodeNode(APP, (AMAP_AGREE, AMAP_START), (CodeEdge(1, AMAP_START),), ((0, 1, 0),))
    facts = graph_facts([app, node(AMAP_START, IMEI)], classes=AMAP)
    [imei] = found(facts, kind="api")
    assert imei["attributed_to"] == "amap" and imei["gated"]
    # told the user agreed (before they could), its reads are reported
    app = CodeNode(APP, (AMAP_AGREE, AMAP_START), (CodeEdge(1, AMAP_START),), ((0, 1, 1),))
    [imei] = found(graph_facts([app, node(AMAP_START, IMEI)], classes=AMAP), kind="api")
    assert not imei["gated"]


def test_privacy_switch_granting_consent_is_no_gate() -> None:
    """updatePrivacyAgree(ctx, true) in Application.onCreate tells AMap the user agreed before
    they could: the start after it is not gated (nor is the switch an initialisation)."""
    [init] = _amap(AMAP_AGREE, AMAP_START, consts=((0, 1, 1),))
    assert (init["ref"], init["gated"]) == (AMAP_START, False)
    assert _amap(AMAP_AGREE, consts=((0, 1, 1),)) == []


def test_qq_permission_switch_reads_its_first_argument() -> None:
    """Tencent.setIsPermissionGranted(granted, model): QQ's SDK works only after it is told
    the user agreed (QQ Connect's FAQ, cited in sdks.json)."""
    granted = "Lcom/tencent/tauth/Tencent;->setIsPermissionGranted(ZLjava/lang/String;)V"
    create = "Lcom/tencent/tauth/Tencent;->createInstance(Ljava/lang/String;Landroid/content/Context;)Lcom/tencent/tauth/Tencent;"
    classes = ["com.tencent.tauth.Tencent"]
    for value, gated in ((0, True), (1, False)):
        code = CodeNode(APP, (granted, create), (), ((0, 0, value),))
        [init] = found(graph_facts([code], classes=classes), kind="sdk_init")
        assert (init["target"], init["ref"], init["gated"]) == ("qq-connect", create, gated)


def test_privacy_switch_with_an_unknown_argument_is_no_gate() -> None:
    [init] = _amap(AMAP_AGREE, AMAP_START)
    assert not init["gated"]
    assert _amap(AMAP_AGREE) == []  # and not a grant either


def test_privacy_switch_without_a_documented_value_gates_as_before() -> None:
    """updatePrivacyShow(ctx, isContains, isShow) says the policy was shown, not a choice."""
    [init] = _amap(AMAP_SHOW, AMAP_START, consts=((0, 1, 1), (0, 2, 1)))
    assert init["gated"] and "privacy switch" in str(init["gate"])


def test_documented_safe_calls_are_not_walked_into() -> None:
    pre_init = "Lcom/igexin/sdk/PushManager;->preInit(Landroid/content/Context;)V"
    other = "Lcom/igexin/sdk/PushManager;->helper(Landroid/content/Context;)V"
    classes = ["com.igexin.sdk.PushManager"]
    safe = [node(APP, pre_init, edges=((0, pre_init),)), node(pre_init, IMEI)]
    assert graph_facts(safe, classes=classes)["pre_consent"] == []
    # the same code behind a method the vendor does not document as safe is reported
    unsafe = [node(APP, other, edges=((0, other),)), node(other, IMEI)]
    [imei] = found(graph_facts(unsafe, classes=classes), kind="api")
    assert imei["chain"] == [APP, other, IMEI] and imei["attributed_to"] == "getui-push"


GETUI = ["com.igexin.sdk.PushManager"]
GET_INSTANCE = "Lcom/igexin/sdk/PushManager;->getInstance()Lcom/igexin/sdk/PushManager;"
PRE_INIT = "Lcom/igexin/sdk/PushManager;->preInit(Landroid/content/Context;)Z"
INITIALIZE = "Lcom/igexin/sdk/PushManager;->initialize(Landroid/content/Context;)V"


def test_an_accessor_for_a_safe_call_is_no_initialisation() -> None:
    """Getui's documented pre-init is PushManager.getInstance().preInit(ctx): fetching the
    object is part of it (a real app's consent dialog build, tests/test_real_sdk.py)."""
    assert found(graph_facts([node(APP, GET_INSTANCE, PRE_INIT)], classes=GETUI)) == []
    [init] = found(graph_facts([node(APP, GET_INSTANCE, INITIALIZE)], classes=GETUI))
    assert init["ref"] == INITIALIZE and not init["gated"]
    # the accessor alone, or followed by another class's call, still starts the SDK
    [alone] = found(graph_facts([node(APP, GET_INSTANCE, IMEI)], classes=GETUI), kind="sdk_init")
    assert alone["ref"] == GET_INSTANCE


def test_a_pre_initialisation_does_not_start_the_sdk() -> None:
    def status(ref: str) -> str:
        refs = [{"ref": ref, "callers": ["com.a.App"]}]
        facts = graph_facts([node(APP, ref)], classes=GETUI, method_refs=refs)
        return {s["id"]: s["status"] for s in facts["sdks"]}["getui-push"]

    assert status(PRE_INIT) == "present"
    assert status(INITIALIZE) == "initialised"


def test_an_sdks_own_call_of_its_documented_start_is_not_the_apps() -> None:
    """Getui's AssistUtils calls PushManager.initialize itself: the app did not."""

    def called(caller: str) -> bool | None:
        refs = [{"ref": INITIALIZE, "callers": [caller]}]
        facts = graph_facts([node(APP)], classes=GETUI, method_refs=refs)
        [getui] = [s for s in facts["sdks"] if s["id"] == "getui-push"]
        return getui["post_consent_called"]

    assert called("com.igexin.assist.util.AssistUtils") is False
    assert called("com.a.App") is True


def test_an_installed_app_listing_in_an_sdk_nothing_starts_is_not_counted() -> None:
    listing = "Landroid/content/pm/PackageManager;->getInstalledPackages(I)Ljava/util/List;"
    create = "Lcom/tencent/tauth/Tencent;->createInstance(Ljava/lang/String;Landroid/content/Context;)Lcom/tencent/tauth/Tencent;"

    def counted(*refs: dict[str, Any]) -> list[bool]:
        facts = graph_facts(
            [node(APP)], classes=["com.tencent.tauth.Tencent"], method_refs=list(refs)
        )
        return [item["counted"] for item in facts["installed_app_lists"]]

    in_qq = {"ref": listing, "callers": ["com.tencent.connect.auth.QQAuth"]}
    assert counted(in_qq) == [False]  # QQ's SDK is only present
    assert counted(in_qq, {"ref": create, "callers": ["com.a.App"]}) == [True]


def test_an_sdk_starts_another_only_from_code_the_app_runs() -> None:
    """JPush's code calling JCore's starts JCore only when the app can run that code."""
    jpush_init = "Lcn/jpush/android/api/JPushInterface;->init(Landroid/content/Context;)V"
    jcore_init = "Lcn/jiguang/api/JCoreInterface;->init(Landroid/content/Context;Z)Z"
    refs = [
        {"ref": jpush_init, "callers": ["com.a.App"]},
        {"ref": jcore_init, "callers": ["cn.jpush.android.b.a"]},
    ]
    classes = ["cn.jpush.android.api.JPushInterface", "cn.jiguang.api.JCoreInterface"]
    reach = [APP, jpush_init]

    def statuses(reachable: list[str]) -> dict[str, str]:
        facts = graph_facts([node(APP)], classes=classes, method_refs=refs, app_reachable=reachable)
        return {s["id"]: s["status"] for s in facts["sdks"]}

    assert statuses(reach) == {"jpush": "initialised", "jiguang-jcore": "present"}
    started = statuses([*reach, "Lcn/jpush/android/b/a;->c()V"])
    assert started == {"jpush": "initialised", "jiguang-jcore": "initialised"}


def test_weak_apis_are_left_out() -> None:
    info = "Landroid/content/pm/PackageManager;->getPackageInfo(Ljava/lang/String;I)Landroid/content/pm/PackageInfo;"
    assert graph_facts([node(APP, info)])["pre_consent"] == []


def test_unreachable_code_is_not_before_consent() -> None:
    other = node("Lcom/a/Settings;->onClick()V", IMEI)
    assert graph_facts([node(APP), other])["pre_consent"] == []


# --- policy, consent and deletion texts -----------------------------------------------------


def test_policy_and_consent_texts() -> None:
    facts = graph_facts(
        [],
        strings=["https://m.example.cn/h5/yinsi.html", "isAgreePrivacyPolicy", "agree", "https://cdn.example.cn/logo.png",
                 "user/zhuxiao"],
        resource_strings=["我已阅读并同意《用户协议》和《隐私政策》", "查看 https://example.cn/privacy 了解详情", "注销账号"],
        assets=["assets/xieyi.html", "assets/logo.png"],
        raw_resources=["res/raw/privacy.txt"],
    )  # fmt: skip
    assert facts["policy_urls"] == [
        "https://example.cn/privacy",
        "https://m.example.cn/h5/yinsi.html",
    ]
    assert facts["policy_files"] == ["assets/xieyi.html", "res/raw/privacy.txt"]
    assert facts["consent_flag_keys"] == ["isAgreePrivacyPolicy"]
    assert facts["consent_texts"] == ["我已阅读并同意《用户协议》和《隐私政策》"]
    assert facts["account_deletion_texts"] == ["注销账号", "user/zhuxiao"]


# --- coverage -------------------------------------------------------------------------------


def base_facts(**changes: Any) -> ApkFacts:
    fields: dict[str, Any] = {
        "path": "x.apk", "sha256": "0" * 64, "size": 1, "package": "com.x",
        "dex_files": ("classes.dex",), "classes": ("com.x.App", "com.x.Main"),
        "application": {"class": "com.x.App"}, "launcher_activity": "com.x.Main",
        "components": (Component("activity", "com.x.Main", True),),
        "resource_strings": ("隐私政策", "同意", "不同意"),
    }  # fmt: skip
    fields.update(changes)
    return ApkFacts(**fields)


def test_unreadable_dex_is_partial_coverage_but_no_packer() -> None:
    facts = base_facts(warnings=("classes2.dex: bad magic b'PK\\x03\\x04'",))
    res = judge("x.apk", facts, RULES, KNOWLEDGE, None)
    assert not res.coverage.complete and res.coverage.packers == ()
    assert res.coverage.limits == ("DEX file not read: classes2.dex: bad magic b'PK\\x03\\x04'",)
    # decided: with nothing else wrong the app may still pass, its code checks not evaluated
    assert res.verdict is Verdict.PASS and "PI-COV-001" not in fired(res)
    assert "PI-API-001" in res.coverage.rules


@pytest.mark.parametrize(
    ("changes", "packer"),
    [
        ({"application": {"class": "com.tencent.StubShell.TxAppEntry"}}, "packer-legu"),
        ({"native_libs": (NativeLib("libDexHelper.so", "arm64-v8a", "lib/arm64-v8a/libDexHelper.so"),)}, "packer-bangcle"),
        ({"assets": ("assets/ijiami.dat",)}, "packer-ijiami"),
        ({"classes": ("com.SecShell.SecShell", "com.x.Main")}, "packer-bangcle"),
        ({"application": {"class": "com.ali.mobisecenhance.StubApplication"}}, "packer-alibaba"),
        ({"application": {"class": "com.x.RealApp"}}, "packer-unknown"),  # not in the DEX
    ],
)  # fmt: skip
def test_packers(changes: dict[str, Any], packer: str) -> None:
    res = judge("x.apk", base_facts(**changes), RULES, KNOWLEDGE, None)
    facts = rule_facts(base_facts(**changes), KNOWLEDGE, None)
    assert [p["id"] for p in facts["packers"]] == [packer]
    assert not res.coverage.complete and "PI-COV-001" in fired(res)
    assert res.verdict is not Verdict.PASS


def test_complete_coverage_changes_nothing() -> None:
    res = judge("x.apk", base_facts(), RULES, KNOWLEDGE, None)
    assert res.coverage.complete and res.coverage.rules == ()
    assert not any(o.reason and "could not all be read" in o.reason for o in res.outcomes)


def test_code_rules_are_the_ones_that_fire_on_code() -> None:
    ids = set(code_rules(RULES.rules))
    assert {"PI-API-001", "PI-CONS-001", "PI-CONS-002", "PI-SDK-005"} <= ids
    # absence rules (no policy, no consent dialog) pass only on evidence found: kept
    assert not {"PI-PP-001", "PI-PP-002", "PI-COV-001", "PI-PERM-001"} & ids


# --- every report shows the SDK inventory and the coverage ----------------------------------


def test_every_report_shows_sdk_status_and_coverage() -> None:
    scan = ScanResult(
        results=(result("packed.apk"), result("sdk-collector.apk")),
        ruleset=RULES,
        tool_version="0",
        generated_at="2026-11-29T00:00:00+00:00",
    )
    data = ('"status": "collects"', '"complete": false')
    words = {"en": ("collects", "partial coverage"), "zh": ("有收集", "检测不完整")}
    for name, reporter in REPORTERS.items():
        for lang in ("en", "zh"):
            text = reporter.render(scan, lang)
            assert "360 Jiagu packer" in text, (name, lang)
            for word in data if name in ("json", "sarif") else words[lang]:
                assert word in text, (name, lang, word)


# --- SDK status reads the whole-app reachable set -------------------------------------------


def _statuses(facts: dict[str, Any]) -> dict[str, str]:
    derived = derive(facts, KNOWLEDGE, None)
    return {s["id"]: s["status"] for s in derived["sdks"]}


def test_sdk_status_counts_only_code_the_app_can_run() -> None:
    facts = dict(seen("sdk-collector.apk"))
    assert _statuses(facts)["umeng-analytics"] == "collects"
    # the SDK's own PI-reading code is not in the whole-app set: called, but not collecting
    first_party = [m for m in facts["app_reachable"] if "/piscan/" in m]
    facts["app_reachable"] = first_party
    assert _statuses(facts)["umeng-analytics"] == "initialised"
    # and a first-party caller nothing reaches does not initialise it
    facts["app_reachable"] = [m for m in first_party if "NewsApp" not in m]
    assert _statuses(facts)["umeng-analytics"] == "present"


def test_sdk_status_ignores_an_incomplete_whole_app_set() -> None:
    facts = dict(seen("sdk-collector.apk"))
    facts["app_reachable"] = [m for m in facts["app_reachable"] if "NewsApp" in m]
    limit = "whole-app call graph: 3 call sites with more than 16 possible targets"
    facts["code_graph_limits"] = [limit]
    assert _statuses(facts)["umeng-analytics"] == "collects"
    facts["app_reachable"] = []  # not built
    facts["code_graph_limits"] = []
    assert _statuses(facts)["umeng-analytics"] == "collects"
