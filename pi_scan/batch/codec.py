"""JSON for results kept in the results store, and stable digests of what a result depends on.

Pickle is not used for stored results on purpose: a store outlives the code that wrote it and
may be shared, and unpickling runs code.  The JSON here is plain data, driven by the model's
own type hints, so a field added to the model is stored without touching this module; a
stored result whose shape no longer matches the model is simply not reused (see `FORMAT`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from functools import cache
from typing import Any

from pi_scan.model import ApkFacts, ApkResult, RuleSet

_SCALARS = (str, int, float, bool, type(None))
# The code-level fact lists: large (hundreds of thousands of entries for a big app), read by
# the rules but by no report.  Results kept in the store or sent back by a worker leave them
# out; `pi-scan facts APK` prints them.
BULK_FACTS = (
    "classes",
    "method_refs",
    "field_refs",
    "strings",
    "string_users",
    "resource_strings",
    "code_graph",
    "reflection_code",
    "intent_query_code",
    "resource_texts",
    "app_reachable",
    "policy_documents",  # the texts; the report keeps ApkResult.policy
    "runtime_events",  # summed up in the results' `timeline`
)


class CodecError(ValueError):
    """Stored JSON that does not fit the current model."""


def encode(value: Any) -> Any:
    """Plain JSON data for a model value: dataclasses become objects, enums their value, sets
    sorted lists (so equal values always give equal JSON, whatever the hash seed)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, _SCALARS):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((encode(v) for v in value), key=canonical)
    if isinstance(value, Sequence) and not isinstance(value, str):  # incl. RefTable
        return [encode(v) for v in value]
    raise CodecError(f"cannot store a {type(value).__name__}")


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def decode(tp: Any, data: Any) -> Any:
    """The value of type `tp` (a type hint of the model) that `encode` turned into `data`."""
    return _decoder(tp)(data)


Decoder = Callable[[Any], Any]


@cache
def _decoder(tp: Any) -> Decoder:
    """The decoding function for one type hint, worked out once (a warm rescan decodes
    thousands of stored results: inspecting the hints for every value cost most of it)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _union_decoder(typing.get_args(tp))
    if origin is tuple or origin is Sequence:
        item = _decoder(typing.get_args(tp)[0])
        return lambda data: tuple(map(item, _expect(data, list)))
    if origin is not None and issubclass(origin, Mapping):
        value = _decoder(typing.get_args(tp)[1])
        return lambda data: {k: value(v) for k, v in _expect(data, dict).items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp
    if tp is object or tp is Any:
        return _same
    return lambda data: _plain(tp, data)


def _same(data: Any) -> Any:
    return data


def _plain(tp: Any, data: Any) -> Any:
    if tp is float and isinstance(data, int):
        return float(data)
    if isinstance(tp, type) and isinstance(data, tp):
        return data
    raise CodecError(f"expected {tp}, found {type(data).__name__}")


def _union_decoder(options: tuple[Any, ...]) -> Decoder:
    nullable = type(None) in options
    choices = [(option, _decoder(option)) for option in options if option is not type(None)]

    def decode_union(data: Any) -> Any:
        if data is None and nullable:
            return None
        for _, choice in choices:
            try:
                return choice(data)
            except (CodecError, ValueError, TypeError):
                continue
        raise CodecError(f"no type of {options} fits {type(data).__name__}")

    return decode_union


def _dataclass_decoder(cls: type) -> Decoder:
    hints = _hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    decoders: dict[str, Decoder] = {}

    def decode_dataclass(data: Any) -> Any:
        data = _expect(data, dict)
        if not fields.issuperset(data):
            raise CodecError(f"{cls.__name__}: unknown fields {sorted(set(data) - fields)}")
        if not decoders:  # made on first use: the model's types refer to each other
            decoders.update({name: _decoder(hints[name]) for name in fields})
        return cls(**{name: decoders[name](value) for name, value in data.items()})

    return decode_dataclass


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _expect(data: Any, kind: type) -> Any:
    if not isinstance(data, kind):
        raise CodecError(f"expected a JSON {kind.__name__}, found {type(data).__name__}")
    return data


@cache
def model_shape() -> str:
    """A digest of the field names and types of everything an ApkResult holds: part of the
    stored format, so a result written by an older model is not misread by a newer one."""
    seen: dict[str, list[str]] = {}

    def visit(cls: type) -> None:
        if cls.__name__ in seen:
            return
        hints = _hints(cls)
        seen[cls.__name__] = [f"{name}:{hints[name]}" for name in sorted(hints)]
        for hint in hints.values():
            for inner in _types_in(hint):
                if dataclasses.is_dataclass(inner):
                    visit(inner)

    visit(ApkResult)
    return hashlib.sha256(canonical(seen).encode()).hexdigest()[:12]


def _types_in(hint: Any) -> list[type]:
    args = typing.get_args(hint)
    if not args:
        return [hint] if isinstance(hint, type) else []
    return [t for a in args for t in _types_in(a)]


FORMAT = 1


def format_tag() -> str:
    """What a stored result was written with: the JSON format and the model's shape."""
    return f"{FORMAT}:{model_shape()}"


def result_to_json(result: ApkResult) -> str:
    return canonical(encode(result))


def result_from_json(text: str) -> ApkResult:
    try:
        value = decode(ApkResult, json.loads(text))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CodecError(str(exc)) from exc
    assert isinstance(value, ApkResult)
    return value


def ruleset_digest(ruleset: RuleSet) -> str:
    """What the rules would decide, independent of where their files lie: the rule pack's
    version and a digest of every rule (sources left out), the policy and the pack data."""
    rules = [dataclasses.replace(r, source=None) for r in ruleset.rules]
    data = canonical(encode(dataclasses.replace(ruleset, rules=tuple(rules))))
    return f"{ruleset.version}#{hashlib.sha256(data.encode()).hexdigest()[:16]}"


def slim(result: ApkResult) -> ApkResult:
    """The result without the code-level fact lists (see BULK_FACTS)."""
    if result.facts is None:
        return result
    facts = dataclasses.replace(
        result.facts,
        classes=(),
        method_refs=(),
        field_refs=(),
        strings=(),
        string_users=(),
        resource_strings=(),
        code_graph=(),
        reflection_code=(),
        intent_query_code=(),
        resource_texts=(),
        app_reachable=(),
        policy_documents=(),
        runtime_events=(),
    )
    return dataclasses.replace(result, facts=facts)


def at_path(result: ApkResult, path: str) -> ApkResult:
    """The same result for the same bytes found at another path (a rescan, a duplicate)."""
    facts: ApkFacts | None = result.facts
    if facts is not None and facts.path != path:
        facts = dataclasses.replace(facts, path=path)
    if result.path == path and facts is result.facts:
        return result
    return dataclasses.replace(result, path=path, facts=facts)
