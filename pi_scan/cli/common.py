"""Pieces shared by the CLI commands."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from pi_scan.errors import ExitCode, PiScanError

F = TypeVar("F", bound=Callable[..., Any])
LANGS = ("en", "zh")

# What the `pi-scan` command leaves behind unfreed when it ends (`pi_scan.__main__.run` sets a
# list; None when the CLI runs inside another program, such as the tests' CliRunner).
kept_until_exit: list[object] | None = None


def keep_until_exit(*objects: object) -> None:
    """Let the process end without freeing these (a big app's facts: millions of small
    objects, some 40-80 ms to free one by one) when `pi-scan` runs as a command, which
    leaves without tearing the interpreter down; elsewhere they are freed as usual."""
    if kept_until_exit is not None:
        kept_until_exit.extend(objects)


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
        except BrokenPipeError:
            # the reader went away (`pi-scan facts x.apk | head`): stop quietly, as cat does
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(int(ExitCode.BROKEN_PIPE))
        except Exception as exc:
            if verbose_requested():
                raise
            click.echo(f"pi-scan: internal error: {exc!r} (run with -v for details)", err=True)
            sys.exit(int(ExitCode.USAGE))

    return wrapper  # type: ignore[return-value]


def write_utf8(chunks: Iterable[bytes]) -> None:
    """Write a long UTF-8 text (hundreds of megabytes of facts JSON) to stdout piece by piece:
    into a pipe or a file straight to the binary stream (click.echo would run its
    ANSI-stripping regex over every piece; JSON escapes control characters anyway), to a
    terminal through click.echo (which knows the console's encoding).  Each piece holds
    whole characters."""
    sys.stdout.flush()
    binary = None if sys.stdout.isatty() else getattr(sys.stdout, "buffer", None)
    for chunk in chunks:
        if binary is None:
            click.echo(chunk.decode("utf-8"), nl=False)
        else:
            binary.write(chunk)
    if binary is not None:
        binary.flush()


def verbose_requested() -> bool:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return bool(isinstance(obj, dict) and obj.get("verbose"))


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
category_option = click.option(
    "--category",
    metavar="TYPE",
    help="The app type (id or number, see `pi-scan app-types`) for rules that need one.",
)
policy_option = click.option(
    "--policy",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Privacy policy (HTML, text, Markdown or PDF) to compare with the app, instead of the "
    "one bundled in it.",
)
category_map_option = click.option(
    "--category-map",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of package,type rows giving each app's type (overrides --category).",
)


def _load_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """Eager: read the project config before the other options and make it their defaults."""
    from pi_scan.cli.config import find_config, load_config

    path = value if value is not None else find_config(Path.cwd())
    if path is None:
        return None
    try:
        settings = load_config(path)
    except PiScanError as exc:
        raise click.BadParameter(str(exc)) from None
    ctx.default_map = {**(ctx.default_map or {}), **settings}
    return path


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    is_eager=True,
    expose_value=False,
    callback=_load_config,
    help="Project config (default: ./pi-scan.toml, or [tool.pi-scan] in ./pyproject.toml).",
)
