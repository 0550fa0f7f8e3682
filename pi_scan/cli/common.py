"""Pieces shared by the CLI commands."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pi_scan.errors import ExitCode, PiScanError

F = TypeVar("F", bound=Callable[..., Any])
LANGS = ("en", "zh")


def handle_errors(func: F) -> F:
    """Turn pi-scan errors into a one-line message and their exit code (inside Click)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PiScanError as exc:
            click.echo(f"pi-scan: error: {exc}", err=True)
            sys.exit(int(exc.code))
        except KeyboardInterrupt:
            click.echo("pi-scan: interrupted", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))

    return wrapper  # type: ignore[return-value]


rules_option = click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Extra rule pack folder (repeatable); its rules override built-in ones with the same id.",
)

lang_option = click.option(
    "--lang", type=click.Choice(LANGS), default="en", show_default=True, help="Report language."
)
