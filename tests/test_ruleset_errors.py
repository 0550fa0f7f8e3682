"""A broken rule pack stops the run with exit 2 and a message naming the file and JSON path."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pi_scan.errors import RuleLoadError
from pi_scan.judge.ruleset import load_rules

from .conftest import RULES, invoke

BASE_RULE = "PI-PERM-001"


def pack_with(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A one-rule pack whose rule is the built-in BASE_RULE after `edit`."""
    pack = tmp_path / "pack"
    (pack / "checks").mkdir(parents=True)
    shutil.copy(RULES / "pack.json", pack / "pack.json")
    data = json.loads((RULES / "checks" / f"{BASE_RULE}.json").read_text(encoding="utf-8"))
    edit(data)
    (pack / "checks" / f"{BASE_RULE}.json").write_text(json.dumps(data), encoding="utf-8")
    return pack


def set_key(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def rename_key(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data[new] = data.pop(old)

    return edit


CASES = [
    ("typo in a fact name", set_key(["match", "fact"], "permission"), "$.match.fact", "unknown fact"),
    ("typo in a key", rename_key("match", "mtach"), "$", "mtach"),
    ("bad operator", set_key(["match", "op"], "contains"), "$.match.op", "is not one of"),
    ("bad level", set_key(["level"], "warning"), "$.level", "is not one of"),
    ("missing zh title", set_key(["title"], {"en": "x"}), "$.title", "'zh' is a required property"),
    ("scalar op on a list", set_key(["match", "op"], "eq"), "$.match.op", "needs a single value"),
    ("unknown value set", set_key(["match", "value_set"], "nope"), "$.match.value_set", "unknown value set"),
    ("unknown document", set_key(["citations", 0, "document"], "XYZ"), "$.citations[0].document", "unknown document"),
    ("id differs from file", set_key(["id"], "PI-PERM-999"), "$.id", "does not match the file name"),
    ("unknown fact in a test case", set_key(["tests", 0, "facts"], {"permision": []}), "$.tests[0].facts.permision", "unknown fact"),
    ("bad regex", set_key(["match"], {"fact": "strings", "op": "matches_any", "value": ["("]}), "$.match.value[0]", "bad regular expression"),
    ("list op with a number", set_key(["match"], {"fact": "strings", "op": "contains_any", "value": 3}), "$.match.value", "non-empty list"),
    ("burst without a window", set_key(["match"], {"fact": "runtime_calls", "op": "burst", "value": {"calls": 10}}), "$.match.value", "operator 'burst' needs"),
    ("burst with zero calls", set_key(["match"], {"fact": "runtime_calls", "op": "burst", "value": {"calls": 0, "seconds": 60}}), "$.match.value", "operator 'burst' needs"),
    ("typo in a nested leaf", set_key(["match"], {"all": [{"fact": "permissions", "op": "any"}, {"fact": "permissions", "opp": "any"}]}), "$.match.all[1]", "opp"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "edit", "json_path", "text"), CASES, ids=[c[0] for c in CASES])
def test_located_error(
    tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None], json_path: str, text: str
) -> None:
    pack = pack_with(tmp_path, edit)
    with pytest.raises(RuleLoadError) as info:
        load_rules([pack], builtin=False)
    assert info.value.json_path == json_path
    assert text in info.value.message
    assert info.value.file.endswith(f"{BASE_RULE}.json")


def test_scan_with_a_broken_pack_exits_2(tmp_path: Path) -> None:
    pack = pack_with(tmp_path, set_key(["match", "fact"], "permission"))
    result = invoke(["scan", "--rules", str(pack), str(tmp_path)], 2)
    assert f"{BASE_RULE}.json: $.match.fact: unknown fact 'permission'" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_json_names_line(tmp_path: Path) -> None:
    pack = pack_with(tmp_path, lambda d: None)
    (pack / "checks" / f"{BASE_RULE}.json").write_text('{"id": "PI-PERM-001",,}', encoding="utf-8")
    result = invoke(["rules", "validate", str(pack)], 2)
    assert "invalid JSON at line 1 column" in result.stderr


def test_validate_reports_a_missing_policy(tmp_path: Path) -> None:
    pack = pack_with(tmp_path, lambda d: None)
    result = invoke(["rules", "validate", str(pack)], 2)
    assert "no policy.json" in result.stderr


def test_extra_pack_overrides_a_builtin_rule(tmp_path: Path) -> None:
    pack = pack_with(tmp_path, set_key(["level"], "removal"))
    ruleset = load_rules([pack])
    assert {r.id: r.level.label for r in ruleset.rules}[BASE_RULE] == "removal"
    assert ruleset.version == "pi-scan-core@2026.11.0+pi-scan-core@2026.11.0"


def test_policy_naming_an_unknown_rule(tmp_path: Path) -> None:
    pack = pack_with(tmp_path, lambda d: None)
    policy = {"escalations": [], "overrides": {"PI-NOPE-001": "removal"}}
    (pack / "policy.json").write_text(json.dumps(policy), encoding="utf-8")
    with pytest.raises(RuleLoadError) as info:
        load_rules([pack], builtin=False)
    assert info.value.json_path == "$.overrides.PI-NOPE-001"


@pytest.mark.parametrize("args", [["--select", "PI-NOPE-001"], ["--ignore", "no-such-tag"]])
def test_unknown_select_or_ignore_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    result = invoke(["scan", *args, str(tmp_path)], 2)
    assert "unknown rule id or tag" in result.stderr


def test_select_by_tag_and_ignore_by_id() -> None:
    ids = {r.id for r in load_rules(select=["sms"]).rules}
    assert ids == {"PI-PERM-001", "PI-API-004", "PI-API-005"}
    ids = {r.id for r in load_rules(ignore=["PI-PERM-001"]).rules}
    assert "PI-PERM-001" not in ids and "PI-PERM-002" in ids


def test_a_file_read_twice_is_validated_once_and_reread_when_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pi_scan import datafiles as schema

    checked: list[str] = []
    real = schema.validate
    monkeypatch.setattr(schema, "validate", lambda d, s, f: (checked.append(f), real(d, s, f)))
    policy = tmp_path / "policy.json"
    original = (RULES / "policy.json").read_text(encoding="utf-8")
    policy.write_text(original, encoding="utf-8")
    first = schema.load_validated(policy, "policy")
    first["escalations"] = "changed by a caller"
    again = schema.load_validated(policy, "policy")
    assert again == json.loads(original)  # each caller gets its own copy
    assert checked == [str(policy)]  # validated once
    policy.write_text('{"escalations": 3}\n', encoding="utf-8")  # another size: re-read
    with pytest.raises(RuleLoadError):
        schema.load_validated(policy, "policy")
