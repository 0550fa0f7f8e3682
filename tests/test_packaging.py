"""The wheel ships the rule packs: build it, install it into a fresh venv, scan a sample."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

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
        "import gc\n"
        "from pi_scan.__main__ import run\n"
        "import pi_scan.cli\n"
        "pi_scan.cli.main = lambda **kw: print((gc.isenabled(), gc.get_freeze_count()))\n"
        "run()\n"
    )
    out = run(sys.executable, "-c", code, cwd=tmp_path)
    enabled, frozen = ast.literal_eval(out.stdout)
    assert enabled is True and frozen > 10_000, out.stdout + out.stderr
    assert out.returncode == 0


LEAVE = (
    "import sys, threading, time\n"
    "import pi_scan.cli\n"
    "from pi_scan.__main__ import run\n"
    "from pi_scan.cli import common\n"
    "import atexit\n"
    "atexit.register(lambda: print('atexit ran'))\n"
    "def main(**kw):\n"
    "    common.keep_until_exit(['kept'])\n"
    "    print('kept', common.kept_until_exit)\n"
    "    print('to stderr', file=sys.stderr, end='')\n"
    "    if sys.argv[1] == 'thread':\n"
    "        threading.Thread(target=time.sleep, args=(0.2,)).start()\n"
    "    raise SystemExit(int(sys.argv[2]) if sys.argv[2].isdigit() else sys.argv[2])\n"
    "pi_scan.cli.main = main\n"
    "run()\n"
)


@pytest.mark.parametrize(
    ("thread", "code", "status"), [("", "3", 3), ("", "0", 0), ("", "bad", 1), ("thread", "4", 4)]
)
def test_the_command_leaves_with_its_exit_code_streams_flushed_and_atexit_run(
    tmp_path: Path, thread: str, code: str, status: int
) -> None:
    """The command ends with os._exit (what it kept is never freed one by one) after the
    streams are flushed and the atexit handlers run; sys.exit("message") prints the message
    and gives 1, as the interpreter does; with a thread still running it leaves as usual."""
    out = run(sys.executable, "-c", LEAVE, thread or "-", code, cwd=tmp_path)
    assert out.returncode == status, out.stderr
    assert out.stdout == "kept [['kept']]\natexit ran\n"
    assert out.stderr.startswith("to stderr") and ("bad" in out.stderr) == (code == "bad")


def test_in_another_program_the_cli_keeps_nothing_for_the_exit() -> None:
    from pi_scan.cli import common

    assert common.kept_until_exit is None  # the tests run the CLI through CliRunner
    common.keep_until_exit(object())
    assert common.kept_until_exit is None


def test_without_cpythons_run_exitfuncs_the_command_leaves_as_usual(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import atexit

    from pi_scan import __main__ as entry

    monkeypatch.delattr(atexit, "_run_exitfuncs")
    with pytest.raises(SystemExit) as leaving:
        entry._leave(5)
    assert leaving.value.code == 5
