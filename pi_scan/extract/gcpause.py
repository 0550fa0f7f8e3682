"""Pausing the cyclic garbage collector while one app is read or scanned."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def no_cyclic_gc(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while one app is read (or scanned).

    A large app yields millions of small objects (strings, tuples, MemberRefs), and each
    collection then rescans them all; pausing cuts extraction time by about 40% on a 60 MB
    multi-DEX app.  Reference counting still frees everything as usual, and the collector
    resumes (if it was on) as soon as the app is done.

    `freeze` (the pause around a whole scan of one app): when the collector resumes, the
    objects made meanwhile go to the permanent generation (gc.freeze) instead of being
    rescanned by the first collection after it (~60 ms for a big app, most of them freed by
    reference counting soon after); the next such pause hands them back (gc.unfreeze), so a
    long-running worker still collects any cycle left behind.
    """
    was_enabled = gc.isenabled()
    if freeze:
        gc.unfreeze()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()
