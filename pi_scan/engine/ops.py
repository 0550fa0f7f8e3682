"""Operators of rule leaves: one small function each.

An operator receives the fact's value (already filtered by the leaf's `where`, for lists) and
the leaf's `value`, and returns the items that satisfied it.  An empty result means the leaf
did not match; scalar operators return a one-element list holding the scalar.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

Items = list[Any]
Op = Callable[[Any, Any, Callable[[Any], Any]], Items]


def _scalar(ok: bool, fact: Any) -> Items:
    return [fact] if ok else []


def op_eq(fact: Any, value: Any, key: Callable[[Any], Any]) -> Items:
    return _scalar(fact == value, fact)


def op_ne(fact: Any, value: Any, key: Callable[[Any], Any]) -> Items:
    return _scalar(fact != value, fact)


def _numeric(fact: Any) -> bool:
    return isinstance(fact, int | float) and not isinstance(fact, bool)


def op_lt(fact: Any, value: Any, key: Callable[[Any], Any]) -> Items:
    return _scalar(_numeric(fact) and fact < value, fact)


def op_le(fact: Any, value: Any, key: Callable[[Any], Any]) -> Items:
    return _scalar(_numeric(fact) and fact <= value, fact)


def op_gt(fact: Any, value: Any, key: Callable[[Any], Any]) -> Items:
    return _scalar(_numeric(fact) and fact > value, fact)


def op_ge(fact: Any, value: Any, key: Callable[[Any], Any]) -> Items:
    return _scalar(_numeric(fact) and fact >= value, fact)


def op_in(fact: Any, value: Any, key: Callable[[Any], Any]) -> Items:
    return _scalar(fact in value, fact)


def op_exists(fact: Any, value: Any, key: Callable[[Any], Any]) -> Items:
    present = fact not in (None, "", [], {})
    return _scalar(present == bool(value), fact)


def op_contains_any(fact: Sequence[Any], value: Any, key: Callable[[Any], Any]) -> Items:
    wanted = set(value)
    return [item for item in fact if key(item) in wanted]


def op_contains_all(fact: Sequence[Any], value: Any, key: Callable[[Any], Any]) -> Items:
    matched = op_contains_any(fact, value, key)
    return matched if {key(item) for item in matched} >= set(value) else []


def op_prefix_any(fact: Sequence[Any], value: Any, key: Callable[[Any], Any]) -> Items:
    prefixes = tuple(value)
    return [item for item in fact if isinstance(key(item), str) and key(item).startswith(prefixes)]


@lru_cache(maxsize=512)
def _regexes(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def op_matches_any(fact: Sequence[Any], value: Any, key: Callable[[Any], Any]) -> Items:
    regexes = _regexes(tuple(value))
    return [
        item
        for item in fact
        if isinstance(key(item), str) and any(r.search(key(item)) for r in regexes)
    ]


def op_any(fact: Sequence[Any], value: Any, key: Callable[[Any], Any]) -> Items:
    return list(fact)


def op_count_ge(fact: Sequence[Any], value: Any, key: Callable[[Any], Any]) -> Items:
    return list(fact) if len(fact) >= value else []


OPS: dict[str, Op] = {
    "eq": op_eq,
    "ne": op_ne,
    "lt": op_lt,
    "le": op_le,
    "gt": op_gt,
    "ge": op_ge,
    "in": op_in,
    "exists": op_exists,
    "contains_any": op_contains_any,
    "contains_all": op_contains_all,
    "prefix_any": op_prefix_any,
    "matches_any": op_matches_any,
    "any": op_any,
    "count_ge": op_count_ge,
}

SCALAR_OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "in", "exists"})
LIST_OPS = frozenset(OPS) - SCALAR_OPS
# List operators that keep or drop each item on its own (not on the whole list).
PER_ITEM_OPS = frozenset({"contains_any", "prefix_any", "matches_any"})
