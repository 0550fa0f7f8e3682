"""Shared fixtures: sample paths, a CLI runner helper, hand-built facts."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner, Result

from pi_scan.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
RULES = ROOT / "rules"
# What `pi-scan scan samples/` gives (samples/README.md): the number of files and the summary.
SAMPLE_COUNT = 16
SAMPLE_SUMMARY = "16 apps: 2 pass, 6 notice, 5 removal, 3 errors"
SAMPLE_REMOVALS = 5


@pytest.fixture(autouse=True, scope="session")
def _private_results_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`pi-scan scan` keeps results in $XDG_CACHE_HOME by default: never the user's own."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


def load_script(path: Path, name: str) -> ModuleType:
    """A benchmark script (not a package module) imported under `name`."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.fail(f"sample {name} is missing: run `python samples/build.py`")
    return path


def invoke(args: Sequence[str], code: int) -> Result:
    """Run the CLI in-process and assert its exit code, showing output on failure."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, (
        f"exit {result.exit_code} != {code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result
