"""The fact namespace that rules see, and the JSON that `pi-scan facts` prints.

`ApkFacts` is the structured result of extraction.  Rules address facts by flat names
("permissions", "target_sdk", "components", "method_refs", ...).  `fact_dict()` turns one into
the other, and `FACTS` describes every name: its shape, the field that list operators compare
("key"), and where in the APK an auditor finds it (used as evidence location).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import accumulate
from typing import Any

from pi_scan.model import ApkFacts, CodeNode, MemberRef, RefTable

FactValue = Any  # None | bool | int | str | list[str] | list[dict[str, Any]]


@dataclass(frozen=True)
class FactSpec:
    kind: str  # "scalar", "strings" (list of str) or "objects" (list of dict)
    where: str  # where an auditor finds it in the APK
    description: str
    key: str | None = None  # for "objects": the field that string operators compare


MANIFEST = "AndroidManifest.xml"

FACTS: Mapping[str, FactSpec] = {
    # identity
    "path": FactSpec("scalar", "file", "path of the scanned file"),
    "sha256": FactSpec("scalar", "file", "SHA-256 of the scanned file"),
    "size": FactSpec("scalar", "file", "size of the scanned file in bytes"),
    "package": FactSpec("scalar", f"{MANIFEST} <manifest>", "package name"),
    "version_code": FactSpec("scalar", f"{MANIFEST} <manifest>", "android:versionCode"),
    "version_name": FactSpec("scalar", f"{MANIFEST} <manifest>", "android:versionName"),
    "label": FactSpec("scalar", "resources.arsc", "application label, default locale"),
    "label_zh": FactSpec("scalar", "resources.arsc", "application label, Chinese locale"),
    "min_sdk": FactSpec("scalar", f"{MANIFEST} <uses-sdk>", "minSdkVersion"),
    "target_sdk": FactSpec("scalar", f"{MANIFEST} <uses-sdk>", "targetSdkVersion"),
    "compile_sdk": FactSpec("scalar", f"{MANIFEST} <manifest>", "compileSdkVersion"),
    "certificates": FactSpec(
        "objects", "APK signature", "signing certificates (scheme, subject, sha256)", "sha256"
    ),
    "signing_schemes": FactSpec("strings", "APK signature", "signature schemes present (v1/v2/v3)"),
    # manifest
    "permissions": FactSpec("strings", f"{MANIFEST} <uses-permission>", "requested permissions"),
    "permission_uses": FactSpec(
        "objects",
        f"{MANIFEST} <uses-permission>",
        "requested permissions with maxSdkVersion and whether declared as uses-permission-sdk-23",
        "name",
    ),
    "custom_permissions": FactSpec(
        "objects", f"{MANIFEST} <permission>", "permissions the app defines", "name"
    ),
    "application.class": FactSpec("scalar", f"{MANIFEST} <application>", "Application class"),
    "application.allow_backup": FactSpec("scalar", f"{MANIFEST} <application>", "allowBackup"),
    "application.debuggable": FactSpec("scalar", f"{MANIFEST} <application>", "debuggable"),
    "application.uses_cleartext_traffic": FactSpec(
        "scalar", f"{MANIFEST} <application>", "usesCleartextTraffic"
    ),
    "application.network_security_config": FactSpec(
        "scalar", f"{MANIFEST} <application>", "networkSecurityConfig"
    ),
    "application.request_legacy_external_storage": FactSpec(
        "scalar", f"{MANIFEST} <application>", "requestLegacyExternalStorage"
    ),
    "application.full_backup_content": FactSpec(
        "scalar", f"{MANIFEST} <application>", "fullBackupContent"
    ),
    "application.data_extraction_rules": FactSpec(
        "scalar", f"{MANIFEST} <application>", "dataExtractionRules"
    ),
    "components": FactSpec(
        "objects",
        MANIFEST,
        "activities, aliases, services, receivers and providers with their exported state, "
        "permission, authorities, intent-filter actions/categories and meta-data",
        "name",
    ),
    "launcher_activity": FactSpec("scalar", MANIFEST, "activity started from the launcher"),
    "app_meta_data": FactSpec(
        "objects", f"{MANIFEST} <application><meta-data>", "application meta-data", "name"
    ),
    "queries.packages": FactSpec("strings", f"{MANIFEST} <queries>", "queried packages"),
    "queries.actions": FactSpec("strings", f"{MANIFEST} <queries>", "queried intent actions"),
    "queries.providers": FactSpec("strings", f"{MANIFEST} <queries>", "queried authorities"),
    "features": FactSpec("objects", f"{MANIFEST} <uses-feature>", "used features", "name"),
    # dex
    "dex_files": FactSpec("strings", "classes*.dex", "DEX files"),
    "classes": FactSpec("strings", "classes*.dex", "defined classes (dotted names)"),
    "method_refs": FactSpec(
        "objects",
        "classes*.dex",
        "referenced methods (smali form) with the classes whose code invokes them",
        "ref",
    ),
    "field_refs": FactSpec(
        "objects",
        "classes*.dex",
        "referenced fields (smali form) with the classes whose code reads or writes them",
        "ref",
    ),
    "strings": FactSpec("strings", "classes*.dex", "string constants"),
    "string_users": FactSpec(
        "objects",
        "classes*.dex",
        "the string constants (ref) with the classes whose code loads each (const-string)",
        "ref",
    ),
    "resource_strings": FactSpec(
        "strings", "resources.arsc", "string resources of every locale (UI texts)"
    ),
    # rest of the archive
    "native_libs": FactSpec("objects", "lib/", "native libraries (name, abi, path)", "name"),
    "assets": FactSpec("strings", "assets/", "asset files"),
    "raw_resources": FactSpec("strings", "res/raw/", "raw resource files"),
    "policy_documents": FactSpec(
        "objects",
        "assets/, res/raw/, --policy",
        "privacy-policy texts: bundled files of assets/ and res/raw/ that read as a policy, or the"
        " file supplied with --policy/--policy-dir (source, origin, sha256, format, encoding,"
        " text, error)",
        "source",
    ),
    "nested_apks": FactSpec("strings", "zip entries", "APK files inside the APK"),
    "splits": FactSpec("strings", "bundle", "APKs merged into this app (bundles only)"),
    "warnings": FactSpec("strings", "scan", "parts of the app that could not be read"),
    "tamper_indicators": FactSpec(
        "strings",
        "zip structure, AndroidManifest.xml",
        "signs the package was manipulated to hide content from analysis (duplicate or "
        "mismatched zip entries, extra end records, tampered binary XML, a prepended DEX, ...)",
    ),
    # code evidence (pi_scan.extract.callgraph)
    "entry_points": FactSpec(
        "objects",
        f"{MANIFEST}, classes*.dex",
        "methods Android runs before any consent is possible (method, kind: application, "
        "provider, startup, receiver or launcher; component)",
        "method",
    ),
    "code_graph": FactSpec(
        "objects",
        "classes*.dex",
        "methods reached from the entry points: operations in code order and resolved calls",
        "method",
    ),
    "code_graph_limits": FactSpec("strings", "classes*.dex", "limits the call graph ran into"),
    "app_reachable": FactSpec(
        "strings",
        f"{MANIFEST}, res/layout, classes*.dex",
        "methods the app may run over its whole life: every component, lifecycle method and "
        "UI callback, and what they call",
    ),
    "reflection_code": FactSpec(
        "objects", "classes*.dex", "methods that look members up by reflection", "method"
    ),
    "intent_query_code": FactSpec(
        "objects",
        "classes*.dex",
        "methods asking which apps answer an intent (queryIntentActivities, "
        "queryIntentServices ...), with their operations",
        "method",
    ),
    "resource_texts": FactSpec(
        "objects",
        "resources.arsc",
        "string resources of the default and Chinese locales (name, locale, value)",
        "value",
    ),
    # runtime logs (pi_scan.extract.runtime)
    "runtime_logs": FactSpec(
        "objects",
        "--runtime-log",
        "runtime logs merged into the scan (name, sha256, format, events, consent, tool)",
        "name",
    ),
    "runtime_events": FactSpec(
        "objects",
        "--runtime-log",
        "calls of hooked APIs the runtime logs saw (log, row, api, at: device seconds, time as "
        "written, phase before/after/unknown, frames innermost first, label, args)",
        "api",
    ),
}

CATALOG = "rules/catalog"

# Facts derived from the catalogues (pi_scan.facts.derive); `pi-scan facts` shows them too.
DERIVED_FACTS: Mapping[str, FactSpec] = {
    "app_type": FactSpec("scalar", "--category", "the app's type (one of the 39 types), or null"),
    "app_type_pi_types": FactSpec(
        "strings",
        f"{CATALOG}/app-types.json",
        "PI types necessary for the app's type; null when the type is not known",
    ),
    "sdks": FactSpec(
        "objects",
        f"{CATALOG}/sdks.json",
        "third-party SDKs detected (id, name, vendor, category, country, confidence, evidence, "
        "status: present, initialised or collects; initialised_when: before-consent, "
        "after-consent or null)",
        "id",
    ),
    "sdk_categories": FactSpec("strings", f"{CATALOG}/sdks.json", "categories of detected SDKs"),
    "api_uses": FactSpec(
        "objects",
        f"{CATALOG}/apis.json",
        "sensitive-API catalogue entries the app uses (id, pi_type, refs, callers, sdks, "
        "first_party, party_callers: each caller with its party, platform_callers: platform "
        "library callers with reached_from and counted, collectable: the call can return the PI "
        "on some device level from minSdk to the newest for this targetSdk and the declared "
        "permissions, collectable_reason)",
        "id",
    ),
    "collectable_api_uses": FactSpec(
        "objects",
        f"{CATALOG}/apis.json, {MANIFEST} <uses-sdk>, <uses-permission>, <queries>",
        "the api_uses that are collectable (same items): the ones that can actually return PI",
        "id",
    ),
    "platform_api_uses": FactSpec(
        "objects",
        f"{CATALOG}/apis.json, {CATALOG}/platform-libs.json",
        "sensitive-API uses made only by platform libraries (AndroidX, Material, Play services "
        "base ...) that the app's code does not reach with the permission held; rules about "
        "the app's or SDKs' use do not see them (platform_callers says why)",
        "id",
    ),
    "dormant_api_uses": FactSpec(
        "objects",
        f"{CATALOG}/apis.json",
        "sensitive-API uses found only in the code of SDKs that nothing starts (status present): "
        "their code does not run; no built-in rule reads them",
        "id",
    ),
    "installed_app_lists": FactSpec(
        "objects",
        "classes*.dex",
        "calls that can list the installed apps, per caller class: how (list, launcher-query, "
        "specific-intent, unknown-intent, uid-probe), party (app, platform:<lib>, sdk:<id>), "
        "counted (lists all apps and is the app's or an SDK's own call), summary",
        "summary",
    ),
    "app_strings": FactSpec(
        "objects",
        "classes*.dex",
        "the DEX strings (ref) without those only SDK and platform-library classes load, with "
        "the classes loading each (callers); strings no code loads stay",
        "ref",
    ),
    "app_resource_strings": FactSpec(
        "objects",
        "resources.arsc",
        "the app's own string resources: default and Chinese locales, resources of known "
        "libraries (abc_, mtrl_, common_ ...) left out (value, name, locale, where)",
        "value",
    ),
    "api_pi_types": FactSpec(
        "strings",
        f"{CATALOG}/apis.json",
        "PI types read by code (called APIs, URIs, side channels)",
    ),
    "permission_pi_types": FactSpec(
        "strings", f"{CATALOG}/permissions.json", "PI types the requested permissions expose"
    ),
    "dangerous_permissions": FactSpec(
        "strings", f"{MANIFEST} <uses-permission>", "requested runtime (dangerous) permissions"
    ),
    "dangerous_groups": FactSpec(
        "strings", f"{MANIFEST} <uses-permission>", "permission groups of those permissions"
    ),
    "unnecessary_permissions": FactSpec(
        "strings",
        f"{MANIFEST} <uses-permission>",
        "requested PI permissions not necessary for the app's type; null when the type is not "
        "known",
    ),
    "pi_processing": FactSpec(
        "objects",
        f"{CATALOG}/permissions.json, apis.json, sdks.json",
        "why the app processes personal information (kind permission/api/sdk/packer, value, "
        "detail); "
        "empty when nothing shows it",
        "value",
    ),
    # code evidence (pi_scan.facts.consent, pi_scan.facts.coverage)
    "pre_consent": FactSpec(
        "objects",
        "classes*.dex call graph",
        "sensitive APIs and SDK initialisations reachable from the entry points before consent "
        "(entry, kind api/sdk_init, target, ref, chain, attributed_to, gated, gate, confidence, "
        "summary; api items also collectable, collectable_reason as in api_uses)",
        "summary",
    ),
    "reflection": FactSpec(
        "objects",
        "classes*.dex",
        "catalogue APIs looked up by reflection with constant names (id, pi_type, target, "
        "method, callers, sdk, summary, collectable, collectable_reason)",
        "summary",
    ),
    "policy_files": FactSpec(
        "strings", "assets/, res/raw/", "bundled files named like a privacy policy or agreement"
    ),
    "policy_urls": FactSpec(
        "strings",
        "classes*.dex, resources.arsc",
        "http(s) links to a privacy policy or user agreement",
    ),
    "consent_flag_keys": FactSpec(
        "strings",
        "classes*.dex",
        "keys of a stored consent flag: read as one in code, or named like one",
    ),
    "consent_texts": FactSpec(
        "strings",
        "resources.arsc, classes*.dex",
        "texts asking to agree to a privacy policy or agreement (a consent dialog)",
    ),
    "account_deletion_texts": FactSpec(
        "strings", "resources.arsc, classes*.dex", "texts and identifiers of account deletion"
    ),
    "packers": FactSpec(
        "objects",
        "lib/, assets/, classes*.dex, <application>",
        "packers and protectors that hide the app's code (id, name, signals, summary)",
        "summary",
    ),
    "runtime_calls": FactSpec(
        "objects",
        "--runtime-log",
        "one item per API the runtime logs saw called (id or null, api, known, pi_type, weak, "
        "count, phases, times: device seconds, first_time, parties: who called it and how often "
        "before consent, stack, logs, collectable, summary)",
        "summary",
    ),
    "runtime_timeline": FactSpec(
        "objects",
        "--runtime-log",
        "PI reads the runtime logs saw, in time order around the consent moment (at, time, api, "
        "pi_type, phase, party, log)",
        "api",
    ),
    "coverage_limits": FactSpec(
        "strings",
        "scan",
        "why the code read is not all the code that runs (packers, unreadable DEX, ...); empty "
        "when the scan saw all of it",
    ),
    "policy": FactSpec(
        "scalar",
        "privacy policy",
        "the privacy-policy text compared (sources, sha256, chars, language, sections), or null"
        " when there is none: see policy_missing",
    ),
    "policy_status": FactSpec(
        "scalar",
        "privacy policy",
        "compared, none (no text bundled or supplied), empty (a document without text) or"
        " unparseable (a document that cannot be read, or says nothing about personal"
        " information)",
    ),
    "policy_missing": FactSpec(
        "scalar", "privacy policy", "why no policy text could be compared (null when one was)"
    ),
    "policy_pi_types": FactSpec(
        "objects",
        "privacy policy",
        "PI types the policy says it collects (id, term, section), through policy-terms.json",
        "id",
    ),
    "policy_denied_pi_types": FactSpec(
        "objects",
        "privacy policy",
        "PI types the policy only mentions in a denial (我们不会收集…) (id, term, section)",
        "id",
    ),
    "policy_sdks": FactSpec(
        "objects",
        "privacy policy",
        "the policy's third-party SDK list (name, entity, purpose, pi, url, sdk_ids, section)",
        "name",
    ),
    "policy_permissions": FactSpec(
        "objects",
        "privacy policy",
        "dangerous permissions requested whose purpose the policy explains (name, group, term)",
        "name",
    ),
    "policy_undisclosed_sdks": FactSpec(
        "objects",
        "privacy policy vs sdks",
        "SDKs that collect (or are started and documented to collect) and that the policy names"
        " neither by name, Chinese name, alias nor vendor (id, name, vendor, status, summary)",
        "summary",
    ),
    "policy_vendor_only_sdks": FactSpec(
        "objects",
        "privacy policy vs sdks",
        "SDKs the policy covers only by a vendor that has several SDKs here to list (id, name,"
        " vendor, matched, summary)",
        "summary",
    ),
    "policy_undeclared_pi": FactSpec(
        "objects",
        "privacy policy vs api_uses, sdks",
        "PI types collected (collectable API use, or an SDK that must be listed) that the policy"
        " does not declare (pi_type, denied, by, summary)",
        "summary",
    ),
    "policy_unexplained_permissions": FactSpec(
        "objects",
        "privacy policy vs AndroidManifest.xml",
        "dangerous permissions requested whose purpose the policy does not explain (name, group,"
        " summary)",
        "summary",
    ),
    "policy_unmatched_sdks": FactSpec(
        "objects",
        "privacy policy vs sdks",
        "SDKs the policy lists that the catalogue knows and the app does not contain (name,"
        " entity, sdk_ids, summary)",
        "summary",
    ),
    "policy_found_pi": FactSpec(
        "strings",
        "api_uses, sdks",
        "PI types the app collects, as compared with the policy (null without a policy)",
    ),
}

ALL_FACTS: Mapping[str, FactSpec] = {**FACTS, **DERIVED_FACTS}


def fact_dict(facts: ApkFacts) -> dict[str, FactValue]:
    """Return the facts as rules see them: flat names, JSON-compatible values.

    Built field by field rather than with dataclasses.asdict(), which deep-copies recursively
    and is the slowest step for apps with hundreds of thousands of DEX references.
    """
    app = facts.application
    out: dict[str, FactValue] = {
        "path": facts.path,
        "sha256": facts.sha256,
        "size": facts.size,
        "package": facts.package,
        "version_code": facts.version_code,
        "version_name": facts.version_name,
        "label": facts.label,
        "label_zh": facts.label_zh,
        "min_sdk": facts.min_sdk,
        "target_sdk": facts.target_sdk,
        "compile_sdk": facts.compile_sdk,
        "certificates": [_plain(c) for c in facts.certificates],
        "signing_schemes": sorted({c.scheme for c in facts.certificates}),
        "permissions": sorted({p.name for p in facts.permissions}),
        "permission_uses": [_plain(p) for p in facts.permissions],
        "custom_permissions": [_plain(p) for p in facts.custom_permissions],
        "components": [_plain(c) for c in facts.components],
        "launcher_activity": facts.launcher_activity,
        "app_meta_data": [{"name": k, "value": v} for k, v in sorted(facts.app_meta_data.items())],
        "queries.packages": list(facts.queries_packages),
        "queries.actions": list(facts.queries_actions),
        "queries.providers": list(facts.queries_providers),
        "features": [_plain(f) for f in facts.features],
        "dex_files": list(facts.dex_files),
        "classes": facts.classes,  # the tuples as they are: half a million strings
        # a RefTable as it is: a sequence of MemberRef, which answers get()/[] like a dict
        "method_refs": _refs(facts.method_refs),
        "field_refs": _refs(facts.field_refs),
        "strings": facts.strings,
        "string_users": _refs(facts.string_users),
        "resource_strings": list(facts.resource_strings),
        "native_libs": [_plain(n) for n in facts.native_libs],
        "assets": list(facts.assets),
        "raw_resources": list(facts.raw_resources),
        "nested_apks": list(facts.nested_apks),
        "splits": list(facts.splits),
        "warnings": list(facts.warnings),
        "entry_points": [_plain(e) for e in facts.entry_points],
        "code_graph": list(facts.code_graph),  # CodeNode: see to_json
        "code_graph_limits": list(facts.code_graph_limits),
        "app_reachable": list(facts.app_reachable),
        "reflection_code": list(facts.reflection_code),
        "intent_query_code": list(facts.intent_query_code),
        "resource_texts": [_plain(t) for t in facts.resource_texts],
        "policy_documents": [_plain(d) for d in facts.policy_documents],
        "runtime_logs": [_plain(log) for log in facts.runtime_logs],
        "runtime_events": [_plain(e) for e in facts.runtime_events],
    }
    for key in APPLICATION_KEYS:
        out[f"application.{key}"] = app.get(key)
    for name in FACTS:  # facts added to ApkFacts later are carried over generically
        if name not in out and hasattr(facts, name):
            out[name] = _listify(getattr(facts, name))
    return {name: out[name] for name in FACTS}


APPLICATION_KEYS = (
    "class",
    "allow_backup",
    "debuggable",
    "uses_cleartext_traffic",
    "network_security_config",
    "request_legacy_external_storage",
    "full_backup_content",
    "data_extraction_rules",
)


def _refs(refs: Sequence[MemberRef]) -> Sequence[MemberRef]:
    return refs if isinstance(refs, RefTable) else list(refs)


def to_json(value: Any) -> Any:
    """json.dumps(default=...) hook for the fact values that are not plain JSON."""
    if isinstance(value, RefTable):
        return list(value)
    if isinstance(value, MemberRef):
        return {"ref": value.ref, "callers": list(value.callers)}
    if isinstance(value, CodeNode):
        edges = [[e.at, e.target, e.how] for e in value.edges]
        node = {"method": value.method, "ops": list(value.ops), "edges": edges}
        if value.consts:
            node["consts"] = [list(c) for c in value.consts]
        return node
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def facts_json(facts: Mapping[str, Any]) -> Iterator[bytes]:
    """The facts as a JSON object with one fact per line, sorted by name, in UTF-8 (a
    character that UTF-8 cannot carry, a lone surrogate, becomes "?").

    Each value is encoded compactly by the C JSON encoder (an indented dump goes through the
    pure-Python encoder and takes seconds for a big app's DEX facts), and the text is produced
    piece by piece rather than as one huge string: a long list a chunk of items at a time
    (one emoji among half a million strings would otherwise make the whole text four bytes
    a character), a RefTable from its columns.  The pieces are made as bytes: a big app's
    facts are 270 MB of JSON, and encoding each caller's name once rather than each time it
    is written saves a pass over all of it.  What two facts share is encoded once: the
    tables' caller names, and a table's refs that are also a list written after it (the DEX
    strings are `string_users`' refs).
    """
    names = sorted(facts)
    shared = _Shared()
    later = {id(v): name for name, v in facts.items() if isinstance(v, list | tuple)}
    yield b"{\n"
    for i, name in enumerate(names):
        yield _utf8(f"  {json.dumps(name)}: ")
        value = facts[name]
        if isinstance(value, RefTable):
            keep = later.get(id(value.refs), "") > name
            yield from _ref_table_json(value, shared=shared, keep_refs=keep)
        elif id(value) in shared.refs:
            yield from _joined_list(shared.refs.pop(id(value)))
        elif isinstance(value, list | tuple) and len(value) > _CHUNK:
            yield from map(_utf8, _list_json(value))
        else:
            yield _utf8(_dumps(value))
        yield b",\n" if i < len(names) - 1 else b"\n"
    yield b"}\n"


_CHUNK = 20_000  # list items (refs) encoded at a time
_CHUNK_CHARS = 1_000_000  # characters of strings encoded at a time


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "replace")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=to_json)


_encode = json.encoder.encode_basestring  # a JSON string, as ensure_ascii=False writes it


def _list_json(items: Sequence[Any]) -> Iterator[str]:
    """The JSON of a list, as _dumps gives it, a chunk of items at a time: at most _CHUNK
    items, and for strings at most about _CHUNK_CHARS characters (a DEX string table can
    hold strings of 60,000 characters)."""
    yield "["
    first = 0
    while first < len(items):
        last = min(first + _CHUNK, len(items))
        text = None
        if isinstance(items[first], str):
            try:  # as json.dumps writes a list of strings, faster
                ends = accumulate(map(len, items[first:last]), initial=0)
                last = first + max(1, bisect_right(list(ends), _CHUNK_CHARS) - 1)
                text = ", ".join(map(_encode, items[first:last]))
            except TypeError:  # not all strings
                last = min(first + _CHUNK, len(items))
        if text is None:
            text = _dumps(list(items[first:last]))[1:-1]
        yield (", " if first else "") + text
        first = last
    yield "]"


# what opens a ref's object (closing the one before, if any), before callers or none
_OPEN = tuple(
    map(
        _utf8,
        (
            '{"callers": [',
            '{"callers": [], "ref": ',
            '}, {"callers": [',
            '}, {"callers": [], "ref": ',
        ),
    )
)


class _Shared:
    """What facts_json encodes once for several facts."""

    def __init__(self) -> None:
        self.names: dict[int, Any] = {}  # id(names) -> the caller pieces of `_ref_table_json`
        self.refs: dict[int, list[bytes]] = {}  # id(refs) -> the refs' JSON, a chunk a piece
        self._alive: list[Any] = []  # keeps the keys' objects alive, so their ids stay unique

    def caller_pieces(self, names: tuple[str, ...]) -> Any:
        """Each name's JSON string with ", " after it, then each as a ref's last caller
        (with '], "ref": '), then the openings of `_OPEN`, as a numpy object array."""
        import numpy as np

        pieces = self.names.get(id(names))
        if pieces is None:
            pieces = np.array(
                [*_json_strings(names, ", ", '], "ref": '), *_OPEN],
                object,
            )
            self.names[id(names)] = pieces
            self._alive.append(names)
        return pieces

    def kept_refs(self, refs: tuple[str, ...]) -> list[bytes]:
        """A list to keep the JSON of `refs` in (a chunk a piece) for the list of them
        written later (`facts_json`)."""
        kept = self.refs[id(refs)] = []
        self._alive.append(refs)
        return kept


def _json_strings(texts: Sequence[str], *after: str) -> list[bytes]:
    """Each text's JSON string (as json.dumps with ensure_ascii=False writes it) in UTF-8,
    followed by after[0], then each again followed by after[1], ... (by nothing without
    `after`): joined by NUL (escaped inside a JSON string), encoded at once and split."""
    if not texts:
        return []
    joined = "\0".join(map(_encode, texts))
    out: list[bytes] = []
    for suffix in after or ("",):
        text = joined.replace("\0", suffix + "\0") + suffix if suffix else joined
        out += _utf8(text).split(b"\0")
    return out


def _joined_list(chunks: list[bytes]) -> Iterator[bytes]:
    """A list of strings from chunks of their JSON strings joined by ", "."""
    yield b"["
    for i, chunk in enumerate(chunks):
        yield b", " + chunk if i else chunk
    yield b"]"


def _ref_table_json(
    table: RefTable, chunk: int = _CHUNK, shared: _Shared | None = None, keep_refs: bool = False
) -> Iterator[bytes]:
    """The JSON that json.dumps gives for the table's MemberRefs (see to_json), made from its
    columns without making the MemberRefs, a chunk of refs at a time.

    A chunk's text is one join of pieces, for each ref: what opens its object (and closes the
    one before), its callers' JSON strings (each with ", " after it, or for the last with
    '], "ref": ') and its own JSON string.  Which piece comes where is computed with numpy
    for the whole chunk, and each piece is made once (the refs' for a whole chunk at once,
    `_json_strings`).  `keep_refs`:
    the refs' JSON strings are also kept in `shared`, for the list of them written later."""
    import numpy as np  # only for the code-level tables

    shared = shared or _Shared()
    kept = shared.kept_refs(table.refs) if keep_refs else []
    count = len(table.names)
    pieces = shared.caller_pieces(table.names)
    opening = 2 * count
    starts = np.frombuffer(table.starts, np.uint32).astype(np.int64)
    callers_at = np.frombuffer(table.callers_at, np.uint32)
    yield b"["
    first = 0
    while first < len(table.refs):
        # at most `chunk` refs, and about `chunk` callers (some refs have 40,000)
        last = min(first + chunk, len(table.refs))
        last = max(first + 1, min(last, int(np.searchsorted(starts, starts[first] + chunk))))
        low, high = int(starts[first]), int(starts[last])
        bounds = starts[first : last + 1] - low
        refs = np.arange(last - first)
        opens = bounds[:-1] + 2 * refs  # where each ref's opening goes
        texts = bounds[1:] + 2 * refs + 1  # and its own text, after its callers
        placed = np.empty(high - low + 2 * (last - first), object)
        is_caller = np.ones(len(placed), np.bool_)
        is_caller[opens] = is_caller[texts] = False
        used = callers_at[low:high].astype(np.int64)  # with the comma ...
        used[(bounds[1:] - 1)[bounds[1:] > bounds[:-1]]] += count  # ... but for the last
        placed[is_caller] = pieces[used]
        placed[opens] = pieces[opening + 2 * (refs > 0) + (bounds[1:] == bounds[:-1])]
        encoded = _json_strings(table.refs[first:last])
        placed[texts] = encoded
        if keep_refs:
            kept.append(b", ".join(encoded))
        yield b", " if first else b""
        yield b"".join(placed.tolist())
        yield b"}"
        first = last
    yield b"]"


def _plain(item: Any) -> dict[str, Any]:
    """A small dataclass as a JSON-ready dict (tuples become lists)."""
    return {f.name: _listify(getattr(item, f.name)) for f in fields(item)}


def _listify(value: Any) -> Any:
    """asdict() keeps tuples; JSON and rule cases use lists."""
    if isinstance(value, tuple | list):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value


NULLABLE_LISTS = frozenset({"app_type_pi_types", "unnecessary_permissions"})


def default_facts() -> dict[str, FactValue]:
    """An empty app of unknown type: every fact with its empty value (base for rule cases)."""
    return {
        name: (None if spec.kind == "scalar" or name in NULLABLE_LISTS else [])
        for name, spec in ALL_FACTS.items()
    }
