"""Baselines and waivers: accepted findings stay visible but stop counting towards verdicts.

A baseline lists findings accepted as they are, keyed by package, rule and a fingerprint of the
evidence (`Outcome.fingerprint`) - not by path or version, so the next build of the same app
stays matched.  A waiver accepts a rule (for one package or all) for a stated reason, optionally
until an expiry date and optionally only for evidence containing a given text.  Suppressed
findings get status "suppressed" with the justification; every report shows them.  Expired and
unused entries are reported as warnings so that stale suppressions do not pile up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from pi_scan.datafiles import read_user_json, validate
from pi_scan.errors import ConfigError
from pi_scan.judge.verdict import aggregate
from pi_scan.model import ApkResult, Outcome, RuleSet, ScanResult, Status

BASELINE_VERSION = 1


@dataclass(frozen=True)
class BaselineEntry:
    package: str
    rule_id: str
    fingerprint: str


@dataclass(frozen=True)
class Waiver:
    rule: str  # rule id, or "*" for every rule
    reason: str
    package: str = "*"  # package name, or "*" for every package
    expires: date | None = None
    evidence: str | None = None  # only findings with an evidence value containing this text

    def covers(self, package: str, outcome: Outcome) -> bool:
        return (
            self.rule in ("*", outcome.rule_id)
            and self.package in ("*", package)
            and (self.evidence is None or any(self.evidence in e.value for e in outcome.evidence))
        )

    def label(self) -> str:
        scope = f"{self.rule} for {self.package}"
        return scope + (f" (expires {self.expires.isoformat()})" if self.expires else "")


@dataclass(frozen=True)
class Suppressions:
    baseline: tuple[BaselineEntry, ...] = ()
    waivers: tuple[Waiver, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.baseline or self.waivers)


def _read(path: Path, schema: str) -> Any:
    data = read_user_json(path)
    try:
        validate(data, schema, str(path))
    except Exception as exc:
        raise ConfigError(str(exc)) from None
    return data


def load_baseline(path: Path) -> tuple[BaselineEntry, ...]:
    data = _read(path, "baseline")
    return tuple(
        BaselineEntry(e["package"], e["rule_id"], e["fingerprint"]) for e in data["entries"]
    )


def load_waivers(path: Path) -> tuple[Waiver, ...]:
    data = _read(path, "waivers")
    waivers = []
    for i, item in enumerate(data["waivers"]):
        expires = None
        if "expires" in item:
            try:
                expires = date.fromisoformat(item["expires"])
            except ValueError:
                raise ConfigError(
                    f"{path}: $.waivers[{i}].expires: not a date (YYYY-MM-DD)"
                ) from None
        waivers.append(
            Waiver(
                rule=item["rule"],
                reason=item["reason"],
                package=item.get("package", "*"),
                expires=expires,
                evidence=item.get("evidence"),
            )
        )
    return tuple(waivers)


def render_baseline(scan: ScanResult) -> str:
    """A baseline accepting every finding of the scan (failed or already suppressed)."""
    entries = sorted(
        {
            (r.facts.package, o.rule_id, o.fingerprint(r.facts.package), tuple(_values(o)))
            for r in scan.results
            if r.facts is not None
            for o in r.outcomes
            if o.status in (Status.FAILED, Status.SUPPRESSED)
        }
    )
    doc = {
        "schema_version": BASELINE_VERSION,
        "tool": {"name": "pi-scan", "version": scan.tool_version},
        "rules_version": scan.ruleset.version,
        "entries": [
            {"package": p, "rule_id": rid, "fingerprint": fp, "evidence": list(values)}
            for p, rid, fp, values in entries
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _values(outcome: Outcome) -> list[str]:
    return sorted({e.value for e in outcome.evidence})


def apply(scan: ScanResult, sup: Suppressions, today: date) -> ScanResult:
    """Suppress the findings the baseline or a live waiver accepts; recompute verdicts; add
    warnings for expired waivers and for entries that matched nothing."""
    if not sup:
        return scan
    live = [w for w in sup.waivers if w.expires is None or w.expires >= today]
    index = {(e.package, e.rule_id, e.fingerprint) for e in sup.baseline}
    used: set[object] = set()
    results = tuple(
        _apply_one(r, index, live, used, scan.ruleset) if r.facts is not None else r
        for r in scan.results
    )
    warnings = list(scan.warnings) + _stale(sup, live, used, scan.results, today)
    return replace(scan, results=results, warnings=tuple(warnings))


def _apply_one(
    result: ApkResult,
    index: set[tuple[str, str, str]],
    waivers: Sequence[Waiver],
    used: set[object],
    ruleset: RuleSet,
) -> ApkResult:
    assert result.facts is not None
    package = result.facts.package
    outcomes = []
    for outcome in result.outcomes:
        justification = None
        if outcome.status is Status.FAILED:
            key = (package, outcome.rule_id, outcome.fingerprint(package))
            if key in index:
                used.add(key)
                justification = "baseline"
            else:
                waiver = next((w for w in waivers if w.covers(package, outcome)), None)
                if waiver is not None:
                    used.add(waiver)
                    justification = f"waiver: {waiver.reason}"
        if justification is None:
            outcomes.append(outcome)
        else:
            outcomes.append(replace(outcome, status=Status.SUPPRESSED, justification=justification))
    return rejudge(replace(result, outcomes=tuple(outcomes)), ruleset)


def rejudge(result: ApkResult, ruleset: RuleSet) -> ApkResult:
    """The verdict again, after outcomes changed."""
    rules = {r.id: r for r in ruleset.rules}
    verdict, reasons = aggregate(result.outcomes, rules, ruleset.policy)
    return replace(result, verdict=verdict, verdict_reasons=reasons)


def _stale(
    sup: Suppressions,
    live: Sequence[Waiver],
    used: set[object],
    results: Iterable[ApkResult],
    today: date,
) -> list[str]:
    scanned = {r.facts.package for r in results if r.facts is not None}
    warnings = [
        f"waiver {w.label()} expired on {w.expires.isoformat()} and no longer applies"
        for w in sup.waivers
        if w.expires is not None and w.expires < today
    ]
    warnings += [f"waiver {w.label()} matched no finding" for w in live if w not in used]
    unused = [
        e
        for e in sup.baseline
        if e.package in scanned and (e.package, e.rule_id, e.fingerprint) not in used
    ]
    warnings += [
        f"baseline entry {e.rule_id} for {e.package} matched no finding (fixed? remove it)"
        for e in unused
    ]
    return warnings
