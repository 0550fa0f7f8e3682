"""Load rule packs: JSON files validated with JSON Schema (Draft 2020-12), then checked for sense.

A pack is a folder holding `pack.json` (name, version, categories, citable documents, value
sets), optionally `policy.json` (the verdict policy) and `checks/PI-*.json` (one rule per file,
file name == rule id).  The built-in pack is the repository's top-level `rules/` folder; it
ships inside the wheel as `pi_scan/_rules`.  Packs given with `--rules` are loaded after it: a
rule with the same id replaces the built-in one, a policy replaces the built-in policy, and
categories, documents and sets are merged.

Every problem is a `RuleLoadError` naming the file and the JSON path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pi_scan.datafiles import builtin_rules_dir, load_validated
from pi_scan.errors import RuleLoadError, UsageError
from pi_scan.judge.rulebuild import build_rule
from pi_scan.model import Escalation, Level, Policy, Rule, RuleSet, Verdict


@dataclass
class _Pack:
    """What the packs loaded so far add up to (mutable while loading only)."""

    rules: dict[str, Rule] = field(default_factory=dict)
    policy: Policy | None = None
    versions: list[str] = field(default_factory=list)
    categories: dict[str, Mapping[str, str]] = field(default_factory=dict)
    documents: dict[str, Mapping[str, str]] = field(default_factory=dict)
    sets: dict[str, list[Any]] = field(default_factory=dict)


def load_rules(
    extra_dirs: Sequence[Path] = (),
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    builtin: bool = True,
) -> RuleSet:
    """Load the built-in pack and any extra packs, then apply --select/--ignore."""
    dirs = ([builtin_rules_dir()] if builtin else []) + list(extra_dirs)
    if not dirs:
        raise UsageError("no rule packs given")
    acc = _Pack()
    for directory in dirs:
        _load_pack(Path(directory), acc)
    if acc.policy is None:
        raise RuleLoadError(str(dirs[0] / "policy.json"), "$", "no policy.json in any rule pack")
    overrides = acc.policy.overrides  # a rule runs at the level the policy gives it
    rules = _select(
        tuple(
            replace(r, level=overrides[r.id]) if r.id in overrides else r
            for r in sorted(acc.rules.values(), key=lambda r: r.id)
        ),
        select,
        ignore,
    )
    if not rules:
        raise UsageError("no rules to run (all were ignored or none were loaded)")
    return RuleSet(
        rules=rules,
        policy=acc.policy,
        version="+".join(acc.versions),
        categories=acc.categories,
        documents=acc.documents,
    )


def read_json(path: Path, schema: str) -> Any:
    """Read a JSON file and validate it; errors name the file and the JSON path."""
    return load_validated(path, schema)


def _load_pack(directory: Path, acc: _Pack) -> None:
    if not directory.is_dir():
        raise RuleLoadError(str(directory), "$", "rule pack folder not found")
    pack = read_json(directory / "pack.json", "pack")
    acc.versions.append(f"{pack['name']}@{pack['version']}")
    acc.categories.update(pack.get("categories", {}))
    acc.documents.update(pack.get("documents", {}))
    acc.sets.update(pack.get("sets", {}))
    policy_file = directory / "policy.json"
    if policy_file.is_file():
        acc.policy = _build_policy(read_json(policy_file, "policy"))
    for path in sorted((directory / "checks").glob("*.json")):
        data = read_json(path, "rule")
        rule = build_rule(data, str(path), acc.sets, acc.documents)
        acc.rules[rule.id] = rule
    if acc.policy is not None:
        _check_policy_ids(acc.policy, acc.rules, policy_file)


def _build_policy(data: Mapping[str, Any]) -> Policy:
    escalations = tuple(
        Escalation(
            id=e["id"],
            to=Verdict.parse(e["to"]),
            reason=e["reason"],
            min_findings=e["when"].get("min_findings"),
            min_rdff_categories=e["when"].get("min_rdff_categories"),
            tags_any=tuple(e["when"].get("tags_any", ())),
            rules_all=tuple(e["when"].get("rules_all", ())),
            rules_any=tuple(e["when"].get("rules_any", ())),
            not_rectified=bool(e["when"].get("not_rectified", False)),
        )
        for e in data["escalations"]
    )
    overrides = {rid: Level.parse(level) for rid, level in data.get("overrides", {}).items()}
    return Policy(overrides=overrides, escalations=escalations)


def _check_policy_ids(policy: Policy, rules: Mapping[str, Rule], file: Path) -> None:
    for rid in policy.overrides:
        if rid not in rules:
            raise RuleLoadError(str(file), f"$.overrides.{rid}", f"unknown rule id {rid!r}")
    for i, esc in enumerate(policy.escalations):
        for key in ("rules_all", "rules_any"):
            for j, rid in enumerate(getattr(esc, key)):
                if rid not in rules:
                    path = f"$.escalations[{i}].when.{key}[{j}]"
                    raise RuleLoadError(str(file), path, f"unknown rule id {rid!r}")


def _select(
    rules: tuple[Rule, ...], select: Iterable[str], ignore: Iterable[str]
) -> tuple[Rule, ...]:
    """Keep rules named (by id or tag) in select, minus those named in ignore."""
    known = {r.id for r in rules} | {t for r in rules for t in r.tags}
    wanted, dropped = set(select), set(ignore)
    unknown = sorted((wanted | dropped) - known)
    if unknown:
        raise UsageError(f"unknown rule id or tag: {', '.join(unknown)}")

    def named(rule: Rule, names: set[str]) -> bool:
        return rule.id in names or bool(names.intersection(rule.tags))

    return tuple(r for r in rules if (not wanted or named(r, wanted)) and not named(r, dropped))
