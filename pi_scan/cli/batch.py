"""The `scan` options for large scans (workers, limits, store, progress, cluster), gathered
into one `Batch` so the `scan` command itself stays small."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pi_scan.batch.runner import Batch, Limits, default_jobs
from pi_scan.batch.store import default_path
from pi_scan.cli.common import verbose_requested
from pi_scan.cli.progress import Progress
from pi_scan.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])

store_option = click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Results store (SQLite) [default: $XDG_CACHE_HOME/pi-scan/results.sqlite, "
    "else ~/.cache/pi-scan/results.sqlite].",
)

_OPTIONS = [
    click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        help="Apps scanned at once, each in a worker process (no more apps than N: each in a "
        "child forked from this one); 1 scans in this process (without limits) "
        "[default: the number of CPU cores].",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0),
        default=600.0,
        show_default=True,
        metavar="SECONDS",
        help="Time limit per app (0: none); an app over it becomes an error result.",
    ),
    click.option(
        "--max-memory",
        type=click.IntRange(min=0),
        default=4096,
        show_default=True,
        metavar="MB",
        help="Memory (address space) limit per worker (0: none); an app over it is an error.",
    ),
    store_option,
    click.option("--no-store", is_flag=True, help="Neither read nor write the results store."),
    click.option(
        "--rehash",
        is_flag=True,
        help="Hash every file, even one whose size, times and inode the store saw unchanged.",
    ),
    click.option("-q", "--quiet", is_flag=True, help="No progress line (errors still shown)."),
    click.option(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="Run the scan on this Dask cluster (pip install 'pi-scan[dask]').",
    ),
    click.option(
        "--stream",
        is_flag=True,
        help="With --scheduler: send the apps' bytes to the workers instead of their paths.",
    ),
]


def batch_options(func: F) -> F:
    """Add the large-scan options to a command; it receives them as `batch` and `quiet`."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        jobs: int | None,
        timeout: float,
        max_memory: int,
        store: Path | None,
        no_store: bool,
        rehash: bool,
        scheduler: str | None,
        stream: bool,
        **kwargs: Any,
    ) -> Any:
        if stream and scheduler is None:
            raise UsageError("--stream needs --scheduler")
        batch = Batch(
            jobs=jobs or default_jobs(),
            limits=Limits(timeout=timeout or None, memory_mb=max_memory or None),
            store=None if no_store else (store or default_path()),
            scheduler=scheduler,
            stream=stream,
            verbose=verbose_requested(),
            rehash=rehash,
        )
        return func(*args, batch=batch, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_OPTIONS):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def progress(quiet: bool) -> Progress:
    """Progress on standard error, redrawn in place on a terminal."""
    return Progress(sys.stderr, interactive=sys.stderr.isatty(), quiet=quiet)
