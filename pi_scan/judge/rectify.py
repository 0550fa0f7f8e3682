"""Rectification: was a problem from an earlier, notified version fixed in this one?

Regulators give an app a notice and a deadline; if the next version still has the problem, the
app is removed (逾期不整改 -> 下架).  `mark_not_rectified` compares a scan with an earlier JSON
report: a finding of a later version (higher versionCode) of a package whose earlier version
got a notice or worse, under a rule that already failed then, is marked `not_rectified`.  The
policy's `not_rectified` escalation turns that into a removal verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pi_scan.datafiles import read_user_json
from pi_scan.errors import ConfigError
from pi_scan.judge.suppress import rejudge
from pi_scan.model import ApkResult, ScanResult, Status

NOTIFIED = ("notice", "removal")


# JSON report versions whose `findings` this reads the same way (2 adds advice, kept apart).
REPORT_VERSIONS = (1, 2)


@dataclass(frozen=True)
class Earlier:
    """What an earlier report says about one package."""

    version_code: int
    verdict: str
    failed_rules: frozenset[str]


def load_previous(path: Path) -> dict[str, Earlier]:
    """package -> the latest version of it in an earlier `--format json` report."""
    doc = read_user_json(path)
    if (
        not isinstance(doc, dict)
        or doc.get("schema_version") not in REPORT_VERSIONS
        or "results" not in doc
    ):
        raise ConfigError(f"{path}: not a pi-scan JSON report (schema_version 1 or 2)")
    earlier: dict[str, Earlier] = {}
    for item in doc["results"]:
        entry = _earlier(item)
        if entry is None:
            continue
        package, found = entry
        known = earlier.get(package)
        if known is None or found.version_code > known.version_code:
            earlier[package] = found
    return earlier


def _earlier(item: Mapping[str, Any]) -> tuple[str, Earlier] | None:
    package, code = item.get("package"), item.get("version_code")
    if not isinstance(package, str) or not isinstance(code, int) or item.get("error"):
        return None
    rules = frozenset(
        str(f["rule_id"]) for f in item.get("findings", []) if f.get("status", "failed") == "failed"
    )
    return package, Earlier(code, str(item.get("verdict")), rules)


def mark_not_rectified(scan: ScanResult, earlier: Mapping[str, Earlier]) -> ScanResult:
    """Mark persisting findings of later versions of notified packages; recompute verdicts."""
    if not earlier:
        return scan
    results = tuple(_mark(r, earlier, scan) for r in scan.results)
    return replace(scan, results=results)


def _mark(result: ApkResult, earlier: Mapping[str, Earlier], scan: ScanResult) -> ApkResult:
    facts = result.facts
    before = earlier.get(facts.package) if facts is not None else None
    if (
        facts is None
        or before is None
        or before.verdict not in NOTIFIED
        or facts.version_code is None
        or facts.version_code <= before.version_code
    ):
        return result
    outcomes = tuple(
        replace(o, not_rectified=True)
        if o.status is Status.FAILED and o.rule_id in before.failed_rules
        else o
        for o in result.outcomes
    )
    if outcomes == result.outcomes:
        return result
    return rejudge(replace(result, outcomes=outcomes), scan.ruleset)
