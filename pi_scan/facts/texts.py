"""Many strings searched for literal needles at C speed.

A big app's DEX string table holds half a million strings; a regular expression tried on
each costs seconds.  Joined (by NUL or newline), they are searched in C, and a binary search
on the start offsets tells which string a hit is in.  They are joined in chunks of a few
thousand texts (and about CHUNK_CHARS characters): a Python string stores every character in
the width of its widest one, so a single emoji among half a million ASCII strings would make
one joined text four bytes a character (50 MB instead of 13 MB for the benchmark app).

The needles that the rules, the API catalogue and the consent facts will look for are
announced up front (`expect`, inside `sharing()`); the first search then finds all of them in
one Aho-Corasick pass (ahocorasick-rs) over the lower-cased chunks, made one at a time and let
go, and remembers each needle's hits.  A needle not announced, or one of a few, is found with
str.find; a regular expression without a needle searches the joined chunks (then kept).
"""

from __future__ import annotations

import re
import threading
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from heapq import merge
from itertools import chain
from typing import Any

from pi_scan.model import picked, uint32_array

SEP = "\x00"  # joins the texts by default; no needle holds it
CHUNK = 16_384  # texts per joined chunk, at most
CHUNK_CHARS = 1 << 18  # characters per joined chunk, about (a wide chunk is 4 bytes a char)


# The only characters lower() makes longer (U+0130, "İ" -> "i̇"), checked over every code point
_LENGTHENS = "\u0130"
# What lower() leaves that a case-insensitive ASCII letter still matches (re's extra cases):
# dotless i and long s
_FOLD = (("\u0131", "i"), ("\u017f", "s"))


class JoinedTexts:
    """`texts` (optionally lower-cased) in joined chunks, for `find` and `search`.

    ASCII texts and the others are joined in separate chunks: a needle wider than a chunk's
    widest character (a Chinese one in an ASCII chunk) is not there, which str.find answers
    without reading the chunk, and the few chunks that hold Chinese texts stay narrow."""

    def __init__(self, texts: Sequence[str], lower: bool = False, sep: str = SEP) -> None:
        self.texts = texts
        self.sep = sep
        # (indices of the chunk's texts, start offsets) in index order per group; a chunk's
        # joined text is made when a search needs it (the one pass over all the needles
        # makes each in turn and lets it go: 13 MB less at the peak of a big app's scan)
        self._groups: list[list[tuple[Sequence[int], array[int]]]] = []
        self._joined: dict[tuple[int, int], str] = {}  # chunks kept for further searches
        self._folded: dict[tuple[int, int], tuple[str, list[int]]] = {}  # see find_folded
        self._memo: dict[tuple[str, str], list[int]] = {}  # ("" or "folded", needle) -> hits
        import numpy as np  # lazily: a warm rescan never joins texts

        count = len(texts)
        plain = np.fromiter(map(str.isascii, texts), np.bool_, count)
        sizes = np.fromiter(map(len, texts), np.uint32, count)  # a text is under 4 GB
        sizes += len(sep)
        groups: list[Sequence[int]]
        if plain.all():
            groups = [range(count)]
        else:  # 4-byte index arrays: a list of half a million ints would cost 18 MB
            narrow, wide = (uint32_array(np.flatnonzero(side)) for side in (plain, ~plain))
            groups = [narrow, wide] if narrow else [wide]
        del plain
        for group, indices in enumerate(groups):
            chunks: list[tuple[Sequence[int], array[int]]] = []
            picked = (
                sizes[indices.start : indices.stop]
                if isinstance(indices, range)
                else sizes[np.asarray(indices, np.int64)]
            )
            offsets = np.zeros(len(picked) + 1, np.int64)  # of each text in the group, joined
            np.cumsum(picked, dtype=np.int64, out=offsets[1:])
            del picked
            for first, last in _bounds(offsets):
                part_indices = indices[first:last]
                ends = offsets[first : last + 1] - offsets[first]
                if lower:  # lower-cased now (lower() may make a text longer: "İ")
                    part = list(map(str.lower, self._part(part_indices)))
                    ends[1:] = np.cumsum(np.fromiter(map(len, part), np.int64, len(part)) + 1)
                    self._joined[(group, len(chunks))] = sep.join(part)
                wide_starts = int(ends[-1]) >= 1 << 32
                starts = array("q" if wide_starts else "I")
                starts.frombytes(ends.astype(np.int64 if wide_starts else np.uint32).tobytes())
                chunks.append((part_indices, starts))
            self._groups.append(chunks)

    def _part(self, indices: Sequence[int]) -> Sequence[str]:
        if isinstance(indices, range):
            return self.texts[indices.start : indices.stop]
        return picked(self.texts, indices)

    def _text(self, group: int, chunk: int, keep: bool = True) -> str:
        """A chunk's texts joined (kept for further searches unless `keep` is false)."""
        text = self._joined.get((group, chunk))
        if text is None:
            text = self.sep.join(self._part(self._groups[group][chunk][0]))
            if keep:
                self._joined[(group, chunk)] = text
        return text

    def _chunks(self) -> list[list[tuple[Sequence[int], str, array[int]]]]:
        """Per group, (indices, joined text, starts) of each chunk (the texts made and kept)."""
        return [
            [(indices, self._text(g, c), starts) for c, (indices, starts) in enumerate(chunks)]
            for g, chunks in enumerate(self._groups)
        ]

    def find(self, needle: str) -> Iterator[int]:
        """The index of each text that contains `needle`, ascending, each once.

        Within `sharing()`, the first search also looks for the needles `expect`ed there
        (one pass over the texts for all of them); each answer is kept."""
        found = self._memo.get(("", needle))
        if found is None:  # the consent texts and the rules ask some needles twice
            self._find_many("", needle)
            found = self._memo[("", needle)]
        return iter(found)

    def search(self, pattern: re.Pattern[str]) -> Iterator[int]:
        """The index of each text in which a match of `pattern` over the joined chunk
        starts, ascending, each once.  A match may run on into the next text: the caller
        checks each candidate on its own; the search resumes at the next text, so a
        candidate never hides a match there."""
        return self._merged(
            (self._search(indices, joined, starts, pattern) for indices, joined, starts in chunks)
            for chunks in self._chunks()
        )

    def find_folded(self, needle: str) -> Iterator[int]:
        """The index of each text that contains `needle` (ASCII, lower case) once lower-cased,
        with dotless i and long s read as i and s: a superset of the texts in which a
        case-insensitive pattern that needs `needle` matches (re's IGNORECASE matches an
        ASCII letter only with its upper case, the Kelvin sign, which lower() makes "k", and
        those two).  Texts that lower() makes longer ("İ") are always included."""

        found = self._memo.get(("folded", needle))
        if found is None:
            self._find_many("folded", needle)
            found = self._memo[("folded", needle)]
        return iter(found)

    def _find_many(self, kind: str, needle: str) -> None:
        """Find `needle` of `kind` ("" or "folded"), and the needles expected of both kinds
        not looked for yet, keeping each one's hits in the memo.

        Several needles are found in one pass over the lower-cased chunks by an Aho-Corasick
        automaton (ahocorasick-rs): str.find reads the whole text once per needle, several
        times slower for the dozens the rules, the API catalogue and the consent facts look
        for.  A plain needle is looked for lower-cased too, and each text it is found in is
        checked for the needle itself; one with letters lower() may not map one to one onto
        the texts (non-ASCII cased ones) is looked for on its own with str.find."""
        asked = {(kind, needle)}
        for other in ("", "folded"):
            asked.update((other, n) for n in _expected(other) if (other, n) not in self._memo)
        keys = {(k, n): n if k else n.lower() for k, n in asked if k or _folds_plainly(n)}
        if len(keys) < _MANY:
            keys = {}
        for k, n in asked - keys.keys():
            self._memo[(k, n)] = list(self._find_one(k, n))
        if not keys:
            return
        wanted = sorted(set(keys.values()))
        hits: dict[str, set[int]] = {one: set() for one in wanted}
        for group, chunks in enumerate(self._groups):
            for chunk, (indices, starts) in enumerate(chunks):
                folded, always = self._fold(group, chunk, keep=False)
                for one, found in _find_all(folded, starts, wanted):
                    hits[one].update(map(indices.__getitem__, found))
                for one in wanted if always else ():
                    hits[one].update(map(indices.__getitem__, always))
        texts = self.texts
        for (k, n), key in keys.items():
            found = sorted(hits[key])
            self._memo[(k, n)] = found if k else [i for i in found if n in texts[i]]

    def _find_one(self, kind: str, needle: str) -> Iterator[int]:
        if kind:
            return self._merged(
                [self._find_folded(g, c, needle) for c in range(len(chunks))]
                for g, chunks in enumerate(self._groups)
            )
        return self._merged(
            (self._find(ix, joined, starts, needle) for ix, joined, starts in chunks)
            for chunks in self._chunks()
        )

    def _find_folded(self, group: int, chunk: int, needle: str) -> Iterator[int]:
        indices, starts = self._groups[group][chunk]
        text, always = self._fold(group, chunk)
        found = {*always, *self._find(range(len(indices)), text, starts, needle)}
        return map(indices.__getitem__, sorted(found))

    @staticmethod
    def _merged(groups: Iterable[Iterable[Iterator[int]]]) -> Iterator[int]:
        """The hits of each group's chunks in turn, the groups merged in index order."""
        streams = [chain.from_iterable(chunks) for chunks in groups]
        return streams[0] if len(streams) == 1 else merge(*streams)

    def _fold(self, group: int, chunk: int, keep: bool = True) -> tuple[str, list[int]]:
        """The chunk lower-cased, for `find_folded` (kept, unless `keep` is false: a search
        of all the needles at once reads each chunk once)."""
        made = self._folded.get((group, chunk))
        if made is None:
            indices, starts = self._groups[group][chunk]
            joined = self._text(group, chunk, keep)
            low = joined.lower()
            always: list[int] = []
            if len(low) != len(joined):  # keep the offsets: such texts become NULs
                part = [self.texts[i] for i in indices]
                for k in _lengthening(joined, starts):
                    part[k] = "\x00" * len(part[k])
                    always.append(k)
                low = self.sep.join(part).lower()
            for char, letter in _FOLD:
                low = low.replace(char, letter)
            made = (low, always)
            if keep:
                self._folded[(group, chunk)] = made
        return made

    @staticmethod
    def _find(
        indices: Sequence[int], joined: str, starts: array[int], needle: str
    ) -> Iterator[int]:
        pos = joined.find(needle)
        while pos != -1:
            k = bisect_right(starts, pos) - 1
            yield indices[k]
            pos = joined.find(needle, starts[k + 1])

    @staticmethod
    def _search(
        indices: Sequence[int], joined: str, starts: array[int], pattern: re.Pattern[str]
    ) -> Iterator[int]:
        last = len(starts) - 2
        pos = 0
        while (match := pattern.search(joined, pos)) is not None:
            k = bisect_right(starts, match.start()) - 1
            yield indices[k]
            if k >= last:
                break
            pos = starts[k + 1]


def _folds_plainly(needle: str) -> bool:
    """Whether each text holding `needle` holds needle.lower() at the same place once folded
    (`JoinedTexts._fold`): ASCII needles, and needles without cased characters (Chinese)."""
    return needle.isascii() or needle.lower() == needle == needle.upper()


_MANY = 3  # from this many needles on, one automaton pass beats a str.find per needle


def _find_all(
    joined: str, starts: array[int], needles: Sequence[str]
) -> Iterator[tuple[str, list[int]]]:
    """(needle, positions in the chunk of the texts that contain it) for each needle found in
    the joined chunk, by one Aho-Corasick pass.  A chunk of ASCII texts is searched for the
    ASCII needles only."""
    ascii_only = joined.isascii()
    fitting = tuple(n for n in needles if n and (n.isascii() or not ascii_only))
    if not fitting:
        return
    found: list[list[int]] = [[] for _ in fitting]
    for number, start, _ in _automaton(fitting).find_matches_as_indexes(joined, overlapping=True):
        found[number].append(bisect_right(starts, start) - 1)
    for needle, positions in zip(fitting, found, strict=True):
        if positions:
            yield needle, positions


@lru_cache(maxsize=16)
def _automaton(needles: tuple[str, ...]) -> Any:
    """An Aho-Corasick automaton of the needles (each match names the needle's position)."""
    import ahocorasick_rs  # lazily: only big text lists need it

    return ahocorasick_rs.AhoCorasick(list(needles))


def _bounds(offsets: Any) -> Iterator[tuple[int, int]]:
    """(first, last) positions of each chunk among texts that start at `offsets` when joined
    (the last offset is where they end): at most CHUNK texts and about CHUNK_CHARS characters
    (at least one text)."""
    import numpy as np

    count = len(offsets) - 1
    first = 0
    while first < count:
        fits = int(np.searchsorted(offsets, offsets[first] + CHUNK_CHARS, side="right")) - 1
        last = max(first + 1, min(first + CHUNK, fits))
        yield first, last
        first = last


class SubsetTexts:
    """Some of another list's texts, in its order (the app's own DEX strings among all of
    them), searched through that list's joined chunks: a hit on a text outside the subset is
    dropped, the others are renumbered.  Saves joining (and lower-casing) the same half
    million strings twice."""

    def __init__(self, texts: Sequence[str], parent: JoinedTexts, kept: Sequence[int]) -> None:
        self.texts = texts
        self.parent = parent
        import numpy as np

        position = np.zeros(len(parent.texts), np.uint32)  # parent index -> subset index + 1
        position[np.asarray(kept, np.int64)] = np.arange(1, len(kept) + 1, dtype=np.uint32)
        self._position = uint32_array(position)

    def _mapped(self, hits: Iterator[int]) -> Iterator[int]:
        position = self._position
        for hit in hits:
            number = position[hit]
            if number:
                yield number - 1

    def find(self, needle: str) -> Iterator[int]:
        return self._mapped(self.parent.find(needle))

    def search(self, pattern: re.Pattern[str]) -> Iterator[int]:
        return self._mapped(self.parent.search(pattern))

    def find_folded(self, needle: str) -> Iterator[int]:
        return self._mapped(self.parent.find_folded(needle))


Searchable = JoinedTexts | SubsetTexts

# inside `sharing()`: .joined [(texts, sep, joined)], .subsets [(subset, parent, kept indices)]
_shared = threading.local()


@contextmanager
def sharing() -> Iterator[None]:
    """Within this block, `joined` joins each text list once: the DEX strings are searched
    when facts are derived (API strings, consent texts) and again by the rules."""
    outer = getattr(_shared, "joined", None)
    if outer is None:
        _shared.joined = []
        _shared.subsets = []
        _shared.expected = {"": set(), "folded": set()}
    try:
        yield
    finally:
        if outer is None:
            _shared.joined = None
            _shared.subsets = None
            _shared.expected = None


def expect(plain: Iterable[str] = (), folded: Iterable[str] = ()) -> None:
    """Within `sharing()`: needles that will be looked for in the joined texts, plainly
    (`find`) and case-insensitively (`find_folded`); the first search of each kind in a text
    list then looks for all of them in one pass.  Outside it: nothing to prepare."""
    expected: dict[str, set[str]] | None = getattr(_shared, "expected", None)
    if expected is not None:
        expected[""].update(plain)
        expected["folded"].update(folded)


def _expected(kind: str) -> set[str]:
    expected: dict[str, set[str]] | None = getattr(_shared, "expected", None)
    return expected[kind] if expected is not None else set()


def subset_of(texts: Sequence[str], parent: Sequence[str], kept: Sequence[int]) -> None:
    """Within `sharing()`: `texts` are `parent`'s texts at the indices `kept` (ascending), so
    `joined(texts)` searches `parent`'s joined chunks.  Outside it: nothing to share."""
    subsets = getattr(_shared, "subsets", None)
    if subsets is not None:
        subsets.append((texts, parent, kept))  # keeps both alive, so their ids stay unique


def joined(texts: Sequence[str], sep: str = "\n") -> Searchable:
    """`texts` joined by `sep` (newlines by default: a multi-line regex's ^ and $ then match
    at each text), the same object for the same list within `sharing()` (and a subset of a
    list, `subset_of`, searched through that list's)."""
    made: list[tuple[Sequence[str], str, Searchable]] | None = getattr(_shared, "joined", None)
    if made is None:
        return JoinedTexts(texts, sep=sep)
    for seen, seen_sep, known in made:
        if seen is texts and seen_sep == sep:
            return known
    found: Searchable = _subset(texts, sep) or JoinedTexts(texts, sep=sep)
    made.append((texts, sep, found))  # keeps `texts` alive, so its id stays unique
    return found


def _subset(texts: Sequence[str], sep: str) -> SubsetTexts | None:
    for subset, parent, kept in getattr(_shared, "subsets", None) or ():
        if subset is texts:
            whole = joined(parent, sep)
            return SubsetTexts(texts, whole, kept) if isinstance(whole, JoinedTexts) else None
    return None


def _lengthening(joined: str, starts: Sequence[int]) -> list[int]:
    """The positions (in the chunk) of the texts that lower() makes longer: those holding a
    character of _LENGTHENS, found in the joined chunk instead of lower-casing each text."""
    found: list[int] = []
    for char in _LENGTHENS:
        pos = joined.find(char)
        while pos != -1:
            k = bisect_right(starts, pos) - 1
            found.append(k)
            pos = joined.find(char, starts[k + 1])
    return sorted(set(found))
