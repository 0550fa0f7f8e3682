"""RefTable: the columnar form of an app's member references (pi_scan.model)."""

from __future__ import annotations

import json
import pickle
from array import array
from collections.abc import Iterable

import pytest

from pi_scan.batch.codec import decode, encode
from pi_scan.facts.view import _ref_table_json, default_facts, facts_json, to_json
from pi_scan.judge.engine import evaluate_rule
from pi_scan.model import (
    EMPTY_REFS,
    AllOf,
    ApkFacts,
    Citation,
    Leaf,
    MemberRef,
    RefTable,
    Rule,
    Status,
    Verdict,
)

REFS = {
    "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;": ["b.B", "a.A"],
    "Landroid/telephony/TelephonyManager;->getImei()Ljava/lang/String;": [],
    "Ljava/lang/Object;-><init>()V": ["a.A", "b.B", "c.C"],
    'Lq/"odd\\name;->中文()V': ["c.C"],
}


@pytest.fixture
def table() -> RefTable:
    return RefTable.from_mapping(REFS)


def test_a_table_is_a_sorted_sequence_of_member_refs(table: RefTable) -> None:
    assert len(table) == 4
    assert list(table.refs) == sorted(REFS)
    assert table[0] == MemberRef(
        "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;", ("a.A", "b.B")
    )
    assert table[-1].ref == 'Lq/"odd\\name;->中文()V'
    assert table[1:3] == [table[1], table[2]]
    assert [r.ref for r in table] == list(table.refs)
    assert table.callers(1) == ()
    assert table.used() == [0, 2, 3]
    assert table.names == ("a.A", "b.B", "c.C")


def test_prefixed_finds_a_range_by_binary_search(table: RefTable) -> None:
    assert list(table.prefixed("Landroid/telephony/TelephonyManager;->")) == [0, 1]
    assert list(table.prefixed("Ljava/lang/Object;-><init>(")) == [2]
    assert list(table.prefixed("Lnothing;")) == []
    assert list(EMPTY_REFS.prefixed("L")) == []


def test_of_unites_duplicates_and_accepts_mappings(table: RefTable) -> None:
    items = [{"ref": ref, "callers": callers} for ref, callers in REFS.items()]
    items.append({"ref": "Ljava/lang/Object;-><init>()V", "callers": ["d.D"]})
    united = RefTable.of(items)
    assert united.as_dict()["Ljava/lang/Object;-><init>()V"] == {"a.A", "b.B", "c.C", "d.D"}
    assert RefTable.of(table) is table
    assert RefTable.of(list(table)) == table
    assert RefTable.of([]) == EMPTY_REFS


def test_equality_compares_refs_and_callers(table: RefTable) -> None:
    assert table == RefTable.from_mapping(REFS)
    assert table == list(table)  # as a sequence of MemberRef
    changed = dict(REFS, **{"Ljava/lang/Object;-><init>()V": ["a.A"]})
    assert table != RefTable.from_mapping(changed)
    assert table != RefTable.from_mapping({})
    with pytest.raises(TypeError):
        hash(table)


def test_inconsistent_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="starts do not match"):
        RefTable(("a",), array("I", [0]), array("I"), ())
    with pytest.raises(ValueError, match="starts do not match"):
        RefTable(("a",), array("I", [0, 2]), array("I", [0]), ("x",))


def test_pickle_and_the_store_codec_round_trip(table: RefTable) -> None:
    assert pickle.loads(pickle.dumps(table)) == table
    facts = ApkFacts(path="a.apk", sha256="0" * 64, size=1, package="p", method_refs=table)
    again = decode(ApkFacts, encode(facts))
    assert again == facts
    assert again.method_refs == table


def test_facts_json_writes_the_table_as_json_dumps_writes_its_refs(table: RefTable) -> None:
    streamed = _text(facts_json({"method_refs": table, "x": 1}))
    listed = _text(facts_json({"method_refs": list(table), "x": 1}))
    assert streamed == listed
    assert json.loads(streamed)["method_refs"][0] == {
        "callers": ["a.A", "b.B"],
        "ref": "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;",
    }
    assert _text(facts_json({"method_refs": EMPTY_REFS})) == '{\n  "method_refs": []\n}\n'


@pytest.mark.parametrize("chunk", [1, 7, 1000, 50_000])
def test_facts_json_chunks_join_up(chunk: int) -> None:
    many = RefTable.from_mapping(
        {f"La;->m{i:05d}()V": [f"c.C{j}" for j in range(i % 4)] for i in range(3_001)}
    )
    text = _text(_ref_table_json(many, chunk))
    assert text == json.dumps(list(many), sort_keys=True, ensure_ascii=False, default=to_json)
    assert json.loads(text)[3_000] == {"callers": [], "ref": "La;->m03000()V"}


def _rule(cond: Leaf | AllOf) -> Rule:
    text = {"en": "t", "zh": "t"}
    return Rule("PI-T-001", Verdict.NOTICE, text, text, text, (Citation("PIPL", "6"),), cond)


def test_rules_read_a_table_like_a_list_of_member_refs(table: RefTable) -> None:
    cond = Leaf(
        "method_refs",
        "prefix_any",
        ("Landroid/telephony/TelephonyManager;->",),
        Leaf("callers", "count_ge", 1),
    )
    for refs in (table, list(table)):
        facts = default_facts()
        facts["method_refs"] = refs
        outcome = evaluate_rule(facts, _rule(cond))
        assert outcome.status is Status.FAILED
        assert [e.value for e in outcome.evidence] == [table.refs[0]]
        assert outcome.evidence[0].callers == ("a.A", "b.B")
    facts = default_facts()
    facts["method_refs"] = table
    quiet = Leaf("method_refs", "contains_any", ("Lnot/There;->x()V",))
    assert evaluate_rule(facts, _rule(quiet)).status is Status.PASSED
    regex = Leaf("method_refs", "matches_any", ("->中文\\(",))
    assert evaluate_rule(facts, _rule(regex)).evidence[0].callers == ("c.C",)


def test_long_lists_are_written_in_chunks_as_json_dumps_writes_them() -> None:
    strings = [f"s{i}" for i in range(45_001)] + ["emoji 😀", 'quote " and \\ and \n']
    streamed = _text(facts_json({"strings": strings}))
    assert streamed == '{\n  "strings": ' + json.dumps(strings, ensure_ascii=False) + "\n}\n"
    mixed = [*strings, 7, None]  # not all strings: json.dumps writes the chunk
    assert json.loads(_text(facts_json({"strings": mixed})))["strings"] == mixed


def _text(pieces: Iterable[bytes]) -> str:
    return b"".join(pieces).decode("utf-8")


ODD = ["", "\x00", "\x00x\x00", "\x01", 'a", "b', "\\u0000", "tab\tend\n", "😀", "中文", "\u2028"]


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_refs_with_nul_quotes_escapes_and_wide_characters_are_written_as_json_dumps_does(
    chunk: int,
) -> None:
    odd = RefTable.from_mapping({text: ["z.Z"] if i % 2 else [] for i, text in enumerate(ODD)})
    text = _text(_ref_table_json(odd, chunk))
    assert text == json.dumps(list(odd), sort_keys=True, ensure_ascii=False, default=to_json)
    assert [item["ref"] for item in json.loads(text)] == sorted(ODD)


def test_a_lone_surrogate_is_written_as_a_question_mark_not_an_error() -> None:
    odd = RefTable.from_mapping({"a\ud800b": ["c.C"]})
    assert json.loads(_text(facts_json({"method_refs": odd, "strings": ["x\udfffy"]}))) == {
        "method_refs": [{"callers": ["c.C"], "ref": "a?b"}],
        "strings": ["x?y"],
    }


def test_a_list_that_is_a_tables_refs_is_written_from_the_tables_encodings() -> None:
    """The DEX strings are `string_users`' refs: their JSON strings are made once, for the
    table, and the list is written from them; the text is what json.dumps writes."""
    wide = {0: "中", 1: "\\", 2: '"'}
    refs = {f"s{i:05d}{wide.get(i % 7, '')}": [f"c.C{i % 3}"] for i in range(45_001)}
    table = RefTable.from_mapping(refs)
    facts = {"string_users": table, "strings": table.refs, "method_refs": table, "z": 1}
    text = _text(facts_json(facts))
    assert json.loads(text) == json.loads(
        json.dumps(
            {**facts, "string_users": list(table), "method_refs": list(table)}, default=to_json
        )
    )
    assert text == _text(facts_json({**facts, "strings": list(table.refs)}))  # not shared
