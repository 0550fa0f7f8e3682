"""The privacy-policy benchmark (benchmarks/policy.py): its held-out corpus and labels stay
consistent, and per-rule precision and recall are computed right on hand-made observations.

No network and no APK: the corpus files are checked as data; fetching is checked against a
throw-away git repository standing in for a mirror.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import load_script

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "policy.py"


def _load() -> ModuleType:
    sys.path.insert(0, str(BENCH.parent))  # policy.py imports its sibling precision.py
    return load_script(BENCH, "policy_bench")


pb = _load()
CORPUS: dict[str, Any] = json.loads((ROOT / "benchmarks/policy/corpus.json").read_text("utf-8"))
LABELS: dict[str, Any] = json.loads((ROOT / "benchmarks/policy/labels.json").read_text("utf-8"))[
    "labels"
]
PI_TYPES = set(json.loads((ROOT / "rules/catalog/pi-types.json").read_text("utf-8"))["types"])


def test_corpus_and_labels_are_consistent() -> None:
    assert pb.validate(CORPUS, LABELS) == []
    assert len(CORPUS["apks"]) >= 5


def test_every_entry_is_pinned_and_labelled_by_hand() -> None:
    for entry in CORPUS["apks"]:
        assert entry["source"] == "github"
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), entry["id"]
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), entry["id"]
        assert entry["size"] > 0
        policy = entry["policy"]
        if policy["origin"] == "supplied":
            assert re.fullmatch(r"[0-9a-f]{64}", policy["sha256"]) and policy["path"]
        else:
            assert policy["files"] and all(
                f.startswith(("assets/", "res/raw")) for f in policy["files"]
            )
        label = LABELS[entry["id"]]
        assert set(label["dont_care"]) <= set(pb.RULES)
        for pi in [*label["expected"]["PI-POL-002"], *label["declares_pi"], *label["denies_pi"]]:
            assert pi in PI_TYPES, (entry["id"], pi)
        for perm in label["expected"]["PI-POL-003"]:
            assert perm in label["dangerous_permissions"], (entry["id"], perm)
            assert perm not in label["explained_permissions"], (entry["id"], perm)


def test_validate_names_each_problem() -> None:
    corpus = {"apks": [{"id": "a", "policy": {"origin": "online"}}, {"id": "b", "policy": {}}]}
    labels = {"a": {"expected": {"PI-POL-001": []}}}
    problems = pb.validate(corpus, labels)
    assert any("a: expected must name" in p for p in problems)
    assert any("a: policy origin" in p for p in problems)
    assert any("b: no label" in p for p in problems)


def test_observed_reads_the_facts_the_rules_match() -> None:
    seen = {
        "policy_undisclosed_sdks": [{"id": "weibo-sdk"}],
        "policy_undeclared_pi": [{"pi_type": "android_id"}],
        "policy_unexplained_permissions": [{"name": "android.permission.CAMERA"}],
        "policy_unmatched_sdks": [{"name": "Ad Mob"}],
        "policy_vendor_only_sdks": None,  # not evaluated
    }
    assert pb.observed(seen) == {
        "PI-POL-001": {"weibo-sdk"},
        "PI-POL-002": {"android_id"},
        "PI-POL-003": {"android.permission.camera"},
        "PI-POL-004": {"admob"},
        "PI-POL-005": set(),
    }


def test_per_rule_precision_and_recall_with_dont_care() -> None:
    empty: dict[str, list[str]] = {r: [] for r in pb.RULES}
    labels = {
        "x": {
            "expected": {**empty, "PI-POL-001": ["weibo-sdk", "tencent-bugly"]},
            "dont_care": {"PI-POL-001": ["wechat-opensdk"], "PI-POL-002": ["microphone"]},
        },
        "y": {"expected": {**empty, "PI-POL-002": ["advertising_id"]}},
    }
    results = [
        ("x", {"PI-POL-001": {"weibo-sdk", "wechat-opensdk"}, "PI-POL-002": {"microphone"}}),
        ("y", {"PI-POL-002": {"advertising_id", "android_id"}}),
    ]
    tallies = pb.compare(results, labels)
    t1, t2 = tallies["PI-POL-001"], tallies["PI-POL-002"]
    assert (t1.tp, t1.fp, t1.fn) == (1, 0, 1)  # wechat-opensdk counts neither way
    assert t1.precision() == 1.0 and t1.recall() == 0.5
    assert (t2.tp, t2.fp, t2.fn) == (1, 1, 0)  # microphone ignored; android_id a false positive
    assert t2.false_positives == ["y: android_id"] and t1.false_negatives == ["x: tencent-bugly"]
    assert tallies["PI-POL-004"].precision() is None
    text = pb.render(tallies)
    assert "| PI-POL-001 | 1 | 0 | 1 | 100% | 50% |" in text
    assert "| all | 2 | 1 | 1 | 67% | 67% |" in text
    assert "missed PI-POL-001: x: tencent-bugly" in text


def test_fetch_policies_copies_a_mirrored_blob_and_checks_its_sha256(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    work = mirror / "owner+app" / "repo"
    work.mkdir(parents=True)
    git = ["git", "-C", str(work), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    text = "<h1>隐私政策</h1><p>我们会收集您的设备信息。</p>".encode()
    (work / "privacy.html").write_bytes(text)
    subprocess.run([*git, "add", "privacy.html"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "p"], check=True)
    commit = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    entry = {
        "id": "app-1",
        "repo": "owner/app",
        "commit": commit,
        "policy": {
            "origin": "supplied",
            "path": "privacy.html",
            "sha256": hashlib.sha256(text).hexdigest(),
        },
    }
    cache = tmp_path / "cache"
    cache.mkdir()
    assert pb.fetch_policies({"apks": [entry]}, cache, mirror) == 0
    assert (cache / "app-1.policy.html").read_bytes() == text
    entry["policy"]["sha256"] = "0" * 64
    (cache / "app-1.policy.html").unlink()
    assert pb.fetch_policies({"apks": [entry]}, cache, mirror) == 1
    assert not (cache / "app-1.policy.html").exists()
    assert pb.fetch_policies({"apks": [{**entry, "repo": "nobody/none"}]}, cache, mirror) == 1


@pytest.mark.parametrize("command", [["run", "--json"]])
def test_run_without_a_cache_reports_and_exits_0(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr(pb, "CACHE", tmp_path)
    assert pb.main(command) == 0
    assert json.loads(capsys.readouterr().out) == {}
