"""Markdown for merge-request comments: a summary line, a table of apps, then each app's findings.

APK-derived strings are inert: "<", ">" and "&" become entities and the punctuation that can
start markup is backslash-escaped (emphasis, code, links and images, table pipes, GitHub and
GitLab references such as @user, #1, !1, ~label, %milestone, $math$, {+diff+}, and the ":" of
URL schemes and the "." of "www." autolinks); line breaks become spaces.  No line starts with
an APK-derived string, so list, heading and quote markers cannot be injected either.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pi_scan.model import ApkResult, Level, Outcome, Rule, ScanResult, Status
from pi_scan.report.base import (
    LANGS,
    category_label,
    citation_short,
    clean,
    coverage_text,
    evidence_text,
    explanation,
    findings,
    is_suppressed,
    level_counts,
    not_applicable_reason,
    policy_lines,
    reason_text,
    report_lang,
    rules_by_id,
    sdk_text,
    source_tag,
    summary_counts,
    verdict_label,
    verdict_word,
    version_text,
)

_MARKUP = re.compile(r"([\\`*_{}\[\]#!|~@$:%])")
_WWW = re.compile(r"(?i)\b(www)\.")
_ICONS = {"pass": "✅", "notice": "⚠️", "removal": "⛔", "error": "❗"}
_MAX_EVIDENCE = 5
# Every fixed word of the comment: key -> (English, Chinese).
_TEXT: dict[str, tuple[str, str]] = {
    "title": ("pi-scan report", "pi-scan 检测报告"),
    "apps": ("apps", "个应用"),
    "file": ("File", "文件"),
    "package": ("Package", "包名"),
    "version": ("Version", "版本"),
    "verdict": ("Verdict", "结论"),
    "rule": ("Rule", "规则"),
    "level": ("Level", "级别"),
    "finding": ("Finding", "问题"),
    "evidence": ("Evidence", "证据"),
    "reasons": ("Why", "原因"),
    "citations": ("References", "依据"),
    "suppressed": ("suppressed", "已豁免"),
    "not_evaluated": ("Not evaluated", "未评估"),
    "not_applicable": ("Not applicable", "不适用"),
    "more": ("more", "更多"),
    "error": ("Could not be analysed", "无法分析"),
    "coverage": ("Coverage", "检测覆盖"),
    "sdks": ("SDKs", "SDK"),
    "none": ("No apps scanned.", "未检测任何应用。"),
    "footer": ("rules {rules} · pi-scan {tool} · {at}", "规则 {rules} · pi-scan {tool} · {at}"),
}
_WORDS = {lang: {key: pair[i] for key, pair in _TEXT.items()} for i, lang in enumerate(LANGS)}


class MarkdownReporter:
    name: ClassVar[str] = "markdown"
    suffix: ClassVar[str] = ".md"

    def render(self, scan: ScanResult, lang: str) -> str:
        lang = report_lang(lang)
        w = _WORDS[lang]
        parts = [f"## {w['title']}", "", _summary_line(scan, lang), ""]
        if scan.results:
            parts += _app_table(scan, lang)
        else:
            parts.append(w["none"])
        rules = rules_by_id(scan)
        for app in scan.results:
            parts += ["", *_app_section(app, scan, rules, lang)]
        footer = w["footer"].format(
            rules=md(scan.ruleset.version), tool=md(scan.tool_version), at=md(scan.generated_at)
        )
        parts += ["", f"<sub>{footer}</sub>"]
        return "\n".join(parts) + "\n"


def md(text: object) -> str:
    """APK-derived text as inert Markdown inline content (safe inside table cells too)."""
    value = clean(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    value = _WWW.sub(r"\1\\.", _MARKUP.sub(r"\\\1", value))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _word(label: str, lang: str) -> str:
    return f"{_ICONS.get(label, '')} {verdict_word(label, lang)}".strip()


def _summary_line(scan: ScanResult, lang: str) -> str:
    c = summary_counts(scan)
    counts = ", ".join(
        f"{c[k]} {verdict_word(k, lang)}" for k in ("pass", "notice", "removal", "error")
    )
    return f"**{c['apps']} {_WORDS[lang]['apps']}**: {counts}"


def _app_table(scan: ScanResult, lang: str) -> list[str]:
    w = _WORDS[lang]
    removal = verdict_word("removal", lang).capitalize()
    notice = verdict_word("notice", lang).capitalize()
    head = [w["file"], w["package"], w["version"], w["verdict"], removal, notice, w["coverage"]]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows += ["| " + " | ".join(_app_cells(app, lang)) + " |" for app in scan.results]
    return rows


def _app_cells(app: ApkResult, lang: str) -> list[str]:
    facts = app.facts
    if app.error or facts is None:
        return [md(app.path), "", "", _word("error", lang), "", "", ""]
    counts = level_counts(app)
    return [
        md(app.path),
        md(facts.package),
        md(version_text(facts)),
        _word(verdict_label(app), lang),
        str(counts[Level.REMOVAL]),
        str(counts[Level.NOTICE]),
        md(coverage_text(app.coverage, lang)),
    ]


def _app_section(app: ApkResult, scan: ScanResult, rules: dict[str, Rule], lang: str) -> list[str]:
    w = _WORDS[lang]
    name = app.facts.package if app.facts else app.path
    lines = [f"### {_word(verdict_label(app), lang)}: {md(name)}", ""]
    if app.error or app.facts is None:
        return [*lines, f"**{w['error']}:** {md(app.path)}: {md(app.error)}"]
    lines += [f"**{md(explanation(app, scan, lang))}**", ""]
    if app.verdict_reasons:
        reasons = "; ".join(md(reason_text(r, scan, lang)) for r in app.verdict_reasons)
        lines += [f"**{w['reasons']}:** {reasons}", ""]
    listed = findings(app)
    if listed:
        head = [w["rule"], w["level"], w["finding"], w["evidence"], w["citations"]]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += [_finding_row(o, rules.get(o.rule_id), scan, lang, app) for o in listed]
    skipped = _not_evaluated(app)
    if skipped:
        items = "; ".join(f"{o.rule_id} ({md(o.reason or '-')})" for o in skipped)
        lines += ["", f"{w['not_evaluated']}: {items}"]
    inapplicable = [o for o in app.outcomes if o.status is Status.NOT_APPLICABLE]
    if inapplicable:
        why = sorted({not_applicable_reason(o, scan, lang) for o in inapplicable})
        ids = ", ".join(o.rule_id for o in inapplicable)
        lines += ["", f"{w['not_applicable']}: {ids} ({md('; '.join(why))})"]
    if app.inventory.sdks:
        sdks = "; ".join(md(sdk_text(s, lang)) for s in app.inventory.sdks)
        lines += ["", f"**{w['sdks']}:** {sdks}"]
    if not app.coverage.complete:
        limits = "; ".join(md(x) for x in app.coverage.limits)
        lines += ["", f"**{w['coverage']}:** {md(coverage_text(app.coverage, lang))} — {limits}"]
    if app.policy is not None and app.policy.status != "none":
        lines += ["", *(f"- {md(line.strip())}" for line in policy_lines(app.policy, lang))]
    return lines


def _finding_row(
    outcome: Outcome, rule: Rule | None, scan: ScanResult, lang: str, app: ApkResult
) -> str:
    w = _WORDS[lang]
    title = md(rule.text("title", lang) + source_tag(app, outcome, lang)) if rule else ""
    if rule and rule.category:
        title += f" <br><sub>{md(category_label(scan.ruleset, rule.category, lang))}</sub>"
    level = verdict_word(outcome.level.label, lang)
    if is_suppressed(outcome):
        level = f"~~{level}~~ {w['suppressed']}: {md(outcome.justification or '-')}"
    shown = [md(evidence_text(e, lang=lang)) for e in outcome.evidence[:_MAX_EVIDENCE]]
    extra = len(outcome.evidence) - _MAX_EVIDENCE
    if extra > 0:
        shown.append(f"+{extra} {w['more']}")
    cites = ", ".join(md(citation_short(c, lang)) for c in rule.citations) if rule else ""
    cells = [outcome.rule_id, level, title, "<br>".join(shown), cites]
    return "| " + " | ".join(cells) + " |"


def _not_evaluated(app: ApkResult) -> tuple[Outcome, ...]:
    return tuple(o for o in app.outcomes if o.status is Status.NOT_EVALUATED)
