"""`pi-scan history PACKAGE`: an app's verdicts over its versions, from the results store."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from pi_scan.batch.store import HistoryRow, ResultStore, StoreError, default_path
from pi_scan.cli.batch import store_option
from pi_scan.cli.common import handle_errors
from pi_scan.errors import ConfigError
from pi_scan.report.base import clean, tabulated

_HEADERS = ("version", "sha256", "verdict", "removal", "notice", "rules", "scanned at")


@click.command()
@click.argument("package")
@store_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="Output format.",
)
@handle_errors
def history(package: str, store: Path | None, fmt: str) -> None:
    """Show PACKAGE's stored verdicts over its versions (oldest first)."""
    path = store or default_path()
    if not path.exists():
        raise ConfigError(f"no results store at {path} (scan something first, or give --store)")
    try:
        with ResultStore(path) as opened:
            rows = opened.history(package)
    except StoreError as exc:
        raise ConfigError(str(exc)) from None
    if fmt == "json":
        doc = {"package": package, "store": str(path), "scans": [_json(r) for r in rows]}
        click.echo(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
    elif rows:
        click.echo(tabulated([_cells(r) for r in rows], headers=_HEADERS))
    else:
        click.echo(f"no stored scans of {package} in {path}", err=True)


def _json(row: HistoryRow) -> dict[str, object]:
    return dataclasses.asdict(row)


def _cells(row: HistoryRow) -> tuple[object, ...]:
    code = "" if row.version_code is None else f" ({row.version_code})"
    version = f"{row.version_name or '-'}{code}"
    return (
        clean(version),
        row.sha256[:12],
        row.verdict,
        row.removal,
        row.notice,
        row.rules.split("#")[0],
        row.scanned_at,
    )
