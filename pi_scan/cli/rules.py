"""`pi-scan rules ...`: list, show, validate and test rule packs."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from pi_scan.cli.common import handle_errors, lang_option, rules_option
from pi_scan.errors import ExitCode
from pi_scan.judge.ruleset import load_rules
from pi_scan.judge.ruletest import run_all
from pi_scan.model import Rule
from pi_scan.report.base import tabulated


@click.group()
def rules() -> None:
    """Work with rule packs."""


@rules.command("list")
@rules_option
@click.option("--tag", help="Only rules with this tag.")
@click.option(
    "--level", type=click.Choice(["advice", "notice", "removal"]), help="Only rules of this level."
)
@lang_option
@handle_errors
def list_rules(rules_dirs: tuple[Path, ...], tag: str | None, level: str | None, lang: str) -> None:
    """List the rules: id, level, category, title."""
    ruleset = load_rules(rules_dirs)
    rows = [
        (r.id, r.level.label, r.category, r.text("title", lang), ", ".join(r.tags))
        for r in ruleset.rules
        if (tag is None or tag in r.tags) and (level is None or r.level.label == level)
    ]
    click.echo(tabulated(rows, headers=("id", "level", "category", "title", "tags")))


@rules.command("show")
@click.argument("rule_id")
@rules_option
@lang_option
@handle_errors
def show_rule(rule_id: str, rules_dirs: tuple[Path, ...], lang: str) -> None:
    """Show one rule in full: texts, citations, condition."""
    ruleset = load_rules(rules_dirs, select=[rule_id])
    rule = ruleset.rules[0]
    click.echo(_describe(rule, lang, ruleset.documents))


def _describe(rule: Rule, lang: str, docs: Mapping[str, Mapping[str, str]]) -> str:
    cites = [
        f"  - {docs.get(c.document, {}).get(lang, c.document)} [{c.document}] {c.clause}"
        + (f" (formerly {c.former_clause})" if c.former_clause else "")
        for c in rule.citations
    ]
    source = json.loads(Path(rule.source).read_text(encoding="utf-8")) if rule.source else {}
    return "\n".join(
        [
            f"{rule.id} [{rule.level.label}] {rule.text('title', lang)}",
            f"category: {rule.category}; tags: {', '.join(rule.tags)}",
            f"message: {rule.text('message', lang)}",
            f"remediation: {rule.text('remediation', lang)}",
            "citations:",
            *cites,
            *_threshold(source.get("threshold"), lang),
            "match:",
            json.dumps(source.get("match"), indent=2, ensure_ascii=False),
            f"source: {rule.source}",
        ]
    )


def _threshold(threshold: object, lang: str) -> list[str]:
    """A rule's lab threshold (PI-RUN-001's calls per window): its text and its source."""
    if not isinstance(threshold, Mapping):
        return []
    text = threshold.get(lang) or threshold.get("en") or ""
    return [f"threshold: {text}", f"threshold source: {threshold.get('source', '-')}"]


@rules.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@handle_errors
def validate_rules(directory: Path | None) -> None:
    """Validate a rule pack (default: the built-in one); exit 2 on the first problem."""
    ruleset = load_rules((directory,) if directory else (), builtin=directory is None)
    click.echo(f"ok: {len(ruleset.rules)} rules ({ruleset.version})")


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@handle_errors
def test_rules(directory: Path | None) -> None:
    """Run every rule's fact-level test cases; exit 1 if any case fails."""
    ruleset = load_rules((directory,) if directory else (), builtin=directory is None)
    results = run_all(ruleset)
    failed = [r for r in results if not r.ok]
    for r in failed:
        click.echo(f"FAIL {r.rule_id} {r.name!r}: expected {r.expect}, got {r.got}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(int(ExitCode.GATE_FAILED if failed else ExitCode.OK))
