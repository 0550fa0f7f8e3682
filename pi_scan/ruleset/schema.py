"""JSON Schema validation of rule-pack files with located, readable errors.

Checking the built-in rules and catalogues against their schemas is most of loading them
(about 0.3 s of every `pi-scan scan`).  The outcome depends only on the file's bytes, the
schema and the jsonschema version, so a pass is remembered as an empty marker file named by
a digest of the three, under `$XDG_CACHE_HOME/pi-scan/validated/` (else `~/.cache/...`);
a file whose bytes, schema or validator changed is checked again.  Failures are never
remembered, and a cache that cannot be written is simply not used.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
from functools import cache, lru_cache
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
    return _parse(path, _read(path))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RuleLoadError(str(path), "$", "file not found") from None
    except OSError as exc:
        raise RuleLoadError(str(path), "$", f"cannot read: {exc}") from None


def _parse(path: Path, raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleLoadError(str(path), "$", f"cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise RuleLoadError(
            str(path), "$", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def load_validated(path: Path, schema: str) -> Any:
    """`load_json`, then `validate` against the named schema.

    Catalogues cross-check each other, so one file is asked for several times while they
    load (permissions.json three times); it is read and validated once per version of the
    file (path, size and modification time), and each caller gets its own copy.
    """
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None:  # load_json names the reason
        data = load_json(path)
        validate(data, schema, str(path))
        return data
    version = (path.resolve(), stat.st_size, stat.st_mtime_ns)
    return copy.deepcopy(_validated(path, schema, version))


@lru_cache(maxsize=64)
def _validated(path: Path, schema: str, version: tuple[Path, int, int]) -> Any:
    raw = _read(path)
    data = _parse(path, raw)
    marker = _passed_marker(raw, schema)
    if marker is not None and marker.exists():
        return data
    validate(data, schema, str(path))
    if marker is not None:
        with contextlib.suppress(OSError):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
    return data


def _passed_marker(raw: bytes, schema: str) -> Path | None:
    """Where a pass of these bytes against this schema (and validator) is remembered."""
    try:
        digest = hashlib.sha256(_schema_identity(schema))
    except (OSError, ImportError):  # no schema file or no jsonschema metadata: do not cache
        return None
    digest.update(raw)
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache_home) / "pi-scan" / "validated" / digest.hexdigest()


@cache
def _schema_identity(name: str) -> bytes:
    """The schema's text and the validator's version: what a pass depends on besides data."""
    from importlib.metadata import version

    text = resources.files("pi_scan.ruleset").joinpath(f"schemas/{name}.schema.json").read_bytes()
    return hashlib.sha256(
        name.encode() + b"\0" + version("jsonschema").encode() + b"\0" + text
    ).digest()


def validate(data: Any, schema: str, file: str) -> None:
    """Raise RuleLoadError(file, json_path, message) for the most relevant schema violation."""
    error = best_match(validator(schema).iter_errors(data))
    if error is not None:
        raise RuleLoadError(file, error.json_path, error.message)
