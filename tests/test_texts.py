"""JoinedTexts: literal needles found in many strings (pi_scan.texts)."""

from __future__ import annotations

import re
import sys

import pytest

from pi_scan import texts as texts_module
from pi_scan.texts import JoinedTexts

TEXTS = [
    "privacy policy",
    "",
    "see the POLICY",
    "emoji 😀 policy",
    "İstanbul policy",
    "xpoli",
    "cy",
]


def naive(texts: list[str], needle: str, lower: bool) -> list[int]:
    return [i for i, t in enumerate(texts) if needle in (t.lower() if lower else t)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 16_384])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("needle", ["policy", "POLICY", "i̇stanbul", "😀", "poli", "cy", "licy"])
def test_find_agrees_with_a_naive_scan(
    chunk: int, lower: bool, needle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(texts_module, "CHUNK", chunk)
    assert list(JoinedTexts(TEXTS, lower).find(needle)) == naive(TEXTS, needle, lower)


def test_a_needle_never_spans_two_texts() -> None:
    assert list(JoinedTexts(["xpoli", "cy"]).find("policy")) == []


def test_one_wide_character_widens_only_its_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(texts_module, "CHUNK", 1000)
    many = ["ascii text"] * 10_000 + ["😀"]
    joined = JoinedTexts(many)
    sizes = [sys.getsizeof(text) for _, text, _ in joined._chunks]
    assert max(sizes) > 3 * min(sizes)  # the last chunk holds the emoji: 4 bytes a char
    assert sum(sizes) < 2 * sys.getsizeof("\x00".join(many[:-1]))
    assert list(joined.find("😀")) == [10_000]


@pytest.mark.parametrize("chunk", [1, 2, 16_384])
@pytest.mark.parametrize("pattern", ["^policy", "policy$", "pol.cy", "y\\ncy", "^$", "😀"])
def test_search_gives_every_text_where_a_match_starts(
    chunk: int, pattern: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(texts_module, "CHUNK", chunk)
    regex = re.compile(pattern, re.MULTILINE)
    found = list(JoinedTexts(TEXTS, sep="\n").search(regex))
    assert found == sorted(set(found))
    # every text the pattern matches on its own is among the candidates
    assert {i for i, t in enumerate(TEXTS) if regex.search(t)} <= set(found)


def test_bulk_matching_in_rules_agrees_with_matching_each_string(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pi_scan.engine.ops import clear_caches, op_matches_any

    monkeypatch.setattr(texts_module, "CHUNK", 100)
    strings = [f"text {i}" for i in range(3000)] + [*TEXTS, "隐私政策", "xx\n隐私政策"]
    strings += ["Sign Up now", "SIGNUP", "résumé SIGN UP", "no signal up"]
    patterns = ["隐私政策", "(?i)POLICY", "^cy$", "\\A😀", "政策$", "policy\\Z", "text 29\\d\\d$"]
    patterns += ["(?i)\\bsign ?up\\b", "(?i)policy", "(?i)[a-z]+ 😀", "(?i)(?-i:sign)"]
    for pattern in patterns:
        clear_caches()
        expected = [s for s in strings if re.search(pattern, s)]
        assert op_matches_any(strings, [pattern], strings) == expected, pattern
