"""Version diff: what changed between two versions of an app.

Either side is a scanned APK (an `ApkResult`) or one app of an earlier `--format json` report.
Compared: requested permissions, detected SDKs, sensitive-API call sites and failed findings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pi_scan.model import ApkResult
from pi_scan.report.base import tabulated

ASPECTS = ("permissions", "sdks", "call_sites", "findings")


@dataclass(frozen=True)
class Snapshot:
    """The comparable parts of one app version."""

    package: str
    version: str
    verdict: str
    permissions: frozenset[str]
    sdks: frozenset[str]
    call_sites: frozenset[str]
    findings: frozenset[str]


def from_result(result: ApkResult) -> Snapshot:
    facts, inv = result.facts, result.inventory
    assert facts is not None, "an error result has nothing to compare"
    return Snapshot(
        package=facts.package,
        version=_version(facts.version_name, facts.version_code),
        verdict=result.verdict.label,
        permissions=frozenset(p.name for p in facts.permissions),
        sdks=frozenset(s.id for s in inv.sdks),
        call_sites=frozenset(inv.call_sites),
        findings=frozenset(f"{o.rule_id} ({o.level.label})" for o in result.failed),
    )


def _version(name: object, code: object) -> str:
    """As the reports show it: "1.2.3 (45)", with "-" for a missing part, "-" for neither."""
    if not name and code is None:
        return "-"
    return f"{name or '-'} ({'-' if code is None else code})"


def from_report_item(item: Mapping[str, Any]) -> Snapshot:
    """One entry of a JSON report's `results`."""
    inv = item.get("inventory") or {}
    return Snapshot(
        package=str(item.get("package")),
        version=_version(item.get("version_name"), item.get("version_code")),
        verdict=str(item.get("verdict")),
        permissions=frozenset(item.get("permissions") or ()),
        sdks=frozenset(s["id"] for s in inv.get("sdks") or ()),
        call_sites=frozenset(inv.get("call_sites") or ()),
        findings=frozenset(
            f"{f['rule_id']} ({f['level']})"
            for f in item.get("findings") or ()
            if f.get("status", "failed") == "failed"
        ),
    )


@dataclass(frozen=True)
class Change:
    aspect: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


def compare(old: Snapshot, new: Snapshot) -> tuple[Change, ...]:
    changes = []
    for aspect in ASPECTS:
        before, after = getattr(old, aspect), getattr(new, aspect)
        changes.append(Change(aspect, tuple(sorted(after - before)), tuple(sorted(before - after))))
    return tuple(changes)


def render(old: Snapshot, new: Snapshot, changes: tuple[Change, ...], fmt: str) -> str:
    if fmt == "json":
        doc = {
            "old": {"package": old.package, "version": old.version, "verdict": old.verdict},
            "new": {"package": new.package, "version": new.version, "verdict": new.verdict},
            "changes": {
                c.aspect: {"added": list(c.added), "removed": list(c.removed)} for c in changes
            },
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    head = (
        f"{old.package} {old.version} [{old.verdict}] -> "
        f"{new.package} {new.version} [{new.verdict}]"
    )
    rows = [(c.aspect, "+", item) for c in changes for item in c.added]
    rows += [(c.aspect, "-", item) for c in changes for item in c.removed]
    if not rows:
        return head + "\nno changes\n"
    rows.sort(key=lambda r: (ASPECTS.index(r[0]), r[1] != "+", r[2]))
    return head + "\n" + tabulated(rows, headers=("aspect", "", "item")) + "\n"
