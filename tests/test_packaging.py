"""The wheel ships the rule packs: build it, install it into a fresh venv, scan a sample."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from .conftest import ROOT, sample


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_wheel_installs_and_scans(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "-w", dist, ROOT, cwd=tmp_path,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    [wheel] = dist.glob("pi_scan-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    install = run(py, "-m", "pip", "install", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    # The dependencies come from this interpreter's site-packages (no network in tests); the
    # package itself only from the wheel. The path is added after the install, or pip would
    # find this interpreter's pi-scan there and install nothing.
    site = run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)
    Path(site.stdout.strip(), "zz-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    where = run(py, "-c", "import pi_scan, sys; print(pi_scan.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(env_dir)), where.stdout

    scan = run(
        env_dir / "bin" / "pi-scan", "scan", "--format", "json", sample("clean.apk"), cwd=tmp_path
    )
    assert scan.returncode == 0, scan.stdout + scan.stderr
    report = json.loads(scan.stdout)
    assert report["results"][0]["verdict"] == "pass"
    assert report["rules_version"].startswith("pi-scan-core@")
    assert len(report["rules"]) >= 10


def test_the_command_imports_with_the_collector_paused_and_runs_with_it_on(
    tmp_path: Path,
) -> None:
    """`pi-scan` (pi_scan.__main__.run) freezes what the imports made and then runs the CLI
    with the cyclic collector on again (a batch of thousands of apps still collects)."""
    code = (
        "import gc, sys\n"
        "from pi_scan.__main__ import run\n"
        "import pi_scan.cli\n"
        "seen = []\n"
        "pi_scan.cli.main = lambda **kw: seen.append((gc.isenabled(), gc.get_freeze_count()))\n"
        "run()\n"
        "print(seen)\n"
    )
    out = run(sys.executable, "-c", code, cwd=tmp_path)
    [(enabled, frozen)] = ast.literal_eval(out.stdout)
    assert enabled is True and frozen > 10_000, out.stdout + out.stderr
