"""The malformed corpus (tests/malformed.py) through the real extraction, and a few through the CLI.

Every variant must end as facts, a partial result (facts with warnings) or a clean one-line
ApkAnalysisError, each within PER_FILE_SECONDS, and the whole corpus must run under an
address-space limit of MEMORY_LIMIT, so that a zip bomb or an allocation sized by a hostile
count fails loudly (MemoryError, or the child dying) instead of slowly swapping.  The counts
are printed (run with -s to see them): variants tried, outcomes, crashes, the slowest file and
the peak memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from tests.conftest import invoke
from tests.malformed import variants

ROOT = Path(__file__).resolve().parent.parent
PER_FILE_SECONDS = 10
MEMORY_LIMIT = 2 * 1024**3
MIN_VARIANTS = 500


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def test_every_malformed_variant_ends_cleanly_in_time_and_memory(tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-m", "tests.malformed", str(tmp_path), str(PER_FILE_SECONDS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    counts = json.loads(child.stdout)
    print(
        f"\nmalformed corpus: {counts['tried']} variants tried: {counts['facts']} facts, "
        f"{counts['partial']} partial, {counts['error']} errors, {counts['crash']} crashes; "
        f"slowest {counts['slowest_seconds']} s ({counts['slowest']}); "
        f"peak RSS {counts['peak_rss_mib']} MiB (+{counts['rss_growth_mib']} MiB while scanning)"
    )
    assert counts["tried"] >= MIN_VARIANTS
    assert counts["crashes"] == []
    assert counts["slowest_seconds"] < PER_FILE_SECONDS
    assert counts["facts"] + counts["partial"] + counts["error"] == counts["tried"]


def test_variant_names_are_unique_and_stable() -> None:
    names = [name for name, _ in variants()]
    assert len(names) == len(set(names))
    assert names == [name for name, _ in variants()]


PICKS = (
    "bitflip-clean.apk-3",
    "truncate-clean-0",
    "eocd-appended-copy",
    "cd-classes.dex-method-99",
    "local-AndroidManifest.xml-signature-0",
    "duplicate-AndroidManifest.xml-before",
    "manifest-attributes-wide",
    "manifest-string-count-4294967295",
    "dex-string_ids_size-2147483647",
    "bomb-lying-64mib",
    "name-0",
    "janus-adjusted",
    "bundle-of-bundle",
    "odd-empty",
)


def test_a_few_variants_through_the_cli(tmp_path: Path) -> None:
    picked = {name: data for name, data in variants() if name in PICKS}
    assert set(picked) == set(PICKS)
    for name, data in picked.items():
        (tmp_path / f"{name}.apk").write_bytes(data)
    result = invoke(
        ["scan", str(tmp_path), "--format", "json", "--fail-on", "never", "--no-store"], 3
    )
    report = json.loads(result.stdout)
    assert len(report["results"]) == len(PICKS)
    for app in report["results"]:
        if app["error"] is None:  # facts: judged like any app
            assert app["package"] and app["verdict"] in ("pass", "notice", "removal")
        else:  # a clean one-line error
            assert app["verdict"] == "error" and "\n" not in app["error"]
            assert not app["error"].startswith("internal error")
    assert "Traceback" not in result.stderr
