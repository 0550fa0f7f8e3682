"""Reading the JSON files pi-scan works from, for every stage: the built-in rule pack and
catalogues (validated with JSON Schema, errors located), and the files a user hands in
(baselines, waivers, earlier reports)."""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pi_scan.errors import ConfigError, RuleLoadError

if TYPE_CHECKING:  # imported when a file is validated: most runs validate none
    from hashlib import _Hash

    from jsonschema import Draft202012Validator

SCHEMAS = ("rule", "policy", "pack")

_HERE = Path(__file__).resolve().parent


def builtin_rules_dir() -> Path:
    """The built-in pack: inside the installed package, or the checkout's top-level rules/."""
    installed = _HERE / "_rules"
    if (installed / "pack.json").is_file():
        return installed
    return _HERE.parent / "rules"


@cache
def validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    text = resources.files("pi_scan").joinpath(f"schemas/{name}.schema.json").read_text()
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
    raw = _read(path)  # read once: parsed, and its digest checked
    data = _parse(path, raw)
    if not _known_valid(path, schema, raw):
        validate(data, schema, str(path))
    return data


# The built-in files validated when the package was made: "rules/<relative path>" -> digest of
# the schema's name and text and the file's bytes (tests/test_datafiles.py checks and renews
# it).  A listed file whose digest still matches is not validated again (about a third of a
# second per process); one changed after install, or a user's pack, is.
VALIDATED = "schemas/validated.json"


def _known_valid(path: Path, schema: str, raw: bytes) -> bool:
    try:
        relative = path.resolve().relative_to(builtin_rules_dir().resolve())
        digest = _validated_digests().get(relative.as_posix())
        return digest is not None and digest == _digest(raw, schema)
    except (ValueError, OSError):
        return False


@cache
def _validated_digests() -> dict[str, str]:
    try:
        text = resources.files("pi_scan").joinpath(VALIDATED).read_text(encoding="utf-8")
        found = json.loads(text)["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def file_digest(path: Path, schema: str) -> str:
    """sha256 of the schema's name and text and the file's bytes."""
    return _digest(path.read_bytes(), schema)


def _digest(raw: bytes, schema: str) -> str:
    digest = _schema_digest(schema).copy()
    digest.update(raw)
    return digest.hexdigest()


@cache
def _schema_digest(schema: str) -> _Hash:  # the schema's part of the digest, made once
    text = resources.files("pi_scan").joinpath(f"schemas/{schema}.schema.json").read_bytes()
    return hashlib.sha256(schema.encode() + b"\0" + text + b"\0")


def validate(data: Any, schema: str, file: str) -> None:
    """Raise RuleLoadError(file, json_path, message) for the most relevant schema violation."""
    from jsonschema.exceptions import best_match

    error = best_match(validator(schema).iter_errors(data))
    if error is not None:
        raise RuleLoadError(file, error.json_path, error.message)


def read_user_json(path: Path) -> Any:
    """The parsed file; a missing, unreadable or malformed one is a one-line ConfigError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
