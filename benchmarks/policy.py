"""Privacy policies bundled in the real APKs of the precision benchmark, against the labels
judged by hand (benchmarks/policy/labels.json): does pi-scan find a policy text where there is
one (recall) and only there (precision), and what does it compare?

    python benchmarks/policy.py [CACHE_DIR]

APKs are read in place from the precision benchmark's cache (benchmarks/.cache/precision/,
filled by `python benchmarks/precision.py fetch`); nothing is copied.  A report, not a test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract import extract_facts
from pi_scan.facts import load_knowledge, rule_facts

HERE = Path(__file__).resolve().parent
LABELS = HERE / "policy" / "labels.json"
CACHE = HERE / ".cache" / "precision"


def main(argv: list[str]) -> int:
    cache = Path(argv[1]) if len(argv) > 1 else CACHE
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["labels"]
    apks = sorted(cache.glob("*.apk"))
    if not apks:
        print(f"no APKs in {cache}: run `python benchmarks/precision.py fetch` first")
        return 2
    knowledge = load_knowledge()
    tp = fp = fn = tn = 0
    for apk in apks:
        label = labels.get(apk.name, labels.get("*", {}))
        expected = bool(label.get("bundled_policy"))
        try:
            seen = rule_facts(extract_facts(apk), knowledge, None)
        except ApkAnalysisError as exc:
            print(f"{apk.name}: error: {exc}")
            continue
        found = seen["policy"] is not None
        tp += found and expected
        fp += found and not expected
        fn += expected and not found
        tn += not found and not expected
        what = (
            f"policy {', '.join(seen['policy']['sources'])}: "
            f"{len(seen['policy_undisclosed_sdks'])} SDKs missing, "
            f"{len(seen['policy_undeclared_pi'])} PI types undeclared"
            if found
            else f"no policy ({seen['policy_missing']})"
        )
        print(f"{apk.name}: expected {'a policy' if expected else 'none'}; {what}")
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    print(
        f"\n{tp + fp + fn + tn} APKs: {tp} policies found as labelled, {fp} found where the labels"
        f" have none, {fn} missed, {tn} correctly none; precision "
        f"{'n/a' if precision is None else f'{precision:.0%}'}, recall "
        f"{'n/a' if recall is None else f'{recall:.0%}'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
