"""The speed figures users see, each in fresh processes, beside its floor.

1. the floor: reading every entry of the large APK (benchmarks/make_large_apk.py) with
   zipfile in a fresh process (interpreter start-up included, as for pi-scan);
2. `pi-scan scan APK` with the defaults (cold: --no-store), pinned to one core;
3. `pi-scan facts APK`, pinned to one core;
4. the folder of the precision corpus (benchmarks/precision.py fetch): a cold scan with
   `--jobs 2` into an empty store, then warm rescans with the same store; the factor is
   cold / median warm.

Wall times (median and fastest of --runs) and the peak RSS of the pi-scan process (its
children's, for the folder), each one-app figure beside the floor (how many times the zip
read it takes) and, with --androguard, beside androguard's AnalyzeAPK of the same APK (one
fresh process on one core: about 90 s and 7 GB for the large APK).  Processes run as an
installed pi-scan runs: with bytecode (PYTHONDONTWRITEBYTECODE is dropped and the package
compiled first, as pip does at install).  --markdown also prints the README's table.

Usage: python benchmarks/bench_speed.py [--runs 5] [--apk PATH] [--folder DIR] [--no-folder]
       [--androguard] [--markdown]
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
ANDROGUARD = (
    "import sys\nfrom loguru import logger\nlogger.remove()\n"
    "from androguard.misc import AnalyzeAPK\nAnalyzeAPK(sys.argv[1])"
)


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


class Series:
    """Wall times and peak RSS of one command run `runs` times in fresh processes."""

    def __init__(self, command: list[str], runs: int, pin: bool = True) -> None:
        walls, peaks = zip(*(timed(command, pin) for _ in range(runs)), strict=True)
        self.median = statistics.median(walls)
        self.fastest = min(walls)
        self.peak = max(peaks)

    def line(self, floor: Series | None = None, reference: Series | None = None) -> str:
        text = f"median {self.median:.2f} s, fastest {self.fastest:.2f} s, peak {self.peak} MB"
        if floor is not None:
            text += f"; {self.median / floor.median:.1f}x the floor"
        if reference is not None:
            text += f", {reference.median / self.median:.0f}x faster than androguard"
        return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--apk", type=Path, default=HERE / ".cache" / "large.apk")
    parser.add_argument("--folder", type=Path, default=HERE / ".cache" / "precision")
    parser.add_argument("--no-folder", action="store_true")
    parser.add_argument("--androguard", action="store_true", help="also time AnalyzeAPK (once)")
    parser.add_argument("--markdown", action="store_true", help="also print the README table")
    args = parser.parse_args(argv)
    if not args.apk.is_file():
        raise SystemExit(f"{args.apk}: missing (python benchmarks/make_large_apk.py)")
    compileall.compile_dir(ROOT / "pi_scan", quiet=1)
    py, apk = sys.executable, str(args.apk)
    size = args.apk.stat().st_size / 1e6
    print(f"{args.apk.name}: {size:.1f} MB; {args.runs} fresh processes each, one core")
    floor = Series([py, "-c", FLOOR, apk], args.runs)
    print(f"  floor (zip read)      {floor.line()}")
    androguard = Series([py, "-c", ANDROGUARD, apk], 1) if args.androguard else None
    if androguard is not None:
        print(f"  androguard AnalyzeAPK {androguard.line(floor)}")
    scan_cmd = [py, "-m", "pi_scan", "scan", apk, "--no-store", "-q", "--fail-on", "never"]
    scan = Series([*scan_cmd, "--format", "json"], args.runs)
    print(f"  pi-scan scan          {scan.line(floor, androguard)}")
    facts = Series([py, "-m", "pi_scan", "facts", apk], args.runs)
    print(f"  pi-scan facts         {facts.line(floor, androguard)}")
    rows = [
        ("floor: zip read of the benchmark APK", floor),
        *([("androguard `AnalyzeAPK` (once)", androguard)] if androguard else []),
        ("`pi-scan scan APK` (defaults, cold, one core)", scan),
        ("`pi-scan facts APK` (one core)", facts),
    ]
    table = [
        f"| {name} | {s.median:.2f} s | {s.fastest:.2f} s | {s.peak} MB | "
        f"{s.median / floor.median:.1f}x |"
        for name, s in rows
    ]
    if not args.no_folder:
        table += folder_rows(args, py)
    if args.markdown:
        print("\n| | median | fastest | peak RSS | x floor |\n|---|---:|---:|---:|---:|")
        print("\n".join(table))
    return 0


def folder_rows(args: argparse.Namespace, py: str) -> list[str]:
    """Cold and warm scans of the precision folder with --jobs 2 (printed, and as rows)."""
    apps = sorted(p for p in args.folder.glob("*.apk"))
    if not apps:
        print(f"{args.folder}: no APKs (python benchmarks/precision.py fetch)")
        return []
    scratch = Path(tempfile.mkdtemp(prefix="pi-scan-speed-"))
    try:
        store = scratch / "store.sqlite"
        folder = [py, "-m", "pi_scan", "scan", str(args.folder), "-j", "2", "-q"]
        folder += ["--store", str(store), "--format", "json", "--fail-on", "never"]
        cold, _ = timed(folder, pin=False)
        warm = [timed(folder, pin=False)[0] for _ in range(args.runs)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    mb = sum(p.stat().st_size for p in apps) / 1e6
    median = statistics.median(warm)
    print(f"{args.folder.name}/: {len(apps)} APKs, {mb:.0f} MB, --jobs 2")
    print(f"  cold (empty store)    {cold:.2f} s")
    print(f"  warm rescan           median {median:.2f} s, fastest {min(warm):.2f} s")
    print(f"  warm factor           {cold / median:.1f}x")
    return [
        f"| precision folder ({len(apps)} APKs), cold, `--jobs 2` | {cold:.2f} s | | | |",
        f"| precision folder, warm rescan, `--jobs 2` | {median:.2f} s | {min(warm):.2f} s | | "
        f"{cold / median:.0f}x faster than cold |",
    ]


if __name__ == "__main__":
    sys.exit(main())
