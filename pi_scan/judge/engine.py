"""The generic rule evaluator: facts + rules -> outcomes.  Pure: no I/O, no state on rules."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from operator import methodcaller
from typing import Any

from pi_scan.facts.texts import sharing
from pi_scan.facts.view import ALL_FACTS, FactValue
from pi_scan.judge.ops import OPS, PER_ITEM_OPS, SCALAR_OPS, clear_caches, needles_of
from pi_scan.model import (
    AllOf,
    AnyOf,
    CallerGroup,
    Condition,
    Evidence,
    Leaf,
    Level,
    MemberRef,
    Not,
    Outcome,
    RefTable,
    Rule,
    Status,
)

Scope = Mapping[str, Any] | MemberRef  # anything with get(name)


_local = threading.local()  # per-thread cache of the texts of big fact lists, per evaluate()


def evaluate(facts: Mapping[str, FactValue], rules: Iterable[Rule]) -> tuple[Outcome, ...]:
    """Run every rule on one app's facts; one outcome per rule, passes included."""
    _local.texts = {}
    try:
        with sharing():
            return tuple(evaluate_rule(facts, rule) for rule in rules)
    finally:
        _local.texts = None
        clear_caches()


def search_needles(rules: Iterable[Rule]) -> tuple[set[str], set[str]]:
    """The literals (plain, case-insensitive) that the rules' `matches_any` tests look for in
    big text lists, for `pi_scan.facts.texts.expect`: all found in one pass."""
    patterns: list[str] = []
    stack: list[Condition] = []
    for rule in rules:
        stack.append(rule.condition)
        if rule.applies is not None:
            stack.append(rule.applies.condition)
    while stack:
        cond = stack.pop()
        if isinstance(cond, AllOf | AnyOf):
            stack += cond.items
        elif isinstance(cond, Not):
            stack.append(cond.item)
        else:
            if cond.op == "matches_any" and isinstance(cond.value, list | tuple):
                patterns += (p for p in cond.value if isinstance(p, str))
            if cond.where is not None:
                stack.append(cond.where)
    return needles_of(patterns)


def evaluate_rule(facts: Mapping[str, FactValue], rule: Rule) -> Outcome:
    missing = [name for name in rule.requires if facts.get(name) is None]
    if missing:
        needs = f"needs {', '.join(missing)}"
        if "app_type" in missing:
            needs += " (give --category or a category map)"
        if "policy" in missing:
            needs += f" ({facts.get('policy_missing') or 'no privacy-policy text'})"
        return Outcome(rule.id, Status.NOT_EVALUATED, rule.level, reason=needs)
    level = rule.level
    reason: str | None = None
    # top-level facts: list operators compare each fact's own key (a resource's value, not its
    # name), and the keys cached for this evaluation are the ones the condition reads too
    if rule.applies is not None and not _eval(rule.applies.condition, facts, top=True)[0]:
        reason = rule.applies.reason["en"]
        if rule.applies.otherwise == "not_applicable":
            return Outcome(rule.id, Status.NOT_APPLICABLE, rule.level, reason=reason)
        level = Level.ADVICE
    matched, evidence = _eval(rule.condition, facts, top=True)
    if not matched:
        return Outcome(rule.id, Status.PASSED, level)
    return Outcome(rule.id, Status.FAILED, level, tuple(_dedupe(evidence)), reason=reason)


def _eval(cond: Condition, scope: Scope, top: bool) -> tuple[bool, list[Evidence]]:
    if isinstance(cond, AllOf):
        evidence: list[Evidence] = []
        for item in cond.items:
            ok, ev = _eval(item, scope, top)
            if not ok:
                return False, []
            evidence += ev
        return True, evidence
    if isinstance(cond, AnyOf):
        results = [_eval(item, scope, top) for item in cond.items]
        hits = [ev for ok, ev in results if ok]
        return bool(hits), [e for ev in hits for e in ev]
    if isinstance(cond, Not):
        ok, _ = _eval(cond.item, scope, top)
        return (not ok), (_absence(cond.item) if not ok and top else [])
    return _eval_leaf(cond, scope, top)


def _eval_leaf(leaf: Leaf, scope: Scope, top: bool) -> tuple[bool, list[Evidence]]:
    fact = scope.get(leaf.fact)
    op = OPS[leaf.op]
    if leaf.op in SCALAR_OPS:
        hits = op(fact, leaf.value, ())
        return bool(hits), [_scalar_evidence(leaf, fact)] if hits and top else []
    # a RefTable stays as it is: its MemberRefs are made only for the items that match
    items = _items(fact)
    if leaf.op in PER_ITEM_OPS:
        # A per-item test commutes with the `where` filter: test the cheap key first, so the
        # filter only sees the few matching items (DEX facts hold hundreds of thousands).
        hits = list(_filter(leaf, op(items, leaf.value, _texts(leaf.fact, items, top))))
    else:
        kept = _filter(leaf, items)
        hits = op(kept, leaf.value, _texts(leaf.fact, kept, top))
    return bool(hits), [_item_evidence(leaf.fact, item) for item in hits] if top else []


def _texts(fact: str, items: Sequence[Any], top: bool) -> Sequence[Any]:
    """The keys string operators compare, computed once per fact list and evaluate() call."""
    cache: dict[tuple[int, str], tuple[Sequence[Any], Sequence[Any]]] | None = getattr(
        _local, "texts", None
    )
    slot = (id(items), fact)
    if cache is not None and slot in cache and cache[slot][0] is items:
        return cache[slot][1]
    spec = ALL_FACTS.get(fact) if top else None
    texts: Sequence[Any]
    if spec is not None and spec.kind == "strings":
        texts = items
    elif isinstance(items, RefTable) and spec is not None and spec.key == "ref":
        texts = items.refs
    else:
        field = (spec.key if spec is not None else None) or "name"
        try:
            texts = list(map(methodcaller("get", field), items))
        except AttributeError:  # not all items are mappings
            texts = [item.get(field) if hasattr(item, "get") else item for item in items]
    if cache is not None:
        cache[slot] = (items, texts)  # keeps `items` alive, so its id stays unique
    return texts


def _filter(leaf: Leaf, items: Sequence[Any]) -> Sequence[Any]:
    if leaf.where is None:
        return items
    where = leaf.where
    return [item for item in items if _eval(where, _item_scope(item), top=False)[0]]


def _item_scope(item: Any) -> Scope:
    return item if isinstance(item, Mapping | MemberRef) else {"value": item}


def _where(fact: str) -> str:
    spec = ALL_FACTS.get(fact)
    return spec.where if spec is not None else fact


def _scalar_evidence(leaf: Leaf, fact: Any) -> Evidence:
    return Evidence(leaf.fact, f"{leaf.fact}={json.dumps(fact)}", _where(leaf.fact))


def _item_evidence(fact: str, item: Any) -> Evidence:
    if not isinstance(item, Mapping | MemberRef):
        return Evidence(fact, str(item), _where(fact))
    note = ""
    key = _texts(fact, [item], top=True)[0]
    where = _where(fact)
    if fact == "components":
        where = f"AndroidManifest.xml <{item.get('kind')}>"
    elif fact == "native_libs":
        where = str(item.get("path", where))
    elif fact == "api_uses":
        refs = item.get("refs") or []
        key = f"{key}: {_first(refs)}"
        if item.get("collectable") is False:  # say why it cannot return PI here
            note = f"not collectable: {item.get('collectable_reason')}"
            key += f" ({note})"
        where = "classes*.dex" + (" strings" if item.get("kind") in ("string", "uri") else "")
    elif fact == "app_resource_strings":
        where = f"resources.arsc {item.get('where')}"
    elif fact == "sdks":
        signals = ", ".join(f"{e['kind']} {e['value']}" for e in item.get("evidence", [])[:3])
        key = f"{item.get('name')} [{item.get('confidence')}]"
        where = signals or where
    source = str(item.get("source") or "")
    if source == "runtime":  # seen only in a runtime log: that is where to look
        logs = item.get("logs") or (item.get("runtime") or {}).get("logs") or ()
        log = (item.get("runtime") or {}).get("log")
        where = "runtime log " + ", ".join(map(str, logs or ([log] if log else [])))
    elif source == "both":
        where += " + runtime log"
    # api_uses name each caller's party: "cls (platform:androidx-appcompat, called from ...)"
    callers = tuple(item.get("party_callers") or item.get("callers") or ())
    if fact == "api_uses" and item.get("signature"):
        label = item.get("pi_label") or {}
        groups = tuple(
            CallerGroup(str(g["party"]), str(g["name"]), g.get("vendor"), tuple(g["callers"]))
            for g in item.get("caller_groups") or ()
        )
        pi = (str(label["en"]), str(label["zh"])) if label else ()
        return Evidence(
            fact, str(key), where, callers, str(item["signature"]), pi, groups, note, source
        )
    return Evidence(fact, str(key), where, callers, source=source)


def _absence(cond: Condition) -> list[Evidence]:
    """Evidence for a `not` that held: say what was looked for and not found."""
    if isinstance(cond, AnyOf):
        return [e for item in cond.items for e in _absence(item)]
    if isinstance(cond, Leaf):
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        shown = _first([str(v) for v in values if v is not None])
        text = f"none found: {cond.fact} {cond.op} {shown}".strip()
        return [Evidence(cond.fact, text, _where(cond.fact))]
    return [Evidence("-", "none found: " + _describe(cond), "app")]


def _first(items: list[str], shown: int = 3) -> str:
    """The first few items, and how many more there are."""
    more = f" (+{len(items) - shown})" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _describe(cond: Condition) -> str:
    if isinstance(cond, Leaf):
        return f"{cond.fact} {cond.op} {json.dumps(cond.value, ensure_ascii=False)}"
    if isinstance(cond, Not):
        return f"not ({_describe(cond.item)})"
    joiner = " and " if isinstance(cond, AllOf) else " or "
    return "(" + joiner.join(_describe(c) for c in cond.items) + ")"


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen: dict[Evidence, None] = {}
    for item in evidence:
        seen.setdefault(item, None)
    return list(seen)


def _items(fact: Any) -> Sequence[Any]:
    """A list fact as a sequence (a RefTable stays as it is: its MemberRefs are made lazily)."""
    return fact if isinstance(fact, list | tuple | RefTable) else list(fact or [])


def matching_items(leaf: Leaf, facts: Mapping[str, Any]) -> list[Any]:
    """The items of `leaf.fact` that the leaf's `where` selects (all of them without one)."""
    fact = facts.get(leaf.fact)
    items = _items(fact)
    return list(_filter(leaf, items))
