"""Run the fact-level test cases that every rule carries (`pi-scan rules test`, pytest)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pi_scan.facts.view import default_facts
from pi_scan.judge.engine import evaluate_rule
from pi_scan.model import Rule, RuleSet, Status


@dataclass(frozen=True)
class CaseResult:
    rule_id: str
    name: str
    expect: str  # "fire", "quiet", "not_evaluated", "not_applicable" or "advice"
    got: str

    @property
    def ok(self) -> bool:
        return self.expect == self.got


def rule_cases(rule: Rule) -> list[dict[str, Any]]:
    """The `tests` array of a rule, read back from its source file."""
    if rule.source is None:
        return []
    data = json.loads(Path(rule.source).read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["tests"]
    return cases


def run_case(rule: Rule, case: dict[str, Any]) -> CaseResult:
    facts = default_facts()
    facts.update(case["facts"])
    outcome = evaluate_rule(facts, rule)
    got = {
        Status.FAILED: "fire",
        Status.NOT_EVALUATED: "not_evaluated",
        Status.NOT_APPLICABLE: "not_applicable",
    }.get(outcome.status, "quiet")
    if got == "fire" and outcome.level < rule.level:  # fired, lowered to advice for this app
        got = "advice"
    return CaseResult(rule.id, case["name"], case["expect"], got)


def run_all(ruleset: RuleSet) -> list[CaseResult]:
    return [run_case(rule, case) for rule in ruleset.rules for case in rule_cases(rule)]
