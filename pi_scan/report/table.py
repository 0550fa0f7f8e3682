"""Terminal table: one row per app, then each app's findings."""

from __future__ import annotations

from typing import ClassVar

from tabulate import tabulate

from pi_scan.model import ApkResult, Rule, ScanResult, Verdict
from pi_scan.report.base import clean, evidence_text, level_counts, verdict_label

_HEAD = {
    "en": ("file", "package", "version", "verdict", "removal", "notice", "note"),
    "zh": ("文件", "包名", "版本", "结论", "下架", "通报", "备注"),
}
_FINDING_HEAD = {
    "en": ("rule", "level", "title", "evidence"),
    "zh": ("规则", "级别", "问题", "证据"),
}
_VERDICT_ZH = {"pass": "通过", "notice": "通报", "removal": "下架", "error": "错误"}
_MAX_EVIDENCE = 4


class TableReporter:
    name: ClassVar[str] = "table"
    suffix: ClassVar[str] = ".txt"

    def render(self, scan: ScanResult, lang: str) -> str:
        lang = lang if lang in _HEAD else "en"
        rows = [_app_row(r, lang) for r in scan.results]
        parts = [tabulate(rows, headers=_HEAD[lang], tablefmt="simple")]
        rules = {r.id: r for r in scan.ruleset.rules}
        parts += [_findings(r, rules, lang) for r in scan.results if r.failed]
        return "\n\n".join(parts) + "\n"


def _word(label: str, lang: str) -> str:
    return _VERDICT_ZH.get(label, label) if lang == "zh" else label


def _app_row(result: ApkResult, lang: str) -> tuple[str, ...]:
    facts = result.facts
    if result.error or facts is None:
        return (clean(result.path), "-", "-", _word("error", lang), "-", "-", clean(result.error))
    counts = level_counts(result)
    version = f"{facts.version_name or '-'} ({facts.version_code})"
    return (
        clean(result.path),
        clean(facts.package),
        clean(version),
        _word(verdict_label(result), lang),
        str(counts[Verdict.REMOVAL]),
        str(counts[Verdict.NOTICE]),
        clean("; ".join(facts.warnings)),
    )


def _findings(result: ApkResult, rules: dict[str, Rule], lang: str) -> str:
    rows = []
    for outcome in result.failed:
        evidence = [clean(evidence_text(e)) for e in outcome.evidence[:_MAX_EVIDENCE]]
        extra = len(outcome.evidence) - _MAX_EVIDENCE
        if extra > 0:
            evidence.append(f"(+{extra})")
        rows.append(
            (
                outcome.rule_id,
                _word(outcome.level.label, lang),
                rules[outcome.rule_id].text("title", lang),
                "\n".join(evidence),
            )
        )
    title = clean(result.facts.package if result.facts else result.path)
    head = f"{title}: {_word(verdict_label(result), lang)}"
    escalations = [
        r.split(":", 1)[1] for r in result.verdict_reasons if r.startswith("escalation:")
    ]
    if escalations:
        head += f" ({', '.join(escalations)})"
    table = tabulate(
        rows, headers=_FINDING_HEAD[lang], tablefmt="simple", maxcolwidths=[None, None, 40, 100]
    )
    return head + "\n" + table
