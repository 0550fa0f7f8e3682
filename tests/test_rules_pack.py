"""The built-in rule pack: valid, every rule's cases pass, every value-set entry is exercised."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pi_scan.facts import load_knowledge
from pi_scan.facts.catalog import load_catalogues
from pi_scan.facts.parties import installed_app_lists
from pi_scan.facts.platform import Parties
from pi_scan.facts.view import default_facts
from pi_scan.judge.engine import evaluate_rule
from pi_scan.judge.ruleset import builtin_rules_dir, load_rules, read_json
from pi_scan.judge.ruletest import rule_cases, run_case
from pi_scan.model import CodeNode, Rule, Status

from .conftest import invoke

RULESET = load_rules()
RULES = {r.id: r for r in RULESET.rules}
KNOWLEDGE = load_knowledge()
SETS: dict[str, list[Any]] = read_json(builtin_rules_dir() / "pack.json", "pack")["sets"]
CASES = [(r, c) for r in RULESET.rules for c in rule_cases(r)]


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[f"{r.id}:{c['name']}" for r, c in CASES])
def test_rule_case(rule: Rule, case: dict[str, Any]) -> None:
    result = run_case(rule, case)
    assert result.ok, f"{rule.id} {case['name']!r}: expected {result.expect}, got {result.got}"


@pytest.mark.parametrize("rule", RULESET.rules, ids=lambda r: r.id)
def test_rule_has_firing_and_quiet_cases(rule: Rule) -> None:
    expects = {c["expect"] for c in rule_cases(rule)}
    assert {"fire", "quiet"} <= expects
    if rule.requires:
        assert "not_evaluated" in expects, "show the rule is not evaluated without its facts"


def test_cli_validate_and_test() -> None:
    assert "ok: " in invoke(["rules", "validate"], 0).stdout
    out = invoke(["rules", "test"], 0).stdout
    assert f"{len(CASES)} passed, 0 failed" in out


def test_every_rule_cites_a_known_document() -> None:
    for rule in RULESET.rules:
        assert rule.citations
        assert all(c.document in RULESET.documents for c in rule.citations)


def test_csl_citations_keep_both_numberings() -> None:
    csl = [c for r in RULESET.rules for c in r.citations if c.document == "CSL"]
    assert csl
    assert all(c.former_clause for c in csl)


# The value-set tests judge an app that processes PI and reaches the network, so that the
# rules presuming either apply.
PROCESSES_PI = [{"kind": "permission", "value": "android.permission.READ_CONTACTS", "detail": "x"}]


def fires(rule_id: str, **facts: Any) -> bool:
    base = default_facts()
    base["pi_processing"] = PROCESSES_PI
    base["permissions"] = ["android.permission.INTERNET"]
    base.update(facts)
    return evaluate_rule(base, RULES[rule_id]).status is Status.FAILED


# Each entry of each value set, firing and quiet.  Near misses keep the same class but change
# the member, or keep the package text but break the package boundary.


@pytest.mark.parametrize("perm", SETS["dangerous_permissions"])
def test_dangerous_permission_entry(perm: str) -> None:
    assert fires("PI-PERM-005", permissions=[perm], target_sdk=22)
    assert not fires("PI-PERM-005", permissions=[perm + "_X"], target_sdk=22)
    assert not fires("PI-PERM-005", permissions=[perm], target_sdk=23)


@pytest.mark.parametrize(
    ("set_name", "rule_id"),
    [("sms_permissions", "PI-PERM-001"), ("call_log_permissions", "PI-PERM-002"),
     ("contacts_permissions", "PI-PERM-003")],
)  # fmt: skip
def test_permission_set_entries(set_name: str, rule_id: str) -> None:
    for perm in SETS[set_name]:
        assert fires(rule_id, permissions=[perm]), perm
        assert not fires(rule_id, permissions=[perm.replace("android.permission.", "com.x.")])


@pytest.mark.parametrize("api_id", SETS["device_id_apis"])
def test_device_id_api_entry(api_id: str) -> None:
    """Each entry is a catalogued API that reads an identifier; it fires only when some code
    calls it and it can return PI to this app (the catalogue matches the references)."""
    entry = load_catalogues(builtin_rules_dir() / "catalog").apis[api_id]
    assert entry.pi_type in ("device_id", "subscriber_id", "phone_number")

    def use(callers: list[str], collectable: bool = True, id_: str = api_id) -> dict[str, Any]:
        return {"id": id_, "callers": callers, "collectable": collectable, "sdks": []}

    assert fires("PI-API-001", api_uses=[use(["a.B"])])
    assert not fires("PI-API-001", api_uses=[use([])])
    assert not fires("PI-API-001", api_uses=[use(["a.B"], collectable=False)])
    assert not fires("PI-API-001", api_uses=[use(["a.B"], id_=api_id + "-X")])


@pytest.mark.parametrize("prefix", SETS["app_list_methods"])
def test_app_list_method_entry(prefix: str) -> None:
    # PI-PERM-006 reads installed_app_lists, derived from the calls (a query with the
    # launcher intent's MAIN action in the calling method lists the apps too)
    parties = Parties(KNOWLEDGE.sdks, KNOWLEDGE.platform)

    def lists(ref: str) -> list[dict[str, Any]]:
        code = [CodeNode("La/B;->m()V", ('"android.intent.action.MAIN', ref))]
        facts = {"method_refs": [{"ref": ref, "callers": ["a.B"]}], "intent_query_code": code}
        return installed_app_lists(facts, parties)

    assert fires("PI-PERM-006", installed_app_lists=lists(prefix + "I)Ljava/util/List;"))
    assert not fires("PI-PERM-006", installed_app_lists=lists(prefix[:-1] + "Count(I)I"))


def test_sdk_code_means_a_catalogued_sdk() -> None:
    """PI-API-002 reads the SDK the catalogue attributes the calling class to (`sdks`)."""

    def use(*sdks: str) -> dict[str, Any]:
        return {
            "id": "API-TEL-DEVICEID",
            "callers": ["a.B"],
            "collectable": True,
            "sdks": list(sdks),
        }

    assert fires("PI-API-002", api_uses=[use("umeng-analytics")])
    assert not fires("PI-API-002", api_uses=[use()])


@pytest.mark.parametrize(
    "text",
    ["隐私政策", "隐私协议", "隐私权政策", "个人信息保护政策", "Privacy Policy", "privacy_policy"],
)
def test_privacy_policy_strings(text: str) -> None:
    assert not fires("PI-PP-001", app_strings=[f"see {text}"])
    assert fires("PI-PP-001", strings=[f"see {text}"])  # loaded only by SDK code


@pytest.mark.parametrize(
    "name", ["assets/Privacy.html", "assets/user_policy.txt", "assets/隐私.txt"]
)
def test_privacy_policy_files(name: str) -> None:
    assert not fires("PI-PP-001", assets=[name])
    assert not fires("PI-PP-001", raw_resources=[name.replace("assets/", "res/raw/")])


def test_privacy_policy_near_miss() -> None:
    assert fires(
        "PI-PP-001", app_strings=["政策", "private", "policeman"], assets=["assets/poli.png"]
    )


# Text sets: one example per entry (in order), and near misses that match no entry.
TEXT_EXAMPLES = {
    "consent_refusal_strings": (
        [
            "不同意",
            "暂不同意",
            "不同意并退出",
            "暂不使用",
            "拒绝并退出",
            "Disagree",
            "Decline",
            "I do not agree",
        ],
        ["同意", "agreement", "declined payments are refunded"],
    ),
    "signup_strings": (
        ["注册账号", "Signup", "Sign up", "Create an account"],
        [
            "登录",
            "Log in",
            "Sign in",
            "注册表",
            "注册广播接收器",
            "register",
            "Forgot to register a type adapter?",
            "Please sign up first",
            "account settings",
        ],
    ),
    "account_deletion_strings": (
        [
            "注销账号",
            "注销帐号",
            "注销账户",
            "账号注销",
            "帐号注销",
            "删除账号",
            "Delete my account",
            "Close account",
            "Account deletion",
        ],
        ["注销登录", "delete this photo", "account settings"],
    ),
    "unreasonable_deletion_strings": (
        ["注销账号需上传手持身份证照片", "人脸识别通过后方可注销"],
        ["实名认证需上传身份证照片", "注销账号请联系客服"],
    ),
    "personalised_ads_optout_strings": (
        [
            "个性化广告",
            "个性化推荐",
            "程序化广告",
            "定向推送",
            "Personalized ads",
            "Ad personalisation",
        ],
        ["广告", "recommendations for you", "personal information"],
    ),
    "privacy_policy_strings": (
        ["隐私政策", "隐私协议", "隐私权政策", "个人信息保护政策", "Privacy Policy"],
        ["隐私", "policy", "privacy settings"],
    ),
}


@pytest.mark.parametrize("set_name", sorted(TEXT_EXAMPLES))
def test_text_set_entries(set_name: str) -> None:
    patterns = SETS[set_name]
    hits, misses = TEXT_EXAMPLES[set_name]
    assert len(hits) == len(patterns), "one example per entry"
    for pattern, example in zip(patterns, hits, strict=True):
        assert re.search(pattern, example), (pattern, example)
    for example in misses:
        assert not any(re.search(p, example) for p in patterns), example


def test_text_sets_drive_their_rules() -> None:
    def texts(*values: str) -> list[dict[str, str]]:
        return [{"value": v, "name": f"t{i}", "locale": ""} for i, v in enumerate(values)]

    assert not fires("PI-PP-002", app_resource_strings=texts("同意并继续", "不同意"))
    assert fires("PI-PP-002", app_resource_strings=texts("同意并继续"))
    sign_up = [{"value": "Sign up", "name": "sign_up", "locale": ""}]
    assert fires("PI-PP-003", app_resource_strings=sign_up)
    assert not fires("PI-PP-003", resource_strings=["Sign up"])  # a library's, or other locales
    assert not fires(  # a login screen does not create accounts
        "PI-PP-003", app_resource_strings=[{"value": "Sign in", "name": "s", "locale": ""}]
    )
    assert not fires(
        "PI-PP-003", app_resource_strings=sign_up, resource_strings=["Delete my account"]
    )
    assert fires("PI-PP-004", app_strings=["人脸识别通过后方可注销"])
    assert not fires("PI-PP-004", strings=["人脸识别通过后方可注销"])  # e.g. SDK code only
    assert fires("PI-SDK-002", sdk_categories=["ads"], strings=["hello"])
    assert not fires("PI-SDK-002", sdk_categories=["ads"], strings=["Personalized ads"])


def test_every_value_set_is_exercised() -> None:
    covered = set(TEXT_EXAMPLES) | {
        "dangerous_permissions", "sms_permissions", "call_log_permissions", "contacts_permissions",
        "device_id_apis", "app_list_methods",
        "privacy_policy_files",
    }  # fmt: skip
    assert set(SETS) == covered


def test_rules_show_prints_a_lab_threshold_and_its_source() -> None:
    out = invoke(["rules", "show", "PI-RUN-001", "--lang", "zh"], 0).stdout
    assert "threshold: 同一接口 60 秒内调用超过 10 次" in out
    assert "threshold source: pi-scan lab threshold" in out
    assert "threshold" not in invoke(["rules", "show", "PI-API-001"], 0).stdout.split("match:")[0]
