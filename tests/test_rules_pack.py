"""The built-in rule pack: valid, every rule's cases pass, every value-set entry is exercised."""

from __future__ import annotations

from typing import Any

import pytest

from pi_scan.engine import evaluate_rule
from pi_scan.factview import default_facts
from pi_scan.model import Rule, Status
from pi_scan.ruleset import builtin_rules_dir, load_rules, read_json
from pi_scan.ruleset.testing import rule_cases, run_case

from .conftest import invoke

RULESET = load_rules()
RULES = {r.id: r for r in RULESET.rules}
SETS: dict[str, list[Any]] = read_json(builtin_rules_dir() / "pack.json", "pack")["sets"]
CASES = [(r, c) for r in RULESET.rules for c in rule_cases(r)]


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[f"{r.id}:{c['name']}" for r, c in CASES])
def test_rule_case(rule: Rule, case: dict[str, Any]) -> None:
    result = run_case(rule, case)
    assert result.ok, f"{rule.id} {case['name']!r}: expected {result.expect}, got {result.got}"


@pytest.mark.parametrize("rule", RULESET.rules, ids=lambda r: r.id)
def test_rule_has_firing_and_quiet_cases(rule: Rule) -> None:
    expects = {c["expect"] for c in rule_cases(rule)}
    assert expects == {"fire", "quiet"}


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


def fires(rule_id: str, **facts: Any) -> bool:
    base = default_facts()
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


@pytest.mark.parametrize("prefix", SETS["device_id_methods"])
def test_device_id_method_entry(prefix: str) -> None:
    ref = prefix + ")Ljava/lang/String;"
    assert fires("PI-API-001", method_refs=[{"ref": ref, "callers": ["a.B"]}])
    assert not fires("PI-API-001", method_refs=[{"ref": ref, "callers": []}])
    near = prefix[:-1] + "Extra("
    assert not fires("PI-API-001", method_refs=[{"ref": near, "callers": ["a.B"]}])


@pytest.mark.parametrize("prefix", SETS["device_id_fields"])
def test_device_id_field_entry(prefix: str) -> None:
    assert fires(
        "PI-API-001", field_refs=[{"ref": prefix + "Ljava/lang/String;", "callers": ["a.B"]}]
    )
    near = prefix[:-1] + "_X:Ljava/lang/String;"
    assert not fires("PI-API-001", field_refs=[{"ref": near, "callers": ["a.B"]}])


@pytest.mark.parametrize("prefix", SETS["app_list_methods"])
def test_app_list_method_entry(prefix: str) -> None:
    ref = prefix + "I)Ljava/util/List;"
    assert fires("PI-PERM-006", method_refs=[{"ref": ref, "callers": ["a.B"]}])
    near = prefix[:-1] + "Count(I)I"
    assert not fires("PI-PERM-006", method_refs=[{"ref": near, "callers": ["a.B"]}])


@pytest.mark.parametrize("prefix", SETS["sdk_code_prefixes"])
def test_sdk_code_prefix_entry(prefix: str) -> None:
    ref = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    assert prefix.endswith(".")
    assert fires("PI-API-002", method_refs=[{"ref": ref, "callers": [prefix + "Collector"]}])
    near = prefix[:-1] + "x.Collector"
    assert not fires("PI-API-002", method_refs=[{"ref": ref, "callers": [near]}])


@pytest.mark.parametrize(
    "text",
    ["隐私政策", "隐私协议", "隐私权政策", "个人信息保护政策", "Privacy Policy", "privacy_policy"],
)
def test_privacy_policy_strings(text: str) -> None:
    assert not fires("PI-PP-001", strings=[f"see {text}"])


@pytest.mark.parametrize(
    "name", ["assets/Privacy.html", "assets/user_policy.txt", "assets/隐私.txt"]
)
def test_privacy_policy_files(name: str) -> None:
    assert not fires("PI-PP-001", assets=[name])
    assert not fires("PI-PP-001", raw_resources=[name.replace("assets/", "res/raw/")])


def test_privacy_policy_near_miss() -> None:
    assert fires("PI-PP-001", strings=["政策", "private", "policeman"], assets=["assets/poli.png"])
