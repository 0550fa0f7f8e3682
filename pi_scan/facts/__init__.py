"""The facts the rules see.  `view` turns what `pi_scan.extract` read from an APK into the
facts namespace; the catalogues of PI types, permissions, app types, sensitive APIs and
third-party SDKs (the knowledge the rules draw on beyond the rule packs) add facts derived
from them for one app.

`derive()` is a pure function of the extracted facts, the catalogues and the app's type.  It
adds facts (SDKs present, sensitive-API uses attributed to SDKs or first-party code and whether
each can return PI to this app at all, what the permissions add up to, the app type's necessary PI)
so that rules stay declarative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any

from pi_scan.errors import UsageError
from pi_scan.facts.apis import ApiMatcher, find_api_uses, permission_facts
from pi_scan.facts.catalog import (
    Catalogues,
    Permission,
    PermissionCatalogue,
    builtin_catalog_dir,
    load_catalogues,
)
from pi_scan.facts.collectable import Judge
from pi_scan.facts.consent import NEEDLES as CONSENT_NEEDLES
from pi_scan.facts.consent import consent_facts
from pi_scan.facts.coverage import coverage_facts
from pi_scan.facts.parties import (
    app_resource_strings,
    app_strings,
    describe_uses,
    drop_dormant,
    installed_app_lists,
    split_api_uses,
)
from pi_scan.facts.platform import Parties, PlatformCatalogue, load_platform_catalogue
from pi_scan.facts.policy import (
    MIN_STRING_POLICY,
    TERMS_FILE,
    PolicyTerms,
    load_policy_terms,
    policy_facts,
)
from pi_scan.facts.runtime import (
    merge_api_uses,
    merge_pre_consent,
    merge_runtime_sdks,
    runtime_calls,
    runtime_timeline,
)
from pi_scan.facts.sdks import SdkCatalogue, detect_sdks, load_sdk_catalogue
from pi_scan.facts.texts import expect, sharing
from pi_scan.facts.view import fact_dict
from pi_scan.model import ApkFacts, PolicyDocument, RefTable

SDKS_FILE = "sdks.json"
PLATFORM_FILE = "platform-libs.json"


@dataclass(frozen=True)
class Knowledge:
    catalogues: Catalogues
    sdks: SdkCatalogue
    apis: ApiMatcher
    platform: PlatformCatalogue = field(default_factory=lambda: PlatformCatalogue(()))
    policy_terms: PolicyTerms | None = None  # policy-terms.json, when the folder has one

    def app_type_id(self, text: str) -> str:
        """An app type given by id ("map-navigation") or number ("1"); UsageError if unknown."""
        types = self.catalogues.app_types
        if text in types:
            return text
        if text.isdigit():
            for app_type in types.values():
                if app_type.number == int(text):
                    return app_type.id
        known = ", ".join(f"{t.number}={t.id}" for t in sorted(types.values(), key=_number))
        raise UsageError(f"unknown app type {text!r}; known types: {known}")


def _number(app_type: Any) -> int:
    return int(app_type.number)


def load_knowledge(directory: Path | None = None) -> Knowledge:
    """Load the catalogues of `directory` (default: the built-in `rules/catalog`)."""
    folder = directory if directory is not None else builtin_catalog_dir()
    catalogues = load_catalogues(folder)
    sdks = load_sdk_catalogue(folder / SDKS_FILE)
    platform_file = folder / PLATFORM_FILE
    terms_file = folder / TERMS_FILE
    groups = {p.group for p in catalogues.permissions.values() if p.group}
    return Knowledge(
        catalogues=catalogues,
        sdks=sdks,
        apis=ApiMatcher(catalogues.apis.values()),
        platform=(
            load_platform_catalogue(platform_file, sdks)
            if platform_file.exists()
            else PlatformCatalogue(())
        ),
        policy_terms=(
            load_policy_terms(terms_file, catalogues.pi_types, groups)
            if terms_file.exists()
            else None
        ),
    )


def derive(facts: Mapping[str, Any], knowledge: Knowledge, app_type: str | None) -> dict[str, Any]:
    """The facts plus everything the catalogues say about them (see DERIVED_FACTS)."""
    expect(plain=knowledge.apis.needles, folded=CONSENT_NEEDLES)  # one pass finds them all
    sdks = detect_sdks(facts, knowledge.sdks)
    judge = Judge(knowledge.catalogues.apis, facts)
    parties = Parties(knowledge.sdks, knowledge.platform)
    found = find_api_uses(facts, knowledge.apis, knowledge.sdks.sdk_of_class)
    kept, platform_only = split_api_uses(found, facts, parties, knowledge.catalogues.apis)
    api_uses = judge.add(kept)
    platform_uses = judge.add(platform_only)
    perms = permission_facts(
        facts.get("permissions") or (), knowledge.catalogues.permissions, app_type
    )
    type_pi: list[str] | None = None
    if app_type is not None:
        type_pi = sorted(knowledge.catalogues.app_types[app_type].pi_types)
    _add_consent_calls(sdks, facts, knowledge.sdks)
    components = _components_with_sdks(facts.get("components") or (), knowledge.sdks)
    own_strings = app_strings(facts, parties)
    own_resources = app_resource_strings(
        facts.get("resource_texts") or (),
        knowledge.platform,
        facts.get("resource_strings") or (),
    )
    texts = ([r["value"] for r in own_resources], own_strings.refs)
    code = consent_facts(
        facts, knowledge.apis, knowledge.sdks, sdks, api_uses, components, knowledge.platform, texts
    )
    code["reflection"] = judge.add(code["reflection"])
    events = facts.get("runtime_events") or ()
    calls = judge.add(runtime_calls(events, knowledge.apis, parties)) if events else []
    code["pre_consent"] = merge_pre_consent(code["pre_consent"], calls)
    if calls:  # SDKs the logs saw at work: their status, and those packed code hides
        merge_runtime_sdks(sdks, calls, knowledge.sdks)
    code["pre_consent"] = [
        judge.add([item], "target")[0] if item.get("kind") == "api" else item
        for item in code["pre_consent"]
    ]
    coverage = coverage_facts(facts, sdks, knowledge.sdks)
    app_lists = installed_app_lists(facts, parties)
    # the SDK statuses are known now: code of an SDK nothing starts does not run
    api_uses, dormant_uses = drop_dormant(api_uses, sdks, parties)
    _drop_dormant_lists(app_lists, sdks)
    # what the runtime logs saw: static uses confirmed, and uses seen only at run time
    api_uses, runtime_only = merge_api_uses(api_uses, calls, knowledge.catalogues.apis, parties)
    if runtime_only:
        api_uses = sorted(api_uses + judge.add(runtime_only), key=lambda u: str(u["id"]))
    describe_uses(api_uses, parties, knowledge.catalogues.pi_types)
    called = [u for u in api_uses if u["callers"] or u["kind"] in ("string", "uri")]
    collectable = [u for u in api_uses if u["collectable"]]
    policy = policy_facts(
        [
            d if isinstance(d, PolicyDocument) else PolicyDocument(**d)
            for d in facts.get("policy_documents") or ()
        ],
        [*((str(r.get("where") or "resource string"), r["value"]) for r in own_resources),
         *(("dex string", text) for text in _long(own_strings.refs, MIN_STRING_POLICY))],
        knowledge.policy_terms,
        sdks,
        {s.id: s.raw for s in knowledge.sdks.sdks},
        collectable,
        perms["dangerous_permissions"],
        {p.name: p.group for p in knowledge.catalogues.permissions.values()},
    )  # fmt: skip
    return {
        **facts,
        **policy,
        **code,
        **coverage,
        "components": components,
        "app_type": app_type,
        "app_type_pi_types": type_pi,
        "sdks": sdks,
        "sdk_categories": sorted({s["category"] for s in sdks}),
        "api_uses": api_uses,
        "platform_api_uses": platform_uses,
        "runtime_calls": calls,
        "runtime_timeline": runtime_timeline(events, knowledge.apis, parties) if events else [],
        "dormant_api_uses": dormant_uses,
        "installed_app_lists": app_lists,
        "app_strings": own_strings,
        "app_resource_strings": own_resources,
        "collectable_api_uses": collectable,
        "api_pi_types": sorted({u["pi_type"] for u in called}),
        "permission_pi_types": perms["pi_types_by_permission"],
        "dangerous_permissions": perms["dangerous_permissions"],
        "dangerous_groups": perms["dangerous_groups"],
        "unnecessary_permissions": perms["unnecessary_permissions"],
        "pi_processing": pi_processing(
            facts.get("permissions") or (),
            knowledge.catalogues.permissions,
            called,
            sdks,
            coverage["packers"],
            app_lists,
            components,
        ),
    }


def pi_processing(
    permissions: Iterable[str],
    catalogue: PermissionCatalogue,
    called: Iterable[Mapping[str, Any]],
    sdks: Iterable[Mapping[str, Any]],
    packers: Iterable[Mapping[str, Any]] = (),
    app_lists: Iterable[Mapping[str, Any]] = (),
    components: Iterable[Mapping[str, Any]] = (),
) -> list[dict[str, str]]:
    """Why the app can be said to process personal information, one item per reason (kind,
    value, detail); empty when nothing shows it.  Rules that presume PI processing (privacy
    policy, consent dialog, hygiene) read this in their `applies_when`.

    * permission: a declared runtime permission that exposes PI (its `pi_exposure`, after the
      TC260 permission guide), or a special permission that does (a BIND_* permission only
      when a component of the app is bound through it: asking for it alone grants nothing);
    * api: a sensitive API that some code calls and that can return PI to this app
      (`collectable`), or a PI URI/string it uses; weak signals (one package's info, the
      network operator's name, ...) are left out, and the installed-app list counts only as
      an `installed_app_lists` call that lists (not a query for one intent);
    * sdk: a third-party SDK whose reachable code reads PI (status "collects");
    * packer: the code that runs is hidden by a packer, so processing cannot be ruled out.
    """
    out: list[dict[str, str]] = []
    bound = {c.get("permission") for c in components}
    for name in sorted(set(permissions)):
        entry = catalogue.get(name)
        if entry is None or not _exposes_pi(entry):
            continue
        if name.startswith("android.permission.BIND_") and name not in bound:
            continue
        out.append({"kind": "permission", "value": name, "detail": ", ".join(entry.pi_types)})
    out += [
        {"kind": "api", "value": str(u["id"]), "detail": str(u["pi_type"])}
        for u in called
        if u.get("collectable") and not u.get("weak") and u.get("pi_type") != "installed_apps"
    ]
    out += [
        {"kind": "api", "value": str(x["summary"]), "detail": "installed_apps"}
        for x in app_lists
        if x.get("counted")
    ]
    out += [
        {"kind": "sdk", "value": str(s["id"]), "detail": str(s["name"])}
        for s in sdks
        if s.get("status") == "collects"
    ]
    out += [
        {"kind": "packer", "value": str(p["id"]), "detail": "code hidden: cannot be ruled out"}
        for p in packers
    ]
    return out


STARTUP_PROVIDER = "androidx.startup.InitializationProvider"


def _components_with_sdks(
    components: Iterable[Mapping[str, Any]], catalogue: SdkCatalogue
) -> list[dict[str, Any]]:
    """Each component with `sdk` (the SDK that declares it, or null) and `starts_sdks` (SDKs
    whose initialisers an androidx.startup provider names in its meta-data)."""
    out = []
    for component in components:
        name = str(component.get("name", ""))
        sdk = catalogue.sdk_of_component(name) or catalogue.sdk_of_class(name)
        starts: set[str] = set()
        if name == STARTUP_PROVIDER:
            for key in component.get("meta_data") or {}:
                owner = catalogue.sdk_of_class(str(key))
                if owner is not None:
                    starts.add(owner)
        out.append({**component, "sdk": sdk, "starts_sdks": sorted(starts)})
    return out


CONSENT_KEYS = ("pre_consent", "post_consent", "privacy_api")


def _drop_dormant_lists(lists: list[dict[str, Any]], sdks: Iterable[Mapping[str, Any]]) -> None:
    """An installed-app listing in the code of an SDK nothing starts (status "present") does
    not run: it is kept, not counted (PI-PERM-006 counts the others)."""
    asleep = {f"sdk:{s['id']}" for s in sdks if s.get("status") == "present"}
    for item in lists:
        if item["counted"] and item["party"] in asleep:
            item["counted"] = False
            item["summary"] += "; in an SDK nothing starts"


def _add_consent_calls(
    sdks: list[dict[str, Any]], facts: Mapping[str, Any], catalogue: SdkCatalogue
) -> None:
    """For SDKs whose vendor documents a consent-gated start, record whether code other than
    the SDK's own calls the pre-consent init, the post-consent init and the privacy switch (null
    when the vendor documents none of that kind): Getui's own helper calling
    PushManager.initialize is no start by the app."""
    table: RefTable | None = None
    for sdk in sdks:
        consent = catalogue.by_id[sdk["id"]].raw.get("consent_init") or {}
        for key in CONSENT_KEYS:
            prefixes = consent.get(key) or []
            if prefixes and table is None:
                table = RefTable.of(facts.get("method_refs") or ())
            sdk[f"{key}_called"] = (
                any(
                    catalogue.sdk_of_class(caller) != sdk["id"]
                    for prefix in prefixes
                    for i in table.prefixed(prefix)
                    for caller in table.callers(i)
                )
                if prefixes and table is not None
                else None
            )


def rule_facts(facts: ApkFacts, knowledge: Knowledge, app_type: str | None) -> dict[str, Any]:
    """Exactly what the rules see for one app: extracted plus derived facts (the DEX strings
    joined once for all that searches them; `judge` widens the sharing to the rules)."""
    with sharing():
        return derive(fact_dict(facts), knowledge, app_type)


def _exposes_pi(permission: Permission) -> bool:
    if permission.protection == "dangerous":
        return permission.pi_exposure is not None and permission.pi_exposure.exposes
    return permission.protection == "special" and bool(permission.pi_types)


def _long(texts: Sequence[str], least: int) -> Iterable[str]:
    """The texts at least `least` characters long, picked in C (half a million DEX strings)."""
    return compress(texts, map(least.__le__, map(len, texts)))
