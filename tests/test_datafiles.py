"""The manifest of built-in data files validated when the package is made
(pi_scan/schemas/validated.json): every built-in file with a schema is listed with the digest
of its current text and validates; a listed file is not validated again at load; a changed one
is.  Renew the manifest with PI_SCAN_UPDATE_GOLDEN=1 (as the golden reports)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pi_scan import datafiles
from pi_scan.datafiles import builtin_rules_dir, file_digest, load_validated, validate
from pi_scan.errors import RuleLoadError

from .conftest import ROOT

MANIFEST = ROOT / "pi_scan" / datafiles.VALIDATED
# which schema each built-in file is read with (pi-types.json is checked by its loader)
SCHEMA_OF = {
    "pack.json": "pack",
    "policy.json": "policy",
    "catalog/apis.json": "apis",
    "catalog/app-types.json": "app-types",
    "catalog/permissions.json": "permissions",
    "catalog/platform-libs.json": "platform-libs",
    "catalog/policy-terms.json": "policy-terms",
    "catalog/sdks.json": "sdks",
}


def _schema(relative: str) -> str | None:
    if relative.startswith("checks/"):
        return "rule"
    return SCHEMA_OF.get(relative)


def _expected() -> dict[str, str]:
    rules = ROOT / "rules"
    out = {}
    for path in sorted(rules.rglob("*.json")):
        relative = path.relative_to(rules).as_posix()
        schema = _schema(relative)
        if schema is None:
            continue
        validate(json.loads(path.read_text(encoding="utf-8")), schema, relative)
        out[relative] = file_digest(path, schema)
    return out


def test_manifest_lists_every_built_in_file_with_its_current_digest() -> None:
    expected = _expected()
    if os.environ.get("PI_SCAN_UPDATE_GOLDEN"):
        text = json.dumps({"files": expected}, indent=1, sort_keys=True) + "\n"
        MANIFEST.write_text(text, encoding="utf-8")
    listed = json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]
    assert listed == expected, "renew with PI_SCAN_UPDATE_GOLDEN=1 pytest tests/test_datafiles.py"


def test_every_built_in_file_but_the_pi_types_has_a_schema() -> None:
    rules = ROOT / "rules"
    unlisted = [
        p.relative_to(rules).as_posix()
        for p in rules.rglob("*.json")
        if _schema(p.relative_to(rules).as_posix()) is None
    ]
    assert unlisted == ["catalog/pi-types.json"]


def test_a_listed_file_is_not_validated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(
        datafiles, "validate", lambda data, schema, file: calls.append((file, schema))
    )
    datafiles._validated.cache_clear()
    sdks = builtin_rules_dir() / "catalog" / "sdks.json"
    try:
        load_validated(sdks, "sdks")
        assert calls == []
        # read with another schema than the one it was checked with: validated
        load_validated(sdks, "apis")
        assert calls == [(str(sdks), "apis")]
    finally:
        datafiles._validated.cache_clear()


def test_a_changed_built_in_file_is_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed pack edited after install (or a copy of it) is checked as any user pack."""
    copy = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), copy)
    monkeypatch.setattr(datafiles, "builtin_rules_dir", lambda: copy)
    datafiles._validated.cache_clear()
    try:
        sdks = copy / "catalog" / "sdks.json"
        load_validated(sdks, "sdks")  # unchanged: listed, fine
        data = json.loads(sdks.read_text(encoding="utf-8"))
        data["sdks"][0]["category"] = "not-a-category"
        sdks.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(RuleLoadError, match="not-a-category"):
            load_validated(sdks, "sdks")
    finally:
        datafiles._validated.cache_clear()
