"""The generic evaluator and its operators, on hand-built facts."""

from __future__ import annotations

from typing import Any

import pytest

from pi_scan.facts.view import default_facts
from pi_scan.judge.engine import evaluate_rule
from pi_scan.judge.ops import OPS
from pi_scan.model import AllOf, AnyOf, Citation, Condition, Leaf, Not, Rule, Status, Verdict


def make_rule(cond: Condition) -> Rule:
    text = {"en": "t", "zh": "t"}
    return Rule(
        "PI-TEST-001", Verdict.NOTICE, text, text, text, (Citation("PIPL", "Art. 6"),), cond
    )


def run(cond: Condition, **facts: Any) -> tuple[bool, list[str]]:
    base = default_facts()
    base.update(facts)
    outcome = evaluate_rule(base, make_rule(cond))
    return outcome.status is Status.FAILED, [e.value for e in outcome.evidence]


@pytest.mark.parametrize(
    ("op", "fact", "value", "expected"),
    [
        ("eq", 5, 5, True),
        ("eq", 5, 6, False),
        ("ne", 5, 6, True),
        ("ne", None, None, False),
        ("lt", 22, 23, True),
        ("lt", 23, 23, False),
        ("lt", None, 23, False),
        ("lt", True, 23, False),
        ("le", 23, 23, True),
        ("gt", 24, 23, True),
        ("gt", 23, 23, False),
        ("ge", 23, 23, True),
        ("in", "a", ("a", "b"), True),
        ("in", "c", ("a", "b"), False),
        ("exists", "x", True, True),
        ("exists", None, True, False),
        ("exists", None, False, True),
        ("exists", [], False, True),
    ],
)
def test_scalar_ops(op: str, fact: Any, value: Any, expected: bool) -> None:
    assert run(Leaf("target_sdk", op, value), target_sdk=fact)[0] is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("contains_any", ("b", "z"), ["b"]),
        ("contains_any", ("z",), []),
        ("contains_all", ("a", "b"), ["a", "b"]),
        ("contains_all", ("a", "z"), []),
        ("prefix_any", ("a.",), ["a.x"]),
        ("prefix_any", ("q",), []),
        ("matches_any", ("^b$", "(?i)A\\.X"), ["b", "a.x"]),
        ("matches_any", ("^z",), []),
        ("any", None, ["a", "b", "a.x"]),
        ("count_ge", 3, ["a", "b", "a.x"]),
        ("count_ge", 4, []),
    ],
)
def test_list_ops(op: str, value: Any, expected: list[str]) -> None:
    fired, evidence = run(Leaf("permissions", op, value), permissions=["a", "b", "a.x"])
    assert fired is bool(expected)
    assert sorted(evidence) == sorted(expected)


def test_every_operator_is_tested() -> None:
    assert set(OPS) == {
        "eq", "ne", "lt", "le", "gt", "ge", "in", "exists", "contains_any", "contains_all",
        "prefix_any", "matches_any", "any", "count_ge", "burst",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("times", "calls", "seconds", "fires"),
    [
        ([0, 1, 2, 3], 3, 3, True),  # 4 calls within 3 s: more than 3
        ([0, 1, 2, 3], 3, 2.5, False),  # at most 3 within any 2.5 s
        ([0, 1, 2, 3], 4, 60, False),  # 4 is not more than 4
        ([], 1, 60, False),
    ],
)
def test_burst_counts_calls_in_a_sliding_window(
    times: list[float], calls: int, seconds: float, fires: bool
) -> None:
    item = {"summary": "API-X", "times": times}
    fired, evidence = run(
        Leaf("runtime_calls", "burst", {"calls": calls, "seconds": seconds}), runtime_calls=[item]
    )
    assert fired is fires
    assert evidence == (["API-X"] if fires else [])


def test_where_filters_items_and_evidence_names_callers() -> None:
    refs = [
        {"ref": "LA;->f()V", "callers": ["com.umeng.X"]},
        {"ref": "LA;->g()V", "callers": []},
    ]
    cond = Leaf("method_refs", "prefix_any", ("LA;->",), Leaf("callers", "count_ge", 1))
    base = default_facts()
    base["method_refs"] = refs
    outcome = evaluate_rule(base, make_rule(cond))
    assert [(e.value, e.callers, e.where) for e in outcome.evidence] == [
        ("LA;->f()V", ("com.umeng.X",), "classes*.dex")
    ]


def test_component_evidence_names_the_element() -> None:
    comps = [{"kind": "provider", "name": "a.P", "exported": True, "permission": None}]
    cond = Leaf("components", "any", None, Leaf("kind", "eq", "provider"))
    base = default_facts()
    base["components"] = comps
    evidence = evaluate_rule(base, make_rule(cond)).evidence
    assert [(e.value, e.where) for e in evidence] == [("a.P", "AndroidManifest.xml <provider>")]


def test_all_any_not() -> None:
    a = Leaf("permissions", "contains_any", ("a",))
    z = Leaf("permissions", "contains_any", ("z",))
    facts = {"permissions": ["a"]}
    assert run(AllOf((a, z)), **facts)[0] is False
    assert run(AnyOf((a, z)), **facts)[0] is True
    assert run(Not(z), **facts)[0] is True
    assert run(Not(a), **facts)[0] is False


def test_not_reports_what_was_missing() -> None:
    fired, evidence = run(Not(Leaf("assets", "matches_any", ("privacy",))), assets=["a.png"])
    assert fired
    assert evidence == ["none found: assets matches_any privacy"]
    cond = Not(AnyOf((Leaf("assets", "contains_any", ("a", "b")), Leaf("strings", "any"))))
    assert run(cond)[1] == ["none found: assets contains_any a, b", "none found: strings any"]


def test_passing_rule_has_no_evidence() -> None:
    base = default_facts()
    outcome = evaluate_rule(base, make_rule(Leaf("permissions", "contains_any", ("x",))))
    assert outcome.status is Status.PASSED
    assert outcome.evidence == ()


def test_matches_any_on_many_strings_agrees_with_one_by_one() -> None:
    """Large string lists are searched joined; results must equal a per-item search, including
    patterns that could match across the joins."""
    import re

    from pi_scan.judge.ops import op_matches_any

    texts = [f"item {i}" for i in range(5000)]
    texts[10] = "see our Privacy Policy"
    texts[11] = "policy"  # "privacy\npolicy" across a join must not count as a match
    texts[4999] = "隐私政策"
    texts[20] = "privacy"
    patterns = ("(?i)privacy[ _\\s-]?policy", "隐私政策", "^item 3$", "y\\npo", "\\Aitem 7\\Z")
    got = op_matches_any(texts, patterns, texts)
    want = [t for t in texts if any(re.search(p, t) for p in patterns)]
    assert got == want
    assert "see our Privacy Policy" in got and "item 3" in got and "item 7" in got
    assert "policy" not in got


def test_prefix_any_skips_items_that_are_not_strings() -> None:
    from pi_scan.judge.ops import op_prefix_any

    items = ["ab", None, 3, "ac", "b"]
    assert op_prefix_any(items, ["a"], items) == ["ab", "ac"]
    assert op_prefix_any(["ab", "b"], ["a", "b"], ["ab", "b"]) == ["ab", "b"]
