"""Verdict aggregation (policy as data) and the exit-code gate, as tables."""

from __future__ import annotations

import pytest

from pi_scan.errors import ExitCode
from pi_scan.judge.verdict import aggregate, gate
from pi_scan.model import (
    ApkResult,
    Citation,
    Escalation,
    Leaf,
    Level,
    Outcome,
    Policy,
    Rule,
    RuleSet,
    ScanResult,
    Status,
    Verdict,
)

TEXT = {"en": "t", "zh": "t"}


def rule(rid: str, level: Level, tags: tuple[str, ...], *clauses: str) -> Rule:
    cites = tuple(Citation("RDFF", c) for c in clauses) or (Citation("PIPL", "Art. 6"),)
    return Rule(rid, level, TEXT, TEXT, TEXT, cites, Leaf("package", "exists", True), tags)


RULES = {
    r.id: r
    for r in (
        rule("PI-A-001", Level.NOTICE, ("sensitive-pi",), "4.1"),
        rule("PI-B-001", Level.NOTICE, (), "1.1"),
        rule("PI-C-001", Level.NOTICE, (), "3.1"),
        rule("PI-D-001", Level.REMOVAL, (), "3.1"),
    )
}
ESC_POLICY = Policy(
    escalations=(
        Escalation(
            "no-policy", Verdict.REMOVAL, TEXT, rules_all=("PI-B-001",), tags_any=("sensitive-pi",)
        ),
        Escalation("three", Verdict.REMOVAL, TEXT, min_rdff_categories=3),
    )
)


def failed(*ids: str) -> list[Outcome]:
    return [Outcome(i, Status.FAILED, RULES[i].level) for i in ids]


@pytest.mark.parametrize(
    ("ids", "policy", "verdict", "reason"),
    [
        ((), Policy(), Verdict.PASS, None),
        (("PI-A-001",), Policy(), Verdict.NOTICE, "PI-A-001:notice"),
        (("PI-A-001", "PI-D-001"), Policy(), Verdict.REMOVAL, "PI-D-001:removal"),
        (("PI-D-001",), Policy(overrides={"PI-D-001": Level.NOTICE}), Verdict.NOTICE, None),
        (("PI-B-001",), ESC_POLICY, Verdict.NOTICE, None),
        (("PI-A-001", "PI-B-001"), ESC_POLICY, Verdict.REMOVAL, "escalation:no-policy"),
        (("PI-A-001", "PI-C-001"), ESC_POLICY, Verdict.NOTICE, None),
        (("PI-A-001", "PI-C-001", "PI-B-001"), ESC_POLICY, Verdict.REMOVAL, "escalation:no-policy"),
        (("PI-B-001", "PI-C-001"), ESC_POLICY, Verdict.NOTICE, None),
    ],
)
def test_aggregate(
    ids: tuple[str, ...], policy: Policy, verdict: Verdict, reason: str | None
) -> None:
    got, reasons = aggregate(failed(*ids), RULES, policy)
    assert got is verdict
    if reason:
        assert reason in reasons


def test_min_rdff_categories_counts_distinct_categories() -> None:
    policy = Policy(
        escalations=(Escalation("three", Verdict.REMOVAL, TEXT, min_rdff_categories=3),)
    )
    assert (
        aggregate(failed("PI-A-001", "PI-B-001", "PI-C-001"), RULES, policy)[0] is Verdict.REMOVAL
    )
    assert aggregate(failed("PI-C-001", "PI-B-001"), RULES, policy)[0] is Verdict.NOTICE


def test_passed_outcomes_do_not_count() -> None:
    outcomes = [Outcome("PI-D-001", Status.PASSED, Verdict.REMOVAL)]
    assert aggregate(outcomes, RULES, Policy())[0] is Verdict.PASS


def scan(*results: ApkResult) -> ScanResult:
    ruleset = RuleSet(rules=tuple(RULES.values()), policy=Policy(), version="t@1")
    return ScanResult(results, ruleset, "0", "2026-01-01T00:00:00+00:00")


OK = ApkResult("a.apk", None, verdict=Verdict.PASS)
NOTICE = ApkResult("b.apk", None, verdict=Verdict.NOTICE)
REMOVAL = ApkResult("c.apk", None, verdict=Verdict.REMOVAL)
BROKEN = ApkResult("d.apk", None, error="not a zip file")


@pytest.mark.parametrize(
    ("results", "fail_on", "code"),
    [
        ((OK,), "notice", ExitCode.OK),
        ((NOTICE,), "notice", ExitCode.GATE_FAILED),
        ((NOTICE,), "removal", ExitCode.OK),
        ((REMOVAL,), "removal", ExitCode.GATE_FAILED),
        ((REMOVAL,), "never", ExitCode.OK),
        ((OK, BROKEN), "notice", ExitCode.INCOMPLETE),
        ((REMOVAL, BROKEN), "notice", ExitCode.INCOMPLETE),
        ((BROKEN,), "never", ExitCode.INCOMPLETE),
        ((), "notice", ExitCode.OK),
    ],
)
def test_gate(results: tuple[ApkResult, ...], fail_on: str, code: ExitCode) -> None:
    assert gate(scan(*results), fail_on) is code
