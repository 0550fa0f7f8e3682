"""HTML for auditors: one self-contained file (inline CSS, inline SVG, no script, no network).

The page skeleton and stylesheet are the package-data template `templates/report.html`.  Every
string that reaches the page goes through `h()` (control characters replaced, then HTML-escaped,
quotes included), and the page carries a Content-Security-Policy that allows no script, no
network and only inline styles, so a missed escape still cannot run anything.
"""

from __future__ import annotations

import functools
import html
import string
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import ClassVar

from pi_scan.model import (
    ApkFacts,
    ApkResult,
    Level,
    Outcome,
    Rule,
    RuntimeRead,
    ScanResult,
    Status,
)
from pi_scan.report.base import (
    LANGS,
    PI_TYPES,
    category_label,
    citation_long,
    clean,
    coverage_text,
    explanation,
    findings,
    has_runtime,
    is_suppressed,
    level_counts,
    not_applicable_reason,
    party_text,
    pi_text,
    pi_types,
    policy_lines,
    reason_text,
    report_lang,
    rules_by_id,
    sdk_names,
    sdk_status_word,
    source_text,
    summary_counts,
    top,
    verdict_label,
    verdict_word,
    version_text,
)

_VERDICTS = ("pass", "notice", "removal", "error")
_MAX_CALLERS = 20
# Every fixed word of the page: key -> (English, Chinese).
_TEXT: Mapping[str, tuple[str, str]] = {
    "title": ("pi-scan report", "pi-scan 检测报告"),
    "summary": ("Summary", "概览"),
    "apps": ("Apps", "应用"),
    "app_count": ("apps scanned", "个应用已检测"),
    "file": ("File", "文件"),
    "label": ("Label", "名称"),
    "label_zh": ("Label (Chinese)", "中文名称"),
    "package": ("Package", "包名"),
    "version": ("Version", "版本"),
    "verdict": ("Verdict", "结论"),
    "sha256": ("SHA-256", "SHA-256"),
    "size": ("Size", "大小"),
    "sdk": ("Min / target SDK", "最低 / 目标 SDK"),
    "certs": ("Signing certificates", "签名证书"),
    "top_sdks": ("Top SDKs", "常见 SDK"),
    "top_pi": ("Top personal-information types", "常见个人信息类型"),
    "none": ("none detected", "未检测到"),
    "reasons": ("Why this verdict", "结论依据"),
    "findings": ("Findings", "问题"),
    "no_findings": ("No findings.", "未发现问题。"),
    "evidence": ("Evidence", "证据"),
    "where": ("Where", "位置"),
    "value": ("Found", "内容"),
    "callers": ("Used by", "调用方"),
    "remediation": ("Remediation", "整改建议"),
    "citations": ("Legal basis", "法规依据"),
    "category": ("Category", "问题类型"),
    "suppressed": ("suppressed", "已豁免"),
    "justification": ("Justification", "豁免理由"),
    "not_evaluated": ("Not evaluated", "未评估"),
    "not_applicable": ("Not applicable", "不适用"),
    "advice": ("Advice", "建议"),
    "warnings": ("Parts that could not be read", "未能读取的部分"),
    "permissions": ("Permissions", "权限"),
    "native_libs": ("Native libraries", "原生库"),
    "coverage": ("Coverage", "检测覆盖"),
    "coverage_limits": ("What the scan could not see", "本次检测无法看到的内容"),
    "coverage_rules": (
        "Code-level checks not evaluated (they found nothing in the code that was readable)",
        "未评估的代码层面检测（在可读取的代码中未发现问题）",
    ),
    "coverage_runtime": (
        "Seen called in the runtime logs all the same",
        "运行时日志中仍观察到调用的接口",
    ),
    "sdk_inventory": ("SDK inventory", "SDK 清单"),
    "status": ("Status", "状态"),
    "reads": ("Reads", "读取"),
    "confidence": ("Detection", "识别可信度"),
    "signals": ("Signals", "识别依据"),
    "sdk_category": ("Category", "类别"),
    "abi": ("ABI", "ABI"),
    "path": ("Path", "路径"),
    "name": ("Name", "名称"),
    "error": ("Could not be analysed", "无法分析"),
    "more": ("more", "更多"),
    "generated": ("Generated", "生成时间"),
    "rules": ("Rules", "规则"),
    "tool": ("Tool", "工具"),
    "nothing": ("No apps scanned.", "未检测任何应用。"),
    "runtime": (
        "Runtime: personal information read around consent",
        "运行时：同意前后读取的个人信息",
    ),
    "runtime_log": ("Log", "日志"),
    "time": ("Device time", "设备时间"),
    "from_consent": ("From consent", "距同意"),
    "api": ("API", "接口"),
    "pi": ("Personal information", "个人信息"),
    "who": ("Called by", "调用方"),
    "consent_moment": ("The user agrees to the privacy policy", "用户同意隐私政策"),
    "no_consent": ("no consent moment in this log", "此日志中没有同意时刻"),
    "calls": ("calls", "次调用"),
    "no_reads": ("no read of personal information", "未读取个人信息"),
    "source": ("Shown by", "证据来源"),
    "footer": (
        "Self-contained report: it loads nothing from the network and runs no script.",
        "本报告为独立文件：不从网络加载任何内容，也不运行任何脚本。",
    ),
}
_WORDS: Mapping[str, Mapping[str, str]] = {
    lang: {key: pair[i] for key, pair in _TEXT.items()} for i, lang in enumerate(LANGS)
}


class HtmlReporter:
    name: ClassVar[str] = "html"
    suffix: ClassVar[str] = ".html"

    def render(self, scan: ScanResult, lang: str) -> str:
        lang = report_lang(lang)
        w = _WORDS[lang]
        body = [_header(scan, w), _summary(scan, lang)]
        if scan.results:
            body.append(f'<section id="apps">\n<h2>{h(w["apps"])}</h2>')
            body += [_app(app, i, scan, lang) for i, app in enumerate(scan.results, 1)]
            body.append("</section>")
        body.append(f"<footer>{h(w['footer'])}</footer>")
        return _template().substitute(
            lang="zh-CN" if lang == "zh" else "en",
            version=h(scan.tool_version),
            title=h(w["title"]),
            body="\n".join(body),
        )


@functools.lru_cache(maxsize=1)
def _template() -> string.Template:
    """The page skeleton, read once from package data (read-only, same for every render)."""
    path = resources.files("pi_scan.report").joinpath("templates").joinpath("report.html")
    return string.Template(path.read_text(encoding="utf-8"))


def h(text: object) -> str:
    """Any text as inert HTML (element content or a quoted attribute value)."""
    return html.escape(clean(text), quote=True)


def _badge(label: str, lang: str) -> str:
    return f'<span class="badge b-{label}">{h(verdict_word(label, lang))}</span>'


def _header(scan: ScanResult, w: Mapping[str, str]) -> str:
    meta = (
        f"{h(w['generated'])}: {h(scan.generated_at)} · {h(w['rules'])}: "
        f"{h(scan.ruleset.version)} · {h(w['tool'])}: pi-scan {h(scan.tool_version)}"
    )
    return f'<header>\n<h1>{h(w["title"])}</h1>\n<p class="meta">{meta}</p>\n</header>'


# --- summary --------------------------------------------------------------------------------


def _summary(scan: ScanResult, lang: str) -> str:
    w = _WORDS[lang]
    counts = summary_counts(scan)
    cards = "".join(
        f'<div class="card c-{k}"><div class="n">{counts[k]}</div>{_badge(k, lang)}</div>'
        for k in _VERDICTS
    )
    rules = rules_by_id(scan)
    sdks = top(s for app in scan.results for s in sdk_names(app, rules, lang))
    pis = top(t for app in scan.results for t in pi_types(app, rules))
    pi_rows = [(PI_TYPES[t].get(lang, t), n) for t, n in pis]
    parts = [
        '<section id="summary">',
        f"<h2>{h(w['summary'])}</h2>",
        f"<p><strong>{counts['apps']}</strong> {h(w['app_count'])}</p>",
        f'<div class="cards">{cards}</div>',
        _stack(counts, lang),
        _app_table(scan, lang) if scan.results else f"<p>{h(w['nothing'])}</p>",
        '<div class="cols">',
        f"<div><h3>{h(w['top_sdks'])}</h3>{_bars(sdks, w, mono=True)}</div>",
        f"<div><h3>{h(w['top_pi'])}</h3>{_bars(pi_rows, w)}</div>",
        "</div>",
        "</section>",
    ]
    return "\n".join(parts)


def _stack(counts: Mapping[str, int], lang: str) -> str:
    """The verdicts as one stacked horizontal bar (inline SVG, 1000 units wide)."""
    total = sum(counts[k] for k in _VERDICTS)
    rects, x = [], 0
    for k in _VERDICTS:
        if counts[k]:
            width = round(1000 * counts[k] / total)
            label = h(f"{verdict_word(k, lang)}: {counts[k]}")
            rects.append(
                f'<rect class="f-{k}" x="{x}" y="0" width="{width}" height="24">'
                f"<title>{label}</title></rect>"
            )
            x += width
    if not rects:
        rects.append('<rect class="f-empty" x="0" y="0" width="1000" height="24"></rect>')
    return (
        '<svg class="stack" viewBox="0 0 1000 24" preserveAspectRatio="none" role="img">'
        + "".join(rects)
        + "</svg>"
    )


def _bars(rows: list[tuple[str, int]], w: Mapping[str, str], mono: bool = False) -> str:
    if not rows:
        return f'<p class="muted">{h(w["none"])}</p>'
    most = max(n for _, n in rows)
    cls = ' class="mono"' if mono else ""
    items = "".join(
        f"<li><span{cls}>{h(name)}</span>"
        f'<div class="bar"><span style="width:{round(100 * n / most)}%"></span></div>'
        f'<span class="num">{n}</span></li>'
        for name, n in rows
    )
    return f'<ul class="bars">{items}</ul>'


def _app_table(scan: ScanResult, lang: str) -> str:
    w = _WORDS[lang]
    head = (w["file"], w["label"], w["package"], w["version"], w["verdict"])
    cols = "".join(f"<th>{h(c)}</th>" for c in head)
    cols += f'<th class="num">{h(verdict_word("removal", lang).capitalize())}</th>'
    cols += f'<th class="num">{h(verdict_word("notice", lang).capitalize())}</th>'
    cols += f"<th>{h(w['coverage'])}</th>"
    rows = [f"<tr>{cols}</tr>"]
    for i, app in enumerate(scan.results, 1):
        facts = app.facts
        counts = level_counts(app)
        cells = [
            f'<a href="#app-{i}" class="mono">{h(app.path)}</a>',
            h(_label(facts, lang)) if facts else "",
            f'<span class="mono">{h(facts.package)}</span>' if facts else "",
            h(version_text(facts)) if facts else "",
            _badge(verdict_label(app), lang),
        ]
        nums = [str(counts[Level.REMOVAL]), str(counts[Level.NOTICE])] if facts else ["", ""]
        tds = "".join(f"<td>{c}</td>" for c in cells)
        tds += "".join(f'<td class="num">{n}</td>' for n in nums)
        partial = not app.coverage.complete
        cell = h(coverage_text(app.coverage, lang)) if facts else ""
        tds += f'<td class="cov-partial">{cell}</td>' if partial else f"<td>{cell}</td>"
        rows.append(f"<tr>{tds}</tr>")
    return "<table>\n" + "\n".join(rows) + "\n</table>"


def _label(facts: ApkFacts, lang: str) -> str:
    if lang == "zh" and facts.label_zh:
        return facts.label_zh
    return facts.label or facts.label_zh or "-"


# --- one app --------------------------------------------------------------------------------


def _app(app: ApkResult, index: int, scan: ScanResult, lang: str) -> str:
    w = _WORDS[lang]
    verdict = verdict_label(app)
    facts = app.facts
    title = f"{h(_label(facts, lang))} <code>{h(facts.package)}</code>" if facts else h(app.path)
    parts = [
        f'<article class="app v-{verdict}" id="app-{index}">',
        f"<h2>{_badge(verdict, lang)} {title}</h2>",
    ]
    if app.error is not None or facts is None:
        parts.append(f"<p><strong>{h(w['error'])}:</strong> <code>{h(app.path)}</code></p>")
        parts.append(f"<p>{h(app.error)}</p>")
    else:
        parts += _app_body(app, facts, scan, lang)
    parts.append("</article>")
    return "\n".join(parts)


def _app_body(app: ApkResult, facts: ApkFacts, scan: ScanResult, lang: str) -> list[str]:
    w = _WORDS[lang]
    parts = [
        f'<p class="explanation">{h(explanation(app, scan, lang))}</p>',
        _identity(app, facts, w),
        _coverage(app, lang),
        _policy(app, lang),
    ]
    if app.verdict_reasons:
        items = "".join(f"<li>{h(reason_text(r, scan, lang))}</li>" for r in app.verdict_reasons)
        parts.append(f'<h3>{h(w["reasons"])}</h3><ul class="plain">{items}</ul>')
    rules = rules_by_id(scan)
    listed = [o for o in findings(app) if o.level is not Level.ADVICE]
    parts.append(f"<h3>{h(w['findings'])} ({len(listed)})</h3>")
    if not listed:
        parts.append(f"<p>{h(w['no_findings'])}</p>")
    runtime = has_runtime(app)
    parts += [_finding(o, rules.get(o.rule_id), scan, lang, runtime) for o in listed]
    if app.advice:
        parts.append(f"<h3>{h(w['advice'])} ({len(app.advice)})</h3>")
        parts += [_finding(o, rules.get(o.rule_id), scan, lang, runtime) for o in app.advice]
    if runtime:
        parts.append(_timeline(app, facts, lang))
    for status, heading in (
        (Status.NOT_APPLICABLE, w["not_applicable"]),
        (Status.NOT_EVALUATED, w["not_evaluated"]),
    ):
        listed_why = [
            (o, not_applicable_reason(o, scan, lang) if status is Status.NOT_APPLICABLE else None)
            for o in app.outcomes
            if o.status is status
        ]
        if listed_why:
            items = "".join(
                f"<li><code>{h(o.rule_id)}</code> {h(_title(rules.get(o.rule_id), lang))}: "
                f"{h(why or o.reason or '-')}</li>"
                for o, why in listed_why
            )
            parts.append(f'<h3>{h(heading)}</h3><ul class="plain">{items}</ul>')
    if facts.warnings:
        items = "".join(f"<li>{h(x)}</li>" for x in facts.warnings)
        parts.append(f'<h3>{h(w["warnings"])}</h3><ul class="plain">{items}</ul>')
    parts += [_sdk_inventory(app, lang), _permissions(app, facts, w), _native_libs(facts, w)]
    return parts


def _policy(app: ApkResult, lang: str) -> str:
    """The privacy policy against the behaviour: declared / found / missing."""
    lines = policy_lines(app.policy, lang)
    if not lines:
        return ""
    items = "".join(f"<li>{h(line.strip())}</li>" for line in lines[1:])
    return f'<section class="policy"><h3>{h(lines[0])}</h3><ul class="plain">{items}</ul></section>'


def _timeline(app: ApkResult, facts: ApkFacts, lang: str) -> str:
    """Per runtime log: the PI reads it saw in time order, the consent moment among them (a
    strip of dots around a line, then a table)."""
    w = _WORDS[lang]
    parts = [f'<section class="timeline"><h3>{h(w["runtime"])}</h3>']
    for log in facts.runtime_logs:
        reads = [r for r in app.timeline if r.log == log.name]
        what = f"{log.format}, {log.events} {w['calls']}"
        parts.append(f"<h4>{h(w['runtime_log'])}: <code>{h(log.name)}</code> ({h(what)})</h4>")
        if log.consent_at is None:
            parts.append(f'<p class="muted">{h(w["no_consent"])}</p>')
        if not reads:
            parts.append(f'<p class="muted">{h(w["no_reads"])}</p>')
            continue
        parts.append(_strip(reads, log.consent_at))
        head = (w["time"], w["from_consent"], w["api"], w["pi"], w["who"])
        rows = ["<tr>" + "".join(f"<th>{h(x)}</th>" for x in head) + "</tr>"]
        marked = log.consent_at is None
        for read in reads:
            if not marked and read.at is not None and read.at >= (log.consent_at or 0.0):
                rows.append(_consent_row(log.consent or "", w))
                marked = True
            rows.append(
                f'<tr class="r-{read.phase}"><td><code>{h(read.time)}</code></td>'
                f'<td class="num">{h(_offset(read.at, log.consent_at))}</td>'
                f"<td><code>{h(read.api)}</code></td><td>{h(read.pi_type)}</td>"
                f"<td>{h(read.party)}</td></tr>"
            )
        if not marked:
            rows.append(_consent_row(log.consent or "", w))
        parts.append(f'<table class="timeline">{"".join(rows)}</table>')
    parts.append("</section>")
    return "\n".join(parts)


def _consent_row(time: str, w: Mapping[str, str]) -> str:
    return (
        f'<tr class="consent"><td><code>{h(time)}</code></td><td class="num">0 s</td>'
        f'<td colspan="3">{h(w["consent_moment"])}</td></tr>'
    )


def _offset(at: float | None, consent: float | None) -> str:
    if at is None or consent is None:
        return "-"
    delta = at - consent
    return f"{delta:+.1f} s"


def _strip(reads: Sequence[RuntimeRead], consent: float | None) -> str:
    """The reads as dots on a time line (before consent red, after green), consent a bar."""
    times = [r.at for r in reads if r.at is not None] + ([consent] if consent is not None else [])
    if not times:
        return ""
    low, high = min(times), max(times)
    span = (high - low) or 1.0

    def x(at: float) -> float:
        return 10 + 980 * (at - low) / span

    marks = [
        f'<circle class="d-{r.phase}" cx="{x(r.at):.1f}" cy="20" r="5"><title>'
        f"{h(r.time)} {h(r.api)} {h(r.party)}</title></circle>"
        for r in reads
        if r.at is not None
    ]
    if consent is not None:
        marks.append(
            f'<rect class="d-consent" x="{x(consent) - 1.5:.1f}" y="2" width="3" height="36"/>'
        )
    return (
        '<svg class="strip" viewBox="0 0 1000 40" role="img">'
        '<line x1="10" y1="20" x2="990" y2="20"/>' + "".join(marks) + "</svg>"
    )


def _coverage(app: ApkResult, lang: str) -> str:
    """How much the scan saw; a partial coverage stands out (never a silent pass)."""
    w = _WORDS[lang]
    coverage = app.coverage
    text = h(coverage_text(coverage, lang))
    if coverage.complete:
        return f'<p class="coverage"><strong>{h(w["coverage"])}:</strong> {text}</p>'
    limits = "".join(f"<li>{h(x)}</li>" for x in coverage.limits)
    parts = [
        '<section class="coverage partial">',
        f"<h3>{h(w['coverage'])}: {text}</h3>",
        f"<p>{h(w['coverage_limits'])}:</p>",
        f'<ul class="plain">{limits}</ul>',
    ]
    if coverage.rules:
        rules = ", ".join(f"<code>{h(r)}</code>" for r in coverage.rules)
        parts.append(f"<p>{h(w['coverage_rules'])}: {rules}</p>")
    if coverage.runtime_apis:
        apis = ", ".join(f"<code>{h(a)}</code>" for a in coverage.runtime_apis)
        parts.append(f"<p>{h(w['coverage_runtime'])}: {apis}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _sdk_inventory(app: ApkResult, lang: str) -> str:
    w = _WORDS[lang]
    sdks = app.inventory.sdks
    label = f"{h(w['sdk_inventory'])} ({len(sdks)})"
    if not sdks:
        return f"<details><summary>{label}</summary><p>{h(w['none'])}</p></details>"
    keys = ("name", "sdk_category", "status", "reads", "confidence", "signals")
    head = "".join(f"<th>{h(w[k])}</th>" for k in keys)
    rows = []
    for sdk in sdks:
        name = sdk.name_zh if lang == "zh" and sdk.name_zh else sdk.name
        signals = "<br>".join(f"<code>{h(x)}</code>" for x in sdk.signals)
        rows.append(
            f"<tr><td>{h(name)}<br><code>{h(sdk.id)}</code></td><td>{h(sdk.category)}</td>"
            f'<td><span class="st-{h(sdk.status)}">{h(sdk_status_word(sdk.status, lang))}</span>'
            f"</td><td>{h(', '.join(sdk.reads))}</td><td>{h(sdk.confidence)}</td>"
            f"<td>{signals}</td></tr>"
        )
    table = f"<table><tr>{head}</tr>{''.join(rows)}</table>"
    return f"<details open><summary>{label}</summary>{table}</details>"


def _identity(app: ApkResult, facts: ApkFacts, w: Mapping[str, str]) -> str:
    certs = "".join(
        f"<li>{h(c.scheme)}: {h(c.subject)}<br><code>{h(c.sha256)}</code></li>"
        for c in facts.certificates
    )
    rows = [
        (w["label"], h(facts.label or "-")),
        (w["label_zh"], h(facts.label_zh or "-")),
        (w["package"], f"<code>{h(facts.package)}</code>"),
        (w["version"], h(version_text(facts))),
        (w["file"], f"<code>{h(app.path)}</code>"),
        (w["sha256"], f"<code>{h(facts.sha256)}</code>"),
        (w["size"], f"{facts.size:,} B"),
        (w["sdk"], f"{_int(facts.min_sdk)} / {_int(facts.target_sdk)}"),
        (w["certs"], f'<ul class="plain">{certs}</ul>' if certs else "-"),
    ]
    items = "".join(f"<dt>{h(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<dl class="id">{items}</dl>'


def _int(value: int | None) -> str:
    return "-" if value is None else str(value)


def _title(rule: Rule | None, lang: str) -> str:
    return rule.text("title", lang) if rule else ""


def _finding(
    outcome: Outcome, rule: Rule | None, scan: ScanResult, lang: str, runtime: bool = False
) -> str:
    w = _WORDS[lang]
    suppressed = is_suppressed(outcome)
    badge = _badge(outcome.level.label, lang)
    if suppressed:
        badge += f' <span class="badge b-suppressed">{h(w["suppressed"])}</span>'
    cls = "finding suppressed" if suppressed else "finding"
    parts = [
        f'<section class="{cls}">',
        f"<header><code>{h(outcome.rule_id)}</code> {badge} <h4>{h(_title(rule, lang))}</h4>",
    ]
    if runtime:  # the app was scanned with a runtime log: say what showed each finding
        parts.append(
            f'<span class="badge b-src-{outcome.source}">{h(source_text(outcome, lang))}</span>'
        )
    if rule and rule.category:
        category = category_label(scan.ruleset, rule.category, lang)
        parts.append(f'<span class="muted">{h(w["category"])}: {h(category)}</span>')
    parts.append("</header>")
    if suppressed:
        why = h(outcome.justification or "-")
        parts.append(f"<p><strong>{h(w['justification'])}:</strong> {why}</p>")
    if outcome.level is Level.ADVICE and outcome.reason:
        parts.append(f"<p><strong>{h(w['advice'])}:</strong> {h(outcome.reason)}</p>")
    if rule:
        parts.append(f"<p>{h(rule.text('message', lang))}</p>")
    parts.append(_evidence(outcome, w, lang))
    if rule:
        remediation = h(rule.text("remediation", lang))
        parts.append(f"<p><strong>{h(w['remediation'])}:</strong> {remediation}</p>")
        cites = "".join(
            f"<li>{h(citation_long(c, scan.ruleset, lang))}</li>" for c in rule.citations
        )
        parts.append(f"<p><strong>{h(w['citations'])}:</strong></p>")
        parts.append(f'<ul class="plain">{cites}</ul>')
    parts.append("</section>")
    return "\n".join(parts)


def _evidence(outcome: Outcome, w: Mapping[str, str], lang: str = "en") -> str:
    head = "".join(f"<th>{h(w[k])}</th>" for k in ("value", "where", "callers"))
    rows = [f"<tr>{head}</tr>"]
    for ev in outcome.evidence:
        value = f"<code>{h(ev.value)}</code>"
        if ev.api:  # the API as Java and the PI it reads; the raw descriptor below
            pi = pi_text(ev, lang)
            value = f"<code>{h(ev.api)}</code>" + (f" — {h(pi)}" if pi else "")
            value += f'<br><span class="muted mono">{h(ev.value)}</span>'
        if ev.note:
            value += f"<br>{h(ev.note)}"
        if ev.groups:
            callers = "<br>".join(
                f"<strong>{h(party_text(g, lang))}</strong>: "
                + ", ".join(f"<code>{h(c)}</code>" for c in g.callers[:_MAX_CALLERS])
                + (
                    f" +{len(g.callers) - _MAX_CALLERS} {h(w['more'])}"
                    if len(g.callers) > _MAX_CALLERS
                    else ""
                )
                for g in ev.groups
            )
        else:
            callers = "<br>".join(f"<code>{h(c)}</code>" for c in ev.callers[:_MAX_CALLERS])
            extra = len(ev.callers) - _MAX_CALLERS
            if extra > 0:
                callers += f"<br>+{extra} {h(w['more'])}"
        rows.append(f"<tr><td>{value}</td><td>{h(ev.where)}</td><td>{callers}</td></tr>")
    return f"<table>\n<caption>{h(w['evidence'])}</caption>\n" + "\n".join(rows) + "\n</table>"


def _permissions(app: ApkResult, facts: ApkFacts, w: Mapping[str, str]) -> str:
    hits = {e.value for o in app.failed for e in o.evidence if e.fact == "permissions"}
    items = []
    for perm in sorted(facts.permissions, key=lambda p: p.name):
        cls = ' class="perm-hit"' if perm.name in hits else ""
        extra = _join(
            (["sdk-23"] if perm.sdk23 else [])
            + ([f"maxSdkVersion={perm.max_sdk}"] if perm.max_sdk is not None else [])
        )
        items.append(f"<li><code{cls}>{h(perm.name)}</code>{h(extra)}</li>")
    body = f'<ul class="plain">{"".join(items)}</ul>' if items else f"<p>{h(w['none'])}</p>"
    label = f"{h(w['permissions'])} ({len(items)})"
    return f"<details open><summary>{label}</summary>{body}</details>"


def _native_libs(facts: ApkFacts, w: Mapping[str, str]) -> str:
    label = f"{h(w['native_libs'])} ({len(facts.native_libs)})"
    if not facts.native_libs:
        return f"<details><summary>{label}</summary><p>{h(w['none'])}</p></details>"
    head = "".join(f"<th>{h(w[k])}</th>" for k in ("name", "abi", "path"))
    rows = "".join(
        f"<tr><td><code>{h(lib.name)}</code></td><td>{h(lib.abi)}</td>"
        f"<td><code>{h(lib.path)}</code></td></tr>"
        for lib in sorted(facts.native_libs, key=lambda x: (x.path, x.name))
    )
    return f"<details open><summary>{label}</summary><table><tr>{head}</tr>{rows}</table></details>"


def _join(parts: Iterable[str]) -> str:
    text = ", ".join(parts)
    return f" ({text})" if text else ""
