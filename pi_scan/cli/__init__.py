"""The command-line interface.  Thin: parse options, call the core, render, write, exit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pi_scan import __version__
from pi_scan.batch import AppTypes
from pi_scan.batch.runner import Batch, warm_up
from pi_scan.cli.batch import batch_options, progress
from pi_scan.cli.common import (
    category_map_option,
    category_option,
    config_option,
    handle_errors,
    keep_until_exit,
    lang_option,
    policy_option,
    rules_option,
    verbose_requested,
    write_utf8,
)
from pi_scan.cli.compare import baseline, diff
from pi_scan.cli.explain import explain
from pi_scan.cli.history import history
from pi_scan.cli.rules import rules
from pi_scan.cli.runtime import runtime_log, runtime_log_option, with_runtime
from pi_scan.cli.sdklist import sdk_list
from pi_scan.errors import ApkAnalysisError, ExitCode, ReportWriteError, UsageError
from pi_scan.facts import Knowledge, load_knowledge
from pi_scan.facts.view import facts_json
from pi_scan.judge.postprocess import PostProcess
from pi_scan.judge.ruleset import load_rules
from pi_scan.judge.verdict import FAIL_ON, gate
from pi_scan.model import ScanResult
from pi_scan.report import REPORTERS
from pi_scan.report.base import clean, summary_counts


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "PI_SCAN"}
)
@click.version_option(__version__, prog_name="pi-scan")
@click.option("-v", "--verbose", is_flag=True, help="Show the APK library's own log messages.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Check Android apps for unlawful collection of personal information."""
    ctx.obj = {"verbose": verbose}


def _set_verbose() -> None:
    from pi_scan.extract import set_verbose

    set_verbose(verbose_requested())


@main.command()
@click.argument("paths", nargs=-1, required=True)
@rules_option
@click.option("--select", multiple=True, help="Run only these rule ids or tags (repeatable).")
@click.option("--ignore", multiple=True, help="Skip these rule ids or tags (repeatable).")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="notice",
    show_default=True,
    help="Exit 1 when some app's verdict is at or above this level.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="table",
    show_default=True,
    help="Format printed on standard output.",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT[:PATH]",
    help="Also write FORMAT to PATH (repeatable); without PATH, print it instead of --format.",
)
@category_option
@category_map_option
@lang_option
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file (`pi-scan baseline create`): its findings are suppressed.",
)
@click.option(
    "--waivers",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Waivers file (JSON): accepted rules with a reason and an optional expiry date.",
)
@click.option(
    "--previous",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Earlier JSON report: findings still present in a later version of a notified app "
    "are marked not rectified (the policy escalates them).",
)
@policy_option
@click.option(
    "--policy-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of privacy policies named by package (com.example.app.html, .txt, .md, .pdf).",
)
@runtime_log(
    help="Runtime log of the app (camille or PrivacySentry report, pi-scan JSON lines) to merge "
    "with the static findings (repeatable)."
)
@click.option(
    "--runtime-log-dir",
    "runtime_log_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of runtime logs, each merged into the app its name <package>[@<versionCode>]"
    ".<ext> (or its JSON-lines start line) names (repeatable).",
)
@config_option
@handle_errors
@batch_options
def scan(
    paths: tuple[str, ...],
    rules_dirs: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str,
    fmt: str,
    outputs: tuple[str, ...],
    category: str | None,
    category_map: Path | None,
    lang: str,
    baseline: Path | None,
    waivers: Path | None,
    previous: Path | None,
    policy: Path | None,
    policy_dir: Path | None,
    runtime_logs: tuple[Path, ...],
    runtime_log_dirs: tuple[Path, ...],
    quiet: bool,
    batch: Batch,
) -> None:
    """Scan APK files and folders (searched recursively) and give each app a verdict."""
    from pi_scan.batch import read_policies, run_scan
    from pi_scan.cli.runtime import runtime_sources

    # far Dask workers that are sent the apps' bytes are sent the logs' bytes too
    logs = runtime_sources(
        runtime_logs, runtime_log_dirs, batch.scheduler is not None and batch.stream
    )

    targets = parse_outputs(outputs, fmt)
    if (
        _cold(batch)
        and batch.jobs > 1
        and batch.scheduler is None
        and not _few_files(paths, batch.jobs)
    ):
        warm_up()  # workers' fork server imports while the rules load
    post = PostProcess.load(baseline, waivers, previous)
    ruleset = load_rules(rules_dirs, select, ignore)
    knowledge = load_knowledge()
    types = app_types(knowledge, category, category_map)
    policies = read_policies(policy, policy_dir)

    watch = progress(quiet)  # -v reaches the extractor through batch.verbose, when it runs
    try:
        scanned = run_scan(
            paths,
            ruleset,
            knowledge,
            types,
            batch=batch,
            observer=watch,
            policies=policies,
            runtime_logs=logs,
        )
    finally:
        watch.close()
    result = post.apply(scanned)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    apps = sum(1 for r in result.results if r.facts is not None)
    if policy is not None and apps > 1:
        click.echo(
            f"warning: --policy {policy} was compared with {apps} apps; give each app its own "
            "policy with --policy-dir",
            err=True,
        )
    write_outputs(result, targets, lang)
    _summary(result)
    keep_until_exit(scanned, result)  # the apps' facts: not freed one by one at the end
    sys.exit(int(gate(result, fail_on)))


def _cold(batch: Batch) -> bool:
    """No results store to answer from (none, or not made yet): the workers' fork server is
    started early.  With one, a rescan is mostly answered by it, and a fork server importing
    on another core only competes with it; the pool starts one if an app needs scanning."""
    return batch.store is None or not Path(batch.store).exists()


def _few_files(paths: tuple[str, ...], jobs: int) -> bool:
    """No more files than jobs (and no folder): each is scanned in a child forked from this
    process, without the workers' fork server (`pi_scan.batch.runner`), which need not start."""
    return len(paths) <= jobs and all(Path(p).is_file() for p in paths)


def app_types(knowledge: Knowledge, category: str | None, category_map: Path | None) -> AppTypes:
    from pi_scan.batch import read_category_map

    default = knowledge.app_type_id(category) if category else None
    mapping = read_category_map(category_map, knowledge) if category_map else {}
    return AppTypes(default=default, by_package=mapping)


def parse_outputs(outputs: tuple[str, ...], fmt: str) -> list[tuple[str, str | None]]:
    """`-o FORMAT[:PATH]` values -> [(format, path or None for stdout)]."""
    targets: list[tuple[str, str | None]] = []
    for spec in outputs:
        name, _, path = spec.partition(":")
        if name not in REPORTERS:
            known = ", ".join(sorted(REPORTERS))
            raise UsageError(f"unknown output format {name!r} in -o {spec!r} (known: {known})")
        targets.append((name, path or None))
    if not any(path is None for _, path in targets):
        targets.insert(0, (fmt, None))
    return targets


def write_outputs(result: ScanResult, targets: list[tuple[str, str | None]], lang: str) -> None:
    """Render everything first; write files only once every rendering succeeded."""
    rendered = [(REPORTERS[name].render(result, lang), path) for name, path in targets]
    for text, path in rendered:
        if path is None:
            click.echo(text, nl=False)
            continue
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ReportWriteError(f"cannot write report {path}: {exc.strerror}") from None


def _summary(result: ScanResult) -> None:
    c = summary_counts(result)
    click.echo(
        f"pi-scan: {c['apps']} apps: {c['pass']} pass, {c['notice']} notice, "
        f"{c['removal']} removal, {c['error']} errors ({result.ruleset.version})",
        err=True,
    )


@main.command()
@click.argument("apk", type=click.Path(dir_okay=False, path_type=Path))
@category_option
@category_map_option
@policy_option
@click.option(
    "--extracted-only",
    is_flag=True,
    help="Only the facts read from the APK, without those derived from the catalogues "
    "(SDKs, API uses, consent evidence, app type).",
)
@runtime_log_option
@handle_errors
def facts(
    apk: Path,
    category: str | None,
    category_map: Path | None,
    policy: Path | None,
    extracted_only: bool,
    runtime_logs: tuple[Path, ...],
) -> None:
    """Print the facts of APK as JSON: exactly what rules see (extracted and derived)."""
    from pi_scan.batch import read_policies
    from pi_scan.extract import extract_facts
    from pi_scan.extract.gcpause import no_cyclic_gc
    from pi_scan.facts import rule_facts
    from pi_scan.facts.view import fact_dict

    knowledge = None if extracted_only else load_knowledge()
    types = app_types(knowledge, category, category_map) if knowledge is not None else None
    policies = read_policies(policy, None)
    _set_verbose()
    with no_cyclic_gc(freeze=True):  # millions of objects, no cycles: nothing to collect
        try:
            extracted = policies.apply(extract_facts(apk))
        except ApkAnalysisError as exc:
            click.echo(f"error: {clean(apk)}: {clean(exc)}", err=True)
            sys.exit(int(ExitCode.INCOMPLETE))
        extracted = with_runtime(extracted, runtime_logs)
        if knowledge is None or types is None:
            data = fact_dict(extracted)
        else:
            data = rule_facts(extracted, knowledge, types.of(extracted.package))
        write_utf8(facts_json(data))
        keep_until_exit(extracted, data)  # not freed one by one at the end


@main.command("app-types")
@lang_option
@handle_errors
def list_app_types(lang: str) -> None:
    """List the 39 app types of the necessary-PI provisions, for --category."""
    from tabulate import tabulate

    types = sorted(load_knowledge().catalogues.app_types.values(), key=lambda t: t.number)
    rows = [
        (
            t.number,
            t.id,
            t.zh if lang == "zh" else t.en,
            "; ".join((p.zh if lang == "zh" else p.en) for p in t.necessary_pi) or "-",
        )
        for t in types
    ]
    click.echo(
        tabulate(
            rows, headers=("no", "id", "type", "necessary PI"), maxcolwidths=[None, None, 30, 70]
        )
    )


main.add_command(rules)
main.add_command(baseline)
main.add_command(diff)
main.add_command(history)
main.add_command(explain)
main.add_command(sdk_list)
