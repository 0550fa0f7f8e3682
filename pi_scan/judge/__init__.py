"""Judging one app: the rules evaluated on its facts (`engine`), partial coverage applied, the
verdict decided (`verdict`), and the SDK inventory summed up.  Rule packs are loaded by
`ruleset`; baselines, waivers and rectification (`suppress`, `rectify`, `postprocess`) act on
results afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pi_scan.facts import Knowledge, rule_facts
from pi_scan.facts.coverage import apply_coverage, coverage_of
from pi_scan.facts.policy import review_of
from pi_scan.facts.texts import expect, sharing
from pi_scan.judge.engine import evaluate, search_needles
from pi_scan.judge.verdict import aggregate
from pi_scan.model import ApkFacts, ApkResult, Inventory, RuleSet, RuntimeRead, SdkUse


def judge(
    path: str, facts: ApkFacts, ruleset: RuleSet, knowledge: Knowledge, app_type: str | None
) -> ApkResult:
    """Evaluate the rules on one app's facts and decide its verdict."""
    with sharing():  # the big texts are joined once for the derived facts and the rules
        expect(*search_needles(ruleset.rules))  # ... and searched once for all literals
        seen = rule_facts(facts, knowledge, app_type)
        outcomes, coverage = apply_coverage(  # partial coverage: never a silent pass
            evaluate(seen, ruleset.rules), coverage_of(seen, ruleset.rules)
        )
    rules = {r.id: r for r in ruleset.rules}
    verdict, reasons = aggregate(outcomes, rules, ruleset.policy)
    return ApkResult(
        path=path,
        facts=facts,
        outcomes=outcomes,
        verdict=verdict,
        verdict_reasons=reasons,
        inventory=inventory(seen),
        coverage=coverage,
        policy=review_of(seen),
        timeline=tuple(RuntimeRead(**read) for read in seen.get("runtime_timeline") or ()),
    )


def inventory(seen: Mapping[str, Any]) -> Inventory:
    """The SDK inventory and PI summary of one app, from its derived facts."""
    reads: dict[str, set[str]] = {}
    for use in seen["api_uses"]:
        for sdk in use["sdks"]:
            reads.setdefault(sdk, set()).add(use["pi_type"])
    sdks = tuple(
        SdkUse(
            id=s["id"],
            name=s["name"],
            vendor=s["vendor"],
            category=s["category"],
            confidence=s["confidence"],
            name_zh=s.get("name_zh"),
            country=s.get("country"),
            signals=tuple(f"{e['kind']} {e['value']}" for e in s["evidence"]),
            pi=tuple(s.get("pi") or ()),
            reads=tuple(sorted(reads.get(s["id"], ()))),
            status=s.get("status") or "present",
        )
        for s in seen["sdks"]
    )
    pi_types = sorted(set(seen["api_pi_types"]) | set(seen["permission_pi_types"]))
    return Inventory(
        app_type=seen["app_type"],
        sdks=sdks,
        pi_types=tuple(pi_types),
        api_uses=tuple(u["id"] for u in seen["api_uses"]),
        call_sites=tuple(
            sorted(f"{u['id']} <- {caller}" for u in seen["api_uses"] for caller in u["callers"])
        ),
    )
