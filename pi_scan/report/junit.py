"""JUnit XML: one test suite per app, one test case per rule, passes included.

A failed rule is a `<failure>` (type = its level), a rule that was not evaluated or whose
failure is suppressed is `<skipped>`, and an app that could not be analysed is a suite with a
single `<error>` case.  Every string goes through `clean_xml`, so the file is XML 1.0 whatever
the APK holds; ElementTree escapes markup.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import ClassVar

from pi_scan.model import ApkResult, Level, Outcome, Rule, ScanResult, Status
from pi_scan.report.base import (
    citation_short,
    clean_xml,
    coverage_text,
    evidence_text,
    explanation,
    not_applicable_reason,
    policy_lines,
    reason_text,
    report_lang,
    rules_by_id,
    sdk_text,
    verdict_label,
    version_text,
)

_COUNTS = ("tests", "failures", "errors", "skipped")


class JunitReporter:
    name: ClassVar[str] = "junit"
    suffix: ClassVar[str] = ".xml"

    def render(self, scan: ScanResult, lang: str) -> str:
        lang = report_lang(lang)
        root = ET.Element("testsuites", {"name": "pi-scan"})
        totals = dict.fromkeys(_COUNTS, 0)
        for i, app in enumerate(scan.results):
            suite = _error_suite(app, i, scan) if app.error else _suite(app, i, scan, lang)
            for key in _COUNTS:
                totals[key] += int(suite.get(key, "0"))
            root.append(suite)
        for key in _COUNTS:
            root.set(key, str(totals[key]))
        root.set("time", "0")
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _suite_element(name: str, index: int, scan: ScanResult) -> ET.Element:
    return ET.Element(
        "testsuite",
        {"name": clean_xml(name), "id": str(index), "timestamp": _timestamp(scan.generated_at)},
    )


def _suite(app: ApkResult, index: int, scan: ScanResult, lang: str) -> ET.Element:
    assert app.facts is not None
    classname = app.facts.package
    suite = _suite_element(classname, index, scan)
    _properties(suite, app, scan, lang)
    rules = rules_by_id(scan)
    counts = dict.fromkeys(_COUNTS, 0)
    for outcome in app.outcomes:
        rule = rules.get(outcome.rule_id)
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": clean_xml(classname), "name": _case_name(outcome, rule, lang)},
        )
        case.set("time", "0")
        counts["tests"] += 1
        kind = _fill_case(case, outcome, rule, scan, lang)
        if kind:
            counts[kind] += 1
    if not app.coverage.complete:  # partial coverage: a skipped case, never a silent pass
        case = ET.SubElement(
            suite, "testcase", {"classname": clean_xml(classname), "name": "coverage", "time": "0"}
        )
        text = f"{coverage_text(app.coverage, lang)}: {'; '.join(app.coverage.limits)}"
        ET.SubElement(case, "skipped", {"message": clean_xml(text)})
        counts["tests"] += 1
        counts["skipped"] += 1
    for key in _COUNTS:
        suite.set(key, str(counts[key]))
    suite.set("time", "0")
    return suite


def _fill_case(
    case: ET.Element, outcome: Outcome, rule: Rule | None, scan: ScanResult, lang: str
) -> str | None:
    """Add the outcome's child element; return the counter it adds to, if any."""
    if outcome.status is Status.FAILED and outcome.level is Level.ADVICE:
        # advice never fails the build: a passed case that says what it advises
        out = ET.SubElement(case, "system-out")
        word = "建议" if lang == "zh" else "advice"
        out.text = clean_xml(f"{word}: " + _failure_body(outcome, rule, lang))
        return None
    if outcome.status is Status.FAILED:
        title = rule.text("title", lang) if rule else outcome.rule_id
        if outcome.source != "static":  # what showed it, when a runtime log took part
            props = ET.SubElement(case, "properties")  # first, as pytest writes it
            ET.SubElement(props, "property", {"name": "source", "value": outcome.source})
        failure = ET.SubElement(
            case, "failure", {"message": clean_xml(title), "type": outcome.level.label}
        )
        failure.text = clean_xml(_failure_body(outcome, rule, lang))
        return "failures"
    if outcome.status is Status.SUPPRESSED:
        why = outcome.justification or "-"
        word = "已豁免" if lang == "zh" else "suppressed"
        ET.SubElement(case, "skipped", {"message": clean_xml(f"{word}: {why}")})
        return "skipped"
    if outcome.status in (Status.NOT_EVALUATED, Status.NOT_APPLICABLE):
        not_evaluated = outcome.status is Status.NOT_EVALUATED
        word = (
            ("未评估" if lang == "zh" else "not evaluated")
            if not_evaluated
            else ("不适用" if lang == "zh" else "not applicable")
        )
        reason = outcome.reason if not_evaluated else not_applicable_reason(outcome, scan, lang)
        reason = reason or "-"
        ET.SubElement(case, "skipped", {"message": clean_xml(f"{word}: {reason}")})
        return "skipped"
    return None


def _case_name(outcome: Outcome, rule: Rule | None, lang: str) -> str:
    title = rule.text("title", lang) if rule else ""
    return clean_xml(f"{outcome.rule_id} {title}".strip())


def _failure_body(outcome: Outcome, rule: Rule | None, lang: str) -> str:
    zh = lang == "zh"
    lines = [rule.text("message", lang), ""] if rule else []
    lines.append("证据：" if zh else "Evidence:")
    lines += [f"- {evidence_text(e, max_callers=10, lang=lang)}" for e in outcome.evidence]
    if rule:
        lines += ["", ("整改建议：" if zh else "Remediation: ") + rule.text("remediation", lang)]
        cites = ", ".join(citation_short(c, lang) for c in rule.citations)
        lines.append(("依据：" if zh else "References: ") + cites)
    return "\n".join(lines)


def _properties(suite: ET.Element, app: ApkResult, scan: ScanResult, lang: str) -> None:
    assert app.facts is not None
    facts = app.facts
    props = ET.SubElement(suite, "properties")
    values = [
        ("path", app.path),
        ("package", facts.package),
        ("version", version_text(facts)),
        ("sha256", facts.sha256),
        ("verdict", verdict_label(app)),
        ("explanation", explanation(app, scan, lang)),
        *(("verdict_reason", reason_text(r, scan, lang)) for r in app.verdict_reasons),
        *(("warning", w) for w in facts.warnings),
        ("coverage", coverage_text(app.coverage, lang)),
        *(("coverage_limit", x) for x in app.coverage.limits),
        *(("sdk", sdk_text(s, lang)) for s in app.inventory.sdks),
        *(("policy", line.strip()) for line in policy_lines(app.policy, lang)),
    ]
    for name, value in values:
        ET.SubElement(props, "property", {"name": name, "value": clean_xml(value)})


def _error_suite(app: ApkResult, index: int, scan: ScanResult) -> ET.Element:
    suite = _suite_element(app.path, index, scan)
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "path", "value": clean_xml(app.path)})
    ET.SubElement(props, "property", {"name": "verdict", "value": "error"})
    case = ET.SubElement(
        suite, "testcase", {"classname": clean_xml(app.path), "name": "analysis", "time": "0"}
    )
    error = ET.SubElement(
        case, "error", {"message": clean_xml(app.error or ""), "type": "ApkAnalysisError"}
    )
    error.text = clean_xml(f"{app.path}: {app.error}")
    for key, value in (("tests", 1), ("failures", 0), ("errors", 1), ("skipped", 0)):
        suite.set(key, str(value))
    suite.set("time", "0")
    return suite


def _timestamp(stamp: str) -> str:
    """JUnit's timestamp is an xs:dateTime without a zone; the scan's is UTC."""
    return stamp[:-6] if stamp.endswith("+00:00") else stamp.removesuffix("Z")
