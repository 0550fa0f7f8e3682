"""Project configuration: `pi-scan.toml`, or `[tool.pi-scan]` in `pyproject.toml`.

The file gives defaults for `pi-scan scan` options; a command-line flag wins over an
environment variable (`PI_SCAN_SCAN_<OPTION>`), which wins over the file, which wins over the
built-in default.  The file is validated with a JSON Schema: an unknown key is an error, because
a compliance gate must not silently ignore a misspelt setting.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pi_scan.datafiles import validator
from pi_scan.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_FILE = "pi-scan.toml"
PYPROJECT = "pyproject.toml"

# config key -> name of the `scan` command's parameter
SCAN_KEYS = {
    "category": "category",
    "category_map": "category_map",
    "rules": "rules_dirs",
    "select": "select",
    "ignore": "ignore",
    "fail_on": "fail_on",
    "format": "fmt",
    "outputs": "outputs",
    "lang": "lang",
    "baseline": "baseline",
    "waivers": "waivers",
    "previous": "previous",
    "policy": "policy",
    "policy_dir": "policy_dir",
    "jobs": "jobs",
    "timeout": "timeout",
    "max_memory": "max_memory",
    "store": "store",
    "no_store": "no_store",
    "quiet": "quiet",
    "scheduler": "scheduler",
    "stream": "stream",
    "runtime_logs": "runtime_logs",
    "runtime_log_dir": "runtime_log_dirs",
}


PATH_KEYS = ("category_map", "baseline", "waivers", "previous", "store", "policy", "policy_dir")


def find_config(start: Path) -> Path | None:
    """`pi-scan.toml` in `start`, else a `pyproject.toml` there with a [tool.pi-scan] table."""
    candidate = start / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = start / PYPROJECT
    if pyproject.is_file() and "pi-scan" in _read_toml(pyproject).get("tool", {}):
        return pyproject
    return None


def load_config(path: Path) -> dict[str, Any]:
    """The validated settings of one file, as `scan` parameter defaults (paths made relative
    to the file's folder)."""
    data = _read_toml(path)
    if path.name == PYPROJECT:
        data = data.get("tool", {}).get("pi-scan", {})
    from jsonschema.exceptions import best_match

    error = best_match(validator("config").iter_errors(data))
    if error is not None:
        raise ConfigError(f"{path}: {error.json_path}: {error.message}")
    base = path.parent
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "category":
            value = str(value)
        elif key in ("rules", "runtime_logs", "runtime_log_dir"):
            value = [str(base / v) for v in value]
        elif key in PATH_KEYS:
            value = str(base / value)
        elif key == "outputs":
            value = [_relative_output(v, base) for v in value]
        out[SCAN_KEYS[key]] = value
    return out


def _relative_output(spec: str, base: Path) -> str:
    name, sep, target = spec.partition(":")
    return f"{name}:{base / target}" if sep and target else spec


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
