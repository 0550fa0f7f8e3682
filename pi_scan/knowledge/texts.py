"""Many strings searched for literal needles at C speed.

A big app's DEX string table holds half a million strings; a regular expression tried on
each costs seconds.  Joined by NUL, they are searched with str.find, and a binary search on
the start offsets tells which string a hit is in.  They are joined in chunks of a few
thousand: a Python string stores every character in the width of its widest one, so a single
emoji among half a million ASCII strings would make one joined text four bytes a character
(50 MB instead of 13 MB for the benchmark app).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate, repeat
from operator import add

SEP = "\x00"  # joins the texts; no needle holds it
CHUNK = 16_384  # texts per joined chunk


class JoinedTexts:
    """`texts` (optionally lower-cased) in joined chunks, for `find`."""

    def __init__(self, texts: Sequence[str], lower: bool = False) -> None:
        self.texts = texts
        self._chunks: list[tuple[int, str, array[int]]] = []
        for first in range(0, len(texts), CHUNK):
            part = texts[first : first + CHUNK]
            joined = SEP.join(part)
            if lower:
                low = joined.lower()
                if len(low) != len(joined):  # lower() made a text longer ("İ"): one by one
                    part = list(map(str.lower, part))
                    low = SEP.join(part)
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
