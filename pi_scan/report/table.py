"""Terminal table: one row per app, then each app's findings."""

from __future__ import annotations

from typing import ClassVar

from pi_scan.model import ApkResult, Level, ScanResult
from pi_scan.report.base import (
    clean,
    coverage_text,
    evidence_text,
    explanation,
    level_counts,
    localized,
    policy_lines,
    sdk_text,
    source_tag,
    tabulated,
    verdict_label,
    verdict_word,
    version_text,
)

_HEAD = {
    "en": ("file", "package", "version", "verdict", "removal", "notice", "note"),
    "zh": ("文件", "包名", "版本", "结论", "下架", "通报", "备注"),
}
_FINDING_HEAD = {
    "en": ("problem", "rule", "level", "title", "evidence"),
    "zh": ("问题类型", "规则", "级别", "问题", "证据"),
}
_MAX_EVIDENCE = 4
_LABELS = {
    "en": {"sdks": "SDKs", "coverage": "coverage", "not_evaluated": "not evaluated"},
    "zh": {"sdks": "SDK", "coverage": "检测覆盖", "not_evaluated": "未评估"},
}


class TableReporter:
    name: ClassVar[str] = "table"
    suffix: ClassVar[str] = ".txt"

    def render(self, scan: ScanResult, lang: str) -> str:
        lang = lang if lang in _HEAD else "en"
        rows = [_app_row(r, lang) for r in scan.results]
        parts = [tabulated(rows, headers=_HEAD[lang], tablefmt="simple")]
        parts += [_findings(r, scan, lang) for r in scan.results if r.error is None]
        if scan.warnings:
            parts.append("\n".join(f"warning: {clean(w)}" for w in scan.warnings))
        return "\n\n".join(parts) + "\n"


def _word(label: str, lang: str) -> str:
    return verdict_word(label, lang)


def _app_row(result: ApkResult, lang: str) -> tuple[str, ...]:
    facts = result.facts
    if result.error or facts is None:
        return (clean(result.path), "-", "-", _word("error", lang), "-", "-", clean(result.error))
    counts = level_counts(result)
    version = version_text(facts)
    return (
        clean(result.path),
        clean(facts.package),
        clean(version),
        _word(verdict_label(result), lang),
        str(counts[Level.REMOVAL]),
        str(counts[Level.NOTICE]),
        clean("; ".join(_notes(result, lang))),
    )


def _notes(result: ApkResult, lang: str) -> list[str]:
    """The note column: partial coverage first (never a silent pass), then warnings."""
    facts = result.facts
    notes = [] if result.coverage.complete else [coverage_text(result.coverage, lang)]
    return notes + list(facts.warnings if facts else ())


def _findings(result: ApkResult, scan: ScanResult, lang: str) -> str:
    """The verdict explained, then the app's findings grouped under the problem labels
    regulators publish, advice last."""
    ruleset = scan.ruleset
    rules = {r.id: r for r in ruleset.rules}
    rows = []
    ordered = sorted(
        result.failed, key=lambda o: (rules[o.rule_id].category or "", o.rule_id)
    ) + sorted(result.advice, key=lambda o: o.rule_id)
    previous = None
    for outcome in ordered:
        rule = rules[outcome.rule_id]
        evidence = [clean(evidence_text(e, lang=lang)) for e in outcome.evidence[:_MAX_EVIDENCE]]
        extra = len(outcome.evidence) - _MAX_EVIDENCE
        if extra > 0:
            evidence.append(f"(+{extra})")
        label = localized(ruleset.categories.get(rule.category or ""), lang, rule.category or "")
        rows.append(
            (
                label if rule.category != previous else "",
                outcome.rule_id,
                _word(outcome.level.label, lang) + (" *" if outcome.not_rectified else ""),
                rule.text("title", lang) + source_tag(result, outcome, lang),
                "\n".join(evidence),
            )
        )
        previous = rule.category
    title = clean(result.facts.package if result.facts else result.path)
    lines = [clean(f"{title}: {explanation(result, scan, lang)}")]
    if rows:
        lines.append(
            tabulated(
                rows,
                headers=_FINDING_HEAD[lang],
                tablefmt="simple",
                maxcolwidths=[24, None, None, 36, 90],
            )
        )
    labels = _LABELS[lang]
    if result.inventory.sdks:
        sdks = "; ".join(sdk_text(s, lang) for s in result.inventory.sdks)
        lines.append(clean(f"{labels['sdks']}: {sdks}"))
    if not result.coverage.complete:
        lines.append(clean(f"{labels['coverage']}: {coverage_text(result.coverage, lang)}"))
        lines += [clean(f"  - {limit}") for limit in result.coverage.limits]
        if result.coverage.rules:
            lines.append(f"  {labels['not_evaluated']}: {', '.join(result.coverage.rules)}")
    if result.policy is not None and result.policy.status != "none":
        lines += [clean(line) for line in policy_lines(result.policy, lang)]
    return "\n".join(lines)
