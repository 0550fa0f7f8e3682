"""JSON report: the full result with stable keys (sorted, indented).

Its shape is published as `pi_scan/report/schemas/report.schema.json` (JSON Schema Draft
2020-12); change both together and bump SCHEMA_VERSION when a change is not backward compatible.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar

from pi_scan.model import (
    ApkResult,
    Citation,
    Coverage,
    Evidence,
    Inventory,
    Level,
    Outcome,
    PolicyReview,
    Rule,
    RuleSet,
    ScanResult,
    Status,
)
from pi_scan.report.base import (
    explanation,
    fingerprint,
    localized,
    not_applicable_reason,
    pi_text,
    report_lang,
    rules_by_id,
    summary_counts,
    verdict_label,
)

SCHEMA_VERSION = 2  # 2: advice level, not_applicable status, explanation


class JsonReporter:
    name: ClassVar[str] = "json"
    suffix: ClassVar[str] = ".json"

    def render(self, scan: ScanResult, lang: str) -> str:
        lang = report_lang(lang)
        rules = rules_by_id(scan)
        doc = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "pi-scan", "version": scan.tool_version},
            "rules_version": scan.ruleset.version,
            "generated_at": scan.generated_at,
            "lang": lang,
            "summary": summary_counts(scan),
            "results": [_result(r, scan, rules, lang) for r in scan.results],
            "errors": [{"path": r.path, "error": r.error} for r in scan.errors],
            "warnings": list(scan.warnings),
            "rules": [_rule(r, lang) for r in scan.ruleset.rules],
            "documents": _documents(scan.ruleset, lang),
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _result(
    result: ApkResult, scan: ScanResult, rules: dict[str, Rule], lang: str
) -> dict[str, Any]:
    facts = result.facts
    package = facts.package if facts else ""
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
        "permissions": sorted({p.name for p in facts.permissions}) if facts else [],
        "verdict": verdict_label(result),
        "verdict_reasons": list(result.verdict_reasons),
        "explanation": explanation(result, scan, lang),
        "findings": [_finding(o, rules.get(o.rule_id), package, lang) for o in result.failed],
        "advice": [_finding(o, rules.get(o.rule_id), package, lang) for o in result.advice],
        "suppressed": [
            _finding(o, rules.get(o.rule_id), package, lang)
            for o in result.outcomes
            if o.status is Status.SUPPRESSED
        ],
        "outcomes": {o.rule_id: o.status.value for o in result.outcomes},
        "not_evaluated": {
            o.rule_id: o.reason for o in result.outcomes if o.status is Status.NOT_EVALUATED
        },
        "not_applicable": {
            o.rule_id: not_applicable_reason(o, scan, lang)
            for o in result.outcomes
            if o.status is Status.NOT_APPLICABLE
        },
        "inventory": _inventory(result.inventory),
        "coverage": _coverage(result.coverage),
        "policy": _policy(result.policy),
    } | _runtime(result)


def _policy(review: PolicyReview | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        f.name: (list(v) if isinstance(v := getattr(review, f.name), tuple) else v)
        for f in dataclasses.fields(review)
    }


def _runtime(result: ApkResult) -> dict[str, Any]:
    """The runtime logs merged and the PI reads they saw; nothing without a log."""
    logs = result.facts.runtime_logs if result.facts else ()
    if not logs:
        return {}
    return {
        "runtime": {
            "logs": [
                {
                    "name": log.name,
                    "sha256": log.sha256,
                    "format": log.format,
                    "events": log.events,
                    "consent": log.consent,
                    "tool": log.tool,
                }
                for log in logs
            ],
            "timeline": [
                {
                    "time": r.time,
                    "api": r.api,
                    "pi_type": r.pi_type,
                    "phase": r.phase,
                    "party": r.party,
                    "log": r.log,
                }
                for r in result.timeline
            ],
        }
    }


def _coverage(coverage: Coverage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "complete": coverage.complete,
        "packers": list(coverage.packers),
        "limits": list(coverage.limits),
        "rules": list(coverage.rules),
    }
    if coverage.runtime_apis:
        out["runtime_apis"] = list(coverage.runtime_apis)
    return out


def _inventory(inv: Inventory) -> dict[str, Any]:
    return {
        "app_type": inv.app_type,
        "pi_types": list(inv.pi_types),
        "api_uses": list(inv.api_uses),
        "call_sites": list(inv.call_sites),
        "sdks": [
            {
                "id": s.id,
                "name": s.name,
                "name_zh": s.name_zh,
                "vendor": s.vendor,
                "category": s.category,
                "country": s.country,
                "confidence": s.confidence,
                "signals": list(s.signals),
                "pi": list(s.pi),
                "reads": list(s.reads),
                "status": s.status,
            }
            for s in inv.sdks
        ],
    }


def _finding(outcome: Outcome, rule: Rule | None, package: str, lang: str) -> dict[str, Any]:
    out = {
        "rule_id": outcome.rule_id,
        "status": outcome.status.value,
        "level": outcome.level.label,
        "category": rule.category if rule else None,
        "title": rule.text("title", lang) if rule else outcome.rule_id,
        "message": rule.text("message", lang) if rule else "",
        "remediation": rule.text("remediation", lang) if rule else "",
        "citations": [_citation(c) for c in rule.citations] if rule else [],
        "evidence": [_evidence(e, lang) for e in outcome.evidence],
        "fingerprint": fingerprint(package, outcome),
        "not_rectified": outcome.not_rectified,
        "source": outcome.source,
    }
    if outcome.status is Status.SUPPRESSED:
        out["justification"] = outcome.justification
    if outcome.level is Level.ADVICE and outcome.reason:
        out["advice_reason"] = outcome.reason  # why a notice-level rule is only advice here
    return out


def _evidence(e: Evidence, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "fact": e.fact,
        "value": e.value,
        "where": e.where,
        "callers": list(e.callers),
    }
    if e.api:  # an API use read aloud; `value` keeps the raw descriptor
        out["api"] = e.api
        out["pi"] = pi_text(e, lang) or None
        out["groups"] = [
            {"party": g.party, "name": g.name, "vendor": g.vendor, "callers": list(g.callers)}
            for g in e.groups
        ]
    if e.note:
        out["note"] = e.note
    if e.source:
        out["source"] = e.source
    return out


def _citation(c: Citation) -> dict[str, Any]:
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


def _documents(ruleset: RuleSet, lang: str) -> dict[str, Any]:
    """The documents the rules cite: title in `lang`, official number, status."""
    cited = sorted({c.document for r in ruleset.rules for c in r.citations})
    out: dict[str, Any] = {}
    for tag in cited:
        meta = ruleset.documents.get(tag, {})
        out[tag] = {
            "title": localized(meta, lang, tag),
            "number": meta.get("number"),
            "status": meta.get("status"),
        }
    return out
