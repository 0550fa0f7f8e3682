"""Code of an SDK that nothing starts does not run: its call sites are not the app's uses."""

from __future__ import annotations

from typing import Any

from pi_scan.facts import load_knowledge
from pi_scan.facts.parties import drop_dormant
from pi_scan.facts.platform import Parties
from pi_scan.judge.engine import evaluate_rule
from pi_scan.judge.ruleset import load_rules

KNOWLEDGE = load_knowledge()
PARTIES = Parties(KNOWLEDGE.sdks, KNOWLEDGE.platform)
LIST = "Landroid/content/pm/PackageManager;->getInstalledPackages(I)Ljava/util/List;"


def use(*callers: str) -> dict[str, Any]:
    return {
        "id": "API-PM-INSTALLED-PACKAGES",
        "kind": "method",
        "pi_type": "installed_apps",
        "refs": [LIST],
        "callers": list(callers),
        "party_callers": list(callers),
        "sdks": ["talkingdata"],
        "collectable": True,
        "weak": False,
    }


def test_a_dormant_sdks_call_sites_leave_the_api_uses() -> None:
    sdk_class = "com.tendcloud.tenddata.q"
    assert PARTIES.of_class(sdk_class)[0] == "sdk"
    sdk_id = PARTIES.of_class(sdk_class)[1]
    dormant_sdk = [{"id": sdk_id, "status": "present"}]
    active, dormant = drop_dormant([use(sdk_class)], dormant_sdk, PARTIES)
    assert active == [] and [u["dormant_callers"] for u in dormant] == [[sdk_class]]
    # the rule that reads api_uses stays quiet on it ...
    rule = next(r for r in load_rules().rules if r.id == "PI-API-007")
    assert evaluate_rule({"api_uses": active}, rule).status.value == "passed"
    # ... and fires once the SDK is started
    started = [{"id": sdk_id, "status": "initialised"}]
    active, dormant = drop_dormant([use(sdk_class)], started, PARTIES)
    assert dormant == [] and evaluate_rule({"api_uses": active}, rule).status.value == "failed"


def test_the_apps_own_call_site_stays_beside_a_dormant_sdks() -> None:
    sdk_class, app_class = "com.tendcloud.tenddata.q", "com.example.Apps"
    sdk_id = PARTIES.of_class(sdk_class)[1]
    active, dormant = drop_dormant(
        [use(sdk_class, app_class)], [{"id": sdk_id, "status": "present"}], PARTIES
    )
    assert dormant == []
    [kept] = active
    assert kept["callers"] == [app_class] and kept["sdks"] == []


def _sdk_statuses(refs: list[dict[str, Any]]) -> dict[str, tuple[str, list[str]]]:
    from pi_scan.facts import derive
    from pi_scan.facts.view import default_facts

    facts = default_facts()
    facts["classes"] = [
        "com.umeng.commonsdk.UMConfigure",
        "cn.jpush.android.api.JPushInterface",
        "com.example.App",
    ]
    facts["method_refs"] = refs
    derived = derive(facts, KNOWLEDGE, None)
    return {s["id"]: (s["status"], s["status_evidence"]) for s in derived["sdks"]}


UMENG_INIT = "Lcom/umeng/commonsdk/UMConfigure;->init(Landroid/content/Context;)V"
JPUSH_INIT = "Lcn/jpush/android/api/JPushInterface;->init(Landroid/content/Context;)V"


def test_an_sdk_a_started_sdk_calls_is_started_too() -> None:
    statuses = _sdk_statuses(
        [
            {"ref": UMENG_INIT, "callers": ["com.example.App"]},
            {"ref": JPUSH_INIT, "callers": ["com.umeng.commonsdk.UMConfigure"]},
        ]
    )
    assert statuses["jpush"] == (
        "initialised",
        ["called from SDK umeng-analytics (com.umeng.commonsdk.UMConfigure)"],
    )


def test_an_sdk_only_a_dormant_sdk_calls_stays_present() -> None:
    statuses = _sdk_statuses([{"ref": JPUSH_INIT, "callers": ["com.umeng.commonsdk.UMConfigure"]}])
    assert statuses["jpush"][0] == "present" and statuses["umeng-analytics"][0] == "present"
