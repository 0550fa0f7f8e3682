"""JoinedTexts: literal needles found in many strings (pi_scan.facts.texts)."""

from __future__ import annotations

import random
import re
import sys

import pytest

from pi_scan.facts import texts as texts_module
from pi_scan.facts.texts import JoinedTexts

# Characters that lower() and re's IGNORECASE treat differently: dotted capital I (lower()
# makes it two characters), dotless i, long s, the Kelvin sign, Greek capital sigma
TRICKY = ["LOGİN", "logın", "ſign up", "\u212aey", "İİİ log in", "ΣIGN", "Sign\nUp", "log\u0130n"]
FOLDED_PATTERNS = [
    "(?i)\\blog ?in\\b",
    "(?i)sign",
    "(?i)key",
    "(?i)i\\w",
    "(?i)[a-z]{3}",
    "(?i)[^a-z ]{2}",
    "(?i)^sign$",
    "(?i)g.n",
]
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
    narrow, wide = (list(chunks) for chunks in joined._chunks())
    sizes = [sys.getsizeof(text) for _, text, _ in narrow]
    assert max(sizes) < 1.1 * sys.getsizeof("\x00".join(many[:1000]))  # 1 byte a char
    assert [list(indices) for indices, _, _ in wide] == [[10_000]]  # the emoji's own chunk
    assert sum(sizes) < 2 * sys.getsizeof("\x00".join(many[:-1]))
    assert list(joined.find("😀")) == [10_000]


def test_wide_texts_are_joined_apart_and_hits_stay_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chinese texts scattered among ASCII ones: the ASCII chunks stay one byte a character
    (a Chinese needle is ruled out there without reading them), and every query still gives
    the indices ascending, each once."""
    monkeypatch.setattr(texts_module, "CHUNK", 3)
    many = [f"text {i}" if i % 4 else f"隐私政策 {i} Policy" for i in range(40)]
    joined = JoinedTexts(many)
    kinds = [{t.isascii() for t in (many[i] for i in ix)} for ch in joined._groups for ix, _ in ch]
    assert kinds and all(len(k) == 1 for k in kinds)
    assert list(joined.find("隐私政策")) == list(range(0, 40, 4))
    assert list(joined.find("1")) == [i for i, t in enumerate(many) if "1" in t]
    assert list(joined.find_folded("policy")) == list(range(0, 40, 4))
    by_line = JoinedTexts(many, sep="\n")
    assert list(by_line.search(re.compile(r"^text 1", re.MULTILINE))) == [
        i for i, t in enumerate(many) if t.startswith("text 1")
    ]
    lowered = JoinedTexts(many, lower=True)
    assert list(lowered.find("policy")) == list(range(0, 40, 4))


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
    from pi_scan.judge.ops import clear_caches, op_matches_any

    monkeypatch.setattr(texts_module, "CHUNK", 100)
    strings = [f"text {i}" for i in range(3000)] + [*TEXTS, "隐私政策", "xx\n隐私政策"]
    strings += ["Sign Up now", "SIGNUP", "résumé SIGN UP", "no signal up"]
    strings += TRICKY
    patterns = ["隐私政策", "(?i)POLICY", "^cy$", "\\A😀", "政策$", "policy\\Z", "text 29\\d\\d$"]
    patterns += ["(?i)\\bsign ?up\\b", "(?i)policy", "(?i)[a-z]+ 😀", "(?i)(?-i:sign)"]
    patterns += FOLDED_PATTERNS
    for pattern in patterns:
        clear_caches()
        expected = [s for s in strings if re.search(pattern, s)]
        assert op_matches_any(strings, [pattern], strings) == expected, pattern


def test_case_insensitive_needles_find_every_text_a_pattern_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """find_folded with a pattern's needle never loses a text the case-insensitive pattern
    matches, whatever the characters around (dotted and dotless i, long s, Kelvin sign)."""
    from pi_scan.judge.ops import _needle

    monkeypatch.setattr(texts_module, "CHUNK", 3)
    rng = random.Random(5)
    alphabet = "aAiIsSkKnNgGlLoO İıſ\u212aΣσς😀\n_-0"
    texts = TRICKY + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(3000)
    ]
    joined = JoinedTexts(texts, sep="\n")
    for pattern in FOLDED_PATTERNS:
        found = _needle(pattern)
        if found is None:
            continue
        needle, folded = found
        assert folded, pattern
        candidates = set(joined.find_folded(needle))
        expected = {i for i, t in enumerate(texts) if re.search(pattern, t)}
        assert expected <= candidates, (pattern, [texts[i] for i in expected - candidates])


NEEDLES = {
    "(?i)\\bsign ?up\\b": ("sign", True),
    "(?i)privacy[ _-]?policy": ("privacy", True),
    "(?i)ad personali[sz]ation": ("ad personali", True),
    "a{2,3}bc": ("bc", False),
    "ab+c": ("ab", False),
    "x\\.yz?": ("x.y", False),
    "[^]a]bc": ("bc", False),
    "(?=d)de": ("de", False),
    "登录": ("登录", False),
    "(?i)close (my |your )?account": ("account", True),  # alternation inside a group
    "(?i)personali[sz]ed (ads|advertising|recommendations?)": ("personali", True),
}


ENDINGS = ["", "sign up", "privacy-policy", "ad personalization", "aabc", "x.y", "close account"]
ENDINGS += ["Close your Account", "personalised ADS", "personalized ads"]


@pytest.mark.parametrize(("pattern", "needle"), NEEDLES.items())
def test_a_pattern_s_needle_is_in_every_match(pattern: str, needle: tuple[str, bool]) -> None:
    from pi_scan.judge.ops import _needle

    assert _needle(pattern) == needle
    rng = random.Random(pattern)
    alphabet = "abcdexyz.登录SIGNupPRIVACYpolicy _-ADperson"
    matched = 0
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        text += rng.choice(ENDINGS)
        match = re.search(pattern, text)
        if match:
            matched += 1
            word = match.group(0).lower() if needle[1] else match.group(0)
            assert needle[0] in word, (pattern, text)
    assert matched


def test_the_deletion_rules_patterns_need_their_top_level_literal() -> None:
    """Alternatives inside a group leave the literal after it required: the rules' patterns on
    extra proof for account deletion are looked up by "注销" (no regex over all texts)."""
    from pi_scan.judge.ops import _needle

    for pattern in (
        "(手持身份证|人脸识别|刷脸|人脸验证|视频认证|公证).{0,30}注销",
        "注销.{0,30}(手持身份证|人脸识别|刷脸|人脸验证|视频认证|公证)",
    ):
        assert _needle(pattern) == ("注销", False)
        for text in ("注销账号需上传手持身份证照片", "需人脸识别后注销", "账号注销", "手持身份证"):
            assert not re.search(pattern, text) or "注销" in text


def test_patterns_without_a_safe_needle_have_none() -> None:
    from pi_scan.judge.ops import _needle

    for pattern in (
        "(?i)Privacy",  # upper case in a case-insensitive body
        "(?i)close|account",  # alternation at the top
        "a(?(1)b|c)d",  # a conditional
        "(?i)(a)\\1bc",  # back-reference
        "(?i)隐私政策",  # not ASCII
        "(?s)abc",  # other flags
        "a?b?",  # nothing required
        "\\bx\\b",  # one character
    ):
        assert _needle(pattern) is None, pattern


def test_a_subset_is_searched_through_its_parents_joined_texts() -> None:
    """The app's own DEX strings are some of all of them: inside sharing() they are searched
    through the joined DEX strings (hits outside the subset dropped, the rest renumbered)."""
    from pi_scan.facts.texts import SubsetTexts, joined, sharing, subset_of

    parent = ["privacy policy", "sdk only: privacy", "隐私政策", "Sign up", "library text"]
    kept = [0, 2, 3]
    child = tuple(parent[i] for i in kept)
    with sharing():
        subset_of(child, parent, kept)
        searched = joined(child)
        assert isinstance(searched, SubsetTexts) and searched.parent is joined(parent)
        assert list(searched.find("privacy")) == [0]
        assert list(searched.find("隐私")) == [1]
        assert list(searched.find_folded("sign up")) == [2]
        assert list(searched.search(re.compile("^Sign", re.MULTILINE))) == [2]
        assert list(searched.find("library")) == []
        assert joined(child) is searched
    assert isinstance(joined(child), JoinedTexts)  # outside sharing(): nothing to share


EXPECTED_PLAIN = ["policy", "POLICY", "Sign", "😀", "隐私", "Σign", "ıs", "cy", "xyz-none"]
EXPECTED_FOLDED = ["policy", "sign", "log in", "key", "i̇stanbul", "隐私", "σ"]


@pytest.mark.parametrize("chunk", [1, 3, 16_384])
def test_expected_needles_found_in_one_pass_agree_with_one_search_each(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Needles announced with expect() are all looked for in one Aho-Corasick pass over the
    lower-cased chunks (plain ones checked on each candidate text): the hits are exactly
    those of a str.find per needle, for ASCII, Chinese, emoji and cased non-ASCII needles
    (these fall back to their own search), among texts lower() lengthens or folds."""
    from pi_scan.facts.texts import expect, sharing

    monkeypatch.setattr(texts_module, "CHUNK", chunk)
    rng = random.Random(11)
    alphabet = "aAiIsSkKnNgGlLoOyYpPcC İıſ\u212aΣσς😀隐私\n_-0"
    texts = TEXTS + TRICKY + ["隐私政策", "POLICY and policy", "log in"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(2000)]
    one_by_one = JoinedTexts(texts, sep="\n")
    plain = {n: list(one_by_one.find(n)) for n in EXPECTED_PLAIN}
    folded = {n: list(one_by_one.find_folded(n)) for n in EXPECTED_FOLDED}
    assert plain["POLICY"] == naive(texts, "POLICY", False) and folded["隐私"]
    with sharing():
        expect(plain=EXPECTED_PLAIN, folded=EXPECTED_FOLDED)
        at_once = JoinedTexts(texts, sep="\n")
        calls: list[str] = []
        real = texts_module._find_all

        def counted(joined: str, starts: object, needles: list[str]) -> object:
            calls.append(joined)
            return real(joined, starts, needles)  # type: ignore[arg-type]

        monkeypatch.setattr(texts_module, "_find_all", counted)
        assert {n: list(at_once.find(n)) for n in EXPECTED_PLAIN} == plain
        assert {n: list(at_once.find_folded(n)) for n in EXPECTED_FOLDED} == folded
        assert len(calls) == sum(map(len, at_once._groups))  # each chunk read once


def test_the_one_pass_keeps_no_joined_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass makes each chunk's joined text in turn and lets it go; a search that needs
    the joined texts later (a regular expression) makes them again."""
    from pi_scan.facts.texts import expect, sharing

    monkeypatch.setattr(texts_module, "CHUNK", 2)
    with sharing():
        expect(plain=["policy", "隐私", "POLICY"], folded=["see"])
        joined = JoinedTexts([*TEXTS, "隐私政策"], sep="\n")
        assert list(joined.find("POLICY")) == [2]
        assert list(joined.find_folded("see")) == [2, 4]  # 4: "İ" lengthens, always a candidate
        assert not joined._joined and not joined._folded
        assert list(joined.search(re.compile("^xpoli", re.MULTILINE))) == [5]
        assert joined._joined


def test_unexpected_needles_and_few_needles_are_looked_for_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pi_scan.facts.texts import expect, sharing

    calls: list[str] = []
    monkeypatch.setattr(texts_module, "_find_all", lambda *a: calls.append("pass") or iter(()))
    joined = JoinedTexts(TEXTS)
    assert list(joined.find("policy")) == naive(TEXTS, "policy", False)  # outside sharing()
    with sharing():
        expect(plain=["cy"])
        again = JoinedTexts(TEXTS)
        assert list(again.find("policy")) == naive(TEXTS, "policy", False)
        assert list(again.find("cy")) == naive(TEXTS, "cy", False)  # found with "policy"
    assert calls == []  # two needles: a str.find each is quicker than an automaton


def test_the_rules_announce_the_literals_their_patterns_need() -> None:
    from pi_scan.judge.engine import search_needles
    from pi_scan.model import AllOf, Applicability, Citation, Leaf, Level, Not, Rule

    text = {"en": "t", "zh": "t"}
    cond = AllOf(
        (
            Leaf("app_strings", "matches_any", ("隐私政策", "(?i)sign ?up", "(a|b)c", "\\Aexact")),
            Not(Leaf("method_refs", "any", None, Leaf("ref", "matches_any", ("getImei",)))),
        )
    )
    applies = Applicability(Leaf("strings", "matches_any", ("(?i)privacy",)), "advice", text)
    citations = (Citation("PIPL", "6"),)
    rule = Rule("PI-T-001", Level.NOTICE, text, text, text, citations, cond, applies=applies)
    plain, folded = search_needles([rule])
    assert plain == {"隐私政策", "getImei"}
    assert folded == {"sign", "privacy"}
    assert search_needles([]) == (set(), set())


def test_chunks_are_bounded_by_characters_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk holds at most CHUNK texts and about CHUNK_CHARS characters (a chunk of wide
    texts costs 4 bytes a character, and each search copies it), a text longer than that
    alone; what is found does not depend on the cut."""
    monkeypatch.setattr(texts_module, "CHUNK_CHARS", 100)
    many = ["短" * 30] * 10 + ["长" * 500] + ["policy " * 3] * 20
    joined = JoinedTexts(many)
    for chunks in joined._chunks():
        for indices, text, _ in chunks:
            assert len(indices) == 1 or len(text) <= 100 + len(indices)
    assert [list(ix) for ix, _, _ in joined._chunks()[1] if 10 in ix] == [[10]]
    assert list(joined.find("长长")) == [10]
    assert list(joined.find_folded("policy")) == list(range(11, 31))
