"""Benchmark of batch scans: worker processes and the results store.

Builds a folder of apps in benchmarks/.cache/batch/: VARIANTS copies of every sample (each
with its own bytes, so its own SHA-256: a zip comment for zips, a few trailing bytes for the
broken ones) plus LARGE copies of the large multi-DEX APK of benchmarks/make_large_apk.py
(built if missing and possible).  Then, in one run, each in a fresh Python process:

1. cold, --jobs 1   (in-process, empty store)
2. cold, --jobs 2   (two worker processes, empty store)
3. warm, --jobs 2   (the store of run 2: every app is known; no file is hashed again)
4. warm, --jobs 2, --rehash   (the same, every file hashed again)
5. warm, `python -m pi_scan scan FOLDER` (the same store, default --jobs, JSON report to
   /dev/null): the rescan as a user sees it, interpreter start-up, imports, rule loading
   and report rendering included

and prints apps/s, the speed-up from 1 to 2 jobs, the warm-rescan factor and the peak RSS of
each process that scanned (ru_maxrss, reported back by the worker with each result): after
its first few small apps, after all small apps, and at the end (large apps included).  The
wall time is that of `run_scan` (workers' start-up included, interpreter start-up not; with
more than one job the fork server is started before the rules load, as `pi-scan scan` does).

Then one app, the large APK, through the command line (`python -m pi_scan scan APK` with a
fresh store, output to /dev/null), alternately with the default --jobs and with --jobs 1, each
run a fresh process (interpreter start-up included); prints the fastest and the median wall
time of each.  With the default --jobs (the number of cores) one app is scanned in one child
forked from the pi-scan process (limits on), with --jobs 1 in the process itself (no limits).

Usage: python benchmarks/bench_batch.py [--variants 21] [--large 2] [--no-large]
                                        [--single 5] [--single-only [--against DIR]]
                                        [--code DIR]
--code DIR runs the pi_scan package found in DIR (say, a `git archive` of an older commit)
instead of this checkout's, for before/after figures on the same machine and folder;
--single-only --against DIR interleaves the one-app runs of both, round by round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FOLDER = HERE / ".cache" / "batch"
LARGE = HERE / ".cache" / "large.apk"
SAMPLE_SUFFIXES = (".apk", ".apks", ".xapk")
CODE = ROOT  # where the measured pi_scan package is (--code)


def code_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(CODE)}


def variant(source: Path, target: Path, number: int) -> None:
    """A copy with different bytes: a zip comment, or trailing bytes for a broken file."""
    shutil.copyfile(source, target)
    try:
        with zipfile.ZipFile(target, "a") as zf:
            zf.comment = f"pi-scan bench variant {number}".encode()
    except (zipfile.BadZipFile, OSError):
        with target.open("ab") as handle:
            handle.write(f"\0variant {number}".encode())


def large_apk() -> Path | None:
    """The large APK, built by make_large_apk.py when missing (needs java and aapt)."""
    if LARGE.exists():
        return LARGE
    print("building the large APK with make_large_apk.py ...", file=sys.stderr)
    made = subprocess.run([sys.executable, str(HERE / "make_large_apk.py"), "--out", str(LARGE)])
    return LARGE if made.returncode == 0 and LARGE.exists() else None


def build(variants: int, large: int) -> tuple[int, int, int]:
    """(small apps, large apps, largest file size) in FOLDER, rebuilt from scratch."""
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    samples = sorted(p for p in (ROOT / "samples").iterdir() if p.suffix in SAMPLE_SUFFIXES)
    for number in range(variants):
        for source in samples:
            variant(source, FOLDER / f"{source.stem}-{number:03d}{source.suffix}", number)
    big = large_apk() if large else None
    if large and big is None:
        print("no large APK (make_large_apk.py failed): small apps only", file=sys.stderr)
    for number in range(large if big else 0):
        assert big is not None
        variant(big, FOLDER / f"zz-large-{number}.apk", number)
    sizes = [p.stat().st_size for p in FOLDER.iterdir()]
    return variants * len(samples), large if big else 0, max(sizes)


# --- one measured run, in its own process -----------------------------------------------------


class Collect:
    """Observer: where each result came from, and each scanning process's RSS over time."""

    def __init__(self) -> None:
        self.sources: dict[str, int] = defaultdict(int)
        self.rss: dict[str, list[tuple[str, int]]] = defaultdict(list)

    def started(self, total: int) -> None:
        pass

    def finished(self, event: Any) -> None:
        self.sources[event.source] += 1
        if event.pid is not None and event.rss_kb:
            name = Path(event.result.path).name
            self.rss[str(event.pid)].append((name, event.rss_kb))


def measure(jobs: int, store: str, rehash: bool) -> dict[str, Any]:
    from pi_scan.batch import run_scan
    from pi_scan.batch.runner import Batch, warm_up
    from pi_scan.facts import load_knowledge
    from pi_scan.judge.ruleset import load_rules

    if jobs > 1:
        warm_up()  # as `pi-scan scan` does: the fork server imports while the rules load
    ruleset, knowledge = load_rules(()), load_knowledge()
    collect = Collect()
    start = time.perf_counter()
    extra = {"rehash": True} if rehash else {}  # older code has no Batch.rehash
    batch = Batch(jobs=jobs, store=Path(store), **extra)
    result = run_scan([str(FOLDER)], ruleset, knowledge, batch=batch, observer=collect)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "apps": len(result.results),
        "errors": len(result.errors),
        "sources": dict(collect.sources),
        "rss": {pid: _rss_summary(points) for pid, points in collect.rss.items()},
    }


def _rss_summary(points: list[tuple[str, int]]) -> dict[str, float]:
    small = [kb for name, kb in points if not name.startswith("zz-large")]
    mb = [kb / 1024 for _, kb in points]
    return {
        "apps": len(points),
        "after_5_small_mb": small[min(4, len(small) - 1)] / 1024 if small else 0.0,
        "after_all_small_mb": max(small) / 1024 if small else 0.0,
        "peak_mb": max(mb),
    }


def has_rehash() -> bool:
    """Whether the measured code has Batch.rehash (older commits do not)."""
    probe = "from pi_scan.batch.runner import Batch; Batch(rehash=True)"
    probed = subprocess.run(
        [sys.executable, "-c", probe], cwd=CODE, env=code_env(), capture_output=True
    )
    return probed.returncode == 0


def run(jobs: int, store: Path, rehash: bool = False) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(jobs), str(store), *(["--rehash"] * rehash)],
        cwd=CODE, env=code_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout))


# --- one app through the command line -------------------------------------------------------


def single(
    apk: Path, repeat: int, scratch: Path, against: Path | None = None
) -> dict[str, list[float]]:
    """Wall times of `pi-scan scan APK` (fresh process, fresh store), defaults and --jobs 1
    taking turns (and this code and `against`'s, if given), so that the machine's changing
    load falls on all alike."""
    codes = [("", CODE)] + ([(f"{against.name}: ", against)] if against else [])
    times: dict[str, list[float]] = {}
    for number in range(repeat):
        for prefix, code in codes:
            env = {**os.environ, "PYTHONPATH": str(code)}
            for label, extra in (("defaults", []), ("--jobs 1", ["--jobs", "1"])):
                store = scratch / f"single-{number}-{len(extra)}-{len(prefix)}.sqlite"
                command = [sys.executable, "-m", "pi_scan", "scan", str(apk)]
                command += ["--store", str(store), "-q", "--format", "json", "--fail-on", "never"]
                start = time.perf_counter()
                done = subprocess.run([*command, *extra], cwd=code, env=env, capture_output=True)
                assert done.returncode in (0, 1, 3), f"{command} failed"
                times.setdefault(prefix + label, []).append(time.perf_counter() - start)
    return times


def cli_rescan(store: Path) -> float:
    """Wall time of `pi-scan scan FOLDER` in a fresh process, with this store."""
    command = [sys.executable, "-m", "pi_scan", "scan", str(FOLDER), "--store", str(store)]
    command += ["-q", "--format", "json", "--fail-on", "never"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=CODE, env=code_env(), capture_output=True)
    assert done.returncode in (0, 3), f"{command} failed"
    return time.perf_counter() - start


def report_single(apk: Path, times: dict[str, list[float]]) -> None:
    print(
        f"one app ({apk.name}, {apk.stat().st_size / 2**20:.1f} MB), "
        "pi-scan scan in a fresh process:"
    )
    for label, values in times.items():
        print(
            f"  {label:>9}: fastest {min(values):.2f} s, median {statistics.median(values):.2f} s"
            f" ({len(values)} runs: {', '.join(f'{v:.2f}' for v in values)})"
        )
    for label in times:
        if label.endswith("defaults"):
            prefix = label[: -len("defaults")]
            ones = times[prefix + "--jobs 1"]
            ratio = statistics.median(times[label]) / statistics.median(ones)
            paired = statistics.median([d / o for d, o in zip(times[label], ones, strict=True)])
            print(
                f"  {prefix}defaults / --jobs 1: {ratio:.2f} (medians), "
                f"{paired:.2f} (median of the runs' ratios, round by round)"
            )


# --- the machine's own parallelism ------------------------------------------------------------

SPIN = "import time\nt = time.perf_counter()\nx = 0\nfor i in range(20_000_000): x += i * i\n"


def machine_speedup() -> float:
    """Throughput of two CPU-bound Python processes at once over one alone: what two workers
    can gain at best here (below 2 on shared or throttled vCPUs, or under others' load)."""
    command = [sys.executable, "-c", SPIN]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    procs = [subprocess.Popen(command) for _ in range(2)]
    for proc in procs:
        proc.wait()
    both = time.perf_counter() - start
    return 2 * alone / both


def load() -> str:
    return (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if os.path.exists("/proc/loadavg")
        else "?"
    )


# --- report -----------------------------------------------------------------------------------


def report(label: str, data: dict[str, Any]) -> None:
    rate = data["apps"] / data["seconds"]
    print(f"{label}: {data['apps']} apps in {data['seconds']:.2f} s = {rate:.1f} apps/s")
    print(f"  results from: {data['sources']}; errors: {data['errors']}")
    for pid, rss in sorted(data["rss"].items()):
        print(
            f"  process {pid}: {rss['apps']} apps; peak RSS after 5 small apps "
            f"{rss['after_5_small_mb']:.0f} MB, after all small apps "
            f"{rss['after_all_small_mb']:.0f} MB, at the end {rss['peak_mb']:.0f} MB"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", type=int, default=21, help="copies of each sample")
    parser.add_argument("--large", type=int, default=2, help="copies of the large APK")
    parser.add_argument("--no-large", action="store_true", help="small apps only")
    parser.add_argument("--single", type=int, default=5, help="runs of the one-app step")
    parser.add_argument("--single-only", action="store_true", help="the one-app step only")
    parser.add_argument("--measure", nargs=2, metavar=("JOBS", "STORE"), help=argparse.SUPPRESS)
    parser.add_argument("--rehash", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=ROOT, help="measure the pi_scan in DIR")
    parser.add_argument(
        "--against", type=Path, help="with --single-only: also the pi_scan in DIR, interleaved"
    )
    args = parser.parse_args(argv)
    global CODE
    CODE = args.code.resolve()
    if args.measure:
        print(json.dumps(measure(int(args.measure[0]), args.measure[1], args.rehash)))
        return 0
    print(f"measuring the pi_scan package in {CODE}")
    if args.single_only:
        apk = large_apk()
        if apk is None:
            print("no large APK (make_large_apk.py failed)", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory(prefix="pi-scan-bench-") as scratch:
            report_single(apk, single(apk, args.single, Path(scratch), args.against))
        return 0
    small, large, biggest = build(args.variants, 0 if args.no_large else args.large)
    print(f"{small + large} apps in {FOLDER}: {small} small variants of the samples, {large} large")
    print(f"largest file: {biggest / 2**20:.1f} MB; CPU cores: {os.cpu_count()}")
    print(f"load average before: {load()}")
    print(f"machine: 2 CPU-bound processes give {machine_speedup():.2f}x the throughput of one")
    with tempfile.TemporaryDirectory(prefix="pi-scan-bench-") as scratch:
        one = run(1, Path(scratch) / "one.sqlite")
        report("cold, --jobs 1", one)
        two = run(2, Path(scratch) / "two.sqlite")
        report("cold, --jobs 2", two)
        warm = run(2, Path(scratch) / "two.sqlite")
        report("warm rescan, --jobs 2", warm)
        rehash = run(2, Path(scratch) / "two.sqlite", rehash=True) if has_rehash() else None
        if rehash:
            report("warm rescan, --jobs 2 --rehash", rehash)
        cli = cli_rescan(Path(scratch) / "two.sqlite")
        print(f"warm rescan through the command line: {cli:.2f} s")
        apk = large_apk() if args.single and not args.no_large else None
        times = single(apk, args.single, Path(scratch)) if apk else None
    if apk and times:
        report_single(apk, times)
    print(f"load average after: {load()}")
    print(f"speed-up 1 -> 2 jobs: {one['seconds'] / two['seconds']:.2f}x")
    print(
        f"warm rescan: {two['seconds'] / warm['seconds']:.0f}x faster than the cold --jobs 2 "
        f"scan, {one['seconds'] / warm['seconds']:.0f}x faster than the cold --jobs 1 scan"
    )
    if rehash:
        print(f"warm rescan with --rehash: {two['seconds'] / rehash['seconds']:.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
