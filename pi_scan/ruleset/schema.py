"""JSON Schema validation of rule-pack files with located, readable errors."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from pi_scan.errors import RuleLoadError

SCHEMAS = ("rule", "policy", "pack")


@cache
def validator(name: str) -> Draft202012Validator:
    text = resources.files("pi_scan.ruleset").joinpath(f"schemas/{name}.schema.json").read_text()
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def load_json(path: Path) -> Any:
    """Parse a rule-pack or catalogue file; a missing, unreadable or malformed one is a
    RuleLoadError naming the file (and the line, for bad JSON)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleLoadError(str(path), "$", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleLoadError(str(path), "$", f"cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise RuleLoadError(
            str(path), "$", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def load_validated(path: Path, schema: str) -> Any:
    """`load_json`, then `validate` against the named schema."""
    data = load_json(path)
    validate(data, schema, str(path))
    return data


def validate(data: Any, schema: str, file: str) -> None:
    """Raise RuleLoadError(file, json_path, message) for the most relevant schema violation."""
    error = best_match(validator(schema).iter_errors(data))
    if error is not None:
        raise RuleLoadError(file, error.json_path, error.message)
