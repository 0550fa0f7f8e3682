"""Start-up: a rule or catalogue file that passed its schema check is not checked again until
its bytes, the schema or the validator change; failures are never remembered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pi_scan.errors import RuleLoadError
from pi_scan.ruleset import builtin_rules_dir, load_rules
from pi_scan.ruleset import schema as schema_module
from pi_scan.ruleset.schema import load_validated


class Checks:
    """Counts the schema checks actually run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[str] = []
        self._validate = schema_module.validate
        monkeypatch.setattr(schema_module, "validate", self)

    def __call__(self, data: object, schema: str, file: str) -> None:
        self.files.append(Path(file).name)
        self._validate(data, schema, file)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    schema_module._validated.cache_clear()  # the in-process cache would hide the markers
    return home


@pytest.fixture
def rule_file(tmp_path: Path) -> Path:
    source = sorted((builtin_rules_dir() / "checks").glob("*.json"))[0]
    target = tmp_path / "rule.json"
    shutil.copyfile(source, target)
    return target


def test_a_passed_file_is_not_checked_again(
    cache_home: Path, rule_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Checks(monkeypatch)
    first = load_validated(rule_file, "rule")
    assert checks.files == ["rule.json"]
    assert len(list((cache_home / "pi-scan" / "validated").iterdir())) == 1
    schema_module._validated.cache_clear()  # as a new process would
    assert load_validated(rule_file, "rule") == first
    assert checks.files == ["rule.json"]


def test_changed_bytes_are_checked_again_and_failures_are_not_remembered(
    cache_home: Path, rule_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_validated(rule_file, "rule")
    checks = Checks(monkeypatch)
    data = json.loads(rule_file.read_text(encoding="utf-8"))
    data["level"] = "catastrophe"  # not a level the schema knows
    rule_file.write_text(json.dumps(data), encoding="utf-8")
    for _attempt in range(2):
        schema_module._validated.cache_clear()
        with pytest.raises(RuleLoadError, match="level"):
            load_validated(rule_file, "rule")
    assert checks.files == ["rule.json", "rule.json"]


def test_another_schema_is_another_check(
    cache_home: Path, rule_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_validated(rule_file, "rule")
    schema_module._validated.cache_clear()
    with pytest.raises(RuleLoadError):  # a rule is not a policy: the rule's pass does not count
        load_validated(rule_file, "policy")


def test_a_cache_that_cannot_be_written_is_not_used(
    tmp_path: Path, rule_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    schema_module._validated.cache_clear()
    checks = Checks(monkeypatch)
    for _attempt in range(2):
        schema_module._validated.cache_clear()
        load_validated(rule_file, "rule")
    assert checks.files == ["rule.json", "rule.json"]


def test_the_built_in_rules_load_the_same_from_the_cache(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load_rules(())
    schema_module._validated.cache_clear()
    checks = Checks(monkeypatch)
    warm = load_rules(())
    assert checks.files == []
    assert warm == cold
