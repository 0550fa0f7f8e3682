"""A short, seeded run of every fuzz target (tests/fuzz/run.py) as part of the normal suite.

Coverage-guided with atheris when it is installed, else the deterministic mutation fuzzer;
the seed is fixed (and PYTHONHASHSEED), so a run explores the same inputs each time as far as
its time box allows.  A finding fails the test and names the saved input; see run.py for
turning it into a regression in tests/data/regress/.  Long runs: `python tests/fuzz/run.py
--target zip --seconds 3600` (README, "Hostile input").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "tests" / "fuzz" / "run.py"
SECONDS = 20  # per target: about a minute for the three


@pytest.mark.parametrize("target", ["zip", "axml", "dex"])
def test_short_fuzz_run_finds_nothing(target: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    args = [sys.executable, str(RUN), "--target", target, "--seconds", str(SECONDS)]
    findings_dir = tmp_path / "findings"
    args += ["--seed", "1", "--artifacts", str(findings_dir), "--corpus", str(tmp_path / "corpus")]
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SECONDS + 180, check=False
    )
    findings = sorted(path.name for path in findings_dir.iterdir())
    output = (result.stdout + result.stderr)[-4000:]
    assert findings == [], f"fuzz findings in {findings_dir}: {findings}\n{output}"
    assert result.returncode == 0, output
