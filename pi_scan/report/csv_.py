"""CSV for spreadsheets: one row per finding, UTF-8 with a BOM so Excel reads it as UTF-8.

Apps without findings get one row with empty rule columns (so every scanned app is listed),
and apps that could not be analysed one row with the error.  Column names are stable English
keys whatever the language; titles and labels follow `lang`.  Every row also carries the app's
scan coverage ("complete" or what was not seen) and its SDK inventory (each SDK present,
initialised or collecting, and the PI it reads); each finding its `source` (static, runtime or
both: what showed it when a runtime log was merged).  A value the app does not have (no
versionName, no versionCode) is "-", as in the other text reports.  Cells cannot be formulas: any
cell starting with "=", "+", "-", "@", a tab or a carriage return gets a leading "'" (OWASP
CSV injection), and control characters are replaced.
"""

from __future__ import annotations

import csv
import io
from typing import ClassVar

from pi_scan.model import ApkResult, Outcome, ScanResult
from pi_scan.report.base import (
    MISSING,
    category_label,
    citation_short,
    clean,
    coverage_text,
    evidence_text,
    findings,
    fingerprint,
    policy_lines,
    report_lang,
    rules_by_id,
    sdk_text,
    shown,
    verdict_label,
)

BOM = "\ufeff"
COLUMNS = (
    "path",
    "package",
    "version_name",
    "version_code",
    "sha256",
    "verdict",
    "rule_id",
    "level",
    "status",
    "category",
    "category_label",
    "title",
    "evidence",
    "source",
    "citations",
    "fingerprint",
    "justification",
    "error",
    "coverage",
    "sdks",
    "policy",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvReporter:
    name: ClassVar[str] = "csv"
    suffix: ClassVar[str] = ".csv"

    def render(self, scan: ScanResult, lang: str) -> str:
        lang = report_lang(lang)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for app in scan.results:
            writer.writerows([safe_cell(v) for v in row] for row in _rows(app, scan, lang))
        return BOM + out.getvalue()


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: no formula, no control characters."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and text != MISSING:  # a lone "-" is no formula
        text = "'" + text
    return clean(text)


def _rows(app: ApkResult, scan: ScanResult, lang: str) -> list[list[object]]:
    facts = app.facts
    if app.error is not None or facts is None:
        return [[app.path, *[""] * 4, "error", *[""] * 11, app.error, "", "", ""]]
    version = [shown(facts.version_name), shown(facts.version_code)]
    identity = [app.path, facts.package, *version, facts.sha256]
    verdict = verdict_label(app)
    listed = findings(app)
    app_cells = [
        coverage_text(app.coverage, lang),
        "\n".join(sdk_text(s, lang) for s in app.inventory.sdks),
        "\n".join(line.strip() for line in policy_lines(app.policy, lang)),
    ]
    if not listed:
        return [[*identity, verdict, *[""] * 12, *app_cells]]
    return [
        [*identity, verdict, *_finding(o, facts.package, scan, lang), *app_cells] for o in listed
    ]


def _finding(outcome: Outcome, package: str, scan: ScanResult, lang: str) -> list[object]:
    rule = rules_by_id(scan).get(outcome.rule_id)
    category = rule.category if rule else None
    return [
        outcome.rule_id,
        outcome.level.label,
        outcome.status.value,
        category or "",
        category_label(scan.ruleset, category, lang),
        rule.text("title", lang) if rule else "",
        "\n".join(evidence_text(e, max_callers=10, lang=lang) for e in outcome.evidence),
        outcome.source,  # static, runtime or both (a runtime log's reads)
        "; ".join(citation_short(c, lang) for c in rule.citations) if rule else "",
        fingerprint(package, outcome),
        outcome.justification or "",
        "",
    ]
