"""Platform libraries: the catalogue, the party of a class, API uses split by party, installed-app
lists told from specific-intent queries, and the app's own resource texts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pi_scan.errors import RuleLoadError
from pi_scan.extract import extract_facts
from pi_scan.facts import derive, load_knowledge
from pi_scan.facts.parties import (
    app_resource_strings,
    app_strings,
    installed_app_lists,
    split_api_uses,
)
from pi_scan.facts.platform import (
    APP,
    PLATFORM,
    SDK,
    Parties,
    classify,
    is_read_locale,
    load_platform_catalogue,
)
from pi_scan.facts.view import fact_dict
from pi_scan.judge.engine import evaluate_rule
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import CodeNode, RefTable, Status

from .conftest import ROOT, invoke, sample

CATALOG = ROOT / "rules" / "catalog"
KNOWLEDGE = load_knowledge()
PLATFORM_LIBS = KNOWLEDGE.platform
PARTIES = Parties(KNOWLEDGE.sdks, PLATFORM_LIBS)
ENTRIES = json.loads((CATALOG / "platform-libs.json").read_text(encoding="utf-8"))["libraries"]
PREFIXES = [(e["id"], p) for e in ENTRIES for p in e["prefixes"]]
RES_PREFIXES = [(e["id"], p) for e in ENTRIES for p in e["resource_prefixes"]]
RES_NAMES = [(e["id"], n) for e in ENTRIES for n in e["resource_names"]]


# ---- the catalogue, entry by entry


def test_catalogue_loads_with_every_entry() -> None:
    assert len(PLATFORM_LIBS) == len(ENTRIES) >= 15
    for entry in ENTRIES:
        assert entry["source"].startswith("https://")
        assert ":" in entry["maven"]


@pytest.mark.parametrize(("lib", "prefix"), PREFIXES)
def test_package_prefix_fires_and_its_sibling_stays_quiet(lib: str, prefix: str) -> None:
    assert classify(prefix + "Foo", KNOWLEDGE.sdks, PLATFORM_LIBS) == (PLATFORM, lib)
    assert classify(prefix + "inner.Bar$1", KNOWLEDGE.sdks, PLATFORM_LIBS) == (PLATFORM, lib)
    smali = "L" + prefix.replace(".", "/") + "Foo;"
    assert PLATFORM_LIBS.lib_of_class(smali) == lib
    sibling = prefix[:-1] + "x.Foo"  # "androidx.appcompatx.Foo": another package
    assert PLATFORM_LIBS.lib_of_class(sibling) != lib


@pytest.mark.parametrize(("lib", "prefix"), RES_PREFIXES)
def test_resource_prefix_fires_and_a_lookalike_stays_quiet(lib: str, prefix: str) -> None:
    owner = PLATFORM_LIBS.lib_of_resource(prefix + "action_bar_title")
    assert owner is not None
    # a prefix two libraries share (design_) goes to the first; it is a library's either way
    assert owner == lib or prefix in {p for other, p in RES_PREFIXES if other == owner}
    assert PLATFORM_LIBS.lib_of_resource("my" + prefix + "title") is None
    assert PLATFORM_LIBS.lib_of_resource(prefix.rstrip("_") + "title") is None


@pytest.mark.parametrize(("lib", "name"), RES_NAMES)
def test_resource_name_fires_and_a_longer_name_stays_quiet(lib: str, name: str) -> None:
    assert PLATFORM_LIBS.lib_of_resource(name) == lib
    assert PLATFORM_LIBS.lib_of_resource(name + "_of_the_app") is None


@pytest.mark.parametrize(
    ("cls", "party"),
    [
        ("com.google.android.gms.ads.AdView", (SDK, "google-admob")),
        ("com.google.android.gms.measurement.AppMeasurement", (SDK, "firebase-analytics")),
        ("com.google.android.gms.location.FusedLocationProviderClient", None),
        ("com.google.android.gms.common.GoogleApiAvailability", (PLATFORM, "play-services-base")),
        ("com.google.android.gms.tasks.Task", (PLATFORM, "play-services-base")),
        ("androidx.appcompat.app.TwilightManager", (PLATFORM, "androidx-appcompat")),
        ("kotlinx.coroutines.BuildersKt", (PLATFORM, "kotlinx-coroutines")),
        ("com.example.app.MainActivity", (APP, None)),
        ("a.b", (APP, None)),
    ],
)
def test_sdks_win_over_platform_libraries(cls: str, party: tuple[str, str | None] | None) -> None:
    got = PARTIES.of_class(cls)
    if party is None:  # fused location: whatever SDK the catalogue names, an SDK
        assert got[0] == SDK
    else:
        assert got[0] == party[0]
        if party[0] != SDK:
            assert got == party
    assert PARTIES.label(cls) == (got[0] if got[1] is None else f"{got[0]}:{got[1]}")


@pytest.mark.parametrize(
    ("locale", "read"),
    [
        ("", True),
        ("\x00\x00", True),
        ("zh", True),
        ("zh-rCN", True),
        ("zh-rTW", True),
        ("zh-rHK", True),
        ("b+zh+Hans", True),
        ("b+zh+Hant+TW", True),
        ("pt-rBR", False),
        ("da", False),
        ("fil", False),
        ("b+sr+Latn", False),
        ("zu", False),
    ],
)
def test_locales_read(locale: str, read: bool) -> None:
    assert is_read_locale(locale) is read


# ---- malformed catalogues


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG, target)
    return target


def _edit(folder: Path, change: Any) -> Path:
    path = folder / "platform-libs.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["libraries"])
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (lambda libs: libs[0].update(prefixes=["androidx."]), "prefixes[0]", "whole vendor"),
        (
            lambda libs: libs[1].update(prefixes=libs[0]["prefixes"]),
            "prefixes[0]",
            "already claimed",
        ),
        (lambda libs: libs[1].update(id=libs[0]["id"]), ".id", "duplicate id"),
        (
            lambda libs: libs[0].update(prefixes=["com.google.android.gms.ads."]),
            "prefixes[0]",
            "SDK 'google-admob'",
        ),
        (lambda libs: libs[0].pop("source"), "$.libraries[0]", "'source' is a required"),
        (lambda libs: libs[0].update(resource_prefixes=["abc"]), "resource_prefixes", "match"),
    ],
)
def test_malformed_catalogue_is_one_line_error(
    folder: Path, change: Any, where: str, message: str
) -> None:
    path = _edit(folder, change)
    with pytest.raises(RuleLoadError) as info:
        load_platform_catalogue(path, KNOWLEDGE.sdks)
    assert where in info.value.json_path and message in str(info.value)


def test_knowledge_without_the_file_has_no_platform_libraries(folder: Path) -> None:
    (folder / "platform-libs.json").unlink()
    assert len(load_knowledge(folder).platform) == 0


# ---- API uses split by party

LAST_KNOWN = "Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;"
TWILIGHT = "androidx.appcompat.app.TwilightManager"
TWILIGHT_CALL = "Landroidx/appcompat/app/TwilightManager;->isNight()Z"
FINE = "android.permission.ACCESS_FINE_LOCATION"


def _derived(**facts: Any) -> dict[str, Any]:
    return derive(facts, KNOWLEDGE, None)


def _use(derived: dict[str, Any], fact: str, api: str) -> dict[str, Any] | None:
    return next((u for u in derived[fact] if u["id"] == api), None)


def test_platform_call_not_reached_is_not_the_apps() -> None:
    d = _derived(method_refs=[{"ref": LAST_KNOWN, "callers": [TWILIGHT]}], permissions=[FINE])
    assert _use(d, "api_uses", "API-LOC-LAST-KNOWN") is None
    moved = _use(d, "platform_api_uses", "API-LOC-LAST-KNOWN")
    assert moved is not None and moved["first_party"] is False
    assert moved["platform_callers"] == [
        {"class": TWILIGHT, "library": "androidx-appcompat", "reached_from": None, "counted": False}
    ]
    assert "location_precise" not in d["api_pi_types"]


def test_platform_call_reached_without_the_permission_is_not_the_apps() -> None:
    refs = [
        {"ref": LAST_KNOWN, "callers": [TWILIGHT]},
        {"ref": TWILIGHT_CALL, "callers": ["com.example.Main"]},
    ]
    d = _derived(method_refs=refs, permissions=[])
    assert _use(d, "api_uses", "API-LOC-LAST-KNOWN") is None
    moved = _use(d, "platform_api_uses", "API-LOC-LAST-KNOWN")
    assert moved is not None and moved["platform_callers"][0]["reached_from"] == "com.example.Main"


def test_platform_call_reached_with_the_permission_is_the_apps() -> None:
    refs = [
        {"ref": LAST_KNOWN, "callers": [TWILIGHT]},
        {"ref": TWILIGHT_CALL, "callers": ["com.example.Main"]},
    ]
    d = _derived(method_refs=refs, permissions=[FINE])
    use = _use(d, "api_uses", "API-LOC-LAST-KNOWN")
    assert use is not None and use["first_party"] is True and use["callers"] == [TWILIGHT]
    assert use["party_callers"] == [
        f"{TWILIGHT} (platform:androidx-appcompat, called from com.example.Main)"
    ]
    assert d["platform_api_uses"] == []


def test_sdk_and_app_callers_keep_counting_next_to_a_platform_caller() -> None:
    refs = [{"ref": LAST_KNOWN, "callers": [TWILIGHT, "cn.jpush.android.api.JPushInterface"]}]
    d = _derived(method_refs=refs, permissions=[FINE])
    use = _use(d, "api_uses", "API-LOC-LAST-KNOWN")
    assert use is not None
    assert use["callers"] == ["cn.jpush.android.api.JPushInterface"]
    assert use["sdks"] == ["jpush"] and use["first_party"] is False
    assert use["party_callers"] == ["cn.jpush.android.api.JPushInterface"]
    [jpush] = [s for s in d["sdks"] if s["id"] == "jpush"] or [None]
    assert jpush is None or jpush["status"] != "present"


def test_platform_callers_never_make_an_sdk_collect() -> None:
    # Play services base (platform) reads the location; the AdMob SDK is present but quiet
    refs = [{"ref": LAST_KNOWN, "callers": ["com.google.android.gms.common.internal.Loc"]}]
    d = _derived(
        method_refs=refs,
        permissions=[FINE],
        classes=["com.google.android.gms.ads.AdView", "com.google.android.gms.common.internal.Loc"],
    )
    [admob] = [s for s in d["sdks"] if s["id"] == "google-admob"]
    assert admob["status"] == "present"
    assert _use(d, "api_uses", "API-LOC-LAST-KNOWN") is None


def test_split_keeps_string_hits() -> None:
    uses = [{"id": "X", "kind": "string", "callers": [], "refs": ["/sys/x"]}]
    kept, moved = split_api_uses(uses, {}, PARTIES, KNOWLEDGE.catalogues.apis)
    assert moved == [] and kept[0]["party_callers"] == [] and kept[0]["refs"] == ["/sys/x"]


def test_api_use_evidence_names_the_party() -> None:
    refs = [
        {"ref": LAST_KNOWN, "callers": [TWILIGHT, "cn.jpush.android.api.JPushInterface"]},
        {"ref": TWILIGHT_CALL, "callers": ["com.example.Main"]},
    ]
    d = _derived(method_refs=refs, permissions=[FINE])
    rule = next(r for r in load_rules().rules if r.id == "PI-API-006")
    outcome = evaluate_rule(d, rule)
    callers = {c for e in outcome.evidence for c in e.callers}
    assert "cn.jpush.android.api.JPushInterface" in callers
    assert any("platform:androidx-appcompat" in c for c in callers)


# ---- installed-app lists

QUERY = "Landroid/content/pm/PackageManager;->queryIntentActivities(Landroid/content/Intent;I)Ljava/util/List;"
INSTALLED = "Landroid/content/pm/PackageManager;->getInstalledApplications(I)Ljava/util/List;"
FOR_UID = "Landroid/content/pm/PackageManager;->getPackagesForUid(I)[Ljava/lang/String;"


def _lists(caller: str, ref: str, *consts: str, reached: bool = False) -> list[dict[str, Any]]:
    method = "L" + caller.replace(".", "/") + ";->m()V"
    ops = (*tuple('"' + c for c in consts), ref)
    refs = [{"ref": ref, "callers": [caller]}]
    if reached:
        refs.append({"ref": "L" + caller.replace(".", "/") + ";->m()V", "callers": ["com.ex.Main"]})
    facts = {"method_refs": refs, "intent_query_code": [CodeNode(method, ops)]}
    return installed_app_lists(facts, PARTIES)


@pytest.mark.parametrize(
    ("caller", "ref", "consts", "reached", "how", "counted"),
    [
        (
            "com.ex.Drawer",
            QUERY,
            ("android.intent.action.MAIN", "android.intent.category.LAUNCHER"),
            False,
            "launcher-query",
            True,
        ),
        (
            "com.ex.Share",
            QUERY,
            ("android.intent.action.SEND", "text/plain"),
            False,
            "specific-intent",
            False,
        ),
        ("com.ex.Links", QUERY, ("https://example.com/",), False, "specific-intent", False),
        ("com.ex.Mail", QUERY, ("mailto:",), False, "specific-intent", False),
        ("com.ex.Opaque", QUERY, (), False, "unknown-intent", False),
        ("com.ex.Apps", INSTALLED, (), False, "list", True),
        ("com.ex.Uid", FOR_UID, (), False, "uid-probe", False),
        ("com.igexin.sdk.PushManager", INSTALLED, (), False, "list", True),
        (
            "androidx.appcompat.widget.ActivityChooserModel",
            QUERY,
            ("android.intent.action.SEND",),
            True,
            "specific-intent",
            False,
        ),
        (
            "androidx.core.content.pm.Launchers",
            QUERY,
            ("android.intent.action.MAIN",),
            False,
            "launcher-query",
            False,
        ),
        (
            "androidx.core.content.pm.Launchers",
            QUERY,
            ("android.intent.action.MAIN",),
            True,
            "launcher-query",
            True,
        ),
    ],
)
def test_installed_app_list_kinds(
    caller: str, ref: str, consts: tuple[str, ...], reached: bool, how: str, counted: bool
) -> None:
    [item] = _lists(caller, ref, *consts, reached=reached)
    assert (item["how"], item["counted"]) == (how, counted)
    assert item["party"] == PARTIES.label(caller)
    assert caller in item["summary"] and how in item["summary"]


def test_installed_app_lists_in_the_sample() -> None:
    d = derive(fact_dict(extract_facts(sample("platform-libs.apk"))), KNOWLEDGE, None)
    [item] = d["installed_app_lists"]
    assert item["how"] == "specific-intent" and item["counted"] is False
    assert item["party"] == "platform:androidx-appcompat"
    assert item["method"].startswith("Landroidx/appcompat/widget/ShareTargets;->canShareText(")
    moved = {u["id"] for u in d["platform_api_uses"]}
    assert "API-LOC-LAST-KNOWN" in moved and "API-LOC-LAST-KNOWN" not in {
        u["id"] for u in d["api_uses"]
    }
    assert d["pre_consent"] == []  # the guarded read needs a permission the app lacks


# ---- resource texts


def test_app_resource_strings_keep_default_and_chinese_app_texts() -> None:
    texts = [
        {"name": "login", "locale": "", "value": "Log in"},
        {"name": "login", "locale": "zh-rCN", "value": "登录"},
        {"name": "login", "locale": "b+zh+Hant", "value": "登入"},
        {"name": "login", "locale": "pt-rBR", "value": "Fazer login"},
        {"name": "common_signin_button_text", "locale": "", "value": "Sign in"},
        {"name": "abc_action_bar_home_description", "locale": "zh-rCN", "value": "转到首页"},
        {"name": "a1", "locale": "", "value": "Sign up"},  # AndResGuard-style: the app's
    ]
    got = app_resource_strings(texts, PLATFORM_LIBS)
    assert [(t["name"], t["locale"], t["value"]) for t in got] == [
        ("login", "", "Log in"),
        ("login", "zh-rCN", "登录"),
        ("login", "b+zh+Hant", "登入"),
        ("a1", "", "Sign up"),
    ]
    assert got[1]["where"] == "@string/login [zh-rCN]"
    assert got[0]["where"] == "@string/login [default]"


def test_extracted_resource_texts_have_names_and_locales() -> None:
    facts = extract_facts(sample("platform-libs.apk"))
    by = {(t.name, t.locale): t.value for t in facts.resource_texts}
    assert by[("app_name", "")] == "Night Reader" and by[("app_name", "zh-rCN")] == "夜读"
    assert by[("common_signin_button_text", "")] == "Sign in"
    assert not any(t.locale in ("pt-rBR", "da") for t in facts.resource_texts)
    assert "Fazer login" in facts.resource_strings  # every locale stays in resource_strings


def test_signup_rule_evidence_names_the_resource() -> None:
    texts = [{"name": "btn_register", "locale": "zh-rCN", "value": "注册"}]
    d = _derived(resource_texts=texts, permissions=[INTERNET])
    rule = next(r for r in load_rules().rules if r.id == "PI-PP-003")
    outcome = evaluate_rule(d, rule)
    assert outcome.status is Status.FAILED
    assert any(
        e.where == "resources.arsc @string/btn_register [zh-rCN]" and e.value == "注册"
        for e in outcome.evidence
    )


def test_sample_passes_and_old_false_positives_are_gone() -> None:
    result = invoke(["scan", "--format", "json", "--no-store", str(sample("platform-libs.apk"))], 0)
    [app] = json.loads(result.stdout)["results"]
    assert app["verdict"] == "pass" and app["findings"] == []


def test_resolve_activity_is_no_list() -> None:
    resolve = "Landroid/content/pm/PackageManager;->resolveActivity(Landroid/content/Intent;I)Landroid/content/pm/ResolveInfo;"
    assert _lists("com.ex.Home", resolve, "android.intent.action.MAIN") == []


# ---- DEX strings: whose code loads them

QQ_LOGIN = "https://graph.qq.com/oauth2.0/register"
INTERNET = "android.permission.INTERNET"  # accounts reach a server only with it


def _string_facts(loaders: dict[str, list[str]]) -> dict[str, Any]:
    table = RefTable.from_mapping(loaders)
    return {"strings": list(table.refs), "string_users": table}


def test_app_strings_leave_out_what_only_sdks_and_platform_libraries_load() -> None:
    facts = _string_facts(
        {
            QQ_LOGIN: ["com.tencent.tauth.Tencent"],
            "Sign in with Google": ["com.google.android.gms.common.SignInButton"],
            "Log in": ["com.example.LoginActivity", "com.tencent.tauth.Tencent"],
            "Lcom/example/LoginActivity;": [],  # loaded by nobody: kept
        }
    )
    kept = app_strings(facts, PARTIES)
    assert list(kept.refs) == ["Lcom/example/LoginActivity;", "Log in"]
    assert kept.callers(1) == ("com.example.LoginActivity", "com.tencent.tauth.Tencent")
    assert kept.callers(0) == ()


def test_app_strings_without_loaders_keep_every_string() -> None:
    kept = app_strings({"strings": ["a", "b"]}, PARTIES)
    assert list(kept.refs) == ["a", "b"] and kept.callers(0) == ()


def test_signup_rule_quiet_for_sdk_strings_and_evidence_names_the_class() -> None:
    rule = next(r for r in load_rules().rules if r.id == "PI-PP-003")
    sdk_only = _derived(
        **_string_facts({QQ_LOGIN: ["com.tencent.tauth.Tencent"]}), permissions=[INTERNET]
    )
    assert evaluate_rule(sdk_only, rule).status is Status.PASSED
    own = _derived(
        **_string_facts({"Sign up": ["com.example.SignUpActivity"]}), permissions=[INTERNET]
    )
    outcome = evaluate_rule(own, rule)
    assert outcome.status is Status.FAILED
    assert any(
        e.value == "Sign up" and e.callers == ("com.example.SignUpActivity",)
        for e in outcome.evidence
    )


def test_sample_strings_loaded_by_androidx_are_not_the_apps() -> None:
    d = derive(fact_dict(extract_facts(sample("platform-libs.apk"))), KNOWLEDGE, None)
    assert "android.intent.action.SEND" in d["strings"]
    assert "android.intent.action.SEND" not in d["app_strings"].refs


def test_policy_and_consent_facts_read_the_apps_own_texts() -> None:
    sdk_policy = "https://www.umeng.com/page/policy"
    facts = _string_facts(
        {
            sdk_policy: ["com.umeng.commonsdk.UMConfigure"],
            "https://example.cn/privacy.html": ["com.example.AboutActivity"],
        }
    )
    facts["resource_texts"] = [
        {"name": "agree", "locale": "", "value": "我已阅读并同意《隐私政策》"},
        {"name": "agree", "locale": "pt-rBR", "value": "Concordo com a política"},
        {"name": "common_open_on_phone", "locale": "", "value": "Delete my account"},
    ]
    d = _derived(**facts)
    assert d["policy_urls"] == ["https://example.cn/privacy.html"]
    assert d["consent_texts"] == ["我已阅读并同意《隐私政策》"]
    assert d["account_deletion_texts"] == []  # Play services' resource, not the app's
    only_sdk = _derived(**_string_facts({sdk_policy: ["com.umeng.commonsdk.UMConfigure"]}))
    assert only_sdk["policy_urls"] == []


def test_resource_strings_without_names_are_read_as_they_are() -> None:
    got = app_resource_strings([], PLATFORM_LIBS, ["隐私政策", "Sign in"])
    assert [t["value"] for t in got] == ["隐私政策", "Sign in"]
    assert got[0]["name"] is None and got[0]["where"] == "(name and locale not known)"


ADD_CATEGORY = "Landroid/content/Intent;->addCategory(Ljava/lang/String;)Landroid/content/Intent;"
SET_PACKAGE = "Landroid/content/Intent;->setPackage(Ljava/lang/String;)Landroid/content/Intent;"


@pytest.mark.parametrize(
    ("ops", "how"),
    [
        # a sample app listing its own demo screens (ViewPagerIndicator's ListSamples)
        (('"android.intent.action.MAIN', '"com.example.sample.SAMPLE', ADD_CATEGORY), "specific-intent"),
        (('"android.intent.action.MAIN', '"com.example', SET_PACKAGE), "specific-intent"),
        (('"android.intent.action.MAIN', '"android.intent.category.LAUNCHER', ADD_CATEGORY), "launcher-query"),
    ],
)  # fmt: skip
def test_a_main_query_narrowed_to_the_apps_own_is_no_list(ops: tuple[str, ...], how: str) -> None:
    method = "Lcom/ex/Samples;->getData()V"
    facts = {
        "method_refs": [{"ref": QUERY, "callers": ["com.ex.Samples"]}],
        "intent_query_code": [CodeNode(method, (*ops, QUERY))],
    }
    [item] = installed_app_lists(facts, PARTIES)
    assert item["how"] == how and item["counted"] is (how == "launcher-query")


def test_kinds_of_many_class_names_agree_with_one_by_one() -> None:
    from pi_scan.facts import load_knowledge
    from pi_scan.facts.platform import Parties

    knowledge = load_knowledge()
    names = sorted(
        [
            "androidx.appcompat.app.AppCompatActivity",
            "androidx.appcompat.app.TwilightManager",
            "cn.jpush.android.api.JPushInterface",
            "cn.jpush.android.api.Other",
            "com.example.app.Main",
            "Lcom/umeng/commonsdk/UMConfigure;",
            "NoPackage",
        ]
    )
    many = Parties(knowledge.sdks, knowledge.platform).kinds(names)
    one = Parties(knowledge.sdks, knowledge.platform)
    assert many == [one.of_class(n)[0] for n in names]
    assert set(many) == {"app", "platform", "sdk"}
