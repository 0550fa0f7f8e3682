"""JoinedTexts: literal needles found in many strings (pi_scan.knowledge.texts)."""

from __future__ import annotations

import sys

import pytest

from pi_scan.knowledge import texts as texts_module
from pi_scan.knowledge.texts import JoinedTexts

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
