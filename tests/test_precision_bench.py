"""The precision benchmark's corpus/labels stay consistent, and its metrics are computed right.

No network and no APK: the corpus files are checked as data, and the comparison is run on a
hand-made report.  The comparison with aapt runs on fixture APKs built in Python (with Debian's
aapt), and, as a slow test, on the cached corpus itself.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import load_script

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "precision.py"


pb = load_script(BENCH, "precision_bench")
CORPUS: dict[str, Any] = json.loads((ROOT / "benchmarks/precision/corpus.json").read_text("utf-8"))
LABELS: dict[str, Any] = json.loads((ROOT / "benchmarks/precision/labels.json").read_text("utf-8"))
RULE_IDS = {p.stem for p in (ROOT / "rules" / "checks").glob("*.json")}


# ----------------------------------------------------------------------------- the shipped files


def test_corpus_and_labels_are_consistent() -> None:
    assert pb.validate(CORPUS, LABELS, RULE_IDS) == []


def test_every_corpus_entry_is_labelled_and_pinned() -> None:
    ids = [e["id"] for e in CORPUS["apks"]]
    assert sorted(ids) == sorted(LABELS["labels"])
    for entry in CORPUS["apks"]:
        assert len(entry["sha256"]) == 64 and int(entry["sha256"], 16) >= 0
        if entry["source"] == "github":
            assert len(entry["commit"]) == 40 and int(entry["commit"], 16) >= 0
            assert entry["size"] < 4 * 1024 * 1024, entry[
                "id"
            ]  # mirrored snapshots lack larger files
        else:
            assert entry["source"] in ("npm", "pypi") and entry["version"][0].isdigit()


def test_label_rule_ids_exist() -> None:
    named = {
        r for lab in LABELS["labels"].values() for r in lab["must_fire"] + lab["must_not_fire"]
    }
    assert named and named <= RULE_IDS


def test_corpus_meets_the_minimum_counts() -> None:
    counts = pb.corpus_counts(CORPUS, LABELS)
    assert counts["apks"] >= 40
    assert counts["pi_free"] >= 10
    assert counts["collecting"] >= 15
    assert counts["collecting_chinese_sdk"] >= 5


def test_pi_free_apps_are_expected_to_pass_and_collecting_ones_name_a_rule() -> None:
    for ident, label in LABELS["labels"].items():
        if label["collecting"]:
            assert label["must_fire"], ident
        else:
            assert label["verdict"] == "pass" and not label["must_fire"], ident
        assert len(label["reason"]) > 40, ident


# ----------------------------------------------------------------------------- validation


def _tiny() -> tuple[dict[str, Any], dict[str, Any]]:
    corpus = {
        "apks": [
            {"id": "free-app", "source": "npm", "package": "p", "version": "1.0.0", "member": "package/a.apk", "sha256": "a" * 64, "size": 10},
            {"id": "sdk-app", "source": "github", "repo": "o/r", "commit": "b" * 40, "path": "x.apk", "sha256": "c" * 64, "size": 20},
            {"id": "own-app", "source": "pypi", "package": "q", "version": "2.0", "member": "q/b.apk", "sha256": "d" * 64, "size": 30},
        ]
    }  # fmt: skip
    labels = {
        "labels": {
            "free-app": {"verdict": "pass", "collecting": False, "must_fire": [], "must_not_fire": ["PI-PP-001", "PI-API-007"], "sdks": [], "reason": "nothing"},
            "sdk-app": {"verdict": "notice", "collecting": True, "must_fire": ["PI-API-002", "PI-API-007"], "must_not_fire": ["PI-PP-003"], "sdks": [{"name": "JPush", "chinese": True, "called": True}], "reason": "jpush"},
            "own-app": {"verdict": "notice", "collecting": True, "must_fire": ["PI-API-001"], "must_not_fire": ["PI-API-002"], "sdks": [], "reason": "own code"},
        }
    }  # fmt: skip
    return corpus, labels


def test_validate_reports_each_kind_of_problem() -> None:
    corpus, labels = _tiny()
    assert pb.validate(corpus, labels, RULE_IDS) == []
    bad_corpus, bad_labels = copy.deepcopy(corpus), copy.deepcopy(labels)
    bad_corpus["apks"][0]["sha256"] = "XYZ"
    bad_corpus["apks"][1]["commit"] = "main"
    del bad_labels["labels"]["own-app"]
    bad_labels["labels"]["free-app"]["verdict"] = "notice"
    bad_labels["labels"]["sdk-app"]["must_fire"].append("PI-NOPE-999")
    bad_labels["labels"]["sdk-app"]["must_not_fire"].append("PI-API-002")
    bad_labels["labels"]["ghost"] = bad_labels["labels"]["sdk-app"]
    problems = "\n".join(pb.validate(bad_corpus, bad_labels, RULE_IDS))
    for expected in (
        "corpus free-app: sha256",
        "corpus sdk-app: commit",
        "own-app is not labelled",
        "free-app: a PI-free app is expected to pass",
        "unknown rule PI-NOPE-999",
        "both must and must not fire",
        "ghost is not in the corpus",
    ):
        assert expected in problems


def test_counts_only_count_chinese_sdks_that_are_called() -> None:
    corpus, labels = _tiny()
    assert pb.corpus_counts(corpus, labels) == {"apks": 3, "pi_free": 1, "collecting": 2, "collecting_chinese_sdk": 1}  # fmt: skip
    labels["labels"]["sdk-app"]["sdks"][0]["called"] = False
    assert pb.corpus_counts(corpus, labels)["collecting_chinese_sdk"] == 0


# ----------------------------------------------------------------------------- metrics


def _report(corpus: dict[str, Any]) -> dict[str, Any]:
    sha = {e["id"]: e["sha256"] for e in corpus["apks"]}

    def finding(rule: str) -> dict[str, str]:
        return {"rule_id": rule, "level": "notice"}

    return {
        "results": [
            # PI-free app given a notice: two false positives (PI-PP-001, PI-API-007)
            {"sha256": sha["free-app"], "verdict": "notice", "error": None, "findings": [finding("PI-PP-001"), finding("PI-API-007"), finding("PI-MAN-001")]},
            # SDK app: PI-API-002 kept, PI-API-007 missed
            {"sha256": sha["sdk-app"], "verdict": "notice", "error": None, "findings": [finding("PI-API-002")]},
            # own-code app: PI-API-001 kept, PI-API-002 wrongly fired, verdict raised to removal
            {"sha256": sha["own-app"], "verdict": "removal", "error": None, "findings": [finding("PI-API-001"), finding("PI-API-002")]},
            {"sha256": "e" * 64, "verdict": "pass", "error": None, "findings": []},  # not in corpus
        ]
    }  # fmt: skip


def test_per_rule_precision_and_recall() -> None:
    corpus, labels = _tiny()
    seen = pb.observations(_report(corpus), corpus)
    assert set(seen) == {"free-app", "sdk-app", "own-app"}
    result = pb.compare(labels, seen, [e["id"] for e in corpus["apks"]])
    scores = {rule: (s.tp, s.fp, s.fn, s.tn) for rule, s in result.rules.items()}
    assert scores == {
        "PI-API-001": (1, 0, 0, 0),
        "PI-API-002": (1, 1, 0, 0),
        "PI-API-007": (0, 1, 1, 0),
        "PI-PP-001": (0, 1, 0, 0),
        "PI-PP-003": (0, 0, 0, 1),
    }
    assert "PI-MAN-001" not in result.rules  # unlabelled findings are not scored
    assert result.rules["PI-API-002"].precision == 0.5
    assert result.rules["PI-API-002"].recall == 1.0
    assert result.rules["PI-API-007"].precision == 0.0
    assert result.rules["PI-API-007"].recall == 0.0
    assert result.rules["PI-PP-003"].precision is None  # never fired, never expected
    assert result.rules["PI-API-007"].fp_apps == ["free-app"]
    assert result.rules["PI-API-007"].fn_apps == ["sdk-app"]


def test_summary_rates() -> None:
    corpus, labels = _tiny()
    result = pb.compare(labels, pb.observations(_report(corpus), corpus), ["free-app", "sdk-app", "own-app"])  # fmt: skip
    s = result.summary()
    assert s["verdict_agreement"] == {"n": 1, "of": 3, "rate": 0.3333}
    assert s["pi_free_pass"] == {"n": 0, "of": 1, "rate": 0.0}
    assert s["collecting_kept_must_fire"] == {"n": 1, "of": 2, "rate": 0.5}
    assert (s["tp"], s["fp"], s["fn"]) == (2, 3, 1)
    assert s["micro_precision"]["rate"] == 0.4
    assert s["micro_recall"]["rate"] == 0.6667
    apps = {a.ident: a for a in result.apps}
    assert apps["sdk-app"].missed == ["PI-API-007"]
    assert apps["own-app"].wrong == ["PI-API-002"]


def test_missing_and_unreadable_apps_are_reported_not_scored() -> None:
    corpus, labels = _tiny()
    report = _report(corpus)
    report["results"] = report["results"][:1]
    report["results"].append({"sha256": corpus["apks"][2]["sha256"], "verdict": None, "error": "truncated zip", "findings": []})  # fmt: skip
    result = pb.compare(labels, pb.observations(report, corpus), [e["id"] for e in corpus["apks"]])
    assert result.not_scanned == ["sdk-app"]
    s = result.summary()
    assert (s["errors"], s["not_scanned"]) == (1, 1)
    assert s["verdict_agreement"]["of"] == 1
    assert "PI-API-001" not in result.rules


def test_markdown_and_json_renderings() -> None:
    corpus, labels = _tiny()
    result = pb.compare(labels, pb.observations(_report(corpus), corpus), ["free-app", "sdk-app", "own-app"])  # fmt: skip
    md = pb.render_markdown(result)
    assert "| PI-API-002 | 1 | 1 | 0 | 50% | 100% |" in md
    assert "| PI-free apps that pass | 0/1 (0%) |" in md
    assert "| own-app | yes | notice | removal ✗ | - | PI-API-002 |" in md
    doc = json.loads(pb.render_json(result, pb.corpus_counts(corpus, labels)))
    assert doc["rules"]["PI-API-007"]["fp_apps"] == ["free-app"]
    assert doc["summary"]["pi_free_pass"]["rate"] == 0.0


def test_run_with_a_saved_report_and_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, labels = _tiny()
    (tmp_path / "corpus.json").write_text(json.dumps(corpus))
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    (tmp_path / "report.json").write_text(json.dumps(_report(corpus)))
    monkeypatch.setattr(pb, "CORPUS", tmp_path / "corpus.json")
    monkeypatch.setattr(pb, "LABELS", tmp_path / "labels.json")
    assert pb.main(["run", "--json", "--report", str(tmp_path / "report.json")]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["tp"] == 2
    # a report, not a gate: poor agreement still exits 0; bad input exits 2 with one line
    (tmp_path / "labels.json").write_text("{not json")
    assert pb.main(["run", "--report", str(tmp_path / "report.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("precision.py: ") and "not valid JSON" in err and "\n" not in err


def test_fetch_names_the_repository_to_mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, _ = _tiny()
    github_only = {"apks": [corpus["apks"][1]]}
    missing = pb.fetch(github_only, cache=tmp_path / "cache", mirror=tmp_path / "mirror")
    assert missing == 1
    assert "fetch github:o/r" in capsys.readouterr().out


def test_fetch_copies_a_mirrored_blob_and_checks_its_sha256(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib
    import subprocess

    work = tmp_path / "mirror" / "o+r" / "repo"
    work.mkdir(parents=True)
    payload = b"PK\x05\x06" + b"\0" * 18  # stands in for an APK: only bytes are compared

    def git(*args: str) -> str:
        env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}  # fmt: skip
        return subprocess.run(["git", *args], cwd=work, env=env, check=True, capture_output=True, text=True).stdout  # fmt: skip

    git("init", "-q")
    (work / "x.apk").write_bytes(payload)
    git("add", "x.apk")
    git("commit", "-qm", "apk")
    commit = git("rev-parse", "HEAD").strip()
    entry = {"id": "sdk-app", "source": "github", "repo": "o/r", "commit": commit, "path": "x.apk",
             "sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}  # fmt: skip
    cache = tmp_path / "cache"
    assert pb.fetch({"apks": [entry]}, cache=cache, mirror=tmp_path / "mirror") == 0
    assert (cache / "sdk-app.apk").read_bytes() == payload
    (cache / "sdk-app.apk").unlink()
    entry["sha256"] = "0" * 64
    assert pb.fetch({"apks": [entry]}, cache=cache, mirror=tmp_path / "mirror") == 1
    assert "does not match the corpus" in capsys.readouterr().out
    assert not (cache / "sdk-app.apk").exists()


# ------------------------------------------------------------------------- agreement with aapt

from pi_scan.extract import extract_facts  # noqa: E402

from . import aapt  # noqa: E402
from .manifest_fixtures import FIXTURES  # noqa: E402

needs_aapt = pytest.mark.skipif(aapt.AAPT is None, reason=aapt.MISSING)


def _aapt_corpus(tmp_path: Path, names: dict[str, str | None]) -> dict[str, Any]:
    """A corpus whose APKs are manifest fixtures (None: an APK not in the cache)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for ident, fixture in names.items():
        if fixture is not None:
            FIXTURES[fixture].write(cache, ident)
    return {"apks": [{"id": ident} for ident in names]}


@needs_aapt
def test_aapt_agreement_lists_each_disagreement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    import pi_scan.extract

    corpus = _aapt_corpus(
        tmp_path,
        {
            "agrees": "referenced-version-and-label",
            "wrong-name": "namespaced-elements",
            "refused": "dangling-version-reference",  # aapt stops on it
            "absent": None,
        },
    )

    def extract(path: Path) -> Any:
        facts = extract_facts(path)
        if path.stem != "wrong-name":
            return facts
        dropped = tuple(p for p in facts.permissions if p.name != "android.permission.CAMERA")
        return dataclasses.replace(facts, version_name="9.9", permissions=dropped)

    monkeypatch.setattr(pi_scan.extract, "extract_facts", extract)
    result = pb.aapt_agreement(corpus, cache=tmp_path / "cache")
    assert result.compared == ["agrees", "wrong-name"]
    assert result.missing == ["absent"]
    assert list(result.failed) == ["refused"]
    camera = "android.permission.CAMERA (max 28)"
    assert result.rows == [
        ("wrong-name", "permissions (badging)", "-", camera),
        ("wrong-name", "permissions (dump permissions)", "-", camera),
        ("wrong-name", "versionName", "9.9", "7.0"),
    ]
    assert (result.agreeing(pb.HEADLINE_FIELDS), result.agreeing(), result.total) == (1, 1, 4)
    text = pb.render_aapt(result)
    assert "| wrong-name | versionName | 9.9 | 7.0 |" in text
    assert "| refused | (not compared) | - | aapt dump badging" in text
    assert "1/4 APKs agree on permissions and versionName" in text
    assert "1 not in the cache" in text and "absent" in text


@needs_aapt
def test_aapt_agreement_quiet_when_everything_agrees(tmp_path: Path) -> None:
    corpus = _aapt_corpus(
        tmp_path, {"a": "namespaced-elements", "b": "literal-label-chinese-table"}
    )
    result = pb.aapt_agreement(corpus, cache=tmp_path / "cache")
    assert (result.rows, result.failed, result.missing) == ([], {}, [])
    text = pb.render_aapt(result)
    assert text.startswith("No disagreement.")
    assert "2/2 APKs agree on permissions and versionName; 2/2 on every field" in text


def test_aapt_cells_show_permissions_and_components() -> None:
    perms = [("android.permission.CAMERA", 28, False), ("android.permission.READ_SMS", None, True)]
    assert (
        pb._cell(perms)
        == "android.permission.CAMERA (max 28), android.permission.READ_SMS [sdk-23]"
    )
    assert pb._cell([("service", "com.example.Svc")]) == "service com.example.Svc"
    assert (pb._cell([]), pb._cell(None), pb._cell(""), pb._cell(7)) == ("-", "-", "-", "7")


@pytest.mark.slow
@needs_aapt
def test_cached_corpus_agrees_with_aapt() -> None:
    """Issue 12's measure: every corpus APK's manifest facts as aapt reads them
    (`python benchmarks/precision.py fetch` fills the cache)."""
    if not any(pb.cache_path(e).exists() for e in CORPUS["apks"]):
        pytest.skip(f"no corpus APK in {pb.CACHE}: run `python benchmarks/precision.py fetch`")
    result = pb.aapt_agreement(CORPUS)
    assert result.rows == [] and result.failed == {}, pb.render_aapt(result)
    assert result.compared
