"""Collectability of sensitive-API uses (pi_scan.facts.collectable) and the catalogue data
behind it: requires_permission by device level and targetSdk, sources, and the TC260 decision on
which runtime permissions expose PI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pi_scan.errors import RuleLoadError
from pi_scan.facts.catalog import ApiEntry, load_apis, load_catalogues, load_permissions
from pi_scan.facts.collectable import (
    NEWEST_API,
    AppSdk,
    Declared,
    Judge,
    collectable,
    collectable_uses,
)

from .conftest import ROOT, invoke

CATALOG = ROOT / "rules" / "catalog"
A = "android.permission."
CATS = load_catalogues(CATALOG)
APIS = CATS.apis


def app(*perms: str | Declared, **kw: Any) -> AppSdk:
    declared = tuple(p if isinstance(p, Declared) else Declared(A + p) for p in perms)
    return AppSdk(permissions=declared, **kw)


def check(api_id: str, sdk: AppSdk) -> tuple[bool, str]:
    return collectable(APIS[api_id], sdk)


# ---- the examples of the issue


def test_wifi_mac_is_a_constant_from_android_6() -> None:
    ok, why = check("API-WIFI-MAC", app("ACCESS_WIFI_STATE", min_sdk=23, target_sdk=30))
    assert not ok
    assert why == "returns the constant 02:00:00:00:00:00 on Android 6.0+; minSdk 23"
    ok, why = check("API-WIFI-MAC", app("ACCESS_WIFI_STATE", min_sdk=19, target_sdk=30))
    assert ok
    assert why.endswith("collectable on Android 4.4-5.1 (API 19-22)")
    ok, why = check("API-WIFI-MAC", app(min_sdk=19, target_sdk=30))
    assert not ok
    assert "ACCESS_WIFI_STATE not declared" in why


def test_bluetooth_address_is_a_constant_from_android_6() -> None:
    assert not check("API-BT-ADAPTER-ADDRESS", app("BLUETOOTH", min_sdk=24, target_sdk=30))[0]
    ok, why = check("API-BT-ADAPTER-ADDRESS", app("BLUETOOTH", min_sdk=21, target_sdk=30))
    assert ok
    assert "collectable on Android 5.0-5.1 (API 21-22)" in why


def test_hardware_address_until_target_30() -> None:
    ok, why = check("API-NET-HARDWARE-ADDRESS", app(min_sdk=30, target_sdk=29))
    assert ok
    assert why == "needs no permission: collectable on Android 11+ (API 30+)"
    ok, why = check("API-NET-HARDWARE-ADDRESS", app(min_sdk=30, target_sdk=30))
    assert not ok
    assert why == "returns null on Android 11+; minSdk 30, targetSdk 30"
    # older devices do not know the targetSdk rule
    ok, why = check("API-NET-HARDWARE-ADDRESS", app(min_sdk=24, target_sdk=34))
    assert ok
    assert "collectable on Android 7.0-10 (API 24-29)" in why


def test_imei_needs_a_privileged_permission_from_android_10() -> None:
    ok, why = check("API-TEL-DEVICEID", app("READ_PHONE_STATE", min_sdk=21, target_sdk=28))
    assert ok
    assert why == (
        "needs READ_PRIVILEGED_PHONE_STATE (privileged apps only) on Android 10+; "
        "READ_PHONE_STATE declared, minSdk 21: collectable on Android 5.0-9 (API 21-28)"
    )
    ok, why = check("API-TEL-IMEI", app("READ_PHONE_STATE", min_sdk=29, target_sdk=33))
    assert not ok
    assert why == "needs READ_PRIVILEGED_PHONE_STATE (privileged apps only)"
    # declaring the privileged permission does not help an ordinary app
    assert not check("API-TEL-IMEI", app("READ_PRIVILEGED_PHONE_STATE", min_sdk=29))[0]
    ok, why = check("API-TEL-IMEI", app(min_sdk=21, target_sdk=28))
    assert not ok
    assert why.startswith("READ_PHONE_STATE not declared on Android 8.0-9")


@pytest.mark.parametrize("api_id", ["API-SETTINGS-SECURE-ANDROID-ID", "API-CLIP-PRIMARY"])
def test_pi_without_a_permission_is_always_collectable(api_id: str) -> None:
    for sdk in (app(), app(min_sdk=21, target_sdk=35), app(min_sdk=35, target_sdk=35)):
        ok, why = check(api_id, sdk)
        assert ok
        assert why.startswith("needs no permission: collectable on Android")


def test_installed_apps_are_only_the_visible_packages_from_target_30() -> None:
    ok, why = check("API-PM-INSTALLED-PACKAGES", app(min_sdk=30, target_sdk=33))
    assert not ok
    assert why == (
        "only visible packages are listed to apps targeting API 30+: neither "
        "QUERY_ALL_PACKAGES nor a broad <queries> declared (targetSdk 33)"
    )
    ok, why = check(
        "API-PM-INSTALLED-PACKAGES", app("QUERY_ALL_PACKAGES", min_sdk=30, target_sdk=33)
    )
    assert ok
    assert why == "QUERY_ALL_PACKAGES declared: collectable on Android 11+ (API 30+)"
    broad = AppSdk(min_sdk=30, target_sdk=33, queries_actions=("android.intent.action.MAIN",))
    assert check("API-PM-INSTALLED-PACKAGES", broad) == (
        True,
        "a broad <queries> declared: collectable on Android 11+ (API 30+)",
    )
    named = AppSdk(min_sdk=30, target_sdk=33, queries_packages=("com.tencent.mm",))
    assert not check("API-PM-INSTALLED-PACKAGES", named)[0]
    # ... but probing that named package is possible
    assert check("API-PM-PACKAGE-INFO", named)[0]
    assert check("API-PM-INSTALLED-PACKAGES", app(min_sdk=30, target_sdk=29))[0]
    ok, why = check("API-PM-INSTALLED-PACKAGES", app(min_sdk=21, target_sdk=33))
    assert ok
    assert why.endswith("collectable on Android 5.0-10 (API 21-29)")


# ---- the app's side: maxSdkVersion, uses-permission-sdk-23, defaults


def test_max_sdk_version_ends_a_declaration() -> None:
    limited = Declared(A + "READ_PHONE_STATE", max_sdk=22)
    ok, why = check("API-TEL-IMEI", app(limited, min_sdk=21, target_sdk=28))
    assert not ok
    assert "READ_PHONE_STATE declared only with maxSdkVersion 22 on Android 8.0-9" in why
    # the documented migration: READ_PHONE_STATE up to API 29, READ_PHONE_NUMBERS after
    numbers = app(Declared(A + "READ_PHONE_STATE", max_sdk=29), "READ_PHONE_NUMBERS")
    assert check("API-TEL-LINE1", AppSdk(30, 30, numbers.permissions))[0]
    ok, why = check("API-TEL-LINE1", app("READ_PHONE_STATE", min_sdk=30, target_sdk=30))
    assert not ok
    assert why == "neither READ_PHONE_NUMBERS nor READ_SMS declared (targetSdk 30)"


def test_uses_permission_sdk_23_starts_at_android_6() -> None:
    sdk23 = Declared(A + "ACCESS_WIFI_STATE", sdk23=True)
    ok, why = check("API-WIFI-MAC", app(sdk23, min_sdk=19, target_sdk=30))
    assert not ok
    assert "ACCESS_WIFI_STATE declared only with uses-permission-sdk-23" in why
    ok, why = check(
        "API-TEL-DEVICEID", app(Declared(A + "READ_PHONE_STATE", sdk23=True), min_sdk=21)
    )
    assert ok
    assert "collectable on Android 6.0-9 (API 23-28)" in why


def test_unknown_sdk_levels_default_as_android_does() -> None:
    assert AppSdk().min_level == 1
    assert AppSdk().target == 1
    assert AppSdk(min_sdk=30).target == 30
    # minSdk 30, no targetSdk: the app targets 30, so the MAC is gone
    assert not check("API-NET-HARDWARE-ADDRESS", AppSdk(min_sdk=30))[0]
    assert check("API-NET-HARDWARE-ADDRESS", AppSdk())[0]


def test_from_facts_reads_permission_uses_and_queries() -> None:
    facts = {
        "min_sdk": 21,
        "target_sdk": "34",  # not an int: unknown
        "permission_uses": [{"name": A + "CAMERA", "max_sdk": 28, "sdk23": False}],
        "permissions": [A + "CAMERA"],
        "queries.actions": ["android.intent.action.MAIN"],
    }
    sdk = AppSdk.from_facts(facts)
    assert sdk.min_sdk == 21 and sdk.target_sdk is None and sdk.target == 21
    assert sdk.permissions == (Declared(A + "CAMERA", 28, False),)
    assert sdk.declared_on(28) == {A + "CAMERA"} and sdk.declared_on(29) == set()
    assert sdk.queries("broad") and sdk.queries("any")
    # rule test cases carry plain permission names only
    assert AppSdk.from_facts({"permissions": [A + "CAMERA"]}).permissions == (
        Declared(A + "CAMERA"),
    )


def test_collectable_uses_adds_the_fields_and_keeps_the_rest() -> None:
    uses = [{"id": "API-WIFI-MAC", "callers": ["a.B"]}, {"id": "API-UNKNOWN"}]
    out = collectable_uses(uses, APIS, {"min_sdk": 23, "permissions": [A + "ACCESS_WIFI_STATE"]})
    assert out[0]["callers"] == ["a.B"]
    assert out[0]["collectable"] is False
    assert out[0]["collectable_reason"].startswith("returns the constant 02:00:00:00:00:00")
    assert out[1]["collectable"] is True
    assert "collectable" not in uses[0]


def test_bundle_permissions_of_any_member_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # split.apks: READ_CONTACTS is declared by base.apk, the contacts query is in the feature split
    monkeypatch.chdir(ROOT)
    facts = json.loads(invoke(["facts", "samples/split.apks"], 0).stdout)
    (use,) = [u for u in facts["api_uses"] if u["id"] == "API-FIELD-CONTACTS-URI"]
    assert use["collectable"] is True
    assert (
        use["collectable_reason"] == "READ_CONTACTS declared: collectable on Android 5.0+ (API 21+)"
    )
    assert [u["id"] for u in facts["collectable_api_uses"]] == ["API-FIELD-CONTACTS-URI"]


# ---- one entry family at a time: collectable with the permission, not without

# (entry id, app kwargs, permissions that make it collectable)
FAMILIES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("API-TEL-IMSI", {"min_sdk": 21, "target_sdk": 28}, ("READ_PHONE_STATE",)),
    ("API-REFLECT-TEL-IMEI", {"min_sdk": 21, "target_sdk": 28}, ("READ_PHONE_STATE",)),
    ("API-SUBINFO-ICCID", {"min_sdk": 22, "target_sdk": 29}, ("READ_PHONE_STATE",)),
    ("API-SUB-PHONE-NUMBER", {"min_sdk": 33, "target_sdk": 34}, ("READ_PHONE_NUMBERS",)),
    ("API-TEL-CELL-LOCATION", {"min_sdk": 29, "target_sdk": 34}, ("ACCESS_FINE_LOCATION",)),
    ("API-GSM-CELL-ID", {"min_sdk": 21, "target_sdk": 28}, ("ACCESS_COARSE_LOCATION",)),
    ("API-BUILD-GETSERIAL", {"min_sdk": 26, "target_sdk": 28}, ("READ_PHONE_STATE",)),
    (
        "API-WIFI-SSID",
        {"min_sdk": 29, "target_sdk": 34},
        ("ACCESS_WIFI_STATE", "ACCESS_FINE_LOCATION"),
    ),
    (
        "API-WIFI-SCAN-RESULTS",
        {"min_sdk": 23, "target_sdk": 28},
        ("ACCESS_WIFI_STATE", "ACCESS_COARSE_LOCATION"),
    ),
    ("API-WIFI-CONFIGURED", {"min_sdk": 21, "target_sdk": 34}, ("ACCESS_WIFI_STATE",)),
    ("API-WIFI-IP", {"min_sdk": 21, "target_sdk": 34}, ("ACCESS_WIFI_STATE",)),
    (
        "API-ADID-GOOGLE",
        {"min_sdk": 21, "target_sdk": 34},
        ("com.google.android.gms.permission.AD_ID",),
    ),
    ("API-ADID-ADSERVICES", {"min_sdk": 33, "target_sdk": 34}, ("ACCESS_ADSERVICES_AD_ID",)),
    ("API-PM-INSTALLED-APPLICATIONS", {"min_sdk": 30, "target_sdk": 34}, ("QUERY_ALL_PACKAGES",)),
    ("API-AM-RUNNING-TASKS", {"min_sdk": 16, "target_sdk": 34}, ("GET_TASKS",)),
    ("API-USAGE-STATS", {"min_sdk": 21, "target_sdk": 34}, ("PACKAGE_USAGE_STATS",)),
    ("API-LOC-UPDATES", {"min_sdk": 21, "target_sdk": 34}, ("ACCESS_COARSE_LOCATION",)),
    ("API-FUSED-LAST", {"min_sdk": 21, "target_sdk": 34}, ("ACCESS_FINE_LOCATION",)),
    ("API-ACTIVITY-RECOGNITION", {"min_sdk": 29, "target_sdk": 34}, ("ACTIVITY_RECOGNITION",)),
    ("API-CAMERA2-OPEN", {"min_sdk": 21, "target_sdk": 34}, ("CAMERA",)),
    ("API-AUDIORECORD-START", {"min_sdk": 21, "target_sdk": 34}, ("RECORD_AUDIO",)),
    ("API-ACCOUNTS-ALL", {"min_sdk": 21, "target_sdk": 34}, ("GET_ACCOUNTS",)),
    ("API-SMS-SEND-TEXT", {"min_sdk": 21, "target_sdk": 34}, ("SEND_SMS",)),
    ("API-URI-SMS", {"min_sdk": 21, "target_sdk": 34}, ("READ_SMS",)),
    ("API-URI-CONTACTS", {"min_sdk": 21, "target_sdk": 34}, ("READ_CONTACTS",)),
    ("API-FIELD-CALL-LOG-URI", {"min_sdk": 21, "target_sdk": 34}, ("READ_CALL_LOG",)),
    ("API-URI-CALENDAR", {"min_sdk": 21, "target_sdk": 34}, ("READ_CALENDAR",)),
    ("API-FIELD-MEDIA-IMAGES-URI", {"min_sdk": 33, "target_sdk": 34}, ("READ_MEDIA_IMAGES",)),
    ("API-URI-MEDIA-EXTERNAL", {"min_sdk": 21, "target_sdk": 32}, ("READ_EXTERNAL_STORAGE",)),
    ("API-STORAGE-ROOT", {"min_sdk": 21, "target_sdk": 34}, ("READ_EXTERNAL_STORAGE",)),
    ("API-BIOMETRIC-PROMPT", {"min_sdk": 28, "target_sdk": 34}, ("USE_BIOMETRIC",)),
    ("API-BT-BONDED", {"min_sdk": 31, "target_sdk": 34}, ("BLUETOOTH_CONNECT",)),
    ("API-BT-LE-SCAN", {"min_sdk": 31, "target_sdk": 34}, ("BLUETOOTH_SCAN",)),
    (
        "API-BT-DISCOVERY",
        {"min_sdk": 23, "target_sdk": 28},
        ("BLUETOOTH_ADMIN", "ACCESS_COARSE_LOCATION"),
    ),
]


def _declared(names: tuple[str, ...]) -> tuple[Declared, ...]:
    return tuple(Declared(n if "." in n else A + n) for n in names)


@pytest.mark.parametrize(("api_id", "kw", "perms"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_family_fires_with_the_permission_and_is_quiet_without(
    api_id: str, kw: dict[str, Any], perms: tuple[str, ...]
) -> None:
    ok, why = collectable(APIS[api_id], AppSdk(permissions=_declared(perms), **kw))
    assert ok, why
    assert "collectable on Android" in why
    for k in range(len(perms)):  # leave out any one of them
        fewer = _declared(perms[:k] + perms[k + 1 :])
        ok, why = collectable(APIS[api_id], AppSdk(permissions=fewer, **kw))
        assert not ok, why
        assert "declared" in why


# Entries that need no permission at all: collectable for any app (the quiet case is a device
# level where the call no longer returns PI, when there is one).
NO_PERMISSION = [
    ("API-TEL-SIM-OPERATOR", None),
    ("API-NET-INTERFACES", None),
    ("API-SETTINGS-SYSTEM-ANDROID-ID", None),
    ("API-OAID-MSA", None),
    ("API-OAID-VIVO", None),
    ("API-GEOCODER-REVERSE", None),
    ("API-SENSOR-REGISTER", None),
    ("API-SCREEN-PROJECTION", None),
    ("API-NOTIFICATION-LISTENER-ACTIVE", None),
    ("API-HEALTH-CONNECT-READ", None),
    ("API-PROP-SERIALNO", None),
    ("API-AM-RUNNING-PROCESSES", 22),
    ("API-AM-RUNNING-SERVICES", 26),
    ("API-BUILD-SERIAL", 28),
    ("API-PROC-NET-ARP", None),
    ("API-BT-DEVICE-ADDRESS", None),
]


@pytest.mark.parametrize(("api_id", "quiet_from"), NO_PERMISSION, ids=[n[0] for n in NO_PERMISSION])
def test_family_without_a_permission(api_id: str, quiet_from: int | None) -> None:
    entry = APIS[api_id]
    ok, why = collectable(entry, AppSdk(min_sdk=entry.api_min or 21, target_sdk=21))
    assert ok, why
    if quiet_from is not None:
        ok, why = collectable(entry, AppSdk(min_sdk=quiet_from, target_sdk=34))
        assert not ok, why
        assert why.startswith("returns ")


@pytest.mark.parametrize("api_id", ["API-UICC-ICCID", "API-DPM-WIFI-MAC"])
def test_privileged_only_entries_are_never_collectable(api_id: str) -> None:
    everything = _declared(tuple(APIS[api_id].requires_permission))
    ok, why = collectable(APIS[api_id], AppSdk(min_sdk=1, target_sdk=34, permissions=everything))
    assert not ok
    assert "privileged" in why or "owner" in why


def test_every_entry_family_is_covered_by_a_test() -> None:
    tested = {f[0] for f in FAMILIES} | {n[0] for n in NO_PERMISSION}
    tested |= {"API-UICC-ICCID", "API-DPM-WIFI-MAC", "API-WIFI-MAC", "API-BT-ADAPTER-ADDRESS"}
    tested |= {"API-NET-HARDWARE-ADDRESS", "API-TEL-DEVICEID", "API-TEL-IMEI", "API-TEL-LINE1"}
    tested |= {"API-SETTINGS-SECURE-ANDROID-ID", "API-CLIP-PRIMARY", "API-PM-INSTALLED-PACKAGES"}
    tested |= {"API-PM-PACKAGE-INFO"}
    families = {e.category for e in APIS.values()}
    assert families <= {APIS[i].category for i in tested}


# ---- every entry: sources, steps without gaps, plausible with all its permissions


def test_every_entry_has_a_source() -> None:
    for entry in APIS.values():
        assert entry.source, entry.id
        assert all(url.startswith(("https://", "http://")) for url in entry.source), entry.id


def _gaps(entry: ApiEntry) -> list[tuple[int, int]]:
    low = entry.api_min or 1
    high = entry.api_max or NEWEST_API
    return [
        (device, target)
        for device in range(low, high + 1)
        for target in range(1, NEWEST_API + 1)
        if not any(step.covers(device, target) for step in entry.access)
    ]


@pytest.mark.parametrize("api_id", sorted(APIS))
def test_steps_leave_no_gap_and_all_permissions_collect(api_id: str) -> None:
    entry = APIS[api_id]
    assert _gaps(entry) == []
    privileged_only = all(s.access in ("privileged", "blocked") for s in entry.access)
    everything = _declared(tuple(entry.requires_permission))
    sdk = AppSdk(min_sdk=entry.api_min or 1, permissions=everything)
    assert collectable(entry, sdk)[0] is not privileged_only


def test_newest_api_is_the_catalogue_level() -> None:
    raw = json.loads((CATALOG / "permissions.json").read_text(encoding="utf-8"))
    assert raw["api_level_current"] == NEWEST_API


# ---- schema and loader


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    shutil.copytree(CATALOG, folder)
    return folder


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _api(data: dict[str, Any], api_id: str) -> dict[str, Any]:
    return next(a for a in data["apis"] if a["id"] == api_id)


def test_a_plain_permission_list_still_loads(catalog: Path) -> None:
    def plain(data: dict[str, Any]) -> None:
        _api(data, "API-TEL-DEVICEID")["requires_permission"] = [A + "READ_PHONE_STATE"]

    _edit(catalog / "apis.json", plain)
    entry = load_apis(catalog / "apis.json")["API-TEL-DEVICEID"]
    assert entry.requires_permission == (A + "READ_PHONE_STATE",)
    # api_max 28 still ends it
    assert collectable(entry, app("READ_PHONE_STATE", min_sdk=21))[1].endswith("(API 21-28)")
    assert not collectable(entry, app("READ_PHONE_STATE", min_sdk=29))[0]


BAD_STEPS: list[tuple[Any, str]] = [
    ({"access": "permission"}, "requires_permission"),
    ({"access": "none", "any_of": [A + "CAMERA"]}, "requires_permission"),
    ({"access": "none", "returns": "null"}, "requires_permission"),
    ({"access": "sometimes"}, "requires_permission"),
    ({"access": "none", "from_api": 30, "to_api": 29}, "to_api is below from_api"),
    ({"access": "none", "min_target": 30, "max_target": 29}, "max_target is below min_target"),
    ({"access": "permission", "any_of": [A + "NOPE"]}, "unknown permission"),
]


@pytest.mark.parametrize(("step", "message"), BAD_STEPS)
def test_malformed_steps_are_rejected(catalog: Path, step: Any, message: str) -> None:
    def put(data: dict[str, Any]) -> None:
        _api(data, "API-WIFI-MAC")["requires_permission"] = [step]

    _edit(catalog / "apis.json", put)
    with pytest.raises(RuleLoadError) as info:
        load_apis(catalog / "apis.json")
    assert message in str(info.value)


def test_an_entry_without_a_source_is_rejected(catalog: Path) -> None:
    _edit(catalog / "apis.json", lambda data: _api(data, "API-WIFI-MAC").pop("source"))
    with pytest.raises(RuleLoadError) as info:
        load_apis(catalog / "apis.json")
    assert "source" in str(info.value)


# ---- which runtime permissions expose PI (TC260 permission guide)

TC260_GROUPS = {
    "CALENDAR", "CALL_LOG", "CAMERA", "CONTACTS", "LOCATION", "MICROPHONE", "PHONE", "SENSORS",
    "SMS", "STORAGE",
}  # fmt: skip


def test_every_runtime_permission_says_whether_it_exposes_pi() -> None:
    pack = json.loads((ROOT / "rules" / "pack.json").read_text(encoding="utf-8"))
    for perm in CATS.permissions.values():
        if perm.protection != "dangerous":
            assert perm.pi_exposure is None, perm.name
            continue
        exposure = perm.pi_exposure
        assert exposure is not None, perm.name
        assert exposure.document in pack["documents"], perm.name
        assert exposure.clause, perm.name
        if exposure.exposes:
            assert perm.pi_types, perm.name
        if exposure.basis == "listed":
            assert perm.group in TC260_GROUPS, perm.name


@pytest.mark.parametrize(
    ("name", "exposes"),
    [
        ("READ_CONTACTS", True),
        ("WRITE_CONTACTS", False),
        ("ACCESS_FINE_LOCATION", True),
        ("READ_PHONE_STATE", True),
        ("CALL_PHONE", False),
        ("SEND_SMS", False),
        ("READ_SMS", True),
        ("READ_MEDIA_IMAGES", True),
        ("BLUETOOTH_SCAN", True),
        ("POST_NOTIFICATIONS", False),
    ],
)
def test_pi_exposure_decisions(name: str, exposes: bool) -> None:
    exposure = CATS.permissions[A + name].pi_exposure
    assert exposure is not None and exposure.exposes is exposes


def test_exposing_pi_without_pi_types_is_rejected(catalog: Path) -> None:
    def empty(data: dict[str, Any]) -> None:
        perm = next(p for p in data["permissions"] if p["name"] == A + "READ_CALENDAR")
        perm["pi_types"], perm["sensitive"], perm["necessary_for"] = [], False, []

    _edit(catalog / "permissions.json", empty)
    with pytest.raises(RuleLoadError) as info:
        load_permissions(catalog / "permissions.json")
    assert "exposes PI but lists no pi_types" in str(info.value)


def test_pi_exposure_only_on_runtime_permissions(catalog: Path) -> None:
    def add(data: dict[str, Any]) -> None:
        perm = next(p for p in data["permissions"] if p["name"] == A + "ACCESS_WIFI_STATE")
        perm["pi_exposure"] = {"exposes": True, "basis": "listed", "document": "TC260-PERM",
                               "clause": "§5"}  # fmt: skip

    _edit(catalog / "permissions.json", add)
    with pytest.raises(RuleLoadError):
        load_permissions(catalog / "permissions.json")


@pytest.mark.parametrize("api_id", sorted(APIS))
def test_api_max_is_the_last_level_that_returns_pi(api_id: str) -> None:
    entry = APIS[api_id]
    everything = _declared(tuple(entry.requires_permission))
    if all(s.access in ("privileged", "blocked") for s in entry.access):
        return  # never collectable (see above)
    if entry.api_max is not None:
        above = entry.api_max + 1
        for target in range(1, NEWEST_API + 1):
            sdk = AppSdk(min_sdk=above, target_sdk=target, permissions=everything)
            assert not collectable(entry, sdk)[0], target
    else:
        newest = [
            collectable(entry, AppSdk(NEWEST_API, target, everything))[0]
            for target in range(1, NEWEST_API + 1)
        ]
        assert any(newest)


def test_accounts_are_only_the_apps_own_from_target_26() -> None:
    ok, why = check("API-ACCOUNTS-ALL", app("GET_ACCOUNTS", min_sdk=26, target_sdk=26))
    assert not ok
    assert why == (
        "returns only the accounts of the app's own authenticator or those the user picked "
        "on Android 8.0+; minSdk 26, targetSdk 26"
    )
    assert check("API-ACCOUNTS-ALL", app("GET_ACCOUNTS", min_sdk=26, target_sdk=25))[0]


def test_levels_beyond_the_newest_are_judged_as_the_newest() -> None:
    # a hostile manifest: huge levels neither hang nor crash
    ok, why = check("API-NET-HARDWARE-ADDRESS", app(min_sdk=2**31 - 1, target_sdk=2**31 - 1))
    assert not ok
    assert why == f"returns null on Android 16+; minSdk {2**31 - 1}, targetSdk {2**31 - 1}"
    assert check("API-SETTINGS-SECURE-ANDROID-ID", app(min_sdk=99, target_sdk=-5))[0]


def test_reflection_and_pre_consent_api_items_say_whether_they_are_collectable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    facts = json.loads(invoke(["facts", "samples/reflection.apk"], 0).stdout)
    (found,) = facts["reflection"]
    assert found["id"] == "API-TEL-DEVICEID"
    assert found["collectable"] is True
    assert "READ_PHONE_STATE declared" in found["collectable_reason"]
    api_items = [p for p in facts["pre_consent"] if p["kind"] == "api"]
    assert api_items
    assert all(isinstance(p["collectable"], bool) for p in api_items)
    assert all("collectable" not in p for p in facts["pre_consent"] if p["kind"] != "api")


def test_judge_copies_items_without_an_id() -> None:
    judge = Judge(APIS, {"min_sdk": 23})
    item = {"kind": "sdk_init", "target": None}
    (copy,) = judge.add([item], "target")
    assert copy == item and copy is not item
    assert judge("API-WIFI-MAC") is judge("API-WIFI-MAC")  # computed once per app


def test_the_owners_profile_needs_read_contacts_from_android_6() -> None:
    """ContactsContract.Profile (the device owner's own card): READ_CONTACTS from API 23;
    before, READ_PROFILE, which the permission catalogue does not model (not counted)."""
    assert check("API-FIELD-PROFILE-URI", app("READ_CONTACTS", min_sdk=21, target_sdk=30))[0]
    ok, why = check("API-FIELD-PROFILE-URI", app(min_sdk=21, target_sdk=30))
    assert not ok and "READ_CONTACTS not declared" in why
    ok, why = check("API-FIELD-PROFILE-URI", app("READ_CONTACTS", min_sdk=14, target_sdk=22))
    assert ok and "API 23+" in why  # only on the devices where READ_CONTACTS opens it
