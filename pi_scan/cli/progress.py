"""Progress of a long scan on standard error, and the error lines that go with it.

On a terminal, one line is redrawn in place (at most ten times a second): counts, rate and
time left.  Anywhere else (CI logs, `2> file`) redrawing would leave a mess, so a plain line
is written every `every` apps or `interval` seconds, whichever comes first.  `quiet` silences
progress but never the errors: an app that could not be analysed is always reported, naming
the file, as it happens.

The stream is passed in (this module does not import click), with a clock for the tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from pi_scan.batch.runner import Event
from pi_scan.report.base import clean

_REDRAW_S = 0.1
_CLEAR = "\r\x1b[K"


class Progress:
    """An Observer (see pi_scan.batch.runner) that writes progress and error lines to `stream`."""

    def __init__(
        self,
        stream: TextIO,
        interactive: bool,
        quiet: bool = False,
        every: int = 100,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interactive = interactive and not quiet
        self._quiet = quiet
        self._every = every
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._total = 0
        self._done = 0
        self._errors = 0
        self._reused = 0  # from the store, or a duplicate's twin
        self._last_line = self._start
        self._last_count = 0
        self._drawn = False

    def started(self, total: int) -> None:
        self._total = total
        self._start = self._last_line = self._clock()

    def finished(self, event: Event) -> None:
        self._done += 1
        self._reused += event.source in ("store", "duplicate")
        if event.result.error is not None:
            self._errors += 1
            self.note(f"error: {clean(event.result.path)}: {clean(event.result.error)}")
        if not self._quiet:
            self._tick()

    def note(self, line: str) -> None:
        """A line that must stay (an error, a warning): written above the progress line."""
        if self._drawn:
            self._stream.write(_CLEAR)
        self._stream.write(line + "\n")
        if self._drawn:
            self._stream.write(self.status())
        self._stream.flush()

    def close(self) -> None:
        """Remove the progress line, so the summary that follows starts on a clean line."""
        if self._drawn:
            self._stream.write(_CLEAR)
            self._stream.flush()
            self._drawn = False

    def status(self) -> str:
        """e.g. `pi-scan: 120/450 apps (27%), 3 errors, 40 from store, 12.5 apps/s, ETA 0:26`"""
        elapsed = max(self._clock() - self._start, 1e-9)
        rate = self._done / elapsed
        pct = 100 * self._done // self._total if self._total else 100
        parts = [f"pi-scan: {self._done}/{self._total} apps ({pct}%)"]
        if self._errors:
            parts.append(f"{self._errors} errors")
        if self._reused:
            parts.append(f"{self._reused} from store or duplicates")
        parts.append(f"{rate:.1f} apps/s")
        if rate > 0 and self._done < self._total:
            parts.append(f"ETA {_clock_time((self._total - self._done) / rate)}")
        return ", ".join(parts)

    def _tick(self) -> None:
        now = self._clock()
        if self._interactive:
            if now - self._last_line >= _REDRAW_S or self._done == self._total:
                self._stream.write(_CLEAR + self.status())
                self._stream.flush()
                self._drawn = True
                self._last_line = now
            return
        due = (
            self._done - self._last_count >= self._every or now - self._last_line >= self._interval
        )
        if due and self._done < self._total:
            self._stream.write(self.status() + "\n")
            self._stream.flush()
            self._last_line, self._last_count = now, self._done


def _clock_time(seconds: float) -> str:
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
