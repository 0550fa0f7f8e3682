"""Privacy-policy benchmark: pi-scan's policy reading and comparison against labels judged by
hand (benchmarks/policy/labels.json), never from pi-scan's own output.

    python benchmarks/policy.py fetch         # fill benchmarks/.cache/policy/, sha256-checked
    python benchmarks/policy.py run [--json] [--precision-cache DIR]  # both parts below

Part 1, bundled or not: the 47 real APKs of the precision benchmark, read in place from its
cache (benchmarks/.cache/precision/, filled by `python benchmarks/precision.py fetch`): does
pi-scan find a policy text where there is one (recall) and only there (precision)?

Part 2, the comparison: the held-out corpus of benchmarks/policy/corpus.json, real APKs that
bundle their policy (or whose repository holds, at the same commit, the policy the app links
to: compared as a supplied policy, like `--policy`).  For each rule PI-POL-001..005 the items
pi-scan reports (SDK ids, PI types, permissions, listed names) are compared with the items the
labels expect; items the labels mark "dont_care" count neither way.  Precision and recall per
rule over all apps.

APKs are pinned by repo@commit:path and sha256 and copied from a local mirror of the
repository (`fetch` as benchmarks/precision.py does it); nothing fetched is committed.  A
report, not a test: `run` exits 0 whatever the agreement, 2 on a usage or corpus error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from precision import CACHE as PRECISION_CACHE
from precision import MIRROR, BenchError, fetch, load_json, mirror_git_dir, sha256_of

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract import extract_facts
from pi_scan.extract.policytext import read_policy_file
from pi_scan.facts import load_knowledge, rule_facts

HERE = Path(__file__).resolve().parent
LABELS = HERE / "policy" / "labels.json"
CORPUS = HERE / "policy" / "corpus.json"
CACHE = HERE / ".cache" / "policy"
RULES = ("PI-POL-001", "PI-POL-002", "PI-POL-003", "PI-POL-004", "PI-POL-005")
FACT_OF_RULE = {
    "PI-POL-001": "policy_undisclosed_sdks",
    "PI-POL-002": "policy_undeclared_pi",
    "PI-POL-003": "policy_unexplained_permissions",
    "PI-POL-004": "policy_unmatched_sdks",
    "PI-POL-005": "policy_vendor_only_sdks",
}


# --------------------------------------------------------------------------- corpus


def policy_cache_path(entry: Mapping[str, Any], cache: Path = CACHE) -> Path:
    return cache / f"{entry['id']}.policy{Path(entry['policy']['path']).suffix}"


def fetch_policies(corpus: Mapping[str, Any], cache: Path = CACHE, mirror: Path = MIRROR) -> int:
    """Copy the supplied policies (origin "supplied") next to their APKs; sha256-checked."""
    import subprocess

    missing = 0
    for entry in corpus["apks"]:
        policy = entry["policy"]
        if policy["origin"] != "supplied":
            continue
        target = policy_cache_path(entry, cache)
        if target.exists() and sha256_of(target) == policy["sha256"]:
            continue
        git_dir = mirror_git_dir(entry["repo"], mirror)
        spec = f"{entry['commit']}:{policy['path']}"
        proc = (
            subprocess.run(
                ["git", f"--git-dir={git_dir}", "cat-file", "blob", spec],
                capture_output=True,
                timeout=300,
            )
            if git_dir is not None
            else None
        )
        if proc is None or proc.returncode != 0:
            print(f"{entry['id']}: policy {spec} not in the mirror of {entry['repo']}")
            missing += 1
            continue
        if hashlib.sha256(proc.stdout).hexdigest() != policy["sha256"]:
            print(f"{entry['id']}: policy {spec} does not match its sha256")
            missing += 1
            continue
        target.write_bytes(proc.stdout)
    return missing


def validate(corpus: Mapping[str, Any], labels: Mapping[str, Any]) -> list[str]:
    problems = []
    for entry in corpus["apks"]:
        label = labels.get(entry["id"])
        if label is None:
            problems.append(f"{entry['id']}: no label")
            continue
        expected = label.get("expected") or {}
        if set(expected) != set(RULES):
            problems.append(f"{entry['id']}: expected must name {', '.join(RULES)}")
        if entry["policy"]["origin"] not in ("bundled", "supplied"):
            problems.append(f"{entry['id']}: policy origin must be bundled or supplied")
    return problems


# --------------------------------------------------------------------------- observing


def key(value: str) -> str:
    """Items compare case- and space-insensitively ("AdMob" = "admob")."""
    return "".join(value.split()).casefold()


def observed(seen: Mapping[str, Any]) -> dict[str, set[str]]:
    """The items each PI-POL rule fires on, from the facts the rules match."""
    items: dict[str, set[str]] = {}
    for rule, fact in FACT_OF_RULE.items():
        values = seen.get(fact) or []
        if rule == "PI-POL-002":
            items[rule] = {key(str(v["pi_type"])) for v in values}
        elif rule in ("PI-POL-003", "PI-POL-004"):
            items[rule] = {key(str(v["name"])) for v in values}
        else:
            items[rule] = {key(str(v["id"])) for v in values}
    return items


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def compare(
    results: Iterable[tuple[str, Mapping[str, set[str]]]], labels: Mapping[str, Any]
) -> dict[str, Tally]:
    tallies = {rule: Tally() for rule in RULES}
    for app, seen in results:
        label = labels[app]
        for rule in RULES:
            expected = {key(x) for x in label["expected"][rule]}
            ignore = {key(x) for x in (label.get("dont_care") or {}).get(rule, ())}
            got = seen.get(rule, set()) - ignore
            want = expected - ignore
            t = tallies[rule]
            t.tp += len(got & want)
            t.fp += len(got - want)
            t.fn += len(want - got)
            t.false_positives += [f"{app}: {x}" for x in sorted(got - want)]
            t.false_negatives += [f"{app}: {x}" for x in sorted(want - got)]
    return tallies


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def render(tallies: Mapping[str, Tally]) -> str:
    lines = [
        "| rule | found as labelled | false positives | missed | precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for rule, t in tallies.items():
        lines.append(
            f"| {rule} | {t.tp} | {t.fp} | {t.fn} | {_pct(t.precision())} | {_pct(t.recall())} |"
        )
    total = Tally(
        sum(t.tp for t in tallies.values()),
        sum(t.fp for t in tallies.values()),
        sum(t.fn for t in tallies.values()),
    )
    lines.append(
        f"| all | {total.tp} | {total.fp} | {total.fn} | {_pct(total.precision())} |"
        f" {_pct(total.recall())} |"
    )
    for rule, t in tallies.items():
        lines += [f"false positive {rule}: {item}" for item in t.false_positives]
        lines += [f"missed {rule}: {item}" for item in t.false_negatives]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the two parts


def presence(labels: Mapping[str, Any], cache: Path, knowledge: Any) -> str:
    """Part 1: a policy found in the precision corpus exactly where the labels have one."""
    apks = sorted(cache.glob("*.apk"))
    if not apks:
        return f"part 1: no APKs in {cache}: run `python benchmarks/precision.py fetch` first\n"
    out = []
    tp = fp = fn = tn = 0
    for apk in apks:
        label = labels.get(apk.name, labels.get("*", {}))
        expected = bool(label.get("bundled_policy"))
        try:
            seen = rule_facts(extract_facts(apk), knowledge, None)
        except ApkAnalysisError as exc:
            out.append(f"{apk.name}: error: {exc}")
            continue
        found = seen["policy"] is not None
        tp += found and expected
        fp += found and not expected
        fn += expected and not found
        tn += not found and not expected
        what = (
            f"policy {', '.join(seen['policy']['sources'])}"
            if found
            else f"no policy ({seen['policy_missing']})"
        )
        out.append(f"{apk.name}: expected {'a policy' if expected else 'none'}; {what}")
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    out.append(
        f"\n{tp + fp + fn + tn} APKs: {tp} policies found as labelled, {fp} found where the"
        f" labels have none, {fn} missed, {tn} correctly none; precision {_pct(precision)},"
        f" recall {_pct(recall)}"
    )
    return "\n".join(out) + "\n"


def comparison(
    corpus: Mapping[str, Any], labels: Mapping[str, Any], cache: Path, knowledge: Any
) -> tuple[str, dict[str, Tally] | None, list[dict[str, Any]]]:
    """Part 2: the PI-POL findings on the held-out corpus against the labels."""
    from dataclasses import replace

    results: list[tuple[str, dict[str, set[str]]]] = []
    details: list[dict[str, Any]] = []
    out = []
    for entry in corpus["apks"]:
        apk = cache / f"{entry['id']}.apk"
        if not apk.exists():
            out.append(f"{entry['id']}: not in {cache}: run `python benchmarks/policy.py fetch`")
            continue
        try:
            facts = extract_facts(apk)
            if entry["policy"]["origin"] == "supplied":
                path = policy_cache_path(entry, cache)
                doc = read_policy_file(entry["policy"]["path"], path.read_bytes())
                facts = replace(facts, policy_documents=(doc, *facts.policy_documents))
            seen = rule_facts(facts, knowledge, None)
        except (ApkAnalysisError, OSError) as exc:
            out.append(f"{entry['id']}: error: {exc}")
            continue
        items = observed(seen)
        results.append((entry["id"], items))
        status = seen["policy_status"]
        out.append(
            f"{entry['id']}: policy {status}"
            + (f" ({', '.join(seen['policy']['sources'])})" if seen["policy"] else "")
            + "; "
            + "; ".join(f"{r}: {', '.join(sorted(v)) or '-'}" for r, v in items.items())
        )
        details.append({"id": entry["id"], "status": status, "items": items})
    if not results:
        return "\n".join(out) + "\n", None, details
    tallies = compare(results, labels)
    return "\n".join(out) + "\n\n" + render(tallies), tallies, details


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policy.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("fetch", help="copy the corpus APKs and supplied policies into the cache")
    run = sub.add_parser("run", help="both parts: policy found or not, and the comparison")
    run.add_argument("--json", action="store_true", help="print part 2's tallies as JSON")
    run.add_argument(
        "--precision-cache",
        type=Path,
        default=PRECISION_CACHE,
        help="where the precision corpus's APKs are (read in place; part 1)",
    )
    args = parser.parse_args(argv)
    try:
        corpus, labels_file = load_json(CORPUS), load_json(LABELS)
        labels = labels_file["labels"]
        problems = validate(corpus, labels)
        if problems:
            raise BenchError(f"{len(problems)} corpus/label problem(s), first: {problems[0]}")
        if args.command == "fetch":
            missing = fetch(corpus, CACHE) + fetch_policies(corpus, CACHE)
            print(f"policy corpus: {len(corpus['apks'])} APKs, {missing} missing, in {CACHE}")
            return 1 if missing else 0
        knowledge = load_knowledge()
        text, tallies, _ = comparison(corpus, labels, CACHE, knowledge)
        if args.command == "run" and args.json:
            json.dump(
                {
                    rule: {
                        "tp": t.tp,
                        "fp": t.fp,
                        "fn": t.fn,
                        "precision": t.precision(),
                        "recall": t.recall(),
                    }
                    for rule, t in (tallies or {}).items()
                },
                sys.stdout,
                indent=1,
            )
            print()
            return 0
        print("part 1: policies bundled in the precision corpus\n")
        cache = getattr(args, "precision_cache", PRECISION_CACHE)
        print(presence(labels, cache, knowledge))
        print("part 2: the comparison on the held-out policy corpus\n")
        print(text)
        return 0
    except BenchError as exc:
        print(f"policy.py: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
