"""`python -m pi_scan`, and the `pi-scan` command (`run`)."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading


def run() -> None:
    """Run the CLI as a command.

    The CLI is imported with the cyclic garbage collector paused, then what the imports made
    (modules, classes, catalogues: all of it lives as long as the process) goes to the
    permanent generation, so that no collection ever scans it again: importing numpy,
    androguard and pi-scan otherwise triggers a few dozen collections (about 20 ms).

    When the command ends, the process leaves with os._exit once the standard streams are
    flushed and the atexit handlers have run (they join worker pools and threads, and shut
    logging down; with another thread still running, it leaves as usual), so that the
    interpreter does not free, object by object, what the
    command kept for the exit (`pi_scan.cli.common.keep_until_exit`: `pi-scan facts` of the
    benchmark APK 80 ms sooner).  KeyboardInterrupt and other exceptions leave as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    from pi_scan.cli import common, main

    gc.freeze()
    if was_enabled:
        gc.enable()
    common.kept_until_exit = []
    try:
        main(prog_name="pi-scan")
    except SystemExit as exc:
        _leave(exc.code)
    _leave(0)


def _leave(code: object) -> None:
    """sys.exit(code) without tearing the interpreter down (as usual while another thread
    still runs, for the interpreter to wait for it, or on an interpreter without CPython's
    atexit._run_exitfuncs)."""
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if threading.active_count() > 1 or run_exitfuncs is None:
        raise SystemExit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as the interpreter does with sys.exit("message")
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to write
            stream.flush()
    run_exitfuncs()
    os._exit(status)


if __name__ == "__main__":
    run()
