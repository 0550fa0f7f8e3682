"""Reports of an app scanned with a runtime log: every finding says static / runtime / both,
and the HTML report shows the PI reads around the consent moment."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, invoke, sample

LOG = "org.piscan.sample.consentgated@12.jsonl"
REPORT_SCHEMA = ROOT / "pi_scan" / "report" / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    args = ["scan", str(sample("consent-gated.apk")), "--runtime-log", str(sample(LOG))]
    args += ["--no-store", "-q"]
    formats = ("json", "sarif", "markdown", "html", "csv", "junit")
    for fmt in formats:
        args += ["-o", f"{fmt}:{out / fmt}"]
    table = invoke(args, 1).stdout
    texts = {fmt: (out / fmt).read_text(encoding="utf-8") for fmt in formats}
    return texts | {"table": table}


def test_json_says_the_source_of_each_finding(reports: dict[str, str]) -> None:
    doc = json.loads(reports["json"])
    validator = jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text("utf-8")))
    assert not list(validator.iter_errors(doc))
    app = doc["results"][0]
    sources = {f["rule_id"]: f["source"] for f in app["findings"]}
    assert sources == {"PI-API-006": "both", "PI-CONS-001": "runtime"}
    (cons,) = [f for f in app["findings"] if f["rule_id"] == "PI-CONS-001"]
    assert cons["evidence"][0]["source"] == "runtime"
    assert app["runtime"]["logs"][0]["consent"] == "2026-01-05T09:07:09.500"
    assert [(r["api"], r["phase"], r["party"]) for r in app["runtime"]["timeline"]] == [
        ("API-SETTINGS-SECURE-ANDROID-ID", "before", "umeng-analytics"),
        ("API-LOC-LAST-KNOWN", "after", "jpush"),
    ]
    assert app["coverage"]["runtime_apis"] == [
        "API-LOC-LAST-KNOWN",
        "API-SETTINGS-SECURE-ANDROID-ID",
    ]


def test_sarif_markdown_and_table_say_it_too(reports: dict[str, str]) -> None:
    results = json.loads(reports["sarif"])["runs"][0]["results"]
    assert {r["ruleId"]: r["properties"]["source"] for r in results} == {
        "PI-API-006": "both",
        "PI-CONS-001": "runtime",
    }
    assert "before consent can be given \\[runtime\\]" in reports["markdown"]
    assert "[static + runtime]" in reports["table"]


def test_csv_and_junit_say_it_too(reports: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(reports["csv"].lstrip("\ufeff"))))
    assert {r["rule_id"]: r["source"] for r in rows} == {
        "PI-API-006": "both",
        "PI-CONS-001": "runtime",
    }
    cases = ET.fromstring(reports["junit"]).iter("testcase")
    props = {
        c.get("name", "").split(" ", 1)[0]: [p.get("value") for p in c.iter("property")]
        for c in cases
        if c.find("failure") is not None
    }
    assert props["PI-CONS-001"] == ["runtime"] and props["PI-API-006"] == ["both"]


def test_static_findings_carry_no_junit_property(tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    invoke(["scan", str(sample("consent-gated.apk")), "--no-store", "-q", "-o", f"junit:{out}"], 1)
    cases = ET.parse(out).iter("testcase")
    assert not [p for c in cases for p in c.iter("property")]


def test_html_shows_the_timeline_around_consent(reports: dict[str, str]) -> None:
    page = reports["html"]
    assert '<span class="badge b-src-runtime">runtime</span>' in page
    section = page[page.index('<section class="timeline">') :]
    assert '<rect class="d-consent"' in section
    section = section[section.index('<table class="timeline">') :]
    before = section.index("API-SETTINGS-SECURE-ANDROID-ID")
    consent = section.index("The user agrees to the privacy policy")
    after = section.index("API-LOC-LAST-KNOWN")
    assert before < consent < after
    assert '<td class="num">-6.4 s</td>' in section


def test_without_a_log_nothing_changes(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    table = invoke(
        ["scan", str(sample("consent-gated.apk")), "--no-store", "-q", "-o", f"html:{out}"], 1
    )
    assert "[static]" not in table.stdout and "[runtime]" not in table.stdout
    assert '<section class="timeline">' not in out.read_text(encoding="utf-8")
