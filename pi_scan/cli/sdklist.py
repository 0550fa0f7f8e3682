"""`pi-scan sdk-list APP`: a draft third-party SDK list (第三方SDK共享清单) for the app's privacy
policy, from the SDKs the scan detects and the SDK catalogue.

Scans one APK in this process (no result store, like `facts` and `explain`), derives its facts
as `pi-scan scan` does, and renders the list (`pi_scan.report.sdklist`) as Markdown, CSV, JSON
or HTML, on standard output or into `-o FILE`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pi_scan.cli.common import handle_errors, keep_until_exit, lang_option, verbose_requested
from pi_scan.errors import ApkAnalysisError, ExitCode, ReportWriteError
from pi_scan.report.base import clean
from pi_scan.report.sdklist import FORMATS, render, words


@click.command("sdk-list")
@click.argument("app", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="markdown",
    show_default=True,
    help="Output format.",
)
@lang_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the list to this file instead of standard output.",
)
@handle_errors
def sdk_list(app: Path, fmt: str, lang: str, output: Path | None) -> None:
    """Draft the third-party SDK list of APP for its privacy policy (第三方SDK共享清单)."""
    from pi_scan.extract import extract_facts, set_verbose
    from pi_scan.extract.gcpause import no_cyclic_gc
    from pi_scan.facts import load_knowledge, rule_facts
    from pi_scan.facts.disclosure import sdk_list as build

    knowledge = load_knowledge()
    set_verbose(verbose_requested())
    with no_cyclic_gc(freeze=True):  # millions of objects, no cycles: nothing to collect
        try:
            extracted = extract_facts(app)
        except ApkAnalysisError as exc:
            click.echo(f"pi-scan: error: {clean(app)}: {clean(exc)}", err=True)
            sys.exit(int(ExitCode.INCOMPLETE))
        seen = rule_facts(extracted, knowledge, None)
        listed = build(extracted, seen, knowledge)
    keep_until_exit(extracted, seen)  # not freed one by one at the end
    text = render(listed, fmt, lang)
    if not listed.sdks:
        click.echo(f"pi-scan: {clean(app)}: {words(lang)['empty']}", err=True)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ReportWriteError(f"cannot write {output}: {exc.strerror}") from None
    sys.exit(int(ExitCode.OK))
