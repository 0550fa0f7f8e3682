"""JSON Schema validation of rule-pack files with located, readable errors."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
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


def validate(data: Any, schema: str, file: str) -> None:
    """Raise RuleLoadError(file, json_path, message) for the most relevant schema violation."""
    error = best_match(validator(schema).iter_errors(data))
    if error is not None:
        raise RuleLoadError(file, error.json_path, error.message)
