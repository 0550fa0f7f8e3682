"""The permission, app-type and sensitive-API catalogues: validity, coverage and matching."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pi_scan.errors import RuleLoadError, UsageError
from pi_scan.facts.apis import ApiMatcher, find_api_uses, permission_facts
from pi_scan.facts.catalog import (
    ApiEntry,
    Catalogues,
    builtin_catalog_dir,
    load_apis,
    load_app_types,
    load_catalogues,
    load_permissions,
)

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "rules" / "catalog"
A = "android.permission."

# Every runtime ("dangerous") permission up to API 36: Manifest.permission plus the Health
# Connect permissions that replace the body-sensor ones for apps targeting API 36.
RUNTIME_PERMISSIONS = [
    A + "ACCEPT_HANDOVER",
    A + "ACCESS_BACKGROUND_LOCATION",
    A + "ACCESS_COARSE_LOCATION",
    A + "ACCESS_FINE_LOCATION",
    A + "ACCESS_MEDIA_LOCATION",
    A + "ACTIVITY_RECOGNITION",
    A + "ADD_VOICEMAIL",
    A + "ANSWER_PHONE_CALLS",
    A + "BLUETOOTH_ADVERTISE",
    A + "BLUETOOTH_CONNECT",
    A + "BLUETOOTH_SCAN",
    A + "BODY_SENSORS",
    A + "BODY_SENSORS_BACKGROUND",
    A + "CALL_PHONE",
    A + "CAMERA",
    A + "GET_ACCOUNTS",
    A + "NEARBY_WIFI_DEVICES",
    A + "POST_NOTIFICATIONS",
    A + "PROCESS_OUTGOING_CALLS",
    A + "RANGING",
    A + "READ_CALENDAR",
    A + "READ_CALL_LOG",
    A + "READ_CONTACTS",
    A + "READ_EXTERNAL_STORAGE",
    A + "READ_MEDIA_AUDIO",
    A + "READ_MEDIA_IMAGES",
    A + "READ_MEDIA_VIDEO",
    A + "READ_MEDIA_VISUAL_USER_SELECTED",
    A + "READ_PHONE_NUMBERS",
    A + "READ_PHONE_STATE",
    A + "READ_SMS",
    A + "RECEIVE_MMS",
    A + "RECEIVE_SMS",
    A + "RECEIVE_WAP_PUSH",
    A + "RECORD_AUDIO",
    A + "SEND_SMS",
    A + "USE_SIP",
    A + "UWB_RANGING",
    A + "WRITE_CALENDAR",
    A + "WRITE_CALL_LOG",
    A + "WRITE_CONTACTS",
    A + "WRITE_EXTERNAL_STORAGE",
    A + "health.READ_HEART_RATE",
    A + "health.READ_OXYGEN_SATURATION",
    A + "health.READ_SKIN_TEMPERATURE",
    A + "health.READ_HEALTH_DATA_IN_BACKGROUND",
]

# Special, normal, privileged and vendor permissions the catalogue must know.
OTHER_PERMISSIONS = [
    A + "QUERY_ALL_PACKAGES",
    A + "PACKAGE_USAGE_STATS",
    A + "MANAGE_EXTERNAL_STORAGE",
    A + "BIND_ACCESSIBILITY_SERVICE",
    A + "SYSTEM_ALERT_WINDOW",
    A + "REQUEST_INSTALL_PACKAGES",
    A + "RECEIVE_BOOT_COMPLETED",
    A + "ACCESS_WIFI_STATE",
    A + "CHANGE_WIFI_STATE",
    A + "ACCESS_NETWORK_STATE",
    A + "READ_PRIVILEGED_PHONE_STATE",
    A + "BLUETOOTH",
    A + "BLUETOOTH_ADMIN",
    A + "BIND_NOTIFICATION_LISTENER_SERVICE",
    A + "WRITE_SETTINGS",
    A + "GET_TASKS",
    A + "READ_LOGS",
    A + "FOREGROUND_SERVICE_CAMERA",
    A + "FOREGROUND_SERVICE_MICROPHONE",
    A + "FOREGROUND_SERVICE_LOCATION",
    A + "USE_BIOMETRIC",
    A + "USE_FINGERPRINT",
    A + "HIGH_SAMPLING_RATE_SENSORS",
    A + "SCHEDULE_EXACT_ALARM",
    "com.android.launcher.permission.READ_SETTINGS",
    "com.android.launcher.permission.WRITE_SETTINGS",
    "com.google.android.gms.permission.AD_ID",
]

# Rows regulations.md marks [M] (not verified in a stored copy of the official text).
UNVERIFIED_ROWS = {10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 22, 23, 24, 25, 26, 39}
NO_PI_ROWS = {21, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38}
LOCATION_ROWS = {1, 2, 22}

CATS = load_catalogues(CATALOG)
ENTRIES = sorted(CATS.apis.values(), key=lambda e: e.id)


@pytest.fixture(scope="module")
def cats() -> Catalogues:
    return CATS


def no_sdk(_name: str) -> str | None:
    return None


def ids(facts: dict[str, Any], matcher: ApiMatcher | None = None) -> set[str]:
    return {use["id"] for use in find_api_uses(facts, matcher or MATCHER, no_sdk)}


MATCHER = ApiMatcher(ENTRIES)


# ---------------------------------------------------------------------------------------------
# catalogue contents


def test_builtin_dir_is_the_checkout_catalogue() -> None:
    assert (builtin_catalog_dir() / "apis.json").resolve() == (CATALOG / "apis.json").resolve()


def test_counts(cats: Catalogues) -> None:
    numbers = [t.number for t in cats.app_types.values()]
    assert sorted(numbers) == list(range(1, 40))
    assert len(set(numbers)) == 39
    assert len(cats.apis) >= 80
    kinds = {e.kind for e in cats.apis.values()}
    assert kinds == {"method", "field", "uri", "string"}


def test_every_runtime_permission_is_present(cats: Catalogues) -> None:
    for name in RUNTIME_PERMISSIONS:
        assert name in cats.permissions, name
        assert cats.permissions[name].protection == "dangerous", name
        assert cats.permissions[name].group is not None, name
    dangerous = {n for n, p in cats.permissions.items() if p.protection == "dangerous"}
    assert dangerous == set(RUNTIME_PERMISSIONS), "update RUNTIME_PERMISSIONS with the catalogue"


def test_other_permissions_are_present(cats: Catalogues) -> None:
    missing = [n for n in OTHER_PERMISSIONS if n not in cats.permissions]
    assert not missing
    for name in OTHER_PERMISSIONS:
        assert cats.permissions[name].group is None, name


def test_permission_sensitivity_follows_pi_types(cats: Catalogues) -> None:
    for perm in cats.permissions.values():
        expected = any(cats.pi_types[t].sensitive for t in perm.pi_types)
        assert perm.sensitive == expected, perm.name
    assert cats.permissions[A + "READ_SMS"].sensitive
    assert cats.permissions[A + "ACCESS_FINE_LOCATION"].sensitive
    assert not cats.permissions[A + "USE_BIOMETRIC"].sensitive


def test_storage_permissions_record_where_they_stop_applying(cats: Catalogues) -> None:
    assert cats.permissions[A + "READ_EXTERNAL_STORAGE"].max_api == 32
    assert cats.permissions[A + "WRITE_EXTERNAL_STORAGE"].max_api == 29
    assert cats.permissions[A + "BLUETOOTH"].max_api == 30


def test_app_type_rows(cats: Catalogues) -> None:
    rows = {t.number: t for t in cats.app_types.values()}
    assert {n for n, t in rows.items() if t.needs_no_pi} == NO_PI_ROWS
    assert {n for n, t in rows.items() if not t.verified} == UNVERIFIED_ROWS
    for n in UNVERIFIED_ROWS:
        assert rows[n].note is not None, n
    assert {n for n, t in rows.items() if t.necessary_permissions} == LOCATION_ROWS
    assert rows[1].id == "map-navigation"
    assert "phone_number" not in rows[1].pi_types
    assert {"location_precise", "location_coarse"} <= rows[1].pi_types
    assert "phone_number" in rows[18].pi_types
    assert cats.app_types.by_number(38).id == "utility-tools"
    assert any(e.en == "flashlight" for e in rows[38].examples)


def test_cross_references_resolve(cats: Catalogues) -> None:
    for perm in cats.permissions.values():
        assert set(perm.pi_types) <= set(cats.pi_types), perm.name
        assert perm.necessary_for <= set(cats.app_types), perm.name
        for type_id in perm.necessary_for:
            assert perm.name in cats.app_types[type_id].necessary_permissions
    for app_type in cats.app_types.values():
        assert app_type.pi_types <= set(cats.pi_types), app_type.id
        for name in app_type.necessary_permissions:
            assert app_type.id in cats.permissions[name].necessary_for
    assert cats.permissions.app_type_ids == set(cats.app_types)
    for entry in cats.apis.values():
        assert entry.pi_type in cats.pi_types, entry.id
        assert set(entry.requires_permission) <= set(cats.permissions), entry.id
        if entry.sensitive != cats.pi_types[entry.pi_type].sensitive:
            assert entry.note is not None, entry.id


def test_biometric_prompts_are_not_sensitive_collection(cats: Catalogues) -> None:
    bio = [e for e in cats.apis.values() if e.pi_type == "biometric"]
    assert bio
    assert all(not e.sensitive and e.note is not None for e in bio)


def test_api_prefixes_are_smali(cats: Catalogues) -> None:
    for entry in cats.apis.values():
        if entry.kind == "method":
            assert entry.match.startswith("L") and ";->" in entry.match, entry.id
            assert entry.match.endswith("(") and entry.match.count("(") == 1, entry.id
        elif entry.kind == "field":
            assert entry.match.endswith(":") and ";->" in entry.match, entry.id


# ---------------------------------------------------------------------------------------------
# every API entry fires, and its near misses stay quiet


def firing_facts(entry: ApiEntry) -> dict[str, Any]:
    strings: list[str] = []
    facts: dict[str, Any] = {"method_refs": [], "field_refs": [], "strings": strings}
    if entry.kind == "method":
        facts["method_refs"] = [
            {
                "ref": entry.match + "Landroid/content/Context;)Ljava/lang/Object;",
                "callers": ["a.B"],
            }
        ]
    elif entry.kind == "field":
        facts["field_refs"] = [{"ref": entry.match + "Ljava/lang/Object;", "callers": ["a.B"]}]
    elif entry.kind == "uri":
        strings.append(entry.match + "/1")
    elif entry.match_mode == "equals":
        strings.append(entry.match)
    elif entry.match_mode == "prefix":
        strings.append(entry.match + "/x")
    elif entry.match_mode == "contains":
        strings.append("cat " + entry.match + " 2>/dev/null")
    else:
        raise AssertionError(f"no generator for {entry.kind}/{entry.match_mode}")
    if entry.with_string is not None:
        strings.append(entry.with_string)
    return facts


def near_misses(entry: ApiEntry) -> list[tuple[str, dict[str, Any]]]:
    """Honest near misses: the same thing slightly off, or present but not used."""
    out: list[tuple[str, dict[str, Any]]] = []
    extra = [entry.with_string] if entry.with_string is not None else []

    def refs(key: str, ref: str, callers: list[str]) -> dict[str, Any]:
        facts: dict[str, Any] = {"method_refs": [], "field_refs": [], "strings": list(extra)}
        facts[key] = [{"ref": ref, "callers": callers}]
        return facts

    if entry.kind in ("method", "field"):
        key = "method_refs" if entry.kind == "method" else "field_refs"
        stop = entry.match[-1]
        head, name = entry.match[:-1].split(";->")
        tail = "Ljava/lang/Object;" if entry.kind == "field" else ")V"
        out.append(("other member", refs(key, f"{head};->{name}X{stop}{tail}", ["a.B"])))
        if len(name) > 1:
            out.append(("shorter name", refs(key, f"{head};->{name[:-1]}{stop}{tail}", ["a.B"])))
        out.append(("other class", refs(key, f"{head}X;->{name}{stop}{tail}", ["a.B"])))
        out.append(("no callers", refs(key, entry.match + tail, [])))
        if entry.with_string is not None:
            facts = refs(key, entry.match + tail, ["a.B"])
            facts["strings"] = [entry.with_string + "X"]
            out.append(("without the companion string", facts))
    elif entry.kind == "uri":
        out.append(("other authority or path", {"strings": [entry.match + "x"]}))
        out.append(("not at the start", {"strings": ["x" + entry.match]}))
    elif entry.match_mode == "contains":
        out.append(("truncated", {"strings": [entry.match[:-1], entry.match[1:]]}))
    elif entry.match_mode in ("equals", "prefix"):
        quiet = [entry.match[:-1]]
        if entry.match_mode == "equals":
            quiet.append(entry.match + "X")
        out.append(("near string", {"strings": [*quiet, *extra]}))
        if entry.with_string is not None:
            out.append(("without the companion string", {"strings": [entry.match]}))
    return out


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_api_entry_fires(entry: ApiEntry) -> None:
    uses = find_api_uses(firing_facts(entry), MATCHER, no_sdk)
    mine = [u for u in uses if u["id"] == entry.id]
    assert len(mine) == 1
    use = mine[0]
    assert use["pi_type"] == entry.pi_type
    assert use["sensitive"] == entry.sensitive
    assert use["kind"] == entry.kind and use["match"] == entry.match
    assert use["refs"]
    if entry.kind in ("method", "field"):
        assert use["callers"] == ["a.B"] and use["first_party"] is True and use["sdks"] == []
    else:
        assert use["callers"] == [] and use["first_party"] is None


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_api_entry_near_misses_stay_quiet(entry: ApiEntry) -> None:
    cases = near_misses(entry)
    assert cases
    for label, facts in cases:
        assert entry.id not in ids(facts), label


def test_all_entries_covered() -> None:
    assert [e.id for e in ENTRIES] == sorted(CATS.apis)
    for entry in ENTRIES:
        firing_facts(entry)  # raises for a kind/mode without a generator
        assert near_misses(entry), entry.id


# ---------------------------------------------------------------------------------------------
# matching details


def sdk_by_prefix(name: str) -> str | None:
    return "umeng" if name.startswith("com.umeng.") else None


def test_callers_sdks_and_first_party() -> None:
    ref = "Landroid/telephony/TelephonyManager;->getDeviceId(I)Ljava/lang/String;"
    sdk_callers = ["com.umeng.commonsdk.A", "com.umeng.commonsdk.B"]
    facts: dict[str, Any] = {
        "method_refs": [
            {"ref": ref, "callers": sdk_callers},
            {
                "ref": "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;",
                "callers": ["com.umeng.x.C"],
            },
        ],
        "field_refs": [],
        "strings": [],
    }
    (use,) = find_api_uses(facts, CATS.apis.values(), sdk_by_prefix)
    assert use["id"] == "API-TEL-DEVICEID"
    assert len(use["refs"]) == 2
    assert use["callers"] == ["com.umeng.commonsdk.A", "com.umeng.commonsdk.B", "com.umeng.x.C"]
    assert use["sdks"] == ["umeng"]
    assert use["first_party"] is False
    sdk_callers.append("com.example.app.Main")
    (use,) = find_api_uses(facts, MATCHER, sdk_by_prefix)
    assert use["first_party"] is True and use["sdks"] == ["umeng"]


def test_results_sorted_and_shaped() -> None:
    facts = {
        "method_refs": [
            {
                "ref": "Landroid/net/wifi/WifiInfo;->getMacAddress()Ljava/lang/String;",
                "callers": ["a.A"],
            },
            {
                "ref": "Landroid/content/ClipboardManager;->getPrimaryClip()Landroid/content/ClipData;",
                "callers": ["a.A"],
            },
        ],
        "field_refs": [
            {"ref": "Landroid/os/Build;->SERIAL:Ljava/lang/String;", "callers": ["a.A"]}
        ],
        "strings": ["content://call_log/calls", "content://sms", "ro.serialno"],
    }
    uses = find_api_uses(facts, MATCHER, no_sdk)
    assert [u["id"] for u in uses] == sorted(u["id"] for u in uses)
    assert {u["id"] for u in uses} == {
        "API-WIFI-MAC",
        "API-CLIP-PRIMARY",
        "API-BUILD-SERIAL",
        "API-URI-CALL-LOG",
        "API-URI-SMS",
        "API-PROP-SERIALNO",
    }
    for use in uses:
        assert set(use) == {
            "id",
            "pi_type",
            "sensitive",
            "kind",
            "category",
            "weak",
            "match",
            "refs",
            "callers",
            "sdks",
            "first_party",
        }


@pytest.mark.parametrize(
    ("string", "fires"),
    [
        ("content://sms", True),
        ("content://sms/", True),
        ("content://sms/inbox", True),
        ("content://sms?limit=1", True),
        ("content://sms#x", True),
        ("content://smsx", False),
        ("content://mms-sms/conversations", False),  # its own entry, not content://sms
        ("xcontent://sms", False),
    ],
)
def test_uri_boundaries(string: str, fires: bool) -> None:
    assert ("API-URI-SMS" in ids({"strings": [string]})) is fires


def test_android_id_needs_the_android_id_string() -> None:
    ref = {
        "ref": "Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;"
        "Ljava/lang/String;)Ljava/lang/String;",
        "callers": ["a.A"],
    }
    assert "API-SETTINGS-SECURE-ANDROID-ID" not in ids(
        {"method_refs": [ref], "strings": ["default_input_method"]}
    )
    assert "API-SETTINGS-SECURE-ANDROID-ID" in ids(
        {"method_refs": [ref], "strings": ["android_id"]}
    )


def test_contains_reports_each_matching_string_once() -> None:
    strings = ["a/proc/net/arp", "/proc/net/arp/proc/net/arp", "none", "/proc/net/arp"]
    (use,) = [
        u
        for u in find_api_uses({"strings": strings}, MATCHER, no_sdk)
        if u["id"] == "API-PROC-NET-ARP"
    ]
    assert use["refs"] == sorted({"a/proc/net/arp", "/proc/net/arp/proc/net/arp", "/proc/net/arp"})


def test_empty_and_missing_facts() -> None:
    assert find_api_uses({}, MATCHER, no_sdk) == []
    assert (
        find_api_uses({"method_refs": [], "field_refs": [], "strings": []}, MATCHER, no_sdk) == []
    )


def test_sdk_lookup_is_cached_per_call() -> None:
    calls: list[str] = []

    def lookup(name: str) -> str | None:
        calls.append(name)
        return None

    refs = [
        {"ref": f"Landroid/net/wifi/WifiInfo;->get{m}()Ljava/lang/String;", "callers": ["a.A"]}
        for m in ("SSID", "BSSID", "MacAddress")
    ]
    assert len(find_api_uses({"method_refs": refs}, MATCHER, lookup)) == 3
    assert calls == ["a.A"]


def test_large_inputs() -> None:
    """Half a million refs: the two real uses among them are found (how fast is measured by
    benchmarks/bench_extract.py, not here: a timed test fails on a loaded machine)."""
    refs = [
        {"ref": f"Lcom/example/c{i % 5000};->m{i}(I)V", "callers": [f"com.example.c{i % 5000}"]}
        for i in range(500_000)
    ]
    refs.append(
        {
            "ref": "Landroid/telephony/TelephonyManager;->getImei()Ljava/lang/String;",
            "callers": ["com.example.c1"],
        }
    )
    strings = [f"string number {i}" for i in range(200_000)] + [
        "content://com.android.contacts/data"
    ]
    facts = {"method_refs": refs, "field_refs": refs[:100_000], "strings": strings}
    assert ids(facts) == {"API-TEL-IMEI", "API-URI-CONTACTS"}


# ---------------------------------------------------------------------------------------------
# permission facts


def test_flashlight_with_sms_permission(cats: Catalogues) -> None:
    facts = permission_facts(
        [A + "READ_SMS", A + "CAMERA", A + "INTERNET", A + "READ_SMS"],
        cats.permissions,
        "utility-tools",
    )
    assert facts == {
        "dangerous_permissions": [A + "CAMERA", A + "READ_SMS"],
        "dangerous_groups": ["CAMERA", "SMS"],
        "pi_types_by_permission": ["camera", "sms"],
        "unnecessary_permissions": [A + "CAMERA", A + "READ_SMS"],
    }


def test_map_with_fine_location(cats: Catalogues) -> None:
    declared = [
        A + "ACCESS_FINE_LOCATION",
        A + "ACCESS_COARSE_LOCATION",
        A + "READ_CONTACTS",
        A + "QUERY_ALL_PACKAGES",
        A + "MANAGE_EXTERNAL_STORAGE",
        A + "POST_NOTIFICATIONS",
    ]
    facts = permission_facts(declared, cats.permissions, "map-navigation")
    # QUERY_ALL_PACKAGES is a normal permission, POST_NOTIFICATIONS exposes no PI
    assert facts["unnecessary_permissions"] == [A + "MANAGE_EXTERNAL_STORAGE", A + "READ_CONTACTS"]
    assert facts["dangerous_groups"] == ["CONTACTS", "LOCATION", "NOTIFICATIONS"]
    assert "installed_apps" in facts["pi_types_by_permission"]
    other = permission_facts(declared, cats.permissions, "news")
    assert A + "ACCESS_FINE_LOCATION" in other["unnecessary_permissions"]


def test_unknown_app_type_means_no_judgement(cats: Catalogues) -> None:
    facts = permission_facts([A + "READ_SMS"], cats.permissions, None)
    assert facts["unnecessary_permissions"] is None
    assert facts["dangerous_permissions"] == [A + "READ_SMS"]
    with pytest.raises(UsageError, match="unknown app type"):
        permission_facts([A + "READ_SMS"], cats.permissions, "flashlight")


def test_permissions_outside_the_catalogue_are_ignored(cats: Catalogues) -> None:
    facts = permission_facts(["com.example.permission.C2D"], cats.permissions, "news")
    assert facts == {
        "dangerous_permissions": [],
        "dangerous_groups": [],
        "pi_types_by_permission": [],
        "unnecessary_permissions": [],
    }


# ---------------------------------------------------------------------------------------------
# malformed catalogues


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    shutil.copytree(CATALOG, folder)
    return folder


def edit(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def set_path(keys: list[Any], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for key in keys[:-1]:
            data = data[key]
        data[keys[-1]] = value

    return change


LOADERS: dict[str, Callable[[Path], object]] = {
    "permissions.json": load_permissions,
    "app-types.json": load_app_types,
    "apis.json": load_apis,
}


# fmt: off
MALFORMED = [
    ("permissions.json", ["permissions", 3, "protection"], "bogus", "$.permissions[3].protection", "is not one of"),
    ("permissions.json", ["permissions", 0, "group"], None, "$.permissions[0].group", "None is not"),
    ("permissions.json", ["permissions", 0, "pi_types", 0], "gps", "$.permissions[0].pi_types[0]", "unknown PI type"),
    ("permissions.json", ["permissions", 0, "necessary_for", 0], "maps", "$.permissions[0].necessary_for[0]", "unknown app type"),
    ("permissions.json", ["permissions", 0, "sensitive"], False, "$.permissions[0].sensitive", "must be true"),
    ("permissions.json", ["permissions", 1, "name"], A + "ACCESS_FINE_LOCATION", "$.permissions[1].name", "duplicate"),
    ("app-types.json", ["types", 2, "number"], 1, "$.types[2].number", "duplicate number"),
    ("app-types.json", ["types", 0, "necessary_pi", 0, "pi_types", 0], "gps", "$.types[0].necessary_pi[0].pi_types[0]", "unknown PI type"),
    ("app-types.json", ["types", 0, "necessary_permissions", 0], A + "NOPE", "$.types[0].necessary_permissions[0]", "unknown permission"),
    ("app-types.json", ["types", 4, "necessary_permissions"], [A + "ACCESS_FINE_LOCATION"], "$.types[4].necessary_permissions[0]", "does not name app type"),
    ("app-types.json", ["types", 0, "verified"], "yes", "$.types[0].verified", "is not of type"),
    ("apis.json", ["apis", 0, "match"], "Landroid/telephony/TelephonyManager;->getDeviceId", "$.apis[0].match", "does not match"),
    ("apis.json", ["apis", 0, "kind"], "class", "$.apis[0].kind", "is not one of"),
    ("apis.json", ["apis", 1, "id"], "API-TEL-DEVICEID", "$.apis[1].id", "duplicate API id"),
    ("apis.json", ["apis", 0, "pi_type"], "imei", "$.apis[0].pi_type", "unknown PI type"),
    ("apis.json", ["apis", 0, "requires_permission", 0, "any_of", 0], A + "NOPE", "$.apis[0].requires_permission[0].any_of[0]", "unknown permission"),
]
# fmt: on


@pytest.mark.parametrize(("file", "keys", "value", "json_path", "message"), MALFORMED)
def test_malformed_catalogue(
    catalog: Path, file: str, keys: list[Any], value: Any, json_path: str, message: str
) -> None:
    edit(catalog / file, set_path(keys, value))
    with pytest.raises(RuleLoadError) as info:
        LOADERS[file](catalog / file)
    assert info.value.file == str(catalog / file)
    assert info.value.json_path == json_path
    assert message in info.value.message
    with pytest.raises(RuleLoadError):
        load_catalogues(catalog)


def test_sensitivity_override_needs_a_note(catalog: Path) -> None:
    raw = json.loads((catalog / "apis.json").read_text(encoding="utf-8"))["apis"]
    index = next(i for i, e in enumerate(raw) if e["id"] == "API-BIOMETRIC-PROMPT")

    def drop_note(data: Any) -> None:
        del data["apis"][index]["note"]

    edit(catalog / "apis.json", drop_note)
    with pytest.raises(RuleLoadError) as info:
        load_apis(catalog / "apis.json")
    assert info.value.json_path == f"$.apis[{index}].sensitive"
    assert "add a note" in info.value.message


def test_one_sided_necessity_is_reported_on_both_files(catalog: Path) -> None:
    def drop_type(data: Any) -> None:
        data["permissions"][0]["necessary_for"].remove("ride-hailing")

    edit(catalog / "permissions.json", drop_type)
    with pytest.raises(RuleLoadError) as info:
        load_permissions(catalog / "permissions.json")
    assert info.value.json_path == "$.permissions[0].necessary_for"
    with pytest.raises(RuleLoadError) as info:
        load_app_types(catalog / "app-types.json")
    assert info.value.file.endswith("app-types.json")
    assert info.value.json_path == "$.types[1].necessary_permissions[0]"


def test_invalid_json_and_missing_files(catalog: Path) -> None:
    (catalog / "apis.json").write_text('{"apis": [', encoding="utf-8")
    with pytest.raises(RuleLoadError) as info:
        load_apis(catalog / "apis.json")
    assert info.value.json_path == "$" and "invalid JSON" in info.value.message
    (catalog / "pi-types.json").unlink()
    with pytest.raises(RuleLoadError) as info:
        load_permissions(catalog / "permissions.json")
    assert info.value.file.endswith("pi-types.json") and info.value.message == "file not found"


def test_catalogue_objects_are_read_only(cats: Catalogues) -> None:
    perm = cats.permissions[A + "READ_SMS"]
    with pytest.raises(AttributeError):
        perm.sensitive = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        cats.permissions[A + "READ_SMS"] = perm  # type: ignore[index]


def test_string_entries_agree_when_their_literals_are_found_in_one_pass() -> None:
    """Inside sharing(), with the catalogue's literals announced (as `derive` does), every
    string entry fires on the strings of all firing cases at once, and the near misses of
    all string entries together give what they give without it: the same answers as one
    search per literal."""
    from pi_scan.facts.texts import expect, sharing

    strings_entries = [e for e in ENTRIES if e.kind not in ("method", "field")]
    firing = sorted({s for e in strings_entries for s in firing_facts(e)["strings"]})
    quiet = sorted(
        {s for e in strings_entries for _, f in near_misses(e) for s in f.get("strings", [])}
        - set(firing)
    )
    from pi_scan.facts.apis import URI_SCHEME

    literals = {e.match for e in strings_entries if e.kind != "uri"} | {URI_SCHEME}
    assert literals <= set(MATCHER.needles)
    for strings, expected in ((firing, {e.id for e in strings_entries}), (quiet, None)):
        facts = {"method_refs": [], "field_refs": [], "strings": strings}
        alone = {u["id"] for u in find_api_uses(facts, MATCHER, no_sdk)}
        with sharing():
            expect(plain=MATCHER.needles)
            together = {u["id"] for u in find_api_uses(facts, MATCHER, no_sdk)}
        assert together == alone
        assert expected is None or expected <= together
