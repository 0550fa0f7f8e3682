#!/usr/bin/env python3
"""Fuzz one of pi-scan's parsers.

    python tests/fuzz/run.py --target zip|axml|dex --seconds N [--seed S] [--artifacts DIR]
                             [--corpus DIR] [--engine auto|atheris|mutate]

With atheris installed (`pip install atheris`) this is coverage-guided fuzzing with libFuzzer:
pi_scan's extraction code and androguard's binary XML parser are instrumented, the samples
are the starting corpus, each input may take at most 10 s (-timeout) and the process at most
2 GiB (-rss_limit_mb).  Without atheris (or with --engine mutate) a deterministic mutation
fuzzer runs instead: the same seeds, bit flips, byte runs, interesting integers at 4-byte
aligned offsets, truncations, insertions and splices, with the same per-input time limit.

Every finding (an outcome tests/fuzz/targets.py does not allow, or an input slower than 10 s)
is written to --artifacts (default: a fresh temporary folder, printed at the end) and the exit
status is 1.  Turn a finding into a regression test by copying it to
tests/data/regress/<target>-<short name> (tests/test_malformed_corpus.py runs every file there).

A long run, e.g. before a release:

    python tests/fuzz/run.py --target zip --seconds 3600
    python tests/fuzz/run.py --target axml --seconds 3600
    python tests/fuzz/run.py --target dex --seconds 3600
"""

from __future__ import annotations

import argparse
import hashlib
import random
import signal
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PER_INPUT_SECONDS = 10
MAX_LEN = {"zip": 128 * 1024, "axml": 32 * 1024, "dex": 64 * 1024}
INTERESTING = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--target", choices=("zip", "axml", "dex"), required=True)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--artifacts", type=Path, default=None)
    parser.add_argument("--corpus", type=Path, default=None, help="libFuzzer's working corpus")
    parser.add_argument("--engine", choices=("auto", "atheris", "mutate"), default="auto")
    args = parser.parse_args(argv)
    artifacts = args.artifacts or Path(tempfile.mkdtemp(prefix=f"pi-scan-fuzz-{args.target}-"))
    artifacts.mkdir(parents=True, exist_ok=True)
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _has_atheris() else "mutate"
    print(
        f"fuzz: target {args.target}, engine {engine}, {args.seconds} s, seed {args.seed}, "
        f"findings in {artifacts}",
        flush=True,
    )
    if engine == "atheris":
        return _atheris(args.target, args.seconds, args.seed, artifacts, args.corpus)
    return _mutate(args.target, args.seconds, args.seed, artifacts)


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# coverage-guided: atheris / libFuzzer
# --------------------------------------------------------------------------------------------


def _atheris(target: str, seconds: int, seed: int, artifacts: Path, corpus: Path | None) -> int:
    import atheris

    with atheris.instrument_imports(include=["pi_scan", "androguard.core.axml"]):
        from tests.fuzz import targets
    run = targets.TARGETS[target]
    corpus = corpus or Path(tempfile.mkdtemp(prefix=f"pi-scan-corpus-{target}-"))
    corpus.mkdir(parents=True, exist_ok=True)
    for data in targets.seeds(target):
        (corpus / hashlib.sha1(data).hexdigest()).write_bytes(data)
    options = [
        f"-max_total_time={seconds}",
        f"-seed={seed}",
        f"-timeout={PER_INPUT_SECONDS}",
        "-rss_limit_mb=2048",
        f"-max_len={MAX_LEN[target]}",
        f"-artifact_prefix={artifacts}/",
        "-print_final_stats=1",
        str(corpus),
    ]
    atheris.Setup([sys.argv[0], *options], run)
    atheris.Fuzz()
    return 0  # not reached: libFuzzer exits the process


# --------------------------------------------------------------------------------------------
# deterministic mutation
# --------------------------------------------------------------------------------------------


class _Slow(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _Slow


def _mutate(target: str, seconds: int, seed: int, artifacts: Path) -> int:
    from tests.fuzz import targets

    run = targets.TARGETS[target]
    pool = targets.seeds(target)
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    signal.signal(signal.SIGALRM, _alarm)
    runs = findings = 0
    slowest = 0.0
    while time.monotonic() < deadline:
        data = mutate(rng, rng.choice(pool), pool)[: MAX_LEN[target]]
        runs += 1
        started = time.monotonic()
        problem = _one(run, data)
        slowest = max(slowest, time.monotonic() - started)
        if problem is not None:
            findings += 1
            name = f"crash-{hashlib.sha1(data).hexdigest()}"
            (artifacts / name).write_bytes(data)
            print(f"fuzz: finding {name}: {problem}", flush=True)
    print(f"fuzz: {runs} runs, {findings} findings, slowest input {slowest:.2f} s", flush=True)
    return 1 if findings else 0


def _one(run: Callable[[bytes], None], data: bytes) -> str | None:
    signal.alarm(PER_INPUT_SECONDS)
    try:
        run(data)
    except _Slow:
        return f"slower than {PER_INPUT_SECONDS} s"
    except Exception as exc:  # the target allows none
        return f"{type(exc).__name__}: {exc}"[:300]
    finally:
        signal.alarm(0)
    return None


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 6))):
        _MUTATIONS[rng.randrange(len(_MUTATIONS))](rng, out, pool)
    return bytes(out)


def _flip(rng: random.Random, out: bytearray, _pool: list[bytes]) -> None:
    if out:
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)


def _byte(rng: random.Random, out: bytearray, _pool: list[bytes]) -> None:
    if out:
        out[rng.randrange(len(out))] = rng.randrange(256)


def _run(rng: random.Random, out: bytearray, _pool: list[bytes]) -> None:
    if out:
        start = rng.randrange(len(out))
        length = min(rng.choice((2, 8, 32, 256)), len(out) - start)
        out[start : start + length] = bytes([rng.choice((0, 0xFF, rng.randrange(256)))]) * length


def _integer(rng: random.Random, out: bytearray, _pool: list[bytes]) -> None:
    if len(out) >= 8:
        pos = rng.randrange(0, len(out) - 4) & ~1
        fmt = rng.choice(("<H", "<I"))
        value = rng.choice(INTERESTING) & (0xFFFF if fmt == "<H" else 0xFFFFFFFF)
        struct.pack_into(fmt, out, pos, value)


def _truncate(rng: random.Random, out: bytearray, _pool: list[bytes]) -> None:
    if out:
        del out[rng.randrange(len(out)) :]


def _insert(rng: random.Random, out: bytearray, _pool: list[bytes]) -> None:
    pos = rng.randrange(len(out) + 1)
    out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.choice((1, 4, 16))))


def _delete(rng: random.Random, out: bytearray, _pool: list[bytes]) -> None:
    if out:
        start = rng.randrange(len(out))
        del out[start : start + rng.choice((1, 4, 16, 64))]


def _splice(rng: random.Random, out: bytearray, pool: list[bytes]) -> None:
    other = rng.choice(pool)
    if out and other:
        start, length = rng.randrange(len(other)), rng.choice((16, 64, 512))
        pos = rng.randrange(len(out))
        out[pos : pos + length] = other[start : start + length]


_MUTATIONS = (_flip, _flip, _byte, _run, _integer, _integer, _truncate, _insert, _delete, _splice)


if __name__ == "__main__":
    sys.exit(main())
