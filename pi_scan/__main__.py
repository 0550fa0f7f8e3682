"""`python -m pi_scan`, and the `pi-scan` command (`run`)."""

from __future__ import annotations

import gc


def run() -> None:
    """Import the CLI with the cyclic garbage collector paused, then move what the imports
    made (modules, classes, catalogues: all of it lives as long as the process) to the
    permanent generation, so that no collection ever scans it again; then run the CLI.
    Importing numpy, androguard and pi-scan otherwise triggers a few dozen collections
    (about 20 ms of a one-app scan)."""
    was_enabled = gc.isenabled()
    gc.disable()
    from pi_scan.cli import main

    gc.freeze()
    if was_enabled:
        gc.enable()
    main(prog_name="pi-scan")


if __name__ == "__main__":
    run()
