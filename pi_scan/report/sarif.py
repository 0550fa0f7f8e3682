"""SARIF 2.1.0: findings for code-scanning dashboards (GitHub, GitLab, IDE viewers).

One run.  `tool.driver.rules` holds every rule of the rule set; each failed (or suppressed)
outcome is a result located in its APK, with the evidence as logical locations.  Apps that
could not be analysed are `toolExecutionNotifications` of `invocations[0]`, whose
`executionSuccessful` is false when there are any.  No external host is referenced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, ClassVar
from urllib.parse import quote

from pi_scan.model import ApkResult, Citation, Evidence, Level, Outcome, Rule, ScanResult
from pi_scan.report.base import (
    category_label,
    citation_long,
    clean,
    coverage_text,
    evidence_text,
    findings,
    fingerprint,
    is_suppressed,
    policy_lines,
    report_lang,
    summary_counts,
    verdict_label,
    version_text,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "piScanFinding/v1"
_LEVELS = {Level.REMOVAL: "error", Level.NOTICE: "warning", Level.ADVICE: "note"}
# GitHub code scanning ranks results by this property (0-10).
_SECURITY_SEVERITY = {Level.REMOVAL: "8.0", Level.NOTICE: "5.0", Level.ADVICE: "0.0"}
_MAX_MESSAGE_EVIDENCE = 3
_LOGICAL_KINDS = {
    "method_refs": "function",
    "field_refs": "member",
    "classes": "type",
    "strings": "value",
    "assets": "resource",
    "raw_resources": "resource",
    "native_libs": "resource",
}
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]|\\")


class SarifReporter:
    name: ClassVar[str] = "sarif"
    suffix: ClassVar[str] = ".sarif"

    def render(self, scan: ScanResult, lang: str) -> str:
        lang = report_lang(lang)
        rules = scan.ruleset.rules
        index = {r.id: i for i, r in enumerate(rules)}
        artifacts = [_artifact(r) for r in scan.results]
        results = [
            _result(scan, app, i, outcome, index, lang)
            for i, app in enumerate(scan.results)
            if app.facts is not None
            for outcome in findings(app)
        ]
        run = {
            "tool": {"driver": _driver(scan, lang)},
            "invocations": [_invocation(scan)],
            "artifacts": artifacts,
            "results": results,
            "language": lang,
            "properties": {
                "rulesVersion": scan.ruleset.version,
                "generatedAt": scan.generated_at,
                "summary": summary_counts(scan),
                "coverage": [_coverage_props(app) for app in scan.results if app.facts],
                "sdkInventory": [_inventory_props(app) for app in scan.results if app.facts],
                "privacyPolicy": [
                    {"package": app.facts.package, "lines": policy_lines(app.policy, lang)}
                    for app in scan.results
                    if app.facts and app.policy is not None
                ],
            },
        }
        log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
        return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _driver(scan: ScanResult, lang: str) -> dict[str, Any]:
    return {
        "name": "pi-scan",
        "version": scan.tool_version,
        "rules": [_rule(rule, scan, lang) for rule in scan.ruleset.rules],
        "properties": {"rulesVersion": scan.ruleset.version},
    }


def _rule(rule: Rule, scan: ScanResult, lang: str) -> dict[str, Any]:
    remediation = rule.text("remediation", lang)
    cites = [citation_long(c, scan.ruleset, lang) for c in rule.citations]
    head = "依据" if lang == "zh" else "References"
    return {
        "id": rule.id,
        "name": _pascal(rule.text("title", "en")),
        "shortDescription": {"text": rule.text("title", lang)},
        "fullDescription": {"text": rule.text("message", lang)},
        "help": {
            "text": "\n".join([remediation, "", f"{head}:", *(f"- {c}" for c in cites)]),
            "markdown": "\n".join([remediation, "", f"**{head}:**", *(f"- {c}" for c in cites)]),
        },
        "defaultConfiguration": {"level": _LEVELS[rule.level]},
        "properties": {
            "tags": sorted(set(rule.tags)),
            "category": rule.category,
            "categoryLabel": category_label(scan.ruleset, rule.category, lang),
            "level": rule.level.label,
            "security-severity": _SECURITY_SEVERITY[rule.level],
            "citations": [_citation_props(c) for c in rule.citations],
        },
    }


def _citation_props(c: Citation) -> dict[str, str]:
    out = {"document": c.document, "clause": c.clause}
    if c.former_clause:
        out["formerClause"] = c.former_clause
    return out


def _result(
    scan: ScanResult,
    app: ApkResult,
    app_index: int,
    outcome: Outcome,
    index: Mapping[str, int],
    lang: str,
) -> dict[str, Any]:
    assert app.facts is not None
    facts = app.facts
    rule = scan.ruleset.rules[index[outcome.rule_id]]
    out: dict[str, Any] = {
        "ruleId": outcome.rule_id,
        "ruleIndex": index[outcome.rule_id],
        "level": _LEVELS[outcome.level],
        "message": {"text": _message(rule, app, outcome, lang)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(app.path), "index": app_index}
                },
                "logicalLocations": _logical_locations(outcome.evidence),
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(facts.package, outcome)},
        "properties": {
            "package": facts.package,
            "versionName": facts.version_name,
            "versionCode": facts.version_code,
            "level": outcome.level.label,
            "verdict": verdict_label(app),
            "coverage": "complete" if app.coverage.complete else "partial",
            "source": outcome.source,
            "evidence": [_evidence_props(e) for e in outcome.evidence],
        },
    }
    if is_suppressed(outcome):
        suppression: dict[str, str] = {"kind": "external"}
        if outcome.justification:
            suppression["justification"] = outcome.justification
        out["suppressions"] = [suppression]
    return out


def _message(rule: Rule, app: ApkResult, outcome: Outcome, lang: str) -> str:
    assert app.facts is not None
    shown = [evidence_text(e, lang=lang) for e in outcome.evidence[:_MAX_MESSAGE_EVIDENCE]]
    extra = len(outcome.evidence) - _MAX_MESSAGE_EVIDENCE
    if extra > 0:
        shown.append(f"+{extra}")
    word = "证据" if lang == "zh" else "Evidence"
    app_text = f"{app.facts.package} {version_text(app.facts)}"
    text = f"{rule.text('title', lang)} ({app_text})"
    return message_text(f"{text}. {word}: {'; '.join(shown)}" if shown else text)


def message_text(text: str) -> str:
    """Plain text for a SARIF message: no control characters, and "[", "]" and "\\" escaped so
    that no APK string becomes an embedded link (SARIF 2.1.0 §3.11.6)."""
    escaped = clean(text).replace("\\", "\\\\")
    return escaped.replace("[", "\\[").replace("]", "\\]")


def _coverage_props(app: ApkResult) -> dict[str, Any]:
    """How much of one app the scan saw (partial: a packer, unreadable code)."""
    assert app.facts is not None
    coverage = app.coverage
    return {
        "uri": artifact_uri(app.path),
        "package": app.facts.package,
        "complete": coverage.complete,
        "packers": list(coverage.packers),
        "limits": list(coverage.limits),
        "rulesNotEvaluated": list(coverage.rules),
    }


def _inventory_props(app: ApkResult) -> dict[str, Any]:
    """One app's SDKs: what each does (present, initialised, collects) and the PI it reads."""
    assert app.facts is not None
    return {
        "uri": artifact_uri(app.path),
        "package": app.facts.package,
        "sdks": [
            {
                "id": sdk.id,
                "name": sdk.name,
                "category": sdk.category,
                "status": sdk.status,
                "reads": list(sdk.reads),
            }
            for sdk in app.inventory.sdks
        ],
    }


def _evidence_props(ev: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {
        "fact": ev.fact,
        "value": ev.value,
        "where": ev.where,
        "callers": list(ev.callers),
    }
    if ev.source:
        out["source"] = ev.source
    return out


def _logical_locations(evidence: tuple[Evidence, ...]) -> list[dict[str, str]]:
    """Each evidence item, then each distinct caller class, without duplicates."""
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, str]] = []

    def add(name: str, fqn: str, kind: str) -> None:
        if (fqn, kind) not in seen:
            seen.add((fqn, kind))
            out.append({"name": clean(name), "fullyQualifiedName": clean(fqn), "kind": kind})

    for ev in evidence:
        kind = _LOGICAL_KINDS.get(ev.fact, "element" if "<" in ev.where else "object")
        add(ev.value, f"{ev.where}::{ev.value}", kind)
    for caller in sorted({c for ev in evidence for c in ev.callers}):
        add(caller.rpartition(".")[2] or caller, caller, "type")
    return out


def _artifact(app: ApkResult) -> dict[str, Any]:
    out: dict[str, Any] = {"location": {"uri": artifact_uri(app.path)}, "roles": ["analysisTarget"]}
    if app.facts is not None:
        out["hashes"] = {"sha-256": app.facts.sha256}
        out["length"] = app.facts.size
        out["mimeType"] = "application/vnd.android.package-archive"
    return out


def _invocation(scan: ScanResult) -> dict[str, Any]:
    notes = [_error_note(app) for app in scan.results if app.error is not None]
    notes += [
        _warning_note(app, warning)
        for app in scan.results
        if app.facts is not None
        for warning in app.facts.warnings
    ]
    notes += [
        _coverage_note(app) for app in scan.results if app.facts and not app.coverage.complete
    ]
    return {
        "executionSuccessful": not scan.errors,
        "endTimeUtc": _utc(scan.generated_at),
        "toolExecutionNotifications": notes,
    }


def _error_note(app: ApkResult) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": message_text(f"{app.path}: could not be analysed: {app.error}")},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(app.path)}}}],
        "descriptor": {"id": "apk-analysis-error"},
    }


def _warning_note(app: ApkResult, warning: str) -> dict[str, Any]:
    return {
        "level": "warning",
        "message": {"text": message_text(f"{app.path}: partly analysed: {warning}")},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(app.path)}}}],
        "descriptor": {"id": "apk-analysis-warning"},
    }


def _coverage_note(app: ApkResult) -> dict[str, Any]:
    text = f"{app.path}: {coverage_text(app.coverage, 'en')}: {'; '.join(app.coverage.limits)}"
    return {
        "level": "warning",
        "message": {"text": message_text(text)},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(app.path)}}}],
        "descriptor": {"id": "apk-partial-coverage"},
    }


def artifact_uri(path: str) -> str:
    """A URI reference for an APK path: relative paths stay relative, absolute ones get file:.

    Backslashes and drive letters are read as a Windows path.  Every character outside the
    unreserved set (and "/") is percent-encoded, so spaces, "#", "%" and "?" are safe.
    """
    pure = PureWindowsPath(path) if _WINDOWS_PATH.search(path) else PurePosixPath(path)
    if pure.is_absolute():
        return pure.as_uri()
    parts = [p for p in pure.parts if p != "."]
    return quote("/".join(parts) or ".", safe="/")


def _utc(stamp: str) -> str:
    return stamp[:-6] + "Z" if stamp.endswith("+00:00") else stamp


def _pascal(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", text))
