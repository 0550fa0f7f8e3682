"""Benchmark of fact extraction from a large APK: wall time and peak RSS of each step.

Every step runs in a fresh Python subprocess, so that each peak RSS is its own (measured
with os.wait4's rusage: ru_maxrss, and user + system CPU time; interpreter start-up, about
10 MB and 0.05-0.3 s, is included in every line).  Steps:

1. zip      read the DEX bytes out of the APK, nothing else
2. ours     pi_scan.extract.dex: read_dex_part on each DEX + combine (the module loaded on
            its own, without the pi_scan.extract package and its androguard imports)
3. facts    `python -m pi_scan facts APK` (extracted and derived facts; output to /dev/null)
3b.         the same with --extracted-only (the extraction without the derived facts)
4. ag-dex   androguard.core.dex.DEX on each DEX (the baseline object model)
5. ag-apk   androguard.misc.AnalyzeAPK (the full baseline; slow, GBs: --skip-analyze)
6. no-code  pi_scan.extract.extract_facts with the code evidence (call graph, reflective
            methods) switched off: the extraction as it was before the call graph
7. code     extract_facts as it is, from the manifest's entry points
8. stress   extract_facts with D8.main and R8.main added as Application-level entry points,
            so that the call graph runs into its budget (a big app's worst case)

Usage: python benchmarks/bench_extract.py [APK] [--skip-analyze] [--repeat N]
With --repeat N, steps 1-4 run N times and the line shows the fastest run (this machine's
speed varies by up to 30% from run to run) and the largest peak RSS.
APK defaults to benchmarks/.cache/large.apk (built by benchmarks/make_large_apk.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_APK = HERE / ".cache" / "large.apk"

READ_ZIP = """
import sys, zipfile
zf = zipfile.ZipFile(sys.argv[1])
names = sorted(n for n in zf.namelist() if n.startswith("classes") and n.endswith(".dex"))
"""

ZIP_ONLY = (
    READ_ZIP
    + """
total = sum(len(zf.read(n)) for n in names)
"""
)

OURS = (
    READ_ZIP
    + """
import importlib.util, json
spec = importlib.util.spec_from_file_location("dex", sys.argv[2])
dex = importlib.util.module_from_spec(spec)
sys.modules["dex"] = dex
spec.loader.exec_module(dex)
sizes = []
parts = []
for n in names:
    data = zf.read(n)
    sizes.append(len(data))
    parts.append(dex.read_dex_part(data, n))
    del data
merged, _ = dex.combine(parts)
print(json.dumps({"dex": len(names), "dex_mb": sum(sizes) / 2**20,
                  "method_refs": len(merged.method_refs), "field_refs": len(merged.field_refs),
                  "classes": len(merged.classes), "strings": len(merged.strings)}))
"""
)

ANDROGUARD_DEX = (
    READ_ZIP
    + """
from loguru import logger
logger.disable("androguard")
from androguard.core.dex import DEX
kept = [DEX(zf.read(n)) for n in names]
"""
)

EXTRACT = """
import json, sys, time
from pathlib import Path
import pi_scan.extract as ex
from pi_scan.model import CodeEntry
mode = sys.argv[2]
if mode == "none":
    ex._code_evidence = lambda *args: ex._CodeEvidence()
    ex._reflective = lambda *args: []
elif mode == "stress":
    manifest_entries = ex.entry_points
    def entry_points(index, *args):
        mains = [index.resolve(f"Lcom/android/tools/r8/{c};", "main([Ljava/lang/String;)V")
                 for c in ("D8", "R8")]
        extra = [CodeEntry(m, "application", "bench") for m in mains if m]
        return manifest_entries(index, *args) + extra
    ex.entry_points = entry_points
start = time.perf_counter()
facts = ex.extract_facts(Path(sys.argv[1]))
seconds = time.perf_counter() - start
print(json.dumps({f"{mode}_extract_s": seconds, f"{mode}_nodes": len(facts.code_graph),
                  f"{mode}_edges": sum(len(n.edges) for n in facts.code_graph),
                  f"{mode}_reflective": len(facts.reflection_code),
                  f"{mode}_app_reachable": len(facts.app_reachable),
                  f"{mode}_limits": list(facts.code_graph_limits)}))
"""

ANDROGUARD_APK = """
import sys
from loguru import logger
logger.disable("androguard")
from androguard.misc import AnalyzeAPK
a, d, dx = AnalyzeAPK(sys.argv[1])
"""


def run(args: list[str], stdout: int | None = None) -> tuple[float, float, int, bytes, float]:
    """(wall seconds, peak RSS MB, exit status, stdout, CPU seconds) of one child process."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out if stdout is None else stdout, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return wall, usage.ru_maxrss / 1024, proc.returncode, out.read(), cpu


def python(code: str, *argv: str) -> list[str]:
    return [sys.executable, "-c", code, *argv]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("apk", nargs="?", type=Path, default=DEFAULT_APK)
    parser.add_argument("--skip-analyze", action="store_true", help="skip AnalyzeAPK")
    parser.add_argument("--repeat", type=int, default=1, help="runs of steps 1-4 (best kept)")
    args = parser.parse_args(argv)
    apk: Path = args.apk.resolve()
    if not apk.exists():
        print(f"{apk} not found: build it with python benchmarks/make_large_apk.py")
        return 2
    dex_py = str(ROOT / "pi_scan" / "extract" / "dex.py")
    rows: list[tuple[str, str, str, str, str]] = []
    info: dict[str, Any] = {}

    def step(label: str, cmd: list[str], quiet: bool = False, runs: int = args.repeat) -> None:
        results = [run(cmd, subprocess.DEVNULL if quiet else None) for _ in range(runs)]
        wall, code = min(r[0] for r in results), max(r[2] for r in results)
        middle = statistics.median(r[0] for r in results)
        rss, cpu = max(r[1] for r in results), min(r[4] for r in results)
        if code != 0:
            rows.append((label, "failed", "", f"exit {code}", ""))
        else:
            rows.append((label, f"{wall:.2f}", f"{middle:.2f}", f"{rss:.0f}", f"{cpu:.2f}"))
        out = results[-1][3]
        if out.strip().startswith(b"{"):
            info.update(json.loads(out))
        print(f"  {label}: {rows[-1][1]} s, {rows[-1][3]} MB", file=sys.stderr)

    step("1 zip: read the DEX bytes only", python(ZIP_ONLY, str(apk)))
    step("2 ours: read_dex_part + combine", python(OURS, str(apk), dex_py))
    if importlib.util.find_spec("pi_scan.__main__") is None:
        rows.append(("3 pi-scan facts APK", "skipped: pi-scan facts not available", "", "", ""))
    else:
        step(
            "3 pi-scan facts APK (all facts)",
            [sys.executable, "-m", "pi_scan", "facts", str(apk)],
            quiet=True,
        )
        step(
            "3b pi-scan facts --extracted-only APK",
            [sys.executable, "-m", "pi_scan", "facts", "--extracted-only", str(apk)],
            quiet=True,
        )
    step("4 androguard DEX (each DEX)", python(ANDROGUARD_DEX, str(apk)))
    if args.skip_analyze:
        rows.append(("5 androguard AnalyzeAPK", "skipped (--skip-analyze)", "", "", ""))
    else:
        step("5 androguard AnalyzeAPK", python(ANDROGUARD_APK, str(apk)), runs=1)
    step("6 extract_facts, no code evidence", python(EXTRACT, str(apk), "none"))
    step("7 extract_facts, with code evidence", python(EXTRACT, str(apk), "code"))
    step("8 extract_facts, call graph from D8/R8.main", python(EXTRACT, str(apk), "stress"))

    print(f"APK: {apk}")
    if info:
        print(
            f"{int(info['dex'])} DEX files, {info['dex_mb']:.1f} MB of DEX, "
            f"{int(info['method_refs'])} method refs, {int(info['field_refs'])} field refs, "
            f"{int(info['classes'])} classes, {int(info['strings'])} strings"
        )
    modes = (
        ("none", "no code evidence"),
        ("code", "with code evidence"),
        ("stress", "call graph from D8/R8.main"),
    )
    for mode, what in modes:
        if f"{mode}_extract_s" in info:
            limits = "; ".join(info[f"{mode}_limits"]) or "no limit reached"
            print(
                f"extract_facts {what}: {info[f'{mode}_extract_s']:.2f} s in-process, "
                f"{info[f'{mode}_nodes']} methods reached, {info[f'{mode}_edges']} calls, "
                f"{info[f'{mode}_reflective']} reflective methods, "
                f"{info.get(f'{mode}_app_reachable', 0)} methods in the whole-app set; {limits}"
            )
    width = max(len(r[0]) for r in rows)
    head = f"{'step':<{width}}  {'wall s':>8}  {'median s':>8}  {'peak RSS MB':>11}  {'CPU s':>6}"
    print(head)
    for label, wall, middle, rss, cpu in rows:
        print(f"{label:<{width}}  {wall:>8}  {middle:>8}  {rss:>11}  {cpu:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
