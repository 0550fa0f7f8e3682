"""Operators of rule leaves: one small function each.

An operator receives the fact's value, the leaf's `value` and, for lists, the texts its string
tests compare (`texts[i]` is the key of item i: the item itself for lists of strings, a field
such as "name" or "ref" for lists of objects), and returns the items that satisfied it.  An
empty result means the leaf did not match; scalar operators return a one-element list holding
the scalar.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import compress, repeat
from typing import Any

from pi_scan.facts.texts import joined as shared_join

Items = list[Any]
Op = Callable[[Any, Any, Sequence[Any]], Items]


def _scalar(ok: bool, fact: Any) -> Items:
    return [fact] if ok else []


def op_eq(fact: Any, value: Any, texts: Sequence[Any]) -> Items:
    return _scalar(fact == value, fact)


def op_ne(fact: Any, value: Any, texts: Sequence[Any]) -> Items:
    return _scalar(fact != value, fact)


def _numeric(fact: Any) -> bool:
    return isinstance(fact, int | float) and not isinstance(fact, bool)


def op_lt(fact: Any, value: Any, texts: Sequence[Any]) -> Items:
    return _scalar(_numeric(fact) and fact < value, fact)


def op_le(fact: Any, value: Any, texts: Sequence[Any]) -> Items:
    return _scalar(_numeric(fact) and fact <= value, fact)


def op_gt(fact: Any, value: Any, texts: Sequence[Any]) -> Items:
    return _scalar(_numeric(fact) and fact > value, fact)


def op_ge(fact: Any, value: Any, texts: Sequence[Any]) -> Items:
    return _scalar(_numeric(fact) and fact >= value, fact)


def op_in(fact: Any, value: Any, texts: Sequence[Any]) -> Items:
    return _scalar(fact in value, fact)


def op_exists(fact: Any, value: Any, texts: Sequence[Any]) -> Items:
    present = fact not in (None, "", [], {})
    return _scalar(present == bool(value), fact)


def _pick(fact: Sequence[Any], mask: Iterable[Any]) -> Items:
    """The items of `fact` whose mask is true, taken by index (a big fact list such as a
    RefTable makes its items only when they are asked for)."""
    return list(map(fact.__getitem__, compress(range(len(fact)), mask)))


def op_contains_any(fact: Sequence[Any], value: Any, texts: Sequence[Any]) -> Items:
    wanted = frozenset(value)
    return _pick(fact, map(wanted.__contains__, texts))


def op_contains_all(fact: Sequence[Any], value: Any, texts: Sequence[Any]) -> Items:
    wanted = frozenset(value)
    mask = list(map(wanted.__contains__, texts))
    found = set(compress(texts, mask))
    return _pick(fact, mask) if found >= wanted else []


def op_prefix_any(fact: Sequence[Any], value: Any, texts: Sequence[Any]) -> Items:
    prefixes = tuple(value)
    try:  # all strings (DEX facts: half a million): the test runs in C
        return _pick(fact, list(map(str.startswith, texts, repeat(prefixes))))
    except TypeError:  # a text that is not a string: no match for it

        def starts(text: Any) -> bool:
            return type(text) is str and text.startswith(prefixes)

        return _pick(fact, map(starts, texts))


@lru_cache(maxsize=512)
def _regexes(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def op_matches_any(fact: Sequence[Any], value: Any, texts: Sequence[Any]) -> Items:
    patterns = tuple(value)
    regexes = _regexes(patterns)
    if len(texts) >= _BULK:
        for seen, searched, hits in _SEARCHED:  # several rules ask the same (sign-up texts)
            if seen is texts and searched == patterns:
                return list(map(fact.__getitem__, hits))
        if _all_strings(texts):
            hits = _bulk_search(texts, regexes)
            _SEARCHED.append((texts, patterns, hits))
            return list(map(fact.__getitem__, hits))
    return _pick(
        fact, (isinstance(text, str) and any(r.search(text) for r in regexes) for text in texts)
    )


_BULK = 2000  # from this many strings on, search them joined (DEX string tables: ~500k)


@lru_cache(maxsize=512)
def _multiline(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)


@lru_cache(maxsize=512)
def _literal(pattern: str) -> str | None:
    """The text a pattern matches when it is a plain literal (no metacharacter), else None."""
    return pattern if pattern and re.escape(pattern) == pattern else None


@lru_cache(maxsize=512)
def _needle(pattern: str) -> tuple[str, bool] | None:
    """A literal every match of the pattern contains (at least 2 characters), and whether it
    is to be found case-insensitively: (needle, folded), or None.

    Only simple patterns qualify: no alternation at the top level (inside a group it only
    concerns the group), no back-reference or conditional, and for "(?i)" ones an ASCII body
    without upper-case letters (the needle then is in lower case and looked up with
    JoinedTexts.find_folded).  The needle is the longest run of plain characters at the top
    level, each not made optional or repeated by what follows.
    """
    folded = pattern.startswith("(?i)")
    body = pattern[4:] if folded else pattern
    if re.search(r"\\[1-9]|\(\?P=|\(\?[a-zA-Z(-]", body):
        return None
    if folded and (not body.isascii() or any("A" <= c <= "Z" for c in body)):
        return None
    best, run, depth, i = "", "", 0, 0
    while i < len(body):
        char, i = body[i], i + 1
        literal = ""
        if char == "\\":  # an escaped punctuation mark is itself; \b, \d, \n ... are not
            after, i = body[i : i + 1], i + 1
            literal = after if after and not after.isalnum() else ""
        elif char == "[":  # a class: skip it
            if body[i : i + 1] == "^":
                i += 1
            if body[i : i + 1] == "]":
                i += 1
            while i < len(body) and body[i] != "]":
                i += 2 if body[i] == "\\" else 1
            if i >= len(body):
                return None
            i += 1
        elif char == "{":  # a repeat count: skip it
            i = body.find("}", i) + 1
            if i <= 0:
                return None
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|":  # an alternative: at the top, the literals are not all needed
            if depth == 0:
                return None
        elif char not in ".^$?*+}":
            literal = char
        following = body[i : i + 1]
        if literal and depth == 0 and following not in ("?", "*", "{"):
            run += literal
            if following == "+":  # at least once, but what follows is not next to it
                best, run = max(best, run, key=len), ""
        else:
            best, run = max(best, run, key=len), ""
    best = max(best, run, key=len)
    return (best, folded) if len(best) >= 2 else None


def needles_of(patterns: Iterable[str]) -> tuple[set[str], set[str]]:
    """The literals `_bulk_search` looks for to search big text lists by these patterns:
    (plain ones, case-insensitive ones), for `pi_scan.facts.texts.expect`."""
    plain: set[str] = set()
    folded: set[str] = set()
    for pattern in patterns:
        found = _lookup(pattern)
        if found is not None:
            (folded if found[1] else plain).add(found[0])
    return plain, folded


def _anchored(pattern: str) -> bool:
    """Anchored to the whole text: tried on each text, not on joined ones."""
    return "\\A" in pattern or "\\Z" in pattern


def _lookup(pattern: str) -> tuple[str, bool] | None:
    """The literal `_bulk_search` looks a pattern up by in joined texts and whether it does
    so case-insensitively: the pattern itself when it is a plain literal, else its needle;
    None when it has none (or is anchored to the whole text)."""
    if _anchored(pattern):
        return None
    literal = _literal(pattern)
    return (literal, False) if literal else _needle(pattern)


# what each big list's search found in this evaluation: (texts, patterns, indices of the hits)
_SEARCHED: list[tuple[Sequence[str], tuple[str, ...], list[int]]] = []
_STRINGS: list[tuple[Sequence[Any], bool]] = []  # whether a big list holds only strings


def _all_strings(texts: Sequence[Any]) -> bool:
    for seen, answer in _STRINGS:
        if seen is texts:
            return answer
    answer = set(map(type, texts)) == {str}
    _STRINGS.append((texts, answer))
    return answer


def clear_caches() -> None:
    """Forget the searches (evaluate() calls this when it is done with an app)."""
    _SEARCHED.clear()
    _STRINGS.clear()


def _bulk_search(texts: Sequence[str], regexes: Sequence[re.Pattern[str]]) -> list[int]:
    """The indices of the texts some regex matches, ascending, searching joined texts so the
    loop runs in C.

    A plain literal is found with str.find (which skips a chunk of ASCII texts at once when
    the literal is Chinese); other patterns search the joined chunks with ^ and $ matching
    at the joins.  Each candidate is checked again on its own text, so a match spanning two
    texts can neither add a false hit nor hide a real one.
    """
    joined = shared_join(texts)
    hit = [False] * len(texts)
    for regex in regexes:
        if _anchored(regex.pattern):
            hit = [h or bool(regex.search(t)) for h, t in zip(hit, texts, strict=True)]
            continue
        by = _lookup(regex.pattern)  # the texts holding a literal the pattern needs
        if by is None:
            found = joined.search(_multiline(regex.pattern))
        else:
            found = joined.find_folded(by[0]) if by[1] else joined.find(by[0])
        for index in found:
            if not hit[index] and regex.search(texts[index]):
                hit[index] = True
    return list(compress(range(len(hit)), hit))


def op_any(fact: Sequence[Any], value: Any, texts: Sequence[Any]) -> Items:
    return list(fact)


def op_count_ge(fact: Sequence[Any], value: Any, texts: Sequence[Any]) -> Items:
    return list(fact) if len(fact) >= value else []


def op_burst(fact: Sequence[Any], value: Any, texts: Sequence[Any]) -> Items:
    """Items whose `times` (seconds, e.g. runtime_calls) hold more than value["calls"] within
    any value["seconds"] long window."""
    calls, seconds = int(value["calls"]), float(value["seconds"])
    return [item for item in fact if peak(item.get("times") or (), seconds) > calls]


def peak(times: Sequence[float], seconds: float) -> int:
    """The most of the sorted `times` that fall within one window of `seconds`."""
    best = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] > seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


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
    "burst": op_burst,
}

SCALAR_OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "in", "exists"})
LIST_OPS = frozenset(OPS) - SCALAR_OPS
# List operators that keep or drop each item on its own (not on the whole list).
PER_ITEM_OPS = frozenset({"contains_any", "prefix_any", "matches_any"})
