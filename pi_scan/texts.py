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


class JoinedTexts:
    """`texts` (optionally lower-cased) in joined chunks, for `find` and `search`."""

    def __init__(self, texts: Sequence[str], lower: bool = False, sep: str = SEP) -> None:
        self.texts = texts
        self._chunks: list[tuple[int, str, array[int]]] = []
        self._lowered: dict[int, str] = {}  # ASCII chunks lower-cased, when first needed
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
            pos = joined.find(needle)
            while pos != -1:
                k = bisect_right(starts, pos) - 1
                yield first + k
                pos = joined.find(needle, starts[k + 1])

    def search(
        self, pattern: re.Pattern[str], ascii_lower: re.Pattern[str] | None = None
    ) -> Iterator[int]:
        """The index of each text in which a match of `pattern` over the joined chunk
        starts, ascending, each once.  A match may run on into the next text: the caller
        checks each candidate on its own; the search resumes at the next text, so a
        candidate never hides a match there.

        `ascii_lower`, for a case-insensitive `pattern`: the same pattern, case-sensitive
        and in lower case, tried on a chunk of ASCII texts lower-cased (ASCII case folding
        is plain lower-casing); the regex engine finds a literal much faster so than by
        ignoring case.
        """
        for index, (first, joined, starts) in enumerate(self._chunks):
            if ascii_lower is not None and joined.isascii():
                yield from self._search(first, self._lower(index), starts, ascii_lower)
            else:
                yield from self._search(first, joined, starts, pattern)

    def _lower(self, index: int) -> str:
        low = self._lowered.get(index)
        if low is None:
            low = self._lowered[index] = self._chunks[index][1].lower()
        return low

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
