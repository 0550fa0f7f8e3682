"""The reporter interface and helpers shared by reporters.

Everything here is pure and deterministic.  Strings that come from an APK (labels, package
names, evidence, paths) are hostile until escaped for the target format: `clean` makes them safe
for a terminal, `clean_xml` for XML 1.0; each reporter adds its own format's escaping on top.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Protocol

from pi_scan.model import (
    ApkFacts,
    ApkResult,
    CallerGroup,
    Citation,
    Coverage,
    Evidence,
    Level,
    Outcome,
    PolicyReview,
    Rule,
    RuleSet,
    ScanResult,
    SdkUse,
    Status,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What XML 1.0 forbids on top of the C0 controls `clean` already replaces.
_XML_FORBIDDEN = re.compile("[\ud800-\udfff\ufffe\uffff]")

LANGS = ("en", "zh")
VERDICT_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "pass": "pass",
        "advice": "advice",
        "notice": "notice",
        "removal": "removal",
        "error": "error",
    },
    "zh": {"pass": "通过", "advice": "建议", "notice": "通报", "removal": "下架", "error": "错误"},
}
# What an SDK in the inventory does (SdkUse.status).
SDK_STATUS_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {"present": "present", "initialised": "initialised", "collects": "collects"},
    "zh": {"present": "仅存在", "initialised": "已初始化", "collects": "有收集"},
}
COVERAGE_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "complete": "complete",
        "partial": "partial coverage",
        "packed": "packed by",
        "unchecked": "code checks not evaluated",
    },
    "zh": {
        "complete": "完整",
        "partial": "检测不完整",
        "packed": "加固",
        "unchecked": "未评估的代码检测",
    },
}
# Rule tags that name a type of personal information, for "top PI types" summaries.
PI_TYPES: Mapping[str, Mapping[str, str]] = {
    "device-id": {"en": "Device identifiers", "zh": "设备标识符"},
    "sms": {"en": "Text messages", "zh": "短信"},
    "call-log": {"en": "Call log", "zh": "通话记录"},
    "contacts": {"en": "Contacts and accounts", "zh": "通讯录与账户"},
    "location": {"en": "Location", "zh": "位置信息"},
    "app-list": {"en": "Installed apps", "zh": "应用安装列表"},
    "camera": {"en": "Camera", "zh": "相机"},
    "microphone": {"en": "Microphone", "zh": "麦克风"},
    "clipboard": {"en": "Clipboard", "zh": "剪切板"},
    "photos": {"en": "Photos and media", "zh": "相册与媒体"},
    "calendar": {"en": "Calendar", "zh": "日历"},
    "sensors": {"en": "Body sensors", "zh": "身体传感器"},
}


class Reporter(Protocol):
    """Renders a whole scan to text.  Pure: no I/O, no logging, deterministic."""

    name: ClassVar[str]
    suffix: ClassVar[str]

    def render(self, scan: ScanResult, lang: str) -> str: ...


# --- text safety ----------------------------------------------------------------------------


def tabulated(rows: Iterable[Iterable[object]], headers: Sequence[str], **options: Any) -> str:
    """tabulate's text table (imported when a table is made: a JSON report never needs it,
    and it costs a scan ~20 ms of start-up)."""
    from tabulate import tabulate

    return str(tabulate(rows, headers=headers, **options))


def clean(text: object) -> str:
    """APK-derived text made safe for a terminal: control characters become U+FFFD."""
    return _CONTROL.sub("\ufffd", str(text))


def clean_xml(text: object) -> str:
    """`clean`, and also without the characters XML 1.0 cannot hold (surrogates, U+FFFE/F)."""
    return _XML_FORBIDDEN.sub("\ufffd", clean(text))


# --- counting -------------------------------------------------------------------------------


def summary_counts(scan: ScanResult) -> dict[str, int]:
    counts = {"apps": len(scan.results), "pass": 0, "notice": 0, "removal": 0, "error": 0}
    for result in scan.results:
        counts["error" if result.error else result.verdict.label] += 1
    return counts


def verdict_label(result: ApkResult) -> str:
    return "error" if result.error else result.verdict.label


def level_counts(result: ApkResult) -> dict[Level, int]:
    """Findings per level; advice counted apart (it never changes the verdict)."""
    counts = {Level.ADVICE: len(result.advice), Level.NOTICE: 0, Level.REMOVAL: 0}
    for outcome in result.failed:
        counts[outcome.level] += 1
    return counts


# --- words ----------------------------------------------------------------------------------


def report_lang(lang: str) -> str:
    """The language a report is written in: `lang` if supported, else English."""
    return lang if lang in LANGS else "en"


def verdict_word(label: str, lang: str) -> str:
    """A verdict or level label ("pass", "notice", ...) in the report's language."""
    return VERDICT_WORDS[report_lang(lang)].get(label, label)


def localized(texts: Mapping[str, str] | None, lang: str, default: str) -> str:
    if not texts:
        return default
    return texts.get(lang) or texts.get("en") or default


def document_title(ruleset: RuleSet, tag: str, lang: str) -> str:
    return localized(ruleset.documents.get(tag), lang, tag)


def category_label(ruleset: RuleSet, category: str | None, lang: str) -> str:
    if category is None:
        return ""
    return localized(ruleset.categories.get(category), lang, category)


def clause_text(citation: Citation, lang: str) -> str:
    """The clause, and its number before a renumbering: "Art. 44 (formerly Art. 42)"."""
    if not citation.former_clause:
        return citation.clause
    if report_lang(lang) == "zh":
        return f"{citation.clause}（原 {citation.former_clause}）"
    return f"{citation.clause} (formerly {citation.former_clause})"


def citation_short(citation: Citation, lang: str) -> str:
    """The catalogue tag and the clause: "PIPL Art. 6"."""
    return f"{citation.document} {clause_text(citation, lang)}"


def citation_long(citation: Citation, ruleset: RuleSet, lang: str) -> str:
    """The document's title in `lang`, its tag and number, then the clause."""
    doc = ruleset.documents.get(citation.document, {})
    title = document_title(ruleset, citation.document, lang)
    number = doc.get("number")
    ident = f"{citation.document}, {number}" if number else citation.document
    if report_lang(lang) == "zh":
        return f"《{title}》（{ident}）{clause_text(citation, lang)}"
    return f"{title} ({ident}), {clause_text(citation, lang)}"


MISSING = "-"  # what every text report shows for a value the app does not have


def shown(value: object) -> str:
    """A value as text reports show it: "-" when it is missing (None or empty)."""
    return MISSING if value is None or value == "" else str(value)


def version_text(facts: ApkFacts) -> str:
    """Version name and code: "1.2.3 (45)", "1.2.3 (-)", "- (45)", or "-" when both are
    missing."""
    if not facts.version_name and facts.version_code is None:
        return MISSING
    return f"{shown(facts.version_name)} ({shown(facts.version_code)})"


def reason_text(reason: str, scan: ScanResult, lang: str) -> str:
    """A verdict reason ("PI-X-001:removal", "escalation:<id>") spelled out in `lang`."""
    kind, _, rest = reason.partition(":")
    if kind == "escalation":
        why = next((e.reason for e in scan.ruleset.policy.escalations if e.id == rest), None)
        word = "升级" if report_lang(lang) == "zh" else "escalation"
        return f"{word} ({rest}): {localized(why, lang, rest)}" if why else f"{word} ({rest})"
    rule = rules_by_id(scan).get(kind)
    title = rule.text("title", lang) if rule else ""
    word = verdict_word(rest, lang)
    return f"{kind} ({word}): {title}" if title else f"{kind} ({word})"


def explanation(result: ApkResult, scan: ScanResult, lang: str) -> str:
    """The verdict in one sentence: the escalation or the worst finding that decided it; for a
    pass, what was checked and what did not apply."""
    zh = report_lang(lang) == "zh"
    if result.error is not None:
        return f"未能分析：{result.error}" if zh else f"not analysed: {result.error}"
    word = verdict_word(verdict_label(result), lang)
    for reason in result.verdict_reasons:
        if reason.startswith("escalation:"):
            return (
                f"{word}：{reason_text(reason, scan, lang)}"
                if zh
                else (f"{word}: {reason_text(reason, scan, lang)}")
            )
    failed = sorted(result.failed, key=lambda o: (-o.level, o.rule_id))
    if failed:
        worst = failed[0]
        rule = rules_by_id(scan).get(worst.rule_id)
        title = rule.text("title", lang) if rule else ""
        level = verdict_word(worst.level.label, lang)
        if zh:
            return f"{word}：{len(failed)} 项问题，最严重的是 {worst.rule_id}（{level}）：{title}"
        noun = "finding" if len(failed) == 1 else "findings"
        return f"{word}: {len(failed)} {noun}, the worst is {worst.rule_id} ({level}): {title}"
    return _pass_sentence(result, scan, word, zh)


def _pass_sentence(result: ApkResult, scan: ScanResult, word: str, zh: bool) -> str:
    by_status: dict[Status, list[Outcome]] = {}
    for outcome in result.outcomes:
        by_status.setdefault(outcome.status, []).append(outcome)
    checked = len(by_status.get(Status.PASSED, ())) + len(by_status.get(Status.FAILED, ()))
    not_applicable = by_status.get(Status.NOT_APPLICABLE, [])
    lang = "zh" if zh else "en"
    why = sorted({not_applicable_reason(o, scan, lang) for o in not_applicable})
    counts: tuple[tuple[int, str, str, list[str]], ...] = (
        (len(not_applicable), "条不适用", "not applicable", why),
        (len(by_status.get(Status.NOT_EVALUATED, ())), "条未评估", "not evaluated", []),
        (len(result.advice), "条建议", "advice", []),
        (len(by_status.get(Status.SUPPRESSED, ())), "条已豁免", "suppressed", []),
    )
    if zh:
        parts = [f"检查了 {checked} 条规则，未发现问题"] + [
            f"{n} {label}" + (f"（{'；'.join(w)}）" if w else "") for n, label, _, w in counts if n
        ]
        return f"{word}：" + "；".join(parts)
    parts = [f"{checked} rules checked, none found a problem"] + [
        f"{n} {label}" + (f" ({'; '.join(w)})" if w else "") for n, _, label, w in counts if n
    ]
    return f"{word}: " + "; ".join(parts)


def not_applicable_reason(outcome: Outcome, scan: ScanResult, lang: str) -> str:
    """Why a rule did not apply (or was lowered to advice), in `lang` where the rule says it."""
    rule = rules_by_id(scan).get(outcome.rule_id)
    if rule is not None and rule.applies is not None:
        return localized(rule.applies.reason, lang, outcome.reason or "")
    return outcome.reason or ""


# --- findings -------------------------------------------------------------------------------


def rules_by_id(scan: ScanResult) -> dict[str, Rule]:
    return {r.id: r for r in scan.ruleset.rules}


def findings(result: ApkResult) -> tuple[Outcome, ...]:
    """What a report lists for an app: failed and suppressed outcomes, worst level first."""
    listed = [o for o in result.outcomes if o.status in (Status.FAILED, Status.SUPPRESSED)]
    return tuple(sorted(listed, key=lambda o: -o.level))


def is_suppressed(outcome: Outcome) -> bool:
    return outcome.status is Status.SUPPRESSED


def fingerprint(package: str, outcome: Outcome) -> str:
    """See `Outcome.fingerprint`."""
    return outcome.fingerprint(package)


def evidence_text(ev: Evidence, max_callers: int = 3, lang: str = "en") -> str:
    """One piece of evidence as a line: an API as Java with the PI it reads and its callers
    under their party, e.g. "TelephonyManager.getDeviceId() — IMEI … [API-TEL-DEVICEID] @
    classes*.dex <- SDK JPush (JIGUANG): cn.jpush.a.b"; other evidence as value @ where."""
    if ev.api:
        pi = pi_text(ev, lang)
        ident = ev.value.split(":", 1)[0]
        text = f"{ev.api}" + (f" — {pi}" if pi else "") + f" [{ident}] @ {ev.where}"
        if ev.note:
            text += f" ({ev.note})"
        if ev.groups:
            text += " <- " + "; ".join(group_text(g, max_callers, lang) for g in ev.groups)
        return text
    text = f"{ev.value} @ {ev.where}"
    if ev.callers:
        text += f" <- {_shown(ev.callers, max_callers)}"
    return text


def pi_text(ev: Evidence, lang: str) -> str:
    """The PI an API evidence reads, in `lang` (zh where given, else en); "" when none."""
    if not ev.pi:
        return ""
    return ev.pi[1] if report_lang(lang) == "zh" and len(ev.pi) > 1 else ev.pi[0]


def group_text(group: CallerGroup, max_callers: int, lang: str) -> str:
    """ "SDK JPush (JIGUANG): a.B, c.D +2", "app: …", "platform library AndroidX AppCompat: …"."""
    return f"{party_text(group, lang)}: {_shown(group.callers, max_callers)}"


def party_text(group: CallerGroup, lang: str) -> str:
    """Who the callers are: "app", "SDK JPush (JIGUANG)", "platform library AndroidX AppCompat"."""
    zh = report_lang(lang) == "zh"
    vendor = f" ({group.vendor})" if group.vendor else ""
    if group.party == "sdk":
        return f"SDK {group.name}{vendor}"
    if group.party == "platform":
        return ("平台库 " if zh else "platform library ") + f"{group.name}{vendor}"
    return "应用自身" if zh else "app"


def _shown(items: tuple[str, ...], limit: int) -> str:
    more = f" +{len(items) - limit}" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


# --- SDK inventory and coverage -------------------------------------------------------------


def sdk_status_word(status: str, lang: str) -> str:
    return SDK_STATUS_WORDS[report_lang(lang)].get(status, status)


def sdk_text(sdk: SdkUse, lang: str) -> str:
    """One SDK of the inventory: "Umeng (umeng-analytics): collects android_id, device_id"."""
    name = sdk.name_zh if report_lang(lang) == "zh" and sdk.name_zh else sdk.name
    text = f"{name} ({sdk.id}): {sdk_status_word(sdk.status, lang)}"
    return f"{text} {', '.join(sdk.reads)}" if sdk.reads else text


def coverage_text(coverage: Coverage, lang: str) -> str:
    """One line: "complete", or "partial coverage: packed by X; N code checks not evaluated"."""
    words = COVERAGE_WORDS[report_lang(lang)]
    if coverage.complete:
        return words["complete"]
    parts = [f"{words['packed']} {', '.join(coverage.packers)}"] if coverage.packers else []
    if not coverage.packers:
        parts += list(coverage.limits[:1])
    if coverage.rules:
        parts.append(f"{words['unchecked']}: {len(coverage.rules)}")
    return f"{words['partial']}: " + "; ".join(parts)


# --- folder summaries -----------------------------------------------------------------------


def pi_types(result: ApkResult, rules: Mapping[str, Rule]) -> tuple[str, ...]:
    """The PI_TYPES tags of the rules an app failed, sorted.

    The one place to change when rules name their personal-information types directly (the
    `rules/catalog/pi-types.json` catalogue) instead of through tags.
    """
    tags = {t for o in result.failed if o.rule_id in rules for t in rules[o.rule_id].tags}
    return tuple(sorted(tags.intersection(PI_TYPES)))


def sdk_names(result: ApkResult, rules: Mapping[str, Rule], lang: str = "en") -> tuple[str, ...]:
    """Names of the third-party SDKs detected in an app (its inventory), sorted."""
    zh = report_lang(lang) == "zh"
    return tuple(
        sorted({(s.name_zh if zh and s.name_zh else s.name) for s in result.inventory.sdks})
    )


def top(items: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
    """The most common items, most common first, ties by name."""
    counts = Counter(items)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


# --- privacy policy against behaviour -------------------------------------------------------

POLICY_WORDS = {
    "en": {
        "title": "privacy policy vs behaviour",
        "none": "not compared",
        "pi": "PI types",
        "sdks": "SDKs",
        "perms": "dangerous permissions",
        "declared": "declared",
        "found": "found",
        "missing": "missing",
        "denied": "denied by the policy",
        "vendor_only": "listed only by vendor",
        "unmatched": "listed, not in the app",
        "explained": "explained",
    },
    "zh": {
        "title": "隐私政策与实际行为对比",
        "none": "未对比",
        "pi": "个人信息类型",
        "sdks": "SDK",
        "perms": "敏感权限",
        "declared": "政策声明",
        "found": "实际发现",
        "missing": "缺失",
        "denied": "政策声称不收集",
        "vendor_only": "仅以厂商名义列出",
        "unmatched": "已列出但应用中未发现",
        "explained": "已说明",
    },
}


def policy_lines(review: PolicyReview | None, lang: str) -> list[str]:
    """The policy review as short lines (declared / found / missing per kind); [] when the
    app was not judged."""
    if review is None:
        return []
    w = POLICY_WORDS[report_lang(lang)]
    if review.status != "compared":
        return [f"{w['title']}: {w['none']} ({review.status}): {review.reason}"]

    def items(values: tuple[str, ...]) -> str:
        return ", ".join(values) if values else "-"

    lines = [f"{w['title']}: {', '.join(review.sources)}"]
    lines.append(
        f"  {w['sdks']}: {w['declared']} {items(review.listed_sdks)}; "
        f"{w['found']} {items(review.found_sdks)}; {w['missing']} {items(review.missing_sdks)}"
    )
    if review.vendor_only_sdks:
        lines.append(f"  {w['sdks']} {w['vendor_only']}: {items(review.vendor_only_sdks)}")
    if review.unmatched_sdks:
        lines.append(f"  {w['sdks']} {w['unmatched']}: {items(review.unmatched_sdks)}")
    lines.append(
        f"  {w['pi']}: {w['declared']} {items(review.declared_pi)}; "
        f"{w['found']} {items(review.found_pi)}; {w['missing']} {items(review.missing_pi)}"
    )
    if review.denied_pi:
        lines.append(f"  {w['pi']} {w['denied']}: {items(review.denied_pi)}")
    lines.append(
        f"  {w['perms']}: {w['explained']} {items(review.explained_permissions)}; "
        f"{w['missing']} {items(review.unexplained_permissions)}"
    )
    return lines


# --- runtime evidence ---------------------------------------------------------------------

SOURCE_WORDS = {
    "static": ("static", "静态"),
    "runtime": ("runtime", "运行时"),
    "both": ("static + runtime", "静态 + 运行时"),
}


def has_runtime(result: ApkResult) -> bool:
    """Whether a runtime log was merged into the app's scan."""
    return bool(result.facts is not None and result.facts.runtime_logs)


def source_text(outcome: Outcome, lang: str) -> str:
    """What showed a finding, in words: static, runtime or static + runtime."""
    en, zh = SOURCE_WORDS[outcome.source]
    return zh if report_lang(lang) == "zh" else en


def source_tag(result: ApkResult, outcome: Outcome, lang: str) -> str:
    """ " [runtime]" after a finding's title when the app was scanned with a runtime log (then
    every finding says what showed it); "" without one, when everything is static."""
    return f" [{source_text(outcome, lang)}]" if has_runtime(result) else ""
