"""Evidence an auditor can read aloud: APIs as Java with the PI they read, callers by party."""

from __future__ import annotations

import json

import pytest

from pi_scan.batch.codec import result_from_json, result_to_json
from pi_scan.extract import extract_facts
from pi_scan.facts import load_knowledge, rule_facts
from pi_scan.facts.parties import java_signature
from pi_scan.judge import judge
from pi_scan.judge.ruleset import load_rules
from pi_scan.report import REPORTERS

from .conftest import sample

KNOWLEDGE = load_knowledge()
RULES = load_rules()


@pytest.mark.parametrize(
    ("ref", "java"),
    [
        ("Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;", "TelephonyManager.getDeviceId()"),
        ("Landroid/telephony/TelephonyManager;->getDeviceId(I)Ljava/lang/String;", "TelephonyManager.getDeviceId(int)"),
        ("Landroid/os/Build;->SERIAL:Ljava/lang/String;", "Build.SERIAL"),
        ("Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;",
         "Settings.Secure.getString(ContentResolver, String)"),
        ("Lx/Y;->m([[B[Ljava/lang/Object;J)V", "Y.m(byte[][], Object[], long)"),
        ("content://com.android.contacts", "content://com.android.contacts"),  # not a member: as it is
    ],
)  # fmt: skip
def test_java_signature(ref: str, java: str) -> None:
    assert java_signature(ref) == java


def test_api_uses_carry_signature_pi_label_and_callers_by_party() -> None:
    seen = rule_facts(extract_facts(sample("sdk-collector.apk")), KNOWLEDGE, None)
    [loc] = [u for u in seen["api_uses"] if u["id"] == "API-LOC-LAST-KNOWN"]
    assert loc["signature"] == "LocationManager.getLastKnownLocation(String)"
    assert loc["pi_label"]["en"] == KNOWLEDGE.catalogues.pi_types["location_precise"].en
    [group] = loc["caller_groups"]
    assert (group["party"], group["name"]) == ("sdk", KNOWLEDGE.sdks.by_id["jpush"].name)
    assert group["callers"] == ["cn.jpush.android.api.JPushInterface"]


def test_findings_show_java_and_party_in_every_report_and_keep_the_raw_form() -> None:
    facts = extract_facts(sample("sdk-collector.apk"))
    result = judge(facts.path, facts, RULES, KNOWLEDGE, None)
    [api006] = [o for o in result.outcomes if o.rule_id == "PI-API-006"]
    [ev] = api006.evidence
    assert ev.api == "LocationManager.getLastKnownLocation(String)"
    assert ev.value.startswith("API-LOC-LAST-KNOWN: Landroid/location/LocationManager;")
    assert ev.groups[0].party == "sdk" and ev.groups[0].vendor
    # the store keeps it whole
    again = result_from_json(result_to_json(result))
    assert [o.evidence for o in again.outcomes] == [o.evidence for o in result.outcomes]
    from pi_scan.model import ScanResult

    scan = ScanResult((result,), RULES, "0", "2026-12-04T00:00:00+00:00")
    doc = json.loads(REPORTERS["json"].render(scan, "zh"))
    [finding] = [f for f in doc["results"][0]["findings"] if f["rule_id"] == "PI-API-006"]
    [evidence] = finding["evidence"]
    assert evidence["api"] == ev.api and evidence["pi"] == ev.pi[1]
    assert evidence["groups"][0]["party"] == "sdk"
    for name in ("table", "markdown", "html"):
        text = REPORTERS[name].render(scan, "en")
        assert "LocationManager.getLastKnownLocation(String)" in text, name
        assert f"SDK {ev.groups[0].name}" in text, name
