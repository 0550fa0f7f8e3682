"""The disclosure fields of the SDK catalogue (rules/catalog/sdks.json): what privacy policies
are matched against (aliases, legal entity) and what `pi-scan sdk-list` prints."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from tests.conftest import ROOT

SDKS = json.loads((ROOT / "rules" / "catalog" / "sdks.json").read_text(encoding="utf-8"))["sdks"]

# Chinese SDKs whose vendor documents the PI they collect (`pi`) but whose legal entity or
# privacy-policy link could not be confirmed from the vendor's own page: left out, never guessed.
UNCONFIRMED: Mapping[str, str] = {
    "aliyun-push": "Alibaba Cloud's registered entity changed (阿里云计算有限公司 -> 杭州阿里云智能科技有限公司); "
    "the push SDK's own privacy page was not confirmed",
    "aliyun-sophix": "as aliyun-push: entity and the hot-fix SDK's privacy page not confirmed",
    "bytedance-applog": "the DataFinder SDK's own privacy-policy page was not confirmed",
    "tencent-tpns": "TPNS's compliance guide (cloud.tencent.com/document/product/548/57361) is no privacy "
    "policy; the SDK's own policy page was not confirmed",
}

# Vendor-wide names allowed as the alias of one SDK: the vendor's own name for that SDK in its
# compliance texts, and that SDK is the base the vendor's others need.
VENDOR_NAME_ALIASES: Mapping[str, str] = {
    "友盟+": "umeng-analytics",  # 友盟+SDK = UMCommon (this entry), required by every Umeng SDK
    "umeng": "umeng-analytics",
    "个推": "getui-push",  # Getui's compliance text names the push SDK 个推
    "getui": "getui-push",
}

# group and platform names that never name one SDK
GROUP_NAMES = (
    "腾讯", "tencent", "阿里巴巴", "阿里", "alibaba", "阿里云", "蚂蚁集团", "百度", "baidu", "华为",
    "huawei", "hms", "小米", "xiaomi", "网易", "netease", "字节跳动", "bytedance", "巨量引擎",
    "火山引擎", "谷歌", "google", "firebase", "meta", "facebook", "极光", "jiguang", "mobtech",
)  # fmt: skip


def norm(name: str) -> str:
    """A name as a policy matcher compares it: case, spaces and a trailing "SDK" do not count."""
    text = re.sub(r"\s+", "", name).casefold()
    return text[:-3] if text.endswith("sdk") and len(text) > 3 else text


def names_of(sdk: Mapping[str, Any]) -> list[str]:
    return [sdk["name"], *([sdk["name_zh"]] if sdk.get("name_zh") else []), *sdk.get("aliases", ())]


def ambiguous_names(sdks: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Names (normalised) that name more than one SDK: the name, Chinese name or an alias."""
    owners: dict[str, set[str]] = defaultdict(set)
    for sdk in sdks:
        for name in names_of(sdk):
            owners[norm(name)].add(sdk["id"])
    return {name: ids for name, ids in owners.items() if len(ids) > 1}


def vendor_wide_aliases(sdks: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(SDK id, alias) where the alias is a group name, or the name of a vendor with several SDKs
    in the catalogue (its vendor or vendor_zh, or their parts in brackets), unless allowed."""
    sdks = list(sdks)
    count: dict[str, int] = defaultdict(int)
    for sdk in sdks:
        count[sdk["vendor"]] += 1
    vendor_names = set(map(norm, GROUP_NAMES))
    for sdk in sdks:
        if count[sdk["vendor"]] > 1:
            for field in ("vendor", "vendor_zh"):
                if sdk.get(field):
                    vendor_names |= {
                        norm(p) for p in re.split(r"[()（）/]", sdk[field]) if p.strip()
                    }
    bad = []
    for sdk in sdks:
        for alias in sdk.get("aliases", ()):
            key = norm(alias)
            if key in vendor_names and VENDOR_NAME_ALIASES.get(key) != sdk["id"]:
                bad.append((sdk["id"], alias))
    return bad


# --- the catalogue ----------------------------------------------------------------------------


def test_chinese_sdks_with_documented_pi_name_their_entity_and_policy() -> None:
    missing = [
        (s["id"], field)
        for s in SDKS
        if s["country"] == "CN" and s["pi"] and s["id"] not in UNCONFIRMED
        for field in ("legal_entity", "policy_url")
        if not s.get(field)
    ]
    assert missing == []
    # an exception that is no longer needed is removed from the list
    stale = [
        i
        for i in UNCONFIRMED
        if all(s.get("legal_entity") and s.get("policy_url") for s in SDKS if s["id"] == i)
    ]
    assert stale == []


# Chinese SDKs whose Chinese name no vendor page gives (seen in apps only): left without one.
NO_CHINESE_NAME: Mapping[str, str] = {
    "shpear-ad": "known from a real app's classes (cn.shpear); no vendor page names it",
}


def test_chinese_sdks_have_chinese_names() -> None:
    unnamed = [
        s["id"]
        for s in SDKS
        if s["country"] == "CN"
        and not (s.get("name_zh") and s.get("vendor_zh"))
        and s["id"] not in NO_CHINESE_NAME
    ]
    assert unnamed == []
    assert all(s["id"] in {x["id"] for x in SDKS} for s in ({"id": i} for i in NO_CHINESE_NAME))


def test_no_name_or_alias_names_two_sdks() -> None:
    assert ambiguous_names(SDKS) == {}


def test_no_vendor_wide_alias() -> None:
    assert vendor_wide_aliases(SDKS) == []


def test_disclosure_fields_carry_their_source() -> None:
    fields = ("aliases", "legal_entity", "legal_entity_en", "policy_url")
    unsourced = [
        s["id"] for s in SDKS if any(s.get(f) for f in fields) and not s.get("disclosure_source")
    ]
    assert unsourced == []


def test_the_common_chinese_sdks_are_filled() -> None:
    by_id = {s["id"]: s for s in SDKS}
    expected = {
        "jpush": "深圳市和讯华谷信息技术有限公司",
        "umeng-analytics": "友盟同欣（北京）科技有限公司",
        "getui-push": "每日互动股份有限公司",
        "amap": "高德软件有限公司",
        "baidu-map": "北京百度网讯科技有限公司",
        "tencent-bugly": "深圳市腾讯计算机系统有限公司",
        "wechat-opensdk": "深圳市腾讯计算机系统有限公司",
        "huawei-push": "华为软件技术有限公司",
        "xiaomi-push": "北京小米移动软件有限公司",
        "pangle": "北京巨量引擎网络技术有限公司",
    }
    assert {i: by_id[i].get("legal_entity") for i in expected} == expected
    assert "友盟+" in by_id["umeng-analytics"]["aliases"]
    assert "高德地图" in by_id["amap"]["aliases"]


# --- the checks themselves fire and stay quiet ----------------------------------------------------


def _sdk(sdk_id: str, vendor: str, aliases: list[str], **more: Any) -> dict[str, Any]:
    return {"id": sdk_id, "name": sdk_id.upper(), "vendor": vendor, "aliases": aliases, **more}


def test_an_alias_of_two_sdks_is_ambiguous() -> None:
    sdks = [_sdk("a-push", "A", ["A推送"]), _sdk("a-stat", "A", ["A 推送 SDK"])]
    assert ambiguous_names(sdks) == {"a推送": {"a-push", "a-stat"}}
    assert ambiguous_names([_sdk("a-push", "A", ["A推送"]), _sdk("a-stat", "A", ["A统计"])]) == {}


def test_an_alias_equal_to_another_sdks_name_is_ambiguous() -> None:
    sdks = [_sdk("x", "X", ["Y"]), _sdk("y", "Y", [])]
    assert ambiguous_names(sdks) == {"y": {"x", "y"}}


@pytest.mark.parametrize(
    ("alias", "flagged"),
    [("腾讯", True), ("Tencent SDK", True), ("甲公司", True), ("Acme", True), ("甲推送", False)],
)
def test_vendor_wide_alias(alias: str, flagged: bool) -> None:
    sdks = [
        _sdk("acme-push", "Acme (甲公司)", [alias], vendor_zh="甲公司"),
        _sdk("acme-stat", "Acme (甲公司)", [], vendor_zh="甲公司"),
    ]
    assert (vendor_wide_aliases(sdks) != []) is flagged


def test_a_single_sdk_vendors_name_may_be_an_alias() -> None:
    assert vendor_wide_aliases([_sdk("solo", "Solo Inc", ["Solo Inc"], vendor_zh="独家")]) == []
