"""The scan orchestrator: discover -> extract -> facts -> derive -> engine -> verdict."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pi_scan import __version__
from pi_scan.discover import Target, discover
from pi_scan.engine import evaluate
from pi_scan.errors import ApkAnalysisError, ConfigError
from pi_scan.factview import fact_dict
from pi_scan.knowledge import Knowledge, derive
from pi_scan.knowledge.coverage import apply_coverage, coverage_of
from pi_scan.model import ApkFacts, ApkResult, Inventory, RuleSet, ScanResult, SdkUse
from pi_scan.verdict import aggregate

if TYPE_CHECKING:
    from pi_scan.runner import Batch, Event, Observer

Extractor = Callable[[Path], ApkFacts]


@dataclass(frozen=True)
class AppTypes:
    """Which of the 39 app types an app is: a default for the run and a per-package map."""

    default: str | None = None
    by_package: Mapping[str, str] = field(default_factory=dict)

    def of(self, package: str) -> str | None:
        return self.by_package.get(package, self.default)


def read_category_map(path: Path, knowledge: Knowledge) -> dict[str, str]:
    """A CSV of `package,type` rows (type as id or number; a header row is allowed)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read category map: {exc}") from None
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and cells[:1] == ["package"]):
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise ConfigError(f"{path}: line {number}: expected 'package,type'")
        try:
            mapping[cells[0]] = knowledge.app_type_id(cells[1])
        except Exception as exc:
            raise ConfigError(f"{path}: line {number}: {exc}") from None
    return mapping


def run_scan(
    paths: Iterable[str],
    ruleset: RuleSet,
    knowledge: Knowledge,
    app_types: AppTypes | None = None,
    extractor: Extractor | None = None,
    on_result: Callable[[ApkResult], None] | None = None,
    batch: Batch | None = None,
    observer: Observer | None = None,
) -> ScanResult:
    """Scan every app under `paths` with `ruleset`; unreadable apps become error results.

    Without `batch`, apps are scanned one by one in this process and results keep every fact.
    With it, `pi_scan.runner` runs the scan (worker processes or a Dask cluster, time and
    memory limits, the results store) and results leave out the code-level fact lists that no
    report reads.  Results are in discover order either way; `extractor` must be picklable
    (a module-level function) when workers run it.
    """
    from pi_scan.runner import Batch, ScanSetup, execute

    setup = ScanSetup(ruleset, knowledge, app_types or AppTypes(), extractor, batch is not None)
    watcher = _Watcher(on_result, observer)
    results, warnings = execute(discover(paths), setup, batch or Batch(), watcher)
    return ScanResult(
        results=tuple(results),
        ruleset=ruleset,
        tool_version=__version__,
        generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class _Watcher:
    """Passes each finished app to the caller's callback and observer."""

    on_result: Callable[[ApkResult], None] | None
    observer: Observer | None

    def started(self, total: int) -> None:
        if self.observer is not None:
            self.observer.started(total)

    def finished(self, event: Event) -> None:
        if self.on_result is not None:
            self.on_result(event.result)
        if self.observer is not None:
            self.observer.finished(event)


def scan_target(
    target: Target, ruleset: RuleSet, knowledge: Knowledge, types: AppTypes, extractor: Extractor
) -> ApkResult:
    if target.problem is not None:
        return ApkResult(path=target.path, facts=None, error=target.problem)
    try:
        facts = extractor(Path(target.path))
    except ApkAnalysisError as exc:
        return ApkResult(path=target.path, facts=None, error=str(exc))
    except Exception as exc:  # one bad app must not end a batch
        return ApkResult(path=target.path, facts=None, error=f"internal error: {exc!r}")
    return judge(target.path, facts, ruleset, knowledge, types.of(facts.package))


def rule_facts(facts: ApkFacts, knowledge: Knowledge, app_type: str | None) -> dict[str, Any]:
    """Exactly what the rules see for one app: extracted plus derived facts."""
    return derive(fact_dict(facts), knowledge, app_type)


def judge(
    path: str, facts: ApkFacts, ruleset: RuleSet, knowledge: Knowledge, app_type: str | None
) -> ApkResult:
    """Evaluate the rules on one app's facts and decide its verdict."""
    seen = rule_facts(facts, knowledge, app_type)
    outcomes, coverage = apply_coverage(  # partial coverage: never a silent pass
        evaluate(seen, ruleset.rules), coverage_of(seen, ruleset.rules)
    )
    rules = {r.id: r for r in ruleset.rules}
    verdict, reasons = aggregate(outcomes, rules, ruleset.policy)
    return ApkResult(
        path=path,
        facts=facts,
        outcomes=outcomes,
        verdict=verdict,
        verdict_reasons=reasons,
        inventory=inventory(seen),
        coverage=coverage,
    )


def inventory(seen: Mapping[str, Any]) -> Inventory:
    """The SDK inventory and PI summary of one app, from its derived facts."""
    reads: dict[str, set[str]] = {}
    for use in seen["api_uses"]:
        for sdk in use["sdks"]:
            reads.setdefault(sdk, set()).add(use["pi_type"])
    sdks = tuple(
        SdkUse(
            id=s["id"],
            name=s["name"],
            vendor=s["vendor"],
            category=s["category"],
            confidence=s["confidence"],
            name_zh=s.get("name_zh"),
            country=s.get("country"),
            signals=tuple(f"{e['kind']} {e['value']}" for e in s["evidence"]),
            pi=tuple(s.get("pi") or ()),
            reads=tuple(sorted(reads.get(s["id"], ()))),
            status=s.get("status") or "present",
        )
        for s in seen["sdks"]
    )
    pi_types = sorted(set(seen["api_pi_types"]) | set(seen["permission_pi_types"]))
    return Inventory(
        app_type=seen["app_type"],
        sdks=sdks,
        pi_types=tuple(pi_types),
        api_uses=tuple(u["id"] for u in seen["api_uses"]),
        call_sites=tuple(
            sorted(f"{u['id']} <- {caller}" for u in seen["api_uses"] for caller in u["callers"])
        ),
    )
