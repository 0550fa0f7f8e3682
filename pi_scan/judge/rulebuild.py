"""Turn a schema-valid rule document into a `Rule`, checking what a schema cannot say.

Checks: the id matches the file name, facts exist and suit the operator, operands have the
right type, value sets and cited documents exist, regular expressions compile, and test-case
facts name real facts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pi_scan.errors import RuleLoadError
from pi_scan.facts.view import ALL_FACTS
from pi_scan.judge.ops import LIST_OPS, SCALAR_OPS
from pi_scan.model import (
    AllOf,
    AnyOf,
    Applicability,
    Citation,
    Condition,
    Leaf,
    Level,
    Not,
    Rule,
)

_NEEDS_LIST_VALUE = frozenset({"in", "contains_any", "contains_all", "prefix_any", "matches_any"})
_NEEDS_NUMBER = frozenset({"lt", "le", "gt", "ge", "count_ge"})


class _Ctx:
    def __init__(self, file: str, sets: Mapping[str, list[Any]]) -> None:
        self.file = file
        self.sets = sets

    def fail(self, path: str, message: str) -> RuleLoadError:
        return RuleLoadError(self.file, path, message)


def build_rule(
    data: Mapping[str, Any],
    file: str,
    sets: Mapping[str, list[Any]],
    documents: Mapping[str, Any],
) -> Rule:
    ctx = _Ctx(file, sets)
    if Path(file).stem != data["id"]:
        raise ctx.fail("$.id", f"rule id {data['id']!r} does not match the file name")
    for i, cite in enumerate(data["citations"]):
        if documents and cite["document"] not in documents:
            raise ctx.fail(f"$.citations[{i}].document", f"unknown document {cite['document']!r}")
    for i, name in enumerate(data.get("requires", ())):
        if name not in ALL_FACTS:
            raise ctx.fail(f"$.requires[{i}]", f"unknown fact {name!r}")
    for i, case in enumerate(data["tests"]):
        for name in case["facts"]:
            if name not in ALL_FACTS:
                raise ctx.fail(f"$.tests[{i}].facts.{name}", f"unknown fact {name!r}")
    return Rule(
        id=data["id"],
        level=Level.parse(data["level"]),
        title=data["title"],
        message=data["message"],
        remediation=data["remediation"],
        citations=tuple(
            Citation(c["document"], c["clause"], c.get("former_clause")) for c in data["citations"]
        ),
        condition=_condition(data["match"], "$.match", ctx, top=True),
        tags=tuple(data.get("tags", ())),
        category=data["category"],
        source=file,
        requires=tuple(data.get("requires", ())),
        applies=_applicability(data.get("applies_when"), ctx),
    )


def _applicability(node: Mapping[str, Any] | None, ctx: _Ctx) -> Applicability | None:
    if node is None:
        return None
    return Applicability(
        condition=_condition(node["match"], "$.applies_when.match", ctx, top=True),
        otherwise=node["otherwise"],
        reason=node["reason"],
    )


def _condition(node: Mapping[str, Any], path: str, ctx: _Ctx, top: bool) -> Condition:
    if "fact" in node:
        return _leaf(node, path, ctx, top)
    if "all" in node:
        items = node["all"]
        return AllOf(
            tuple(_condition(c, f"{path}.all[{i}]", ctx, top) for i, c in enumerate(items))
        )
    if "any" in node:
        items = node["any"]
        return AnyOf(
            tuple(_condition(c, f"{path}.any[{i}]", ctx, top) for i, c in enumerate(items))
        )
    return Not(_condition(node["not"], f"{path}.not", ctx, top))


def _leaf(node: Mapping[str, Any], path: str, ctx: _Ctx, top: bool) -> Leaf:
    fact, op = node["fact"], node["op"]
    if top:
        _check_fact_op(fact, op, path, ctx)
    value = _operand(node, path, ctx)
    where = None
    if "where" in node:
        if op not in LIST_OPS:
            raise ctx.fail(f"{path}.where", f"'where' needs a list operator, not {op!r}")
        where = _condition(node["where"], f"{path}.where", ctx, top=False)
    return Leaf(fact=fact, op=op, value=value, where=where)


def _check_fact_op(fact: str, op: str, path: str, ctx: _Ctx) -> None:
    spec = ALL_FACTS.get(fact)
    if spec is None:
        raise ctx.fail(f"{path}.fact", f"unknown fact {fact!r} (see `pi-scan facts`)")
    if spec.kind == "scalar" and op not in SCALAR_OPS:
        raise ctx.fail(f"{path}.op", f"{op!r} needs a list fact; {fact!r} is a single value")
    if spec.kind != "scalar" and op in SCALAR_OPS:
        raise ctx.fail(f"{path}.op", f"{op!r} needs a single value; {fact!r} is a list")


def _operand(node: Mapping[str, Any], path: str, ctx: _Ctx) -> Any:
    op = node["op"]
    if "value_set" in node:
        if "value" in node:
            raise ctx.fail(f"{path}.value_set", "give either value or value_set, not both")
        name = node["value_set"]
        if name not in ctx.sets:
            raise ctx.fail(f"{path}.value_set", f"unknown value set {name!r}")
        value: Any = ctx.sets[name]
    elif op == "any":
        value = node.get("value")
    elif "value" not in node:
        raise ctx.fail(path, f"operator {op!r} needs a 'value'")
    else:
        value = node["value"]
    _check_operand(op, value, f"{path}.value", ctx)
    return tuple(value) if isinstance(value, list) else value


def _check_operand(op: str, value: Any, path: str, ctx: _Ctx) -> None:
    if op in _NEEDS_LIST_VALUE and not (isinstance(value, list) and value):
        raise ctx.fail(path, f"operator {op!r} needs a non-empty list")
    if op in _NEEDS_NUMBER and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ctx.fail(path, f"operator {op!r} needs a number")
    if op == "burst" and not _burst_operand(value):
        raise ctx.fail(
            path, 'operator \'burst\' needs {"calls": whole number >= 1, "seconds": number > 0}'
        )
    if op == "exists" and not isinstance(value, bool):
        raise ctx.fail(path, "operator 'exists' needs true or false")
    if op == "matches_any":
        for i, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                raise ctx.fail(f"{path}[{i}]", f"bad regular expression: {exc}") from None


def _burst_operand(value: Any) -> bool:
    if not isinstance(value, Mapping) or set(value) != {"calls", "seconds"}:
        return False
    calls, seconds = value["calls"], value["seconds"]
    return (
        isinstance(calls, int)
        and not isinstance(calls, bool)
        and calls >= 1
        and isinstance(seconds, int | float)
        and not isinstance(seconds, bool)
        and seconds > 0
    )
