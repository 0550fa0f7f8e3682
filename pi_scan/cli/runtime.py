"""`--runtime-log` and `--runtime-log-dir`: the runtime logs handed to a scan."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from pathlib import Path

import click

from pi_scan.errors import UsageError
from pi_scan.model import ApkFacts, LogSource


def runtime_sources(
    files: Iterable[Path], folders: Iterable[Path], with_data: bool
) -> list[LogSource]:
    """The logs named and the files of the folders (not searched below) whose name or start
    line names a package, hashed; a log that cannot be read is a warning and is left out, a
    folder that cannot be listed an error."""
    out: list[LogSource] = []
    for path in files:
        out += _source(path, with_data, explicit=True)
    for folder in folders:
        try:
            entries = sorted(p for p in folder.iterdir() if p.is_file())
        except OSError as exc:
            raise UsageError(
                f"runtime log folder {folder}: cannot be listed: {exc.strerror or exc}"
            ) from None
        for path in entries:
            if _names_a_package(path):
                out += _source(path, with_data, explicit=False)
    return out


def _names_a_package(path: Path) -> bool:
    """A folder's file is a log for some app when its name or its JSON-lines start line names
    the package: the rest (APKs, notes) is neither hashed nor offered to the apps."""
    from pi_scan.extract.runtime import header_package, named_package

    if path.name.startswith("."):
        return False
    if named_package(str(path))[0] is not None:
        return True
    return header_package(LogSource(str(path), "")) is not None


def _source(path: Path, with_data: bool, explicit: bool) -> list[LogSource]:
    from pi_scan.extract.runtime import LogError, log_source  # only when a log is given

    try:
        source = log_source(path, with_data)
    except LogError as exc:
        click.echo(f"warning: {exc}", err=True)
        return []
    return [dataclasses.replace(source, explicit=explicit)]


# --runtime-log: `scan` gives it its own help, the one-app commands this one
runtime_log = functools.partial(
    click.option,
    "--runtime-log",
    "runtime_logs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
runtime_log_option = runtime_log(
    help="Runtime log of the app to merge, as `scan --runtime-log` does (repeatable)."
)


def with_runtime(facts: ApkFacts, paths: Iterable[Path]) -> ApkFacts:
    """One app's facts with its runtime logs merged; a log refused or odd is a warning on
    standard error (it is in the facts' `warnings` too)."""
    sources = runtime_sources(paths, (), with_data=False)
    if not sources:
        return facts
    from pi_scan.extract.runtime import attach_runtime

    merged = attach_runtime(facts, sources, only=True)
    for warning in merged.warnings[len(facts.warnings) :]:
        click.echo(f"warning: {warning}", err=True)
    return merged
