"""App verdicts from findings (policy as data) and the run's exit code (one function)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pi_scan.errors import ExitCode
from pi_scan.model import (
    Escalation,
    Level,
    Outcome,
    Policy,
    Rule,
    ScanResult,
    Status,
    Verdict,
)

FAIL_ON = ("notice", "removal", "never")


def aggregate(
    outcomes: Sequence[Outcome], rules: Mapping[str, Rule], policy: Policy
) -> tuple[Verdict, tuple[str, ...]]:
    """The worst level among failed outcomes, raised by any escalation that applies.

    Advice never counts: not for the verdict, not for an escalation.  An outcome lowered to
    advice (its rule does not apply to this app in full) stays advice whatever the policy
    overrides say.  Returns the verdict and the reasons for it (rule ids with their level,
    escalation ids).
    """
    failed: list[Outcome] = []
    verdict = Verdict.PASS
    reasons: list[str] = []
    for outcome in outcomes:
        if outcome.status is not Status.FAILED or outcome.level is Level.ADVICE:
            continue
        level = policy.overrides.get(outcome.rule_id, outcome.level)
        if level is Level.ADVICE:
            continue
        failed.append(outcome)
        verdict = max(verdict, level.verdict)
        reasons.append(f"{outcome.rule_id}:{level.label}")
    for esc in policy.escalations:
        if esc.to > verdict and escalation_applies(esc, failed, rules):
            verdict = esc.to
            reasons.append(f"escalation:{esc.id}")
    return verdict, tuple(reasons)


def escalation_applies(
    esc: Escalation, failed: Sequence[Outcome], rules: Mapping[str, Rule]
) -> bool:
    ids = {o.rule_id for o in failed}
    if not ids:
        return False
    tags = {t for rid in ids if rid in rules for t in rules[rid].tags}
    checks = (
        esc.min_findings is None or len(ids) >= esc.min_findings,
        esc.min_rdff_categories is None
        or len(rdff_categories(ids, rules)) >= esc.min_rdff_categories,
        not esc.tags_any or bool(tags.intersection(esc.tags_any)),
        not esc.rules_all or set(esc.rules_all) <= ids,
        not esc.rules_any or bool(ids.intersection(esc.rules_any)),
        not esc.not_rectified or any(o.not_rectified for o in failed),
    )
    return all(checks)


def rdff_categories(rule_ids: set[str], rules: Mapping[str, Rule]) -> set[str]:
    """Categories (1-6) of the 2019 identification method cited by these rules ("3.1" -> "3")."""
    return {
        c.clause.split(".")[0]
        for rid in rule_ids
        if rid in rules
        for c in rules[rid].citations
        if c.document == "RDFF"
    }


def gate(scan: ScanResult, fail_on: str) -> ExitCode:
    """The exit code of a scan; the only place it is decided.

    3 when some app could not be analysed, else 1 when some verdict is at or above
    `fail_on` ("notice", "removal"; "never" disables the gate), else 0.  Usage and rule errors
    (2) never reach this point: they stop the run before any app is scanned.
    """
    if scan.errors:
        return ExitCode.INCOMPLETE
    if fail_on == "never":
        return ExitCode.OK
    threshold = Verdict.parse(fail_on)
    if any(r.verdict >= threshold for r in scan.results):
        return ExitCode.GATE_FAILED
    return ExitCode.OK
