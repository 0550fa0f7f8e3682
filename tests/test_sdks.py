"""The SDK catalogue (rules/catalog/sdks.json) and SDK detection (pi_scan.facts.sdks).

Every signature of every catalogue entry gets a firing case and a near miss, generated from the
catalogue itself, so a new entry is covered without writing a test for it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pi_scan.errors import RuleLoadError
from pi_scan.facts.sdks import (
    MAX_CLASS_EXAMPLES,
    TOO_BROAD_PREFIXES,
    SdkCatalogue,
    confidence,
    default_catalogue_path,
    detect_sdks,
    load_sdk_catalogue,
    sdk_of_class,
    too_broad,
)

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_PATH = ROOT / "rules" / "catalog" / "sdks.json"
PI_TYPES_PATH = ROOT / "rules" / "catalog" / "pi-types.json"
SCHEMA_PATH = ROOT / "pi_scan" / "schemas" / "sdks.schema.json"

RAW: dict[str, Any] = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = RAW["sdks"]
NEAR_MISS_PACKAGE = "com.example.nearmiss."


@pytest.fixture(scope="module")
def catalogue() -> SdkCatalogue:
    return load_sdk_catalogue(CATALOGUE_PATH)


# ----------------------------------------------------------------------------- signal cases


def _signals() -> Iterator[tuple[str, str, str]]:
    """(sdk id, signal kind, value) for every signature in the catalogue."""
    for entry in ENTRIES:
        for kind, field in (
            ("prefix", "prefixes"),
            ("component", "components"),
            ("action", "actions"),
            ("native_lib", "native_libs"),
            ("meta_data", "meta_data"),
        ):
            for value in entry[field]:
                yield entry["id"], kind, value
        for pattern in entry.get("native_lib_patterns", ()):
            yield entry["id"], "native_lib", pattern["example"]


SIGNALS = list(_signals())
EXPECTED_CONFIDENCE = {
    "prefix": "medium",
    "component": "medium",
    "native_lib": "medium",
    "action": "low",
    "meta_data": "low",
}


def _facts_for(kind: str, value: str) -> dict[str, Any]:
    """An app that carries just one signal."""
    if kind == "prefix":
        return {"classes": [f"{value}ZzProbe"]}
    if kind == "component":
        return {"components": [{"kind": "service", "name": value, "actions": []}]}
    if kind == "action":
        receiver = f"{NEAR_MISS_PACKAGE}Receiver"
        return {"components": [{"kind": "receiver", "name": receiver, "actions": [value]}]}
    if kind == "native_lib":
        return {
            "native_libs": [{"name": value, "abi": "arm64-v8a", "path": f"lib/arm64-v8a/{value}"}]
        }
    return {"app_meta_data": [{"name": value, "value": "x"}]}


def _near_miss(kind: str, value: str) -> str:
    """A value that looks like the signal but is not it."""
    if kind == "prefix":  # last segment altered: "a.b.c." -> class "a.b.cx.ZzProbe"
        return value[:-1] + "x."
    if kind == "component":  # same simple name in another package
        return NEAR_MISS_PACKAGE + value.rsplit(".", 1)[-1]
    if kind == "native_lib":  # "libfoo.so" -> "libfoox.so"
        return value[: -len(".so")] + "x.so"
    return value + "X"  # actions and meta-data names: last segment altered


def _ids(found: list[dict[str, Any]]) -> list[str]:
    return [sdk["id"] for sdk in found]


def test_signal_cases_cover_every_entry() -> None:
    assert {sdk_id for sdk_id, _, _ in SIGNALS} == {e["id"] for e in ENTRIES}
    assert len(SIGNALS) == len({(k, v) for _, k, v in SIGNALS}), "a signal is listed twice"


@pytest.mark.parametrize(("sdk_id", "kind", "value"), SIGNALS, ids=lambda x: str(x))
def test_signal_fires(catalogue: SdkCatalogue, sdk_id: str, kind: str, value: str) -> None:
    found = detect_sdks(_facts_for(kind, value), catalogue)
    assert _ids(found) == [sdk_id]
    assert found[0]["confidence"] == EXPECTED_CONFIDENCE[kind]


@pytest.mark.parametrize(("sdk_id", "kind", "value"), SIGNALS, ids=lambda x: str(x))
def test_signal_near_miss_stays_quiet(
    catalogue: SdkCatalogue, sdk_id: str, kind: str, value: str
) -> None:
    miss = _near_miss(kind, value)
    found = detect_sdks(_facts_for(kind, miss), catalogue)
    assert sdk_id not in _ids(found)
    if kind != "prefix":  # an altered prefix may still fall under another SDK's shorter one
        assert found == []


# ------------------------------------------------------------------------- catalogue content


def test_catalogue_is_schema_valid() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(RAW)


def test_catalogue_loads(catalogue: SdkCatalogue) -> None:
    assert len(catalogue) == len(ENTRIES)
    assert default_catalogue_path().resolve() == CATALOGUE_PATH.resolve()


def test_counts() -> None:
    assert len(ENTRIES) >= 150
    assert sum(1 for e in ENTRIES if e["country"] == "CN") >= 70


def test_ids_unique() -> None:
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids))


def test_deny_list_holds_the_vendor_wide_prefixes() -> None:
    for prefix in (
        "com.bytedance.",
        "com.tencent.",
        "com.baidu.",
        "com.alibaba.",
        "com.huawei.",
        "com.google.",
        "com.xiaomi.",
        "com.ss.android.",
        "com.qq.",
        "com.umeng.",
        "com.loc.",
    ):
        assert prefix in TOO_BROAD_PREFIXES
        assert too_broad(prefix)
    assert too_broad("com.") and too_broad("xcrash.")
    assert too_broad("com.bytedance.sdk.openadsdk.") is None


def test_no_prefix_is_too_broad() -> None:
    bad = [(e["id"], p) for e in ENTRIES for p in e["prefixes"] if too_broad(p)]
    assert bad == []


def test_prefixes_are_package_boundaries() -> None:
    for entry in ENTRIES:
        for prefix in entry["prefixes"]:
            assert prefix.endswith(".") and ".." not in prefix, (entry["id"], prefix)


def test_no_prefix_nests_inside_another_of_the_same_sdk() -> None:
    for entry in ENTRIES:
        prefixes = entry["prefixes"]
        nested = [(a, b) for a in prefixes for b in prefixes if a != b and b.startswith(a)]
        assert nested == [], entry["id"]


def test_prefixes_nested_across_sdks_are_documented() -> None:
    owners = [(p, e) for e in ENTRIES for p in e["prefixes"]]
    for outer, outer_entry in owners:
        for inner, inner_entry in owners:
            if inner_entry is not outer_entry and inner != outer and inner.startswith(outer):
                assert "longer prefix wins" in inner_entry.get("notes", ""), (outer, inner)


def test_no_signal_is_shared_between_sdks() -> None:
    for field in ("prefixes", "components", "actions", "native_libs", "meta_data"):
        values = [v for e in ENTRIES for v in e[field]]
        assert len(values) == len(set(values)), field


def test_pi_types_exist() -> None:
    known = set(json.loads(PI_TYPES_PATH.read_text(encoding="utf-8"))["types"])
    for entry in ENTRIES:
        for pi_type in [*entry["pi"], *entry.get("pi_optional", ())]:
            assert pi_type in known, (entry["id"], pi_type)


def test_pi_only_with_a_source() -> None:
    for entry in ENTRIES:
        has_pi = bool(entry["pi"] or entry.get("pi_optional"))
        assert has_pi == ("pi_source" in entry), entry["id"]


def test_consent_init_names_methods_and_a_source() -> None:
    with_consent = [e for e in ENTRIES if "consent_init" in e]
    assert with_consent
    for entry in with_consent:
        init = entry["consent_init"]
        assert init["source"].startswith("https://")
        methods = [*init["pre_consent"], *init["post_consent"], *init["privacy_api"]]
        assert methods, entry["id"]
        for method in methods:
            owner = method[1 : method.index(";")].replace("/", ".")
            assert owner.startswith(tuple(_all_prefixes())), (entry["id"], method)


def _all_prefixes() -> list[str]:
    return [p for e in ENTRIES for p in e["prefixes"]]


@pytest.mark.parametrize(
    ("sdk_id", "prefix"),
    [
        ("pangle", "com.bytedance.sdk.openadsdk."),
        ("gdt", "com.qq.e."),
        ("kuaishou-ads", "com.kwad.sdk."),
        ("wechat-opensdk", "com.tencent.mm.opensdk."),
        ("qq-connect", "com.tencent.connect."),
        ("qq-connect", "com.tencent.tauth."),
        ("cmcc-auth", "com.cmic.sso.sdk."),
        ("alipay", "com.alipay.sdk."),
        ("tencent-bugly", "com.tencent.bugly."),
        ("tencent-x5", "com.tencent.smtt."),
        ("msa-oaid", "com.bun.miitmdid."),
        ("umeng-analytics", "com.umeng.commonsdk."),
        ("jpush", "cn.jpush.android."),
        ("getui-push", "com.igexin.sdk."),
    ],
)
def test_well_known_prefixes(sdk_id: str, prefix: str) -> None:
    entry = next(e for e in ENTRIES if e["id"] == sdk_id)
    assert prefix in entry["prefixes"]


def test_pangle_uses_only_its_own_packages() -> None:
    pangle = next(e for e in ENTRIES if e["id"] == "pangle")
    assert all(not too_broad(p) and p != "com.bytedance." for p in pangle["prefixes"])


def test_schema_titles_every_property_and_closes_every_object() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

    def walk(node: Any, path: str) -> Iterator[str]:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                for name, sub in props.items():
                    if "title" not in sub and "$ref" not in sub:
                        yield f"{path}.properties.{name}: no title"
                    elif "title" not in sub:
                        yield f"{path}.properties.{name}: $ref without title"
                if node.get("type") == "object" and node.get("additionalProperties") is not False:
                    yield f"{path}: additionalProperties is not false"
            for key, sub in node.items():
                yield from walk(sub, f"{path}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                yield from walk(sub, f"{path}[{i}]")

    assert list(walk(schema, "$")) == []


# ------------------------------------------------------------------------------- confidence


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ({"class", "component"}, "high"),
        ({"class", "native_lib"}, "high"),
        ({"class", "meta_data"}, "high"),
        ({"component", "native_lib"}, "high"),
        ({"action", "meta_data"}, "high"),
        ({"class"}, "medium"),
        ({"component"}, "medium"),
        ({"native_lib"}, "medium"),
        ({"action"}, "low"),
        ({"meta_data"}, "low"),
    ],
)
def test_confidence(kinds: set[str], expected: str) -> None:
    assert confidence(kinds) == expected


def test_classes_and_manifest_signal_give_high_confidence(catalogue: SdkCatalogue) -> None:
    facts = {
        "classes": ["cn.jpush.android.api.JPushInterface"],
        "components": [{"kind": "service", "name": "cn.jpush.android.service.PushService"}],
    }
    (jpush,) = detect_sdks(facts, catalogue)
    assert jpush["id"] == "jpush" and jpush["confidence"] == "high"
    assert [e["kind"] for e in jpush["evidence"]] == ["class", "component"]


def test_packed_app_is_detected_from_manifest_and_native_libs(catalogue: SdkCatalogue) -> None:
    facts = {
        "classes": ["com.stub.StubApp"],
        "components": [{"kind": "service", "name": "com.igexin.sdk.PushService", "actions": []}],
        "native_libs": [
            {"name": "libjiagu.so", "abi": "armeabi-v7a", "path": "assets/libjiagu.so"}
        ],
    }
    found = {s["id"]: s for s in detect_sdks(facts, catalogue)}
    assert set(found) == {"getui-push", "packer-jiagu360"}
    assert found["getui-push"]["confidence"] == "medium"
    assert found["packer-jiagu360"]["category"] == "packer"


# ---------------------------------------------------------------------------------- details


def test_report_shape(catalogue: SdkCatalogue) -> None:
    (amap,) = detect_sdks({"classes": ["com.amap.api.location.AMapLocationClient"]}, catalogue)
    assert set(amap) >= {
        "id",
        "name",
        "name_zh",
        "vendor",
        "category",
        "country",
        "confidence",
        "evidence",
        "classes",
        "pi",
        "pi_source",
    }
    assert amap["country"] == "CN" and amap["classes"] == 1
    assert amap["pi_source"] == "https://lbs.amap.com/news/sdkhgsy"
    assert "location_precise" in amap["pi"]


def test_evidence_lists_a_few_classes_but_counts_all(catalogue: SdkCatalogue) -> None:
    classes = [f"com.umeng.analytics.pro.C{i:04d}" for i in range(500)]
    (umeng,) = detect_sdks({"classes": classes}, catalogue)
    class_evidence = [e for e in umeng["evidence"] if e["kind"] == "class"]
    assert len(class_evidence) == MAX_CLASS_EXAMPLES
    assert class_evidence[0]["value"] == "com.umeng.analytics.pro.C0000"
    assert umeng["classes"] == 500


def test_native_lib_in_several_abis_is_one_piece_of_evidence(catalogue: SdkCatalogue) -> None:
    libs = [
        {"name": "libBugly.so", "abi": abi, "path": f"lib/{abi}/libBugly.so"}
        for abi in ("arm64-v8a", "armeabi-v7a", "x86")
    ]
    (bugly,) = detect_sdks({"native_libs": libs}, catalogue)
    assert bugly["evidence"] == [{"kind": "native_lib", "value": "libBugly.so"}]


def test_results_sorted_by_id(catalogue: SdkCatalogue) -> None:
    facts = {
        "classes": ["io.sentry.Sentry", "com.appsflyer.AppsFlyerLib", "com.qq.e.ads.ADActivity"]
    }
    assert _ids(detect_sdks(facts, catalogue)) == ["appsflyer", "gdt", "sentry"]


def test_tolerates_other_fact_shapes(catalogue: SdkCatalogue) -> None:
    facts: Mapping[str, Any] = {
        "classes": None,
        "components": [{"name": "com.tencent.tauth.AuthActivity"}],
        "native_libs": ["libmsaoaidsec.so"],
        "app_meta_data": {"UMENG_APPKEY": "x"},
    }
    assert _ids(detect_sdks(facts, catalogue)) == ["msa-oaid", "qq-connect", "umeng-analytics"]
    assert detect_sdks({}, catalogue) == []


def test_large_app(catalogue: SdkCatalogue) -> None:
    """200k classes (no timing assert: the benchmark lives elsewhere)."""
    rng = random.Random(7)
    packages = [f"com.example{i}.module{j}." for i in range(400) for j in range(25)]
    classes = [f"{rng.choice(packages)}C{k}" for k in range(200_000)]
    classes += [f"com.bytedance.sdk.openadsdk.core.C{k}" for k in range(1000)]
    (pangle,) = detect_sdks({"classes": classes}, catalogue)
    assert pangle["id"] == "pangle" and pangle["classes"] == 1000


@pytest.mark.parametrize(
    ("class_name", "expected"),
    [
        ("com.google.android.gms.ads.identifier.AdvertisingIdClient", "google-ad-id"),
        ("com.google.android.gms.ads.AdView", "google-admob"),
        ("com.google.android.gms.ads.internal.util.Foo", "google-admob"),
        ("com.huawei.hms.ads.identifier.AdvertisingIdClient", "huawei-ads-identifier"),
        ("com.huawei.hms.ads.banner.BannerView", "huawei-ads"),
        ("Lcom/umeng/commonsdk/UMConfigure;", "umeng-analytics"),
        ("com/tencent/bugly/crashreport/CrashReport", "tencent-bugly"),
        ("com.umeng.commonsdk.UMConfigure$1", "umeng-analytics"),
        ("com.umeng.commonsdkx.Foo", None),
        ("com.bytedance.other.Foo", None),
        ("UMConfigure", None),
        ("", None),
    ],
)
def test_sdk_of_class_longest_prefix_wins(
    catalogue: SdkCatalogue, class_name: str, expected: str | None
) -> None:
    assert catalogue.sdk_of_class(class_name) == expected


def test_module_level_sdk_of_class_uses_the_builtin_catalogue() -> None:
    assert sdk_of_class("com.igexin.sdk.PushManager") == "getui-push"
    assert sdk_of_class("com.example.app.Main") is None


# ------------------------------------------------------------------------ malformed catalogue


def _minimal_entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "demo-sdk",
        "name": "Demo SDK",
        "vendor": "Demo",
        "country": "CN",
        "category": "push",
        "prefixes": ["com.demo.sdk."],
        "components": [],
        "actions": [],
        "native_libs": [],
        "meta_data": [],
        "pi": [],
        "sources": ["test"],
    }
    entry.update(overrides)
    return entry


def _write(tmp_path: Path, entries: list[dict[str, Any]], pi_types: bool = False) -> Path:
    path = tmp_path / "sdks.json"
    path.write_text(json.dumps({"version": "2026.1.0", "sdks": entries}), encoding="utf-8")
    if pi_types:
        (tmp_path / "pi-types.json").write_text(PI_TYPES_PATH.read_text(encoding="utf-8"))
    return path


def _load_error(path: Path) -> RuleLoadError:
    with pytest.raises(RuleLoadError) as info:
        load_sdk_catalogue(path)
    assert info.value.file == str(path)
    return info.value


def test_minimal_catalogue_loads(tmp_path: Path) -> None:
    catalogue = load_sdk_catalogue(_write(tmp_path, [_minimal_entry()]))
    assert catalogue.sdk_of_class("com.demo.sdk.Foo") == "demo-sdk"


def test_typo_in_a_key(tmp_path: Path) -> None:
    entry = _minimal_entry()
    entry["prefixs"] = entry.pop("prefixes")
    error = _load_error(_write(tmp_path, [entry]))
    assert error.json_path == "$.sdks[0]"
    assert "prefix" in error.message


def test_bad_category(tmp_path: Path) -> None:
    error = _load_error(_write(tmp_path, [_minimal_entry(category="pushh")]))
    assert error.json_path == "$.sdks[0].category"


def test_prefix_without_trailing_dot(tmp_path: Path) -> None:
    error = _load_error(_write(tmp_path, [_minimal_entry(prefixes=["com.demo.sdk"])]))
    assert error.json_path == "$.sdks[0].prefixes[0]"


def test_too_broad_prefix(tmp_path: Path) -> None:
    error = _load_error(_write(tmp_path, [_minimal_entry(prefixes=["com.tencent."])]))
    assert error.json_path == "$.sdks[0].prefixes[0]"
    assert "vendor" in error.message


def test_duplicate_id(tmp_path: Path) -> None:
    entries = [_minimal_entry(), _minimal_entry(prefixes=["com.demo.other."])]
    error = _load_error(_write(tmp_path, entries))
    assert error.json_path == "$.sdks[1].id"


def test_prefix_claimed_by_two_sdks(tmp_path: Path) -> None:
    entries = [_minimal_entry(), _minimal_entry(id="demo-two")]
    error = _load_error(_write(tmp_path, entries))
    assert error.json_path == "$.sdks[1].prefixes[0]"
    assert "demo-sdk" in error.message


def test_pattern_whose_example_does_not_match(tmp_path: Path) -> None:
    pattern = {"regex": r"^libdemo[0-9]+\.so$", "example": "libdemo.so"}
    error = _load_error(_write(tmp_path, [_minimal_entry(native_lib_patterns=[pattern])]))
    assert error.json_path == "$.sdks[0].native_lib_patterns[0].example"


def test_invalid_pattern(tmp_path: Path) -> None:
    pattern = {"regex": r"^libdemo([0-9]+\.so$", "example": "libdemo1.so"}
    error = _load_error(_write(tmp_path, [_minimal_entry(native_lib_patterns=[pattern])]))
    assert error.json_path == "$.sdks[0].native_lib_patterns[0].regex"


def test_pi_without_source(tmp_path: Path) -> None:
    error = _load_error(_write(tmp_path, [_minimal_entry(pi=["device_id"])]))
    assert error.json_path == "$.sdks[0]"


def test_unknown_pi_type(tmp_path: Path) -> None:
    entry = _minimal_entry(pi=["imei_number"], pi_source="https://example.com/privacy")
    error = _load_error(_write(tmp_path, [entry], pi_types=True))
    assert error.json_path == "$.sdks[0].pi[0]"


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "sdks.json"
    path.write_text("{", encoding="utf-8")
    assert _load_error(path).json_path == "$"


def test_missing_file(tmp_path: Path) -> None:
    assert _load_error(tmp_path / "absent.json").json_path == "$"


def test_an_exact_package_claims_its_own_classes_not_its_subpackages() -> None:
    """AMap's obfuscated location core sits right in com.loc; apps named com.loc.* are not it."""
    catalogue = load_sdk_catalogue(CATALOGUE_PATH)
    assert catalogue.sdk_of_class("com.loc.a") == "amap"
    assert catalogue.sdk_of_class("Lcom/loc/t;") == "amap"
    assert catalogue.sdk_of_class("com.loc.newsapp.MainActivity") is None
    assert catalogue.sdk_of_class("com.locx.a") is None


def test_an_exact_package_claims_only_its_own_classes(tmp_path: Path) -> None:
    catalogue = load_sdk_catalogue(_write(tmp_path, [_minimal_entry(packages=["com.demo.x."])]))
    assert catalogue.sdk_of_class("com.demo.x.A") == "demo-sdk"
    assert catalogue.sdk_of_class("com.demo.x.sub.A") is None
    assert catalogue.sdk_of_class("com.demo.sdk.A") == "demo-sdk"  # its prefix still counts


def test_package_patterns_claim_obfuscated_packages() -> None:
    """JCore's obfuscated packages (cn.jiguang.bk, cn.jiguang.bk.a ...) and Getui's
    (com.igexin.c.a.c) are the SDKs' code, seen in their real jars; JIGUANG's other products
    keep their own prefixes, and a longer package under the namespace is nobody's."""
    catalogue = load_sdk_catalogue(CATALOGUE_PATH)
    assert catalogue.sdk_of_class("cn.jiguang.bk.a") == "jiguang-jcore"
    assert catalogue.sdk_of_class("Lcn/jiguang/bk/a/c;") == "jiguang-jcore"
    assert catalogue.sdk_of_class("com.igexin.c.a.c.a") == "getui-push"
    assert catalogue.sdk_of_class("cn.jiguang.analytics.page.ActivityLifecycle") == (
        "jiguang-janalytics"
    )
    assert catalogue.sdk_of_class("cn.jiguang.verifysdk.api.JVerificationInterface") == (
        "jverification"
    )
    assert catalogue.sdk_of_class("cn.jiguang.demoapp.MainActivity") is None
    assert catalogue.sdk_of_class("com.igexin.demo.MainActivity") is None


def test_a_package_pattern_comes_after_prefixes(tmp_path: Path) -> None:
    entries = [
        _minimal_entry(package_patterns=["com\\.demo\\.(?:[a-z]\\.)+"]),
        _minimal_entry(id="other-sdk", prefixes=["com.demo.b."]),
    ]
    catalogue = load_sdk_catalogue(_write(tmp_path, entries))
    assert catalogue.sdk_of_class("com.demo.a.A") == "demo-sdk"
    assert catalogue.sdk_of_class("com.demo.a.c.A") == "demo-sdk"
    assert catalogue.sdk_of_class("com.demo.b.A") == "other-sdk"  # a prefix claims it first
    assert catalogue.sdk_of_class("com.demo.app.A") is None


@pytest.mark.parametrize(
    ("pattern", "why"),
    [("com\\.demo\\.([a-z]", "not a regular expression"), ("[a-z]+\\.demo\\.", "two literal")],
)
def test_a_bad_package_pattern_is_refused(tmp_path: Path, pattern: str, why: str) -> None:
    error = _load_error(_write(tmp_path, [_minimal_entry(package_patterns=[pattern])]))
    assert error.json_path == "$.sdks[0].package_patterns[0]"
    assert why in error.message
