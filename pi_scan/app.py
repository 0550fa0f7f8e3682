"""The scan orchestrator: discover -> extract -> facts -> engine -> verdict -> ScanResult."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from pi_scan import __version__
from pi_scan.discover import Target, discover
from pi_scan.engine import evaluate
from pi_scan.errors import ApkAnalysisError
from pi_scan.factview import fact_dict
from pi_scan.model import ApkFacts, ApkResult, RuleSet, ScanResult
from pi_scan.verdict import aggregate

Extractor = Callable[[Path], ApkFacts]


def run_scan(
    paths: Iterable[str],
    ruleset: RuleSet,
    extractor: Extractor | None = None,
    on_result: Callable[[ApkResult], None] | None = None,
) -> ScanResult:
    """Scan every app under `paths` with `ruleset`; unreadable apps become error results."""
    if extractor is None:
        from pi_scan.extract import extract_facts

        extractor = extract_facts
    results = []
    for target in discover(paths):
        result = scan_target(target, ruleset, extractor)
        if on_result is not None:
            on_result(result)
        results.append(result)
    return ScanResult(
        results=tuple(results),
        ruleset=ruleset,
        tool_version=__version__,
        generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    )


def scan_target(target: Target, ruleset: RuleSet, extractor: Extractor) -> ApkResult:
    if target.problem is not None:
        return ApkResult(path=target.path, facts=None, error=target.problem)
    try:
        facts = extractor(Path(target.path))
    except ApkAnalysisError as exc:
        return ApkResult(path=target.path, facts=None, error=str(exc))
    except Exception as exc:
        return ApkResult(path=target.path, facts=None, error=f"internal error: {exc!r}")
    return judge(target.path, facts, ruleset)


def judge(path: str, facts: ApkFacts, ruleset: RuleSet) -> ApkResult:
    """Evaluate the rules on one app's facts and decide its verdict."""
    outcomes = evaluate(fact_dict(facts), ruleset.rules)
    rules = {r.id: r for r in ruleset.rules}
    verdict, reasons = aggregate(outcomes, rules, ruleset.policy)
    return ApkResult(
        path=path, facts=facts, outcomes=outcomes, verdict=verdict, verdict_reasons=reasons
    )
