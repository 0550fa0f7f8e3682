"""The draft third-party SDK list of one app (第三方SDK共享清单), from its derived facts.

Each SDK the scan detected becomes one `SdkDisclosure`: its names, vendor and legal entity,
purpose, the PI types its vendor documents, its privacy-policy link (all from the SDK
catalogue, `rules/catalog/sdks.json`), and what this app's scan saw it do: its status
(present / initialised / collects), the PI types its code can read here and the declared
permissions those reads need.  Nothing is invented: a field the catalogue lacks stays empty and
reporters mark it "to be filled in".  Only the purpose has a fallback, a wording by the SDK's
category (`CATEGORY_PURPOSE`), marked as such (`purpose_by="category"`).

Pure functions of the facts and the catalogues: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pi_scan.facts.catalog import Catalogues
from pi_scan.facts.coverage import coverage_of
from pi_scan.facts.sdks import Sdk
from pi_scan.model import ApkFacts, Named, SdkDisclosure, SdkList

if TYPE_CHECKING:
    from pi_scan.facts import Knowledge

# What an SDK of each catalogue category is used for, in the words of a disclosure list, when
# its entry has no `purpose` of its own (keys: the `category` enum of sdks.schema.json).
CATEGORY_PURPOSE: Mapping[str, tuple[str, str]] = {
    "push": ("push notifications", "消息推送"),
    "analytics": ("usage statistics and analytics", "统计分析"),
    "attribution": ("install and campaign attribution", "广告投放归因与效果监测"),
    "ads": ("showing advertisements", "广告投放"),
    "maps-location": ("maps and location", "地图与定位服务"),
    "social": ("third-party login and sharing", "第三方登录与分享"),
    "carrier-login": (
        "phone-number verification and one-tap login",
        "手机号一键登录与本机号码校验",
    ),
    "payment": ("payment", "支付"),
    "crash-apm": ("crash reporting and performance monitoring", "崩溃收集与性能监控"),
    "biometric": ("identity verification (face, liveness)", "身份核验（人脸识别、活体检测）"),
    "webview": ("web page browsing (browser engine)", "网页浏览（浏览器内核）"),
    "game": ("game platform services (login, payment)", "游戏联运服务（登录、支付）"),
    "im-rtc": ("instant messaging, audio and video calls", "即时通讯与音视频通话"),
    "customer-service": ("online customer service", "在线客服"),
    "device-id": ("device identification", "设备标识"),
    "risk-control": ("security and fraud prevention", "安全风控与反欺诈"),
    "packer": ("app hardening (code protection)", "应用加固（代码保护）"),
    "platform": ("base component of the vendor's other SDKs", "厂商其他 SDK 的基础组件"),
    "speech-ai": ("speech recognition and synthesis", "语音识别与合成"),
    "media": ("audio, video and image processing", "音视频与图像处理"),
    "ecommerce": ("e-commerce services", "电商服务"),
    "hotfix": ("hot fixes (app updates without reinstalling)", "热修复（免安装更新）"),
}

# SDKs that act on the app's data first: those that collect, then those that start
STATUS_ORDER = {"collects": 0, "initialised": 1, "present": 2}


def sdk_list(extracted: ApkFacts, seen: Mapping[str, Any], knowledge: Knowledge) -> SdkList:
    """The draft SDK list of one app: `extracted` its facts, `seen` its derived facts
    (`rule_facts`) with the catalogues of `knowledge` they were derived with."""
    from pi_scan import __version__

    found = {
        str(s.get("id")): disclosure(
            s, knowledge.sdks.by_id.get(str(s.get("id"))), seen, knowledge.catalogues
        )
        for s in seen.get("sdks") or ()
    }
    rows = sorted(
        _fold_components(found, knowledge),
        key=lambda r: (STATUS_ORDER.get(r.status, 3), r.name.casefold(), r.id),
    )
    return SdkList(
        path=str(extracted.path),
        package=extracted.package,
        tool_version=__version__,
        label=extracted.label,
        label_zh=extracted.label_zh,
        version_name=extracted.version_name,
        version_code=extracted.version_code,
        sdks=tuple(rows),
        coverage=coverage_of(seen, ()),
    )


def _fold_components(
    found: Mapping[str, SdkDisclosure], knowledge: Knowledge
) -> list[SdkDisclosure]:
    """A base component (sdks.json `part_of`: JIGUANG JCore inside JPush) is no row of its
    own when a product it ships in is detected: the first such product's row names it, and
    takes its reads, permissions and status (the component's code runs for the product)."""
    rows = dict(found)
    for sdk_id, row in found.items():
        entry = knowledge.sdks.by_id.get(sdk_id)
        products = [p for p in (entry.raw.get("part_of") or ()) if p in rows] if entry else []
        if not products:
            continue
        host = rows[products[0]]
        rows[products[0]] = replace(
            host,
            includes=(*host.includes, Named(row.id, row.name, row.name_zh or row.name)),
            reads=tuple(dict.fromkeys((*host.reads, *row.reads))),
            permissions=tuple(sorted({*host.permissions, *row.permissions})),
            status=min(host.status, row.status, key=lambda s: STATUS_ORDER.get(s, 3)),
        )
        del rows[sdk_id]
    return list(rows.values())


def disclosure(
    found: Mapping[str, Any], entry: Sdk | None, seen: Mapping[str, Any], cats: Catalogues
) -> SdkDisclosure:
    """One row: the SDK as detected (`found`, an item of the `sdks` fact) and its catalogue
    entry (None for an SDK a custom catalogue no longer has: then only what `found` says)."""
    raw: Mapping[str, Any] = entry.raw if entry is not None else found
    sdk_id = str(found.get("id"))
    category = str(raw.get("category") or found.get("category") or "")
    purpose, purpose_by = _purpose(raw.get("purpose"), category)
    reads, permissions = _seen_reads(sdk_id, seen, cats)
    return SdkDisclosure(
        id=sdk_id,
        name=str(raw.get("name") or sdk_id),
        category=category,
        status=str(found.get("status") or "present"),
        confidence=str(found.get("confidence") or ""),
        name_zh=raw.get("name_zh"),
        vendor=raw.get("vendor"),
        vendor_zh=raw.get("vendor_zh"),
        legal_entity=raw.get("legal_entity"),
        legal_entity_en=raw.get("legal_entity_en"),
        purpose=purpose,
        purpose_by=purpose_by,
        pi=_pi(raw.get("pi") or (), cats),
        pi_optional=_pi(raw.get("pi_optional") or (), cats),
        pi_source=raw.get("pi_source"),
        reads=_pi(reads, cats),
        permissions=tuple(permissions),
        policy_url=raw.get("policy_url"),
        disclosure_source=raw.get("disclosure_source"),
        aliases=tuple(raw.get("aliases") or ()),
    )


def _purpose(given: Any, category: str) -> tuple[Named | None, str]:
    if isinstance(given, Mapping) and given.get("en") and given.get("zh"):
        return Named(category, str(given["en"]), str(given["zh"])), "catalogue"
    words = CATEGORY_PURPOSE.get(category)
    if words is None:
        return None, "category"
    return Named(category, words[0], words[1]), "category"


def _pi(ids: Iterable[str], cats: Catalogues) -> tuple[Named, ...]:
    out = []
    for pi_id in ids:
        known = cats.pi_types.get(pi_id)
        out.append(Named(pi_id, known.en, known.zh) if known else Named(pi_id, pi_id, pi_id))
    return tuple(out)


def _seen_reads(
    sdk_id: str, seen: Mapping[str, Any], cats: Catalogues
) -> tuple[list[str], list[str]]:
    """The PI types the SDK's code can read in this app (its collectable API uses; uses in code
    nothing starts are not among `api_uses`), and the declared permissions those reads need."""
    declared = set(seen.get("permissions") or ())
    pi_types: dict[str, None] = {}
    permissions: set[str] = set()
    for use in seen.get("api_uses") or ():
        if sdk_id not in (use.get("sdks") or ()) or not use.get("collectable", True):
            continue
        pi_types[str(use.get("pi_type"))] = None
        api = cats.apis.get(str(use.get("id")))
        if api is not None:
            permissions.update(p for p in api.requires_permission if p in declared)
    return list(pi_types), sorted(permissions)
