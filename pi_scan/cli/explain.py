"""`pi-scan explain APP RULE`: every piece of evidence behind one rule's finding, in full.

Scans one APK in this process (no result store), evaluates the rule as `pi-scan scan` does
(partial coverage included) and prints, unabbreviated, what made it fire: for rules on the
`pre_consent` fact (PI-CONS-001/002) each call chain the rule's condition selects, method by
method; for the others each evidence item with its Java signature and all its callers grouped
by party.  A rule that did not fire is reported in one line with its status.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from pi_scan.cli.common import (
    category_option,
    handle_errors,
    keep_until_exit,
    lang_option,
    policy_option,
    rules_option,
    verbose_requested,
)
from pi_scan.cli.runtime import runtime_log_option, with_runtime
from pi_scan.errors import ApkAnalysisError, ExitCode, UsageError
from pi_scan.model import AllOf, AnyOf, Condition, Evidence, Leaf, Level, Not, Outcome, Rule, Status
from pi_scan.report.base import clean, pi_text

CHAIN_FACT = "pre_consent"
# the fields of a pre_consent item shown, in this order (the chain is printed on its own)
CHAIN_FIELDS = ("entry", "entry_kind", "component", "kind", "target", "pi_type", "ref", "via")

LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "app": "app",
        "rule": "rule",
        "fired": "fired",
        "chains": "chains",
        "evidence": "evidence items",
        "chain": "chain",
        "item": "evidence",
        "entry": "entry",
        "entry_kind": "entry kind",
        "component": "component",
        "kind": "kind",
        "target": "target",
        "pi_type": "PI type",
        "ref": "target ref",
        "via": "via",
        "calls": "calls, in order",
        "attributed_to": "attributed to",
        "gated": "gated",
        "gate": "gate",
        "confidence": "confidence",
        "collectable": "collectable",
        "summary": "summary",
        "value": "value",
        "where": "where",
        "api": "Java API",
        "pi": "PI",
        "note": "note",
        "callers": "callers",
        "yes": "yes",
        "no": "no",
        "none": "none",
        "passed": "did not fire: passed",
        "not_applicable": "did not fire: not applicable",
        "not_evaluated": "did not fire: not evaluated",
        "suppressed": "did not fire: suppressed",
        "advice": "fired as advice only",
    },
    "zh": {
        "app": "应用",
        "rule": "规则",
        "fired": "命中",
        "chains": "条调用链",
        "evidence": "条证据",
        "chain": "调用链",
        "item": "证据",
        "entry": "入口",
        "entry_kind": "入口类型",
        "component": "组件",
        "kind": "类型",
        "target": "目标",
        "pi_type": "个人信息类型",
        "ref": "目标引用",
        "via": "方式",
        "calls": "调用顺序",
        "attributed_to": "调用方",
        "gated": "有同意判断",
        "gate": "同意判断",
        "confidence": "可信度",
        "collectable": "可收集",
        "summary": "摘要",
        "value": "值",
        "where": "位置",
        "api": "Java 接口",
        "pi": "个人信息",
        "note": "说明",
        "callers": "调用方",
        "yes": "是",
        "no": "否",
        "none": "无",
        "passed": "未命中：通过",
        "not_applicable": "未命中：不适用",
        "not_evaluated": "未命中：未评估",
        "suppressed": "未命中：已豁免",
        "advice": "仅作为建议命中",
    },
}


@click.command()
@click.argument("app", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("rule_id", metavar="RULE")
@rules_option
@category_option
@policy_option
@lang_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@runtime_log_option
@handle_errors
def explain(
    app: Path,
    rule_id: str,
    rules_dirs: tuple[Path, ...],
    category: str | None,
    policy: Path | None,
    lang: str,
    fmt: str,
    runtime_logs: tuple[Path, ...],
) -> None:
    """Show in full the evidence behind RULE's finding on APP (every call chain, every caller)."""
    from pi_scan.batch import read_policies
    from pi_scan.extract import extract_facts, set_verbose
    from pi_scan.extract.gcpause import no_cyclic_gc
    from pi_scan.facts import load_knowledge, rule_facts
    from pi_scan.facts.coverage import apply_coverage, coverage_of
    from pi_scan.judge.engine import evaluate
    from pi_scan.judge.ruleset import load_rules

    rule = find_rule(load_rules(rules_dirs).rules, rule_id)
    knowledge = load_knowledge()
    app_type = knowledge.app_type_id(category) if category else None
    policies = read_policies(policy, None)
    set_verbose(verbose_requested())
    with no_cyclic_gc(freeze=True):  # millions of objects, no cycles: nothing to collect
        try:
            extracted = policies.apply(extract_facts(app))
        except ApkAnalysisError as exc:
            raise UsageError(f"{clean(app)}: {clean(exc)}") from None
        extracted = with_runtime(extracted, runtime_logs)
        seen = rule_facts(extracted, knowledge, app_type)
        outcomes, _ = apply_coverage(evaluate(seen, [rule]), coverage_of(seen, [rule]))
    keep_until_exit(extracted, seen)  # not freed one by one at the end
    outcome = outcomes[0]
    chains = selected_items(rule.condition, seen) if fired(outcome) else []
    if fmt == "json":
        click.echo(
            json.dumps(
                as_json(app, extracted.package, rule, outcome, chains, lang),
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for line in as_text(app, extracted.package, rule, outcome, chains, lang):
            click.echo(line)
    sys.exit(int(ExitCode.OK))


def find_rule(rules: Sequence[Rule], rule_id: str) -> Rule:
    for rule in rules:
        if rule.id.upper() == rule_id.upper():
            return rule
    raise UsageError(f"unknown rule id {rule_id!r} (see `pi-scan rules list`)")


def fired(outcome: Outcome) -> bool:
    return outcome.status is Status.FAILED


def chain_leaves(cond: Condition) -> Iterator[Leaf]:
    """The leaves of a condition that select items of the `pre_consent` fact."""
    if isinstance(cond, AllOf | AnyOf):
        for item in cond.items:
            yield from chain_leaves(item)
    elif isinstance(cond, Leaf) and cond.fact == CHAIN_FACT:
        yield cond
    # under a `not`, the items matched are what is absent, not evidence: leave them out
    elif isinstance(cond, Not):
        return


def selected_items(cond: Condition, seen: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The pre_consent items the rule's condition selects (its `where`), in fact order."""
    from pi_scan.judge.engine import matching_items

    items: list[Mapping[str, Any]] = []
    for leaf in chain_leaves(cond):
        for item in matching_items(leaf, seen):
            if item not in items:
                items.append(item)
    return items


def status_line(outcome: Outcome, lang: str) -> str | None:
    """One line for a rule that did not fire; None when it did (advice included)."""
    labels = LABELS[lang]
    if fired(outcome):
        return None
    text = labels[outcome.status.value]
    reason = outcome.reason or outcome.justification
    return f"{outcome.rule_id}: {text}" + (f" ({reason})" if reason else "")


def as_text(
    app: Path,
    package: str,
    rule: Rule,
    outcome: Outcome,
    chains: Sequence[Mapping[str, Any]],
    lang: str,
) -> Iterator[str]:
    labels = LABELS[lang]
    line = status_line(outcome, lang)
    if line is not None:
        yield line
        return
    yield f"{rule.id}  {rule.text('title', lang)}"
    yield f"{labels['app']}: {package} ({clean(app)})"
    if outcome.level is Level.ADVICE:
        yield f"{labels['advice']}" + (f" ({outcome.reason})" if outcome.reason else "")
    if chains:
        yield f"{labels['fired']}: {len(chains)} {labels['chains']}"
        for number, item in enumerate(chains, 1):
            yield ""
            yield from _chain_text(number, len(chains), item, labels)
    else:
        yield f"{labels['fired']}: {len(outcome.evidence)} {labels['evidence']}"
        for number, evidence in enumerate(outcome.evidence, 1):
            yield ""
            yield from _evidence_text(number, len(outcome.evidence), evidence, labels, lang)


def _chain_text(
    number: int, total: int, item: Mapping[str, Any], labels: Mapping[str, str]
) -> Iterator[str]:
    yield f"{labels['chain']} {number}/{total}: {item.get('target')}"
    for key in CHAIN_FIELDS:
        if item.get(key) is not None:
            yield f"  {labels[key]}: {item[key]}"
    yield f"  {labels['calls']}:"
    for step, method in enumerate(item.get("chain") or (), 1):
        yield f"    {step}. {method}"
    yield f"  {labels['attributed_to']}: {item.get('attributed_to')}"
    gate = item.get("gate")
    gated = labels["yes"] if item.get("gated") else labels["no"]
    yield f"  {labels['gated']}: {gated}" + (f" ({labels['gate']}: {gate})" if gate else "")
    yield f"  {labels['confidence']}: {item.get('confidence')}"
    if "collectable" in item:
        collectable = labels["yes"] if item.get("collectable") else labels["no"]
        reason = item.get("collectable_reason")
        yield f"  {labels['collectable']}: {collectable}" + (f" ({reason})" if reason else "")
    if item.get("summary"):
        yield f"  {labels['summary']}: {item['summary']}"


def _evidence_text(
    number: int, total: int, evidence: Evidence, labels: Mapping[str, str], lang: str
) -> Iterator[str]:
    yield f"{labels['item']} {number}/{total}: {evidence.value}"
    yield f"  {labels['where']}: {evidence.where}"
    if evidence.api:
        yield f"  {labels['api']}: {evidence.api}"
    if evidence.pi:
        yield f"  {labels['pi']}: {pi_text(evidence, lang)}"
    if evidence.note:
        yield f"  {labels['note']}: {evidence.note}"
    if evidence.groups:
        yield f"  {labels['callers']}:"
        for group in evidence.groups:
            party = group.party + (f": {group.name}" if group.name else "")
            party += f" ({group.vendor})" if group.vendor else ""
            yield f"    {party}"
            for caller in group.callers:
                yield f"      {caller}"
    elif evidence.callers:
        yield f"  {labels['callers']}:"
        for caller in evidence.callers:
            yield f"    {caller}"


def as_json(
    app: Path,
    package: str,
    rule: Rule,
    outcome: Outcome,
    chains: Sequence[Mapping[str, Any]],
    lang: str,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": str(app),
        "package": package,
        "rule": rule.id,
        "title": rule.text("title", lang),
        "status": outcome.status.value,
        "level": outcome.level.label,
        "fired": fired(outcome),
        "reason": outcome.reason,
    }
    if not fired(outcome):
        data["message"] = status_line(outcome, lang)
    elif chains:
        data["chains"] = [dict(item) for item in chains]
    else:
        data["evidence"] = [dataclasses.asdict(e) for e in outcome.evidence]
    return data
