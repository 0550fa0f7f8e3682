"""Many strings searched for literal needles at C speed.

A big app's DEX string table holds half a million strings; a regular expression tried on
each costs seconds.  Joined by NUL, they are searched with str.find, and a binary search on
the start offsets tells which string a hit is in.  They are joined in chunks of a few
thousand: a Python string stores every character in the width of its widest one, so a single
emoji among half a million ASCII strings would make one joined text four bytes a character
(50 MB instead of 13 MB for the benchmark app).
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate, repeat
from operator import add

SEP = "\x00"  # joins the texts by default; no needle holds it
CHUNK = 16_384  # texts per joined chunk


# The only characters lower() makes longer (U+0130, "İ" -> "i̇"), checked over every code point
_LENGTHENS = "\u0130"
# What lower() leaves that a case-insensitive ASCII letter still matches (re's extra cases):
# dotless i and long s
_FOLD = (("\u0131", "i"), ("\u017f", "s"))


class JoinedTexts:
    """`texts` (optionally lower-cased) in joined chunks, for `find` and `search`."""

    def __init__(self, texts: Sequence[str], lower: bool = False, sep: str = SEP) -> None:
        self.texts = texts
        self.sep = sep
        self._chunks: list[tuple[int, str, array[int]]] = []
        self._folded: dict[int, tuple[str, list[int]]] = {}  # see find_folded; made when needed
        for first in range(0, len(texts), CHUNK):
            part = texts[first : first + CHUNK]
            joined = sep.join(part)
            if lower:
                low = joined.lower()
                if len(low) != len(joined):  # lower() made a text longer ("İ"): one by one
                    part = list(map(str.lower, part))
                    low = sep.join(part)
                joined = low
            starts = array("q", accumulate(map(add, map(len, part), repeat(1)), initial=0))
            self._chunks.append((first, joined, starts))

    def find(self, needle: str) -> Iterator[int]:
        """The index of each text that contains `needle`, ascending, each once."""
        for first, joined, starts in self._chunks:
            yield from self._find(first, joined, starts, needle)

    def search(self, pattern: re.Pattern[str]) -> Iterator[int]:
        """The index of each text in which a match of `pattern` over the joined chunk
        starts, ascending, each once.  A match may run on into the next text: the caller
        checks each candidate on its own; the search resumes at the next text, so a
        candidate never hides a match there."""
        for first, joined, starts in self._chunks:
            yield from self._search(first, joined, starts, pattern)

    def find_folded(self, needle: str) -> Iterator[int]:
        """The index of each text that contains `needle` (ASCII, lower case) once lower-cased,
        with dotless i and long s read as i and s: a superset of the texts in which a
        case-insensitive pattern that needs `needle` matches (re's IGNORECASE matches an
        ASCII letter only with its upper case, the Kelvin sign, which lower() makes "k", and
        those two).  Texts that lower() makes longer ("İ") are always included."""
        for index, (first, _, starts) in enumerate(self._chunks):
            text, always = self._fold(index)
            yield from sorted({*always, *self._find(first, text, starts, needle)})

    def _fold(self, index: int) -> tuple[str, list[int]]:
        made = self._folded.get(index)
        if made is None:
            first, joined, starts = self._chunks[index]
            low = joined.lower()
            always: list[int] = []
            if len(low) != len(joined):  # keep the offsets: such texts become NULs
                part = list(self.texts[first : first + len(starts) - 1])
                for k in _lengthening(joined, starts):
                    part[k] = "\x00" * len(part[k])
                    always.append(first + k)
                low = self.sep.join(part).lower()
            for char, letter in _FOLD:
                low = low.replace(char, letter)
            made = self._folded[index] = (low, always)
        return made

    @staticmethod
    def _find(first: int, joined: str, starts: array[int], needle: str) -> Iterator[int]:
        pos = joined.find(needle)
        while pos != -1:
            k = bisect_right(starts, pos) - 1
            yield first + k
            pos = joined.find(needle, starts[k + 1])

    @staticmethod
    def _search(
        first: int, joined: str, starts: array[int], pattern: re.Pattern[str]
    ) -> Iterator[int]:
        last = len(starts) - 2
        pos = 0
        while (match := pattern.search(joined, pos)) is not None:
            k = bisect_right(starts, match.start()) - 1
            yield first + k
            if k >= last:
                break
            pos = starts[k + 1]


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
