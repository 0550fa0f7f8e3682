"""Reading the JSON files a user hands in (baselines, waivers, earlier reports)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pi_scan.errors import ConfigError


def read_user_json(path: Path) -> Any:
    """The parsed file; a missing, unreadable or malformed one is a one-line ConfigError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
