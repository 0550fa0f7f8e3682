"""The draft third-party SDK list (第三方SDK共享清单) of one app, for its privacy policy:
`pi-scan sdk-list APP` in Markdown, CSV, JSON or HTML, in English or Chinese.

Pure renderers of an `SdkList` (built by `pi_scan.facts.disclosure`).  What the SDK catalogue
does not know is shown as "unknown — fill in" (待补充), never guessed; a purpose worded from the
SDK's category says so.  An app without SDKs gets a sentence saying the list is empty.  Every
string from the APK or the catalogue is escaped for its format, as in the scan reports.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pi_scan.model import Named, SdkDisclosure, SdkList
from pi_scan.report.base import SDK_STATUS_WORDS, clean, report_lang
from pi_scan.report.csv_ import BOM, safe_cell
from pi_scan.report.html import _template, h
from pi_scan.report.markdown import md

FORMATS = ("markdown", "csv", "json", "html")
SCHEMA_VERSION = 1

# the columns of the list, in order: key -> (en, zh)
COLUMNS: Mapping[str, tuple[str, str]] = {
    "name": ("SDK", "SDK名称"),
    "entity": ("Provider (legal entity)", "第三方主体"),
    "purpose": ("Purpose", "使用目的"),
    "pi": (
        "Personal information collected (per the provider)",
        "收集个人信息类型（SDK提供方说明）",
    ),
    "reads": ("Read by its code in this app", "本应用中检测到读取"),
    "permissions": ("Permissions used", "涉及权限"),
    "policy": ("Privacy policy", "隐私政策链接"),
    "status": ("Status in this app", "检测状态"),
}

_TEXT: Mapping[str, tuple[str, str]] = {
    "title": ("Third-party SDK list (draft)", "第三方SDK共享清单（草稿）"),
    "unknown": ("unknown — fill in", "待补充"),
    "none_seen": ("none seen", "未发现"),
    "optional": ("optional", "可选"),
    "by_category": ("by category", "按类别"),
    "vendor": ("vendor", "厂商"),
    "app": ("App", "应用"),
    "version": ("version", "版本"),
    "intro": (
        "Drafted by pi-scan {tool} from the SDKs detected in the APK. Check every row against "
        "the provider's current privacy policy, fill in what is marked \u201cunknown — fill "
        "in\u201d and delete SDKs the app does not use before publishing it.",
        "由 pi-scan {tool} 根据在安装包中检测到的 SDK 生成。发布前请逐项对照 SDK "
        "提供方最新的隐私政策核对，补全标为\u201c待补充\u201d的内容，并删除应用实际未使用的 SDK。",
    ),
    "empty": (
        "No third-party SDK detected in this app: the list is empty.",
        "未在该应用中检测到第三方 SDK：清单为空。",
    ),
    "partial": (
        "The scan could not see all of the app's code ({why}): SDKs may be missing from this list.",
        "未能读取应用的全部代码（{why}）：清单可能遗漏 SDK。",
    ),
    "legend": ("Status", "检测状态说明"),
    "collects": (
        "its code reads the personal information shown in this app",
        "其代码在本应用中读取所示个人信息",
    ),
    "initialised": (
        "the app starts it; no read of personal information was seen",
        "应用启动了该 SDK，未发现其读取个人信息",
    ),
    "present": (
        "its code is in the app but the scan saw nothing start it: list it if the app uses "
        "it, else remove it",
        "安装包中有其代码但未发现启动：如应用使用该 SDK 请列出，否则请移除",
    ),
}
_SEP = {"en": "; ", "zh": "、"}


def words(lang: str) -> Mapping[str, str]:
    index = 1 if report_lang(lang) == "zh" else 0
    return {key: pair[index] for key, pair in _TEXT.items()}


def headers(lang: str) -> list[str]:
    index = 1 if report_lang(lang) == "zh" else 0
    return [pair[index] for pair in COLUMNS.values()]


def render(sdk_list: SdkList, fmt: str, lang: str) -> str:
    """The list in `fmt` (one of FORMATS) and `lang`."""
    renderers: Mapping[str, Callable[[SdkList, str], str]] = {
        "markdown": markdown,
        "csv": csv_text,
        "json": json_text,
        "html": html_page,
    }
    return renderers[fmt](sdk_list, report_lang(lang))


# --- cells ----------------------------------------------------------------------------------


def _word(named: Named, lang: str) -> str:
    return named.zh if lang == "zh" else named.en


def name_cell(sdk: SdkDisclosure, lang: str) -> str:
    first, second = (sdk.name_zh, sdk.name) if lang == "zh" else (sdk.name, sdk.name_zh)
    if not first:
        first, second = second, None
    if not second or second == first:
        name = first or sdk.id
    else:
        name = f"{first}（{second}）" if lang == "zh" else f"{first} ({second})"
    if not sdk.includes:
        return name
    parts = [_word(n, lang) for n in sdk.includes]
    if lang == "zh":
        return f"{name}，含{'、'.join(parts)}"
    return f"{name}, including {', '.join(parts)}"


def entity_cell(sdk: SdkDisclosure, lang: str) -> str:
    w = words(lang)
    entity = sdk.legal_entity if lang == "zh" else (sdk.legal_entity_en or sdk.legal_entity)
    if entity:
        return entity
    vendor = (sdk.vendor_zh or sdk.vendor) if lang == "zh" else (sdk.vendor or sdk.vendor_zh)
    if not vendor:
        return w["unknown"]
    return (
        f"{w['unknown']}（{w['vendor']}：{vendor}）"
        if lang == "zh"
        else (f"{w['unknown']} ({w['vendor']}: {vendor})")
    )


def purpose_cell(sdk: SdkDisclosure, lang: str) -> str:
    w = words(lang)
    if sdk.purpose is None:
        return w["unknown"]
    text = _word(sdk.purpose, lang)
    if sdk.purpose_by == "category":
        return f"{text}（{w['by_category']}）" if lang == "zh" else f"{text} ({w['by_category']})"
    return text


def pi_cell(sdk: SdkDisclosure, lang: str) -> str:
    w = words(lang)
    if not sdk.pi and not sdk.pi_optional:
        return w["unknown"]
    text = _SEP[lang].join(_word(p, lang) for p in sdk.pi)
    if sdk.pi_optional:
        optional = _SEP[lang].join(_word(p, lang) for p in sdk.pi_optional)
        extra = f"{w['optional']}：{optional}" if lang == "zh" else f"{w['optional']}: {optional}"
        text = (
            f"{text}；{extra}" if lang == "zh" and text else (f"{text}; {extra}" if text else extra)
        )
    return text


def reads_cell(sdk: SdkDisclosure, lang: str) -> str:
    if not sdk.reads:
        return words(lang)["none_seen"]
    return _SEP[lang].join(_word(p, lang) for p in sdk.reads)


def permissions_cell(sdk: SdkDisclosure, lang: str) -> str:
    if not sdk.permissions:
        return words(lang)["none_seen"]
    return ", ".join(p.rsplit(".", 1)[-1] for p in sdk.permissions)


def policy_cell(sdk: SdkDisclosure, lang: str) -> str:
    return sdk.policy_url or words(lang)["unknown"]


def status_cell(sdk: SdkDisclosure, lang: str) -> str:
    return SDK_STATUS_WORDS[lang].get(sdk.status, sdk.status)


def row(sdk: SdkDisclosure, lang: str) -> list[str]:
    """The cells of one SDK, in COLUMNS order (plain text, not yet escaped)."""
    return [
        name_cell(sdk, lang),
        entity_cell(sdk, lang),
        purpose_cell(sdk, lang),
        pi_cell(sdk, lang),
        reads_cell(sdk, lang),
        permissions_cell(sdk, lang),
        policy_cell(sdk, lang),
        status_cell(sdk, lang),
    ]


def missing(sdk: SdkDisclosure) -> list[str]:
    """The catalogue fields this row lacks (what the developer has to fill in)."""
    absent = []
    if not sdk.legal_entity:
        absent.append("legal_entity")
    if sdk.purpose is None or sdk.purpose_by != "catalogue":
        absent.append("purpose")
    if not sdk.pi and not sdk.pi_optional:
        absent.append("pi")
    if not sdk.policy_url:
        absent.append("policy_url")
    return absent


def app_line(sdk_list: SdkList, lang: str, esc: Callable[[str], str] = str) -> str:
    """ "App: label (package), version …, path", the APK's strings passed through `esc`."""
    w = words(lang)
    label = (sdk_list.label_zh or sdk_list.label) if lang == "zh" else sdk_list.label
    package = esc(sdk_list.package)
    ident = package
    if label:
        ident = f"{esc(label)}（{package}）" if lang == "zh" else f"{esc(label)} ({package})"
    version = esc(sdk_list.version_name or "-")
    if sdk_list.version_code is not None:
        version += f" ({sdk_list.version_code})"
    sep = "，" if lang == "zh" else ", "
    colon = "：" if lang == "zh" else ": "
    return f"{w['app']}{colon}{ident}{sep}{w['version']} {version}{sep}{esc(sdk_list.path)}"


def notes(sdk_list: SdkList, lang: str) -> list[str]:
    """The sentences above the table: the draft's provenance, partial coverage, emptiness."""
    w = words(lang)
    lines = [w["intro"].format(tool=sdk_list.tool_version)]
    coverage = sdk_list.coverage
    if not coverage.complete or coverage.packers:
        why = _SEP[lang].join(coverage.limits[:2] or coverage.packers)
        lines.append(w["partial"].format(why=why))
    if not sdk_list.sdks:
        lines.append(w["empty"])
    return lines


def legend(lang: str) -> list[tuple[str, str]]:
    w = words(lang)
    return [(SDK_STATUS_WORDS[lang][s], w[s]) for s in ("collects", "initialised", "present")]


# --- formats --------------------------------------------------------------------------------


def markdown(sdk_list: SdkList, lang: str) -> str:
    w = words(lang)
    colon = "：" if lang == "zh" else ": "
    out = [f"# {cell(w['title'])}", "", app_line(sdk_list, lang, md), ""]
    for line in notes(sdk_list, lang):
        out += [cell(line), ""]
    if sdk_list.sdks:
        cols = ["#", *headers(lang)]
        out.append("| " + " | ".join(cell(c) for c in cols) + " |")
        out.append("|" + "|".join("---" for _ in cols) + "|")
        for number, sdk in enumerate(sdk_list.sdks, 1):
            cells = [
                str(number),
                *(_md_cell(key, c, sdk) for key, c in zip(COLUMNS, row(sdk, lang), strict=True)),
            ]
            out.append("| " + " | ".join(cells) + " |")
        out += ["", f"{cell(w['legend'])}{colon.strip()}", ""]
        out += [f"- **{cell(status)}**{colon}{cell(text)}" for status, text in legend(lang)]
    return "\n".join(out).rstrip("\n") + "\n"


# a URL that is safe as a Markdown autolink inside a table cell
_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$")
_CELL_SPECIAL = re.compile(r"([\\`*_|\[\]])")


def cell(text: str) -> str:
    """Text of the catalogue or of pi-scan (not of the APK: that goes through `md`) as inert
    Markdown table-cell content, readable when pasted as it is."""
    value = clean(text).replace("\r", " ").replace("\n", " ")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CELL_SPECIAL.sub(r"\\\1", value)


def _md_cell(key: str, text: str, sdk: SdkDisclosure) -> str:
    if key == "policy" and text == sdk.policy_url and _SAFE_URL.match(text):
        return f"<{text}>"
    if key == "permissions" and sdk.permissions:
        return ", ".join(f"`{p.rsplit('.', 1)[-1]}`" for p in sdk.permissions if "`" not in p)
    return cell(text)


def csv_text(sdk_list: SdkList, lang: str) -> str:
    """One row per SDK under a header row, UTF-8 with BOM for Excel; formulas neutralised.  An
    empty list is the header row alone (the command says so on standard error)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", *headers(lang)])
    for sdk in sdk_list.sdks:
        writer.writerow([safe_cell(v) for v in (sdk.id, *row(sdk, lang))])
    return BOM + out.getvalue()


def _named(items: Sequence[Named]) -> list[dict[str, str]]:
    return [{"id": n.id, "en": n.en, "zh": n.zh} for n in items]


def as_dict(sdk_list: SdkList, lang: str) -> dict[str, Any]:
    """The list as data: every catalogue field (null where the catalogue does not know it),
    what the scan saw, and the cells as the other formats show them in `lang`."""
    sdks = []
    for sdk in sdk_list.sdks:
        purpose = None
        if sdk.purpose is not None:
            purpose = {"en": sdk.purpose.en, "zh": sdk.purpose.zh, "by": sdk.purpose_by}
        sdks.append(
            {
                "id": sdk.id,
                "name": sdk.name,
                "name_zh": sdk.name_zh,
                "aliases": list(sdk.aliases),
                "includes": _named(sdk.includes),
                "vendor": sdk.vendor,
                "vendor_zh": sdk.vendor_zh,
                "legal_entity": sdk.legal_entity,
                "legal_entity_en": sdk.legal_entity_en,
                "category": sdk.category,
                "purpose": purpose,
                "pi": _named(sdk.pi),
                "pi_optional": _named(sdk.pi_optional),
                "pi_source": sdk.pi_source,
                "policy_url": sdk.policy_url,
                "disclosure_source": sdk.disclosure_source,
                "status": sdk.status,
                "confidence": sdk.confidence,
                "reads": _named(sdk.reads),
                "permissions": list(sdk.permissions),
                "missing": missing(sdk),
                "row": dict(zip(COLUMNS, row(sdk, lang), strict=True)),
            }
        )
    coverage = sdk_list.coverage
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pi-scan", "version": sdk_list.tool_version},
        "lang": lang,
        "app": {
            "path": sdk_list.path,
            "package": sdk_list.package,
            "label": sdk_list.label,
            "label_zh": sdk_list.label_zh,
            "version_name": sdk_list.version_name,
            "version_code": sdk_list.version_code,
        },
        "coverage": {
            "complete": coverage.complete,
            "packers": list(coverage.packers),
            "limits": list(coverage.limits),
        },
        "columns": dict(zip(COLUMNS, headers(lang), strict=True)),
        "notes": notes(sdk_list, lang),
        "sdks": sdks,
    }
    return data


def json_text(sdk_list: SdkList, lang: str) -> str:
    return json.dumps(as_dict(sdk_list, lang), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def html_page(sdk_list: SdkList, lang: str) -> str:
    """One self-contained page (the scan report's skeleton: no network, strict CSP)."""
    w = words(lang)
    body = [
        f'<header>\n<h1>{h(w["title"])}</h1>\n<p class="meta">{h(app_line(sdk_list, lang))}</p>'
        "\n</header>"
    ]
    body += [f"<p>{h(line)}</p>" for line in notes(sdk_list, lang)]
    if sdk_list.sdks:
        head = "".join(f"<th>{h(c)}</th>" for c in ["#", *headers(lang)])
        rows = []
        for number, sdk in enumerate(sdk_list.sdks, 1):
            cells = [str(number), *row(sdk, lang)]
            rows.append("<tr>" + "".join(_html_cell(c, sdk, lang) for c in cells) + "</tr>")
        body.append(
            f'<table class="sdk-list">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(rows)
            + "\n</tbody>\n</table>"
        )
        colon = "：" if lang == "zh" else ": "
        items = "".join(f"<li><b>{h(s)}</b>{colon}{h(t)}</li>" for s, t in legend(lang))
        body.append(f"<h2>{h(w['legend'])}</h2>\n<ul>{items}</ul>")
    return _template().substitute(
        lang="zh-CN" if lang == "zh" else "en",
        version=h(sdk_list.tool_version),
        title=h(f"{w['title']} — {sdk_list.package}"),
        body="\n".join(body),
    )


def _html_cell(text: str, sdk: SdkDisclosure, lang: str) -> str:
    """A cell; the policy link is a link (http(s) only: the catalogue's schema allows no
    other scheme, and a link is only made for the URL the catalogue gave)."""
    if sdk.policy_url and text == sdk.policy_url and text.startswith(("https://", "http://")):
        return f'<td><a href="{h(text)}" rel="noreferrer">{h(text)}</a></td>'
    return f"<td>{h(clean(text))}</td>"
