"""The speed figures users see, each in fresh processes, beside its floor.

1. the floor: reading every entry of the large APK (benchmarks/make_large_apk.py) with
   zipfile in a fresh process (interpreter start-up included, as for pi-scan);
2. `pi-scan scan APK` with the defaults (cold: --no-store), pinned to one core;
3. `pi-scan facts APK`, pinned to one core;
4. the folder of the precision corpus (benchmarks/precision.py fetch): a cold scan with
   `--jobs 2` into an empty store, then warm rescans with the same store; the factor is
   cold / median warm.

Wall times (median and fastest of --runs) and the peak RSS of the pi-scan process (its
children's, for the folder).  Processes run as an installed pi-scan runs: with bytecode
(PYTHONDONTWRITEBYTECODE is dropped and the package compiled first, as pip does at install).

Usage: python benchmarks/bench_speed.py [--runs 5] [--apk PATH] [--folder DIR] [--no-folder]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOOR = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor i in z.infolist(): z.read(i)"


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out["PYTHONPATH"] = str(ROOT)
    return out


def one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def timed(command: list[str], pin: bool) -> tuple[float, int]:
    """Wall seconds and the peak RSS (MB) of one fresh process (its own, or its largest
    child's when it forks workers: wait4 reports the larger)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=one_core if pin else None,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)}: exit {child.returncode}")
    return wall, usage.ru_maxrss // 1024


def series(command: list[str], runs: int, pin: bool = True) -> str:
    walls, peaks = zip(*(timed(command, pin) for _ in range(runs)), strict=True)
    return (
        f"median {statistics.median(walls):.2f} s, fastest {min(walls):.2f} s, peak {max(peaks)} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--apk", type=Path, default=HERE / ".cache" / "large.apk")
    parser.add_argument("--folder", type=Path, default=HERE / ".cache" / "precision")
    parser.add_argument("--no-folder", action="store_true")
    args = parser.parse_args(argv)
    if not args.apk.is_file():
        raise SystemExit(f"{args.apk}: missing (python benchmarks/make_large_apk.py)")
    compileall.compile_dir(ROOT / "pi_scan", quiet=1)
    py, apk = sys.executable, str(args.apk)
    size = args.apk.stat().st_size / 1e6
    print(f"{args.apk.name}: {size:.1f} MB; {args.runs} fresh processes each, one core")
    print(f"  floor (zip read)      {series([py, '-c', FLOOR, apk], args.runs)}")
    scan = [py, "-m", "pi_scan", "scan", apk, "--no-store", "-q", "--fail-on", "never"]
    print(f"  pi-scan scan          {series([*scan, '--format', 'json'], args.runs)}")
    print(f"  pi-scan facts         {series([py, '-m', 'pi_scan', 'facts', apk], args.runs)}")
    if args.no_folder:
        return 0
    apps = sorted(p for p in args.folder.glob("*.apk"))
    if not apps:
        print(f"{args.folder}: no APKs (python benchmarks/precision.py fetch)")
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="pi-scan-speed-"))
    try:
        store = scratch / "store.sqlite"
        folder = [py, "-m", "pi_scan", "scan", str(args.folder), "-j", "2", "-q"]
        folder += ["--store", str(store), "--format", "json", "--fail-on", "never"]
        cold, _ = timed(folder, pin=False)
        warm = [timed(folder, pin=False)[0] for _ in range(args.runs)]
        mb = sum(p.stat().st_size for p in apps) / 1e6
        print(f"{args.folder.name}/: {len(apps)} APKs, {mb:.0f} MB, --jobs 2")
        print(f"  cold (empty store)    {cold:.2f} s")
        median = statistics.median(warm)
        print(f"  warm rescan           median {median:.2f} s, fastest {min(warm):.2f} s")
        print(f"  warm factor           {cold / median:.1f}x")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
