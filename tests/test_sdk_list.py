"""`pi-scan sdk-list APP`: the draft third-party SDK list (第三方SDK共享清单) for a privacy
policy, in every format and both languages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from pi_scan.facts import load_knowledge
from pi_scan.facts.disclosure import CATEGORY_PURPOSE, disclosure, sdk_list
from pi_scan.model import ApkFacts, Coverage, Named, SdkDisclosure, SdkList
from pi_scan.report.sdklist import FORMATS, render
from tests.conftest import ROOT, invoke, sample

JPUSH_ENTITY = "深圳市和讯华谷信息技术有限公司"
SCHEMA = json.loads(
    (ROOT / "pi_scan" / "report" / "schemas" / "sdk-list.schema.json").read_text(encoding="utf-8")
)


def _valid(data: object) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)


def _cli(*args: str, code: int = 0) -> str:
    return invoke(["sdk-list", *args], code).stdout


# --- the command on the samples --------------------------------------------------------------


def test_markdown_zh_lists_every_detected_sdk_with_its_catalogue_fields() -> None:
    out = _cli(str(sample("sdk-collector.apk")), "--lang", "zh")
    assert out.startswith("# 第三方SDK共享清单（草稿）\n")
    assert "应用：每日新闻（org.piscan.sample.sdkcollector），版本 4.0.0 (40)" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 4  # GDT, Getui, JPush (with JCore, its base component), Umeng
    [jpush] = [r for r in rows if "极光推送（JPush）" in r]
    assert "极光推送（JPush），含极光 JCore 基础组件 |" in jpush
    assert JPUSH_ENTITY in jpush
    assert "| 消息推送 |" in jpush  # the catalogue's purpose, not the category's
    assert "Android ID、广告标识符" in jpush and "可选：" in jpush
    assert "`ACCESS_FINE_LOCATION`, `ACCESS_WIFI_STATE`" in jpush
    assert "<https://www.jiguang.cn/license/privacy>" in jpush
    assert jpush.endswith("| 有收集 |")
    # GDT and Umeng: their vendors document no PI list in the catalogue: marked, not guessed
    assert all("| 待补充 |" in r for r in rows if "优量汇" in r or "友盟" in r)


def test_markdown_en_marks_what_the_catalogue_does_not_know() -> None:
    out = _cli(str(sample("sdk-collector.apk")))
    [gdt] = [line for line in out.splitlines() if "Tencent Ads (GDT / YLH)" in line]
    cells = [c.strip() for c in gdt.strip("|").split("|")]
    assert cells[1] == "Tencent Ads (GDT / YLH) (优量汇（广点通）)"
    assert (
        cells[2] == "深圳市腾讯计算机系统有限公司"
    )  # no English name published: the registered one
    assert cells[4] == "unknown — fill in"  # the catalogue has no vendor-documented PI list
    assert cells[5].startswith("non-resettable device identifier")
    assert cells[6] == "`READ_PHONE_STATE`"
    assert "- **present**: its code is in the app but the scan saw nothing start it" in out


def test_json_has_the_catalogue_fields_and_what_is_missing() -> None:
    data = json.loads(_cli(str(sample("sdk-collector.apk")), "--format", "json"))
    _valid(data)
    assert data["schema_version"] == 1
    assert data["app"]["package"] == "org.piscan.sample.sdkcollector"
    by_id = {s["id"]: s for s in data["sdks"]}
    assert set(by_id) == {"gdt", "getui-push", "jpush", "umeng-analytics"}
    jpush = by_id["jpush"]
    assert jpush["legal_entity"] == JPUSH_ENTITY
    assert jpush["purpose"] == {"en": "push notifications", "zh": "消息推送", "by": "catalogue"}
    assert jpush["missing"] == []
    assert jpush["status"] == "collects"
    assert [p["id"] for p in jpush["pi"]] == [
        "android_id",
        "advertising_id",
        "device_info",
        "ip_address",
    ]
    assert "android.permission.ACCESS_FINE_LOCATION" in jpush["permissions"]
    assert "location_precise" in [p["id"] for p in jpush["reads"]]
    assert jpush["includes"] == [
        {"id": "jiguang-jcore", "en": "JIGUANG JCore", "zh": "极光 JCore 基础组件"}
    ]
    assert by_id["gdt"]["includes"] == []
    for sdk in data["sdks"]:
        assert sdk["row"].keys() == data["columns"].keys()
        for field in sdk["missing"]:
            assert field in ("legal_entity", "purpose", "pi", "policy_url")


def test_csv_one_row_per_sdk_for_excel() -> None:
    out = _cli(str(sample("sdk-collector.apk")), "--format", "csv", "--lang", "zh")
    assert out.startswith("\ufeffid,SDK名称,第三方主体,")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert len(rows) == 5
    jpush = next(r for r in rows if r[0] == "jpush")
    assert jpush[1] == "极光推送（JPush），含极光 JCore 基础组件" and jpush[2] == JPUSH_ENTITY
    assert jpush[6] == "ACCESS_FINE_LOCATION, ACCESS_WIFI_STATE"


def test_html_is_one_self_contained_page(tmp_path: Path) -> None:
    target = tmp_path / "sdks.html"
    out = _cli(str(sample("sdk-collector.apk")), "--format", "html", "-o", str(target))
    assert out == ""  # written to the file only
    page = target.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "<script" not in page
    assert page.count("<tr>") == 5
    assert '<a href="https://www.jiguang.cn/license/privacy" rel="noreferrer">' in page


def test_app_without_sdks_says_the_list_is_empty() -> None:
    for fmt in FORMATS:
        result = invoke(["sdk-list", str(sample("clean.apk")), "--format", fmt], 0)
        assert "No third-party SDK detected in this app: the list is empty." in result.stderr
        if fmt != "csv":  # CSV is the header alone; the message is on standard error
            assert "the list is empty" in result.stdout
    zh = invoke(["sdk-list", str(sample("clean.apk")), "--lang", "zh"], 0)
    assert "未在该应用中检测到第三方 SDK：清单为空。" in zh.stdout
    assert "| # |" not in zh.stdout  # no empty table
    data = json.loads(_cli(str(sample("clean.apk")), "--format", "json"))
    _valid(data)
    assert data["sdks"] == [] and any("empty" in n for n in data["notes"])


def test_packed_app_warns_the_list_may_be_incomplete() -> None:
    out = _cli(str(sample("packed.apk")))
    assert "The scan could not see all of the app's code (" in out
    assert "SDKs may be missing from this list." in out


def test_unreadable_apk_is_a_one_line_error() -> None:
    result = invoke(["sdk-list", str(sample("corrupt.apk"))], 3)
    assert result.stdout == ""
    assert result.stderr.startswith("pi-scan: error: ")
    assert "corrupt.apk: truncated zip" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "x.md"
    result = invoke(["sdk-list", str(sample("clean.apk")), "-o", str(target)], 2)
    assert "cannot write" in result.stderr and not target.exists()


# --- the renderer on hand-built lists -------------------------------------------------------


def _hostile_list() -> SdkList:
    evil = SdkDisclosure(
        id="evil",
        name='=HYPERLINK("x")|<b>',
        category="ads",
        status="initialised",
        confidence="high",
        vendor="V|*_",
        purpose=Named("ads", "showing advertisements", "广告投放"),
        purpose_by="category",
        policy_url="https://example.com/p?a=1|2",
    )
    return SdkList(
        path="x.apk",
        package="com.x</p><script>",
        tool_version="0",
        label="L|a`b\nc",
        sdks=(evil,),
        coverage=Coverage(),
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_renderers_escape_every_string(lang: str) -> None:
    listed = _hostile_list()
    page = render(listed, "html", lang)
    assert "<script>" not in page and ")|<b>" not in page
    assert "com.x&lt;/p&gt;&lt;script&gt;" in page
    md = render(listed, "markdown", lang)
    table = [line for line in md.splitlines() if line.startswith("| 1 |")]
    assert len(table) == 1 and table[0].count(" | ") == 8  # no cell split by a pipe
    assert "<https://example.com" not in md  # a URL with a pipe is no autolink
    assert "<script>" not in md and "<b>" not in md
    assert "L\\|a\\`b c" in md and "com.x&lt;/p&gt;&lt;script&gt;" in md
    rows = list(csv.reader(io.StringIO(render(listed, "csv", lang).lstrip("\ufeff"))))
    assert rows[1][1].startswith("'=HYPERLINK")
    data = json.loads(render(listed, "json", lang))
    _valid(data)
    assert data["sdks"][0]["missing"] == ["legal_entity", "purpose", "pi"]


def test_unknown_fields_never_guessed() -> None:
    bare = SdkDisclosure(
        id="x", name="X SDK", category="no-such-category", status="present", confidence="low"
    )
    listed = SdkList(path="a.apk", package="a", tool_version="0", sdks=(bare,))
    zh = render(listed, "markdown", "zh")
    row = next(line for line in zh.splitlines() if line.startswith("| 1 |"))
    assert row == "| 1 | X SDK | 待补充 | 待补充 | 待补充 | 未发现 | 未发现 | 待补充 | 仅存在 |"
    en = render(listed, "markdown", "en")
    assert "| 1 | X SDK | unknown — fill in | unknown — fill in | unknown — fill in |" in en


# --- the builder ----------------------------------------------------------------------------


def test_every_category_has_a_purpose_wording() -> None:
    schema = json.loads((ROOT / "pi_scan" / "schemas" / "sdks.schema.json").read_text())
    categories = schema["$defs"]["sdk"]["properties"]["category"]["enum"]
    assert set(CATEGORY_PURPOSE) == set(categories)
    assert all(en and zh for en, zh in CATEGORY_PURPOSE.values())


def test_reads_and_permissions_only_from_collectable_uses_and_declared_permissions() -> None:
    knowledge = load_knowledge()
    entry = knowledge.sdks.by_id["umeng-analytics"]
    found = {"id": "umeng-analytics", "status": "collects", "confidence": "high"}
    seen = {
        "permissions": ["android.permission.READ_PHONE_STATE"],
        "api_uses": [
            # collectable, needs READ_PHONE_STATE (declared)
            {
                "id": "API-TEL-DEVICEID",
                "pi_type": "device_id",
                "sdks": ["umeng-analytics"],
                "collectable": True,
            },
            # not collectable: neither its PI nor its permission is the SDK's in this app
            {
                "id": "API-LOC-LAST-KNOWN",
                "pi_type": "location_precise",
                "sdks": ["umeng-analytics"],
                "collectable": False,
            },
            # another SDK's read
            {
                "id": "API-SETTINGS-SECURE-ANDROID-ID",
                "pi_type": "android_id",
                "sdks": ["jpush"],
                "collectable": True,
            },
        ],
    }
    row = disclosure(found, entry, seen, knowledge.catalogues)
    assert [p.id for p in row.reads] == ["device_id"]
    assert row.permissions == ("android.permission.READ_PHONE_STATE",)
    quiet = disclosure(found, entry, {"permissions": [], "api_uses": []}, knowledge.catalogues)
    assert quiet.reads == () and quiet.permissions == ()


def test_readme_example_is_the_commands_output() -> None:
    from pi_scan import __version__

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "$ pi-scan sdk-list samples/sdk-collector.apk --lang zh\n"
    start = readme.index(command) + len(command)
    shown = readme[start : readme.index("```\n", start)]
    out = _cli(str(sample("sdk-collector.apk")), "--lang", "zh")
    assert out.replace(
        str(sample("sdk-collector.apk")), "samples/sdk-collector.apk"
    ) == shown.replace("pi-scan 0.1.0", f"pi-scan {__version__}")


def _sdk_list_of(found: list[dict[str, str]]) -> SdkList:
    knowledge = load_knowledge()
    extracted = ApkFacts(path="a.apk", sha256="0" * 64, size=1, package="a")
    return sdk_list(extracted, {"sdks": found, "permissions": [], "api_uses": []}, knowledge)


def test_a_base_component_folds_into_its_product() -> None:
    """JCore ships inside JPush (sdks.json part_of) and is never listed on its own: its row
    goes into JPush's, which names it and takes its status."""
    listed = _sdk_list_of(
        [
            {"id": "jpush", "status": "initialised", "confidence": "high"},
            {"id": "jiguang-jcore", "status": "collects", "confidence": "high"},
        ]
    )
    [row] = listed.sdks
    assert row.id == "jpush" and row.status == "collects"
    assert [n.id for n in row.includes] == ["jiguang-jcore"]
    en = render(listed, "markdown", "en")
    assert "| 1 | JPush (极光推送), including JIGUANG JCore |" in en


def test_a_base_component_alone_keeps_its_own_row() -> None:
    listed = _sdk_list_of([{"id": "jiguang-jcore", "status": "present", "confidence": "medium"}])
    [row] = listed.sdks
    assert row.id == "jiguang-jcore" and row.includes == () and row.status == "present"
