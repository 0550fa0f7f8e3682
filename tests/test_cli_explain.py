"""`pi-scan explain APP RULE`: the evidence behind one rule's finding, in full."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import click

from pi_scan.cli import main
from tests.conftest import ROOT, invoke, sample


def test_pre_consent_chain_shown_method_by_method() -> None:
    out = invoke(["explain", str(sample("legacy.apk")), "PI-CONS-001"], 0).stdout
    lines = out.splitlines()
    assert lines[0].startswith("PI-CONS-001  Personal information is read before consent")
    assert "app: org.piscan.sample.legacy" in out
    assert "fired: 1 chains" in out
    entry = "Lorg/piscan/sample/legacy/WeatherActivity;->onCreate(Landroid/os/Bundle;)V"
    target = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    assert f"  entry: {entry}" in lines
    assert "  entry kind: launcher" in lines
    # every method of the chain, in order, numbered
    first = lines.index(f"    1. {entry}")
    assert lines[first + 1] == f"    2. {target}"
    assert "  attributed to: first-party" in lines
    assert "  gated: no" in lines
    assert "  confidence: medium" in lines


def test_rule_id_is_case_insensitive_and_zh_labels() -> None:
    out = invoke(["explain", str(sample("provider-init.apk")), "pi-cons-002", "--lang", "zh"], 0)
    text = out.stdout
    assert text.startswith("PI-CONS-002  征得同意前即初始化第三方 SDK")
    assert "命中: 1 条调用链" in text
    assert "  入口类型: provider" in text
    assert "    1. Lcom/tencent/mid/api/MidProvider;->onCreate()Z" in text
    assert "  调用方: tencent-mta" in text
    assert "  可信度: high" in text


def test_json_has_the_selected_chains_whole() -> None:
    out = invoke(
        ["explain", str(sample("provider-init.apk")), "PI-CONS-002", "--format", "json"], 0
    )
    data = json.loads(out.stdout)
    assert data["rule"] == "PI-CONS-002"
    assert data["fired"] is True and data["status"] == "failed"
    [chain] = data["chains"]
    assert chain["kind"] == "sdk_init" and chain["target"] == "tencent-mta"
    assert chain["entry_kind"] == "provider" and chain["via"] == "auto-init"
    assert chain["chain"] == ["Lcom/tencent/mid/api/MidProvider;->onCreate()Z"]
    assert chain["gated"] is False and chain["confidence"] == "high"


def test_only_the_chains_the_rule_selects() -> None:
    """PI-CONS-002 takes SDK initialisations only: the device-ID read of legacy.apk is not one."""
    out = invoke(["explain", str(sample("legacy.apk")), "PI-CONS-002"], 0).stdout
    assert out == "PI-CONS-002: did not fire: passed\n"


def test_clean_app_passes_in_one_line() -> None:
    out = invoke(["explain", str(sample("clean.apk")), "PI-CONS-001"], 0).stdout
    assert out == "PI-CONS-001: did not fire: passed\n"
    data = json.loads(
        invoke(["explain", str(sample("clean.apk")), "PI-CONS-001", "--format", "json"], 0).stdout
    )
    assert data["fired"] is False and data["status"] == "passed"
    assert "chains" not in data and "evidence" not in data


def test_not_applicable_and_not_evaluated_give_their_reason() -> None:
    legacy = str(sample("legacy.apk"))
    out = invoke(["explain", legacy, "PI-PP-003"], 0).stdout
    assert out.startswith("PI-PP-003: did not fire: not applicable (The app cannot reach")
    assert len(out.splitlines()) == 1
    out = invoke(["explain", legacy, "PI-PERM-007"], 0).stdout
    assert out == (
        "PI-PERM-007: did not fire: not evaluated "
        "(needs app_type (give --category or a category map))\n"
    )


def test_other_rules_show_java_api_and_callers_by_party() -> None:
    out = invoke(["explain", str(sample("legacy.apk")), "PI-API-001"], 0).stdout
    lines = out.splitlines()
    assert "fired: 1 evidence items" in out
    assert "  Java API: TelephonyManager.getDeviceId()" in lines
    callers = lines.index("  callers:")
    assert lines[callers + 1] == "    app"
    assert lines[callers + 2] == "      org.piscan.sample.legacy.WeatherActivity"
    data = json.loads(
        invoke(["explain", str(sample("legacy.apk")), "PI-API-001", "--format", "json"], 0).stdout
    )
    [evidence] = data["evidence"]
    assert evidence["api"] == "TelephonyManager.getDeviceId()"
    assert evidence["groups"] == [
        {
            "party": "app",
            "name": "",
            "vendor": None,
            "callers": ["org.piscan.sample.legacy.WeatherActivity"],
        }
    ]


def test_sdk_callers_are_grouped_under_their_sdk() -> None:
    out = invoke(["explain", str(sample("sdk-collector.apk")), "PI-API-001"], 0).stdout
    assert "  callers:" in out
    assert "    sdk: " in out


def test_advice_says_so_and_shows_its_evidence() -> None:
    out = invoke(["explain", str(sample("async-init.apk")), "PI-API-013"], 0).stdout
    lines = out.splitlines()
    assert lines[2] == "fired as advice only"
    assert "  note: not collectable: READ_CONTACTS not declared" in lines
    data = json.loads(
        invoke(
            ["explain", str(sample("async-init.apk")), "PI-API-013", "--format", "json"], 0
        ).stdout
    )
    assert data["fired"] is True and data["level"] == "advice"


def test_unknown_rule_is_a_one_line_error() -> None:
    result = invoke(["explain", str(sample("clean.apk")), "PI-NOPE-999"], 2)
    assert result.stdout == ""
    assert result.stderr == (
        "pi-scan: error: unknown rule id 'PI-NOPE-999' (see `pi-scan rules list`)\n"
    )


def test_unreadable_apk_is_a_one_line_error() -> None:
    for name in ("not-an-apk.apk", "corrupt.apk"):
        result = invoke(["explain", str(sample(name)), "PI-CONS-001"], 2)
        assert result.stdout == ""
        assert result.stderr.startswith(f"pi-scan: error: {sample(name)}: ")
        assert result.stderr.count("\n") == 1


def test_missing_apk_is_a_one_line_error() -> None:
    result = invoke(["explain", "no/such.apk", "PI-CONS-001"], 2)
    assert result.stderr.startswith("pi-scan: error: no/such.apk: ")
    assert result.stderr.count("\n") == 1


def _commands(group: click.Group, prefix: str) -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", command


def test_readme_usage_lists_every_command_and_option() -> None:
    """The README's usage block is true to the CLI: each command, each of its options."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("## Usage") :]
    block = block[block.index("```text") : block.index("```\n", block.index("```text") + 7)]
    usage: dict[str, str] = {}
    current = ""
    for line in block.splitlines()[1:]:
        if line.startswith("pi-scan "):
            words = line.split()
            current = " ".join(words[: 3 if words[1] in ("rules", "baseline") else 2])
            usage[current] = usage.get(current, "") + line
        elif line.startswith(" ") and current:
            usage[current] += line
    for name, command in _commands(main, "pi-scan"):
        assert name in usage, f"README usage block has no `{name}`"
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                named = [
                    o for o in param.opts if re.search(rf"(?<![\w-]){o}(?![\w-])", usage[name])
                ]
                assert named, f"README usage of `{name}` lacks {param.opts[0]}"
