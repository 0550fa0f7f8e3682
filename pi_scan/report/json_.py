"""JSON report: the full result with stable keys (sorted, indented)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pi_scan.model import ApkResult, Outcome, Rule, ScanResult, Status
from pi_scan.report.base import summary_counts, verdict_label

SCHEMA_VERSION = 1


class JsonReporter:
    name: ClassVar[str] = "json"
    suffix: ClassVar[str] = ".json"

    def render(self, scan: ScanResult, lang: str) -> str:
        rules = {r.id: r for r in scan.ruleset.rules}
        doc = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "pi-scan", "version": scan.tool_version},
            "rules_version": scan.ruleset.version,
            "generated_at": scan.generated_at,
            "lang": lang,
            "summary": summary_counts(scan),
            "results": [_result(r, rules, lang) for r in scan.results],
            "rules": [_rule(r, lang) for r in scan.ruleset.rules],
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _result(result: ApkResult, rules: dict[str, Rule], lang: str) -> dict[str, Any]:
    facts = result.facts
    return {
        "path": result.path,
        "error": result.error,
        "package": facts.package if facts else None,
        "version_code": facts.version_code if facts else None,
        "version_name": facts.version_name if facts else None,
        "label": facts.label if facts else None,
        "label_zh": facts.label_zh if facts else None,
        "sha256": facts.sha256 if facts else None,
        "target_sdk": facts.target_sdk if facts else None,
        "warnings": list(facts.warnings) if facts else [],
        "verdict": verdict_label(result),
        "verdict_reasons": list(result.verdict_reasons),
        "findings": [_finding(o, rules[o.rule_id], lang) for o in result.failed],
        "outcomes": {o.rule_id: o.status.value for o in result.outcomes},
        "not_evaluated": {
            o.rule_id: o.reason for o in result.outcomes if o.status is Status.NOT_EVALUATED
        },
    }


def _finding(outcome: Outcome, rule: Rule, lang: str) -> dict[str, Any]:
    return {
        "rule_id": outcome.rule_id,
        "level": outcome.level.label,
        "category": rule.category,
        "title": rule.text("title", lang),
        "message": rule.text("message", lang),
        "remediation": rule.text("remediation", lang),
        "citations": [_citation(c) for c in rule.citations],
        "evidence": [
            {"fact": e.fact, "value": e.value, "where": e.where, "callers": list(e.callers)}
            for e in outcome.evidence
        ],
    }


def _citation(c: Any) -> dict[str, Any]:
    out = {"document": c.document, "clause": c.clause}
    if c.former_clause:
        out["former_clause"] = c.former_clause
    return out


def _rule(rule: Rule, lang: str) -> dict[str, Any]:
    return {
        "id": rule.id,
        "level": rule.level.label,
        "category": rule.category,
        "tags": list(rule.tags),
        "title": rule.text("title", lang),
        "citations": [_citation(c) for c in rule.citations],
    }
