"""`pi-scan baseline create` and `pi-scan diff`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from pi_scan.cli.common import (
    category_map_option,
    category_option,
    handle_errors,
    rules_option,
)
from pi_scan.errors import ExitCode, UsageError
from pi_scan.facts import load_knowledge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import ScanResult
from pi_scan.report.diff import Snapshot, compare, from_report_item, from_result, render


def _scan(
    paths: tuple[str, ...],
    rules_dirs: tuple[Path, ...],
    category: str | None,
    category_map: Path | None,
) -> ScanResult:
    from pi_scan.batch import run_scan
    from pi_scan.cli import app_types

    knowledge = load_knowledge()
    return run_scan(
        paths, load_rules(rules_dirs), knowledge, app_types(knowledge, category, category_map)
    )


@click.group()
def baseline() -> None:
    """Accept the current findings so that only new ones fail a release gate."""


@baseline.command("create")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the baseline (JSON).",
)
@rules_option
@category_option
@category_map_option
@handle_errors
def create(
    paths: tuple[str, ...],
    output: Path,
    rules_dirs: tuple[Path, ...],
    category: str | None,
    category_map: Path | None,
) -> None:
    """Scan PATHS and write every finding to a baseline file, keyed by package, rule and
    evidence (not by path or version, so the next build of the same app stays matched)."""
    from pi_scan.judge.suppress import render_baseline

    result = _scan(paths, rules_dirs, category, category_map)
    for item in result.errors:
        click.echo(f"error: {item.path}: {item.error}", err=True)
    text = render_baseline(result)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write baseline {output}: {exc.strerror}") from None
    count = len(json.loads(text)["entries"])
    click.echo(f"pi-scan: wrote {count} baseline entries to {output}", err=True)
    sys.exit(int(ExitCode.INCOMPLETE if result.errors else ExitCode.OK))


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@rules_option
@category_option
@category_map_option
@handle_errors
def diff(
    old: str,
    new: str,
    fmt: str,
    rules_dirs: tuple[Path, ...],
    category: str | None,
    category_map: Path | None,
) -> None:
    """Compare two versions of an app (APKs, or JSON reports from `scan --format json`):
    permissions, SDKs, sensitive-API call sites and findings added and removed."""
    sides: list[list[Snapshot]] = []
    for path in (old, new):
        if path.lower().endswith(".json"):
            sides.append(_report_snapshots(Path(path)))
        else:
            result = _scan((path,), rules_dirs, category, category_map)
            if result.errors:
                item = result.errors[0]
                click.echo(f"error: {item.path}: {item.error}", err=True)
                sys.exit(int(ExitCode.INCOMPLETE))
            sides.append([from_result(r) for r in result.results])
    before, after = _pair(sides[0], sides[1])
    click.echo(render(before, after, compare(before, after), fmt), nl=False)


def _report_snapshots(path: Path) -> list[Snapshot]:
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
        items = [i for i in doc["results"] if not i.get("error")]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a pi-scan JSON report ({exc})") from None
    return [from_report_item(i) for i in items]


def _pair(old: list[Snapshot], new: list[Snapshot]) -> tuple[Snapshot, Snapshot]:
    """The one app both sides have in common (a side may be a report of many apps)."""
    if len(old) == 1 and len(new) == 1:
        return old[0], new[0]
    common = {s.package for s in old} & {s.package for s in new}
    if len(common) != 1:
        raise UsageError("diff needs one app on each side (or reports sharing exactly one package)")
    package = common.pop()
    return (
        next(s for s in old if s.package == package),
        next(s for s in new if s.package == package),
    )
