"""The third-party SDK catalogue: loading it, detecting SDKs in an app, attributing classes.

The catalogue (`rules/catalog/sdks.json`, schema `sdks.schema.json`) lists, per SDK, the signals
that give it away:

* DEX package prefixes ("com.umeng.commonsdk.") matched against defined class names;
* manifest component class names, intent-filter actions and application meta-data names;
* native library file names (exact, or an anchored regex for versioned names).

Manifest and native-library signals survive DEX packing, so SDKs in packed apps still show, with
lower confidence.  Prefixes are package boundaries (they end with "."), vendor-wide prefixes are
refused, and a class belongs to the SDK with the longest matching prefix.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pi_scan.datafiles import builtin_rules_dir, load_validated
from pi_scan.errors import RuleLoadError

SCHEMA = "sdks"
SIGNAL_KINDS = ("class", "component", "action", "native_lib", "meta_data")
MAX_CLASS_EXAMPLES = 3
MAX_OTHER_EXAMPLES = 5

# Prefixes that name a whole vendor, platform or language runtime, never one SDK.  A catalogue
# prefix must also have at least two segments ("a.b.").
# fmt: off
TOO_BROAD_PREFIXES: frozenset[str] = frozenset(
    {
        "android.", "androidx.", "dalvik.", "java.", "javax.", "kotlin.", "kotlinx.", "org.apache.",
        "com.android.", "com.google.", "com.google.android.", "com.google.android.gms.",
        "com.google.firebase.", "com.facebook.", "com.amazon.", "com.microsoft.", "com.samsung.",
        "com.bytedance.", "com.ss.android.", "com.tencent.", "com.tencent.mm.", "com.qq.",
        "com.baidu.", "com.alibaba.", "com.alipay.", "com.taobao.", "com.aliyun.", "com.ali.",
        "com.huawei.", "com.huawei.hms.", "com.hihonor.", "com.xiaomi.", "com.miui.", "com.oppo.",
        "com.heytap.", "com.coloros.", "com.vivo.", "com.meizu.", "com.sina.", "com.netease.",
        "com.umeng.", "com.kwai.", "com.kuaishou.", "cn.jiguang.", "com.mob.", "com.loc.",
        "com.jd.", "com.iqiyi.", "com.didi.", "com.meituan.", "com.unity3d.", "io.flutter.",
    }
)
# fmt: on


@dataclass(frozen=True)
class Sdk:
    """One catalogue entry, as detection needs it (`raw` keeps the whole JSON entry)."""

    id: str
    name: str
    name_zh: str | None
    vendor: str
    country: str
    category: str
    prefixes: tuple[str, ...]
    # packages whose own classes (not subpackages) are the SDK's: obfuscated cores in a short
    # package other apps use as a prefix of theirs (AMap's com.loc.a, not com.loc.newsapp.*)
    packages: tuple[str, ...]
    # patterns of packages (the whole "a.b.c." name) whose own classes are the SDK's: the
    # obfuscated packages a vendor's build tool makes right under its namespace (JCore's
    # cn.jiguang.a ... cn.jiguang.ca), which change from version to version
    package_patterns: tuple[re.Pattern[str], ...]
    components: tuple[str, ...]
    actions: tuple[str, ...]
    native_libs: tuple[str, ...]
    lib_patterns: tuple[re.Pattern[str], ...]
    meta_data: tuple[str, ...]
    pi: tuple[str, ...]
    pi_optional: tuple[str, ...]
    pi_source: str | None
    raw: Mapping[str, Any]

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> Sdk:
        return cls(
            id=entry["id"],
            name=entry["name"],
            name_zh=entry.get("name_zh"),
            vendor=entry["vendor"],
            country=entry["country"],
            category=entry["category"],
            prefixes=tuple(entry["prefixes"]),
            packages=tuple(entry.get("packages", ())),
            package_patterns=tuple(re.compile(p) for p in entry.get("package_patterns", ())),
            components=tuple(entry["components"]),
            actions=tuple(entry["actions"]),
            native_libs=tuple(entry["native_libs"]),
            lib_patterns=tuple(
                re.compile(p["regex"]) for p in entry.get("native_lib_patterns", ())
            ),
            meta_data=tuple(entry["meta_data"]),
            pi=tuple(entry["pi"]),
            pi_optional=tuple(entry.get("pi_optional", ())),
            pi_source=entry.get("pi_source"),
            raw=entry,
        )


def too_broad(prefix: str) -> str | None:
    """Why `prefix` may not identify a single SDK, or None when it is precise enough."""
    if prefix in TOO_BROAD_PREFIXES:
        return "names a whole vendor or platform"
    if prefix.count(".") < 2:
        return "has fewer than two package segments"
    return None


class SdkCatalogue:
    """The SDKs with lookup indexes built once: prefix, component, action, library, meta-data."""

    def __init__(self, sdks: Iterable[Sdk]) -> None:
        self.sdks: tuple[Sdk, ...] = tuple(sorted(sdks, key=lambda s: s.id))
        self.by_id: dict[str, Sdk] = {s.id: s for s in self.sdks}
        self._prefixes = _index(self.sdks, "prefixes")
        self._exact = _index(self.sdks, "packages")
        self._package_patterns = tuple(
            (_literal_head(p.pattern), p, s.id) for s in self.sdks for p in s.package_patterns
        )
        self._components = _index(self.sdks, "components")
        self._actions = _index(self.sdks, "actions")
        self._libs = _index(self.sdks, "native_libs")
        self._meta = _index(self.sdks, "meta_data")
        self._patterns = tuple((p, s.id) for s in self.sdks for p in s.lib_patterns)

    def __len__(self) -> int:
        return len(self.sdks)

    def sdk_of_package(self, package: str) -> str | None:
        """The SDK owning `package` ("a.b.c." form): an exact package of an SDK first, else the
        longest catalogue prefix, else the SDK one of whose package patterns matches it."""
        found = self._exact.get(package) or owner_of_package(self._prefixes, package)
        if found is None and self._package_patterns:
            for head, pattern, sid in self._package_patterns:
                if package.startswith(head) and pattern.fullmatch(package):
                    return sid
        return found

    def sdk_of_class(self, class_name: str) -> str | None:
        """The SDK a class belongs to (dotted, slashed or smali "La/b/C;" names), or None."""
        return self.sdk_of_package(package_of(class_name))

    def sdk_of_component(self, name: str) -> str | None:
        return self._components.get(name)

    def sdk_of_action(self, action: str) -> str | None:
        return self._actions.get(action)

    def sdk_of_meta_data(self, name: str) -> str | None:
        return self._meta.get(name)

    def sdk_of_native_lib(self, file_name: str) -> str | None:
        hit = self._libs.get(file_name)
        if hit is not None:
            return hit
        return next((sid for pattern, sid in self._patterns if pattern.match(file_name)), None)


def _index(sdks: Sequence[Sdk], field: str) -> dict[str, str]:
    return {value: s.id for s in sdks for value in getattr(s, field)}


def owner_of_package(prefixes: Mapping[str, str], package: str) -> str | None:
    """Who owns `package` ("a.b.c." form) in an index of package prefixes: the longest prefix
    wins; None for "" (a class in no package) or a package no prefix covers."""
    end = len(package) - 1
    while end > 0:
        hit = prefixes.get(package[: end + 1])
        if hit is not None:
            return hit
        end = package.rfind(".", 0, end)
    return None


def package_of(class_name: str) -> str:
    """The package of a class (dotted, slashed or smali name) as "a.b.", or "" for none."""
    name = _dotted(class_name)
    dot = name.rfind(".")
    return name[: dot + 1] if dot > 0 else ""


def class_of_member(smali: str) -> str:
    """The dotted class of a member or class reference: 'Lcom/a/B;->m()V' -> 'com.a.B'."""
    return _dotted(smali[: smali.find("->")] if "->" in smali else smali)


def _dotted(class_name: str) -> str:
    if class_name.startswith("L") and class_name.endswith(";"):
        class_name = class_name[1:-1]
    return class_name.replace("/", ".")


# ------------------------------------------------------------------------------------- loading


def default_catalogue_path() -> Path:
    return builtin_rules_dir() / "catalog" / "sdks.json"


def load_sdk_catalogue(path: Path | str) -> SdkCatalogue:
    """Load and check a catalogue; every problem is a RuleLoadError(file, json_path, message).

    Checks beyond the schema: unique ids, no vendor-wide prefix, no signal claimed by two SDKs,
    native-library patterns that compile and match their example, and (when `pi-types.json`
    sits next to the catalogue) PI type ids that exist.
    """
    path = Path(path)
    file = str(path)
    data = load_validated(path, SCHEMA)
    entries: list[Mapping[str, Any]] = data["sdks"]
    _check_ids(entries, file)
    _check_prefixes(entries, file)
    _check_unique_signals(entries, file)
    _check_patterns(entries, file)
    _check_package_patterns(entries, file)
    _check_consent_values(entries, file)
    _check_pi_types(entries, file, _known_pi_types(path.parent / "pi-types.json"))
    return SdkCatalogue(Sdk.from_json(e) for e in entries)


@cache
def default_catalogue() -> SdkCatalogue:
    """The built-in catalogue, loaded once per process."""
    return load_sdk_catalogue(default_catalogue_path())


def sdk_of_class(class_name: str, catalogue: SdkCatalogue | None = None) -> str | None:
    """The SDK id a class belongs to (built-in catalogue unless one is given), or None."""
    return (catalogue or default_catalogue()).sdk_of_class(class_name)


def _check_ids(entries: Sequence[Mapping[str, Any]], file: str) -> None:
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry["id"] in seen:
            raise RuleLoadError(file, f"$.sdks[{i}].id", f"duplicate SDK id {entry['id']!r}")
        seen.add(entry["id"])


def _check_prefixes(entries: Sequence[Mapping[str, Any]], file: str) -> None:
    """Prefixes must not name a vendor or platform.  Exact `packages` need no such check: one
    package's own classes (the schema asks for two segments at least) are no vendor's tree."""
    for i, entry in enumerate(entries):
        for j, prefix in enumerate(entry["prefixes"]):
            reason = too_broad(prefix)
            if reason:
                raise RuleLoadError(file, f"$.sdks[{i}].prefixes[{j}]", f"{prefix!r} {reason}")


_SIGNAL_FIELDS = ("prefixes", "packages", "components", "actions", "native_libs", "meta_data")


def _check_unique_signals(entries: Sequence[Mapping[str, Any]], file: str) -> None:
    for field in _SIGNAL_FIELDS:
        owner: dict[str, str] = {}
        for i, entry in enumerate(entries):
            for j, value in enumerate(entry.get(field, ())):
                if value in owner and owner[value] != entry["id"]:
                    raise RuleLoadError(
                        file,
                        f"$.sdks[{i}].{field}[{j}]",
                        f"{value!r} is already claimed by SDK {owner[value]!r}",
                    )
                owner[value] = entry["id"]


# a package pattern starts with two literal package segments (the vendor's namespace)
_PATTERN_HEAD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\\\.[A-Za-z_][A-Za-z0-9_]*\\\.")


def _check_consent_values(entries: Sequence[Mapping[str, Any]], file: str) -> None:
    for i, entry in enumerate(entries):
        init = entry.get("consent_init") or {}
        for call in init.get("consent_values") or {}:
            if call not in init["privacy_api"]:
                raise RuleLoadError(
                    file,
                    f"$.sdks[{i}].consent_init.consent_values",
                    f"{call!r} is not one of the SDK's privacy_api calls",
                )


def _literal_head(pattern: str) -> str:
    """The literal package segments a package pattern starts with ("cn.jiguang."), so that
    only packages under them meet the expression."""
    match = _PATTERN_HEAD.match(pattern)
    return match.group(0).replace("\\", "") if match else ""


def _check_package_patterns(entries: Sequence[Mapping[str, Any]], file: str) -> None:
    for i, entry in enumerate(entries):
        for j, text in enumerate(entry.get("package_patterns", ())):
            where = f"$.sdks[{i}].package_patterns[{j}]"
            try:
                re.compile(text)
            except re.error as exc:
                raise RuleLoadError(file, where, f"not a regular expression: {exc}") from exc
            if not _PATTERN_HEAD.match(text):
                raise RuleLoadError(
                    file, where, f"{text!r} must start with two literal package segments"
                )


def _check_patterns(entries: Sequence[Mapping[str, Any]], file: str) -> None:
    for i, entry in enumerate(entries):
        for j, item in enumerate(entry.get("native_lib_patterns", ())):
            where = f"$.sdks[{i}].native_lib_patterns[{j}]"
            try:
                pattern = re.compile(item["regex"])
            except re.error as exc:
                raise RuleLoadError(file, f"{where}.regex", f"invalid regex: {exc}") from exc
            if not pattern.match(item["example"]):
                raise RuleLoadError(
                    file, f"{where}.example", "the example does not match the regex"
                )


def _known_pi_types(path: Path) -> frozenset[str] | None:
    try:
        types = json.loads(path.read_text(encoding="utf-8"))["types"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return frozenset(types)


def _check_pi_types(
    entries: Sequence[Mapping[str, Any]], file: str, known: frozenset[str] | None
) -> None:
    if known is None:
        return
    for i, entry in enumerate(entries):
        for field in ("pi", "pi_optional"):
            for j, pi_type in enumerate(entry.get(field, ())):
                if pi_type not in known:
                    raise RuleLoadError(
                        file, f"$.sdks[{i}].{field}[{j}]", f"unknown PI type {pi_type!r}"
                    )


# ------------------------------------------------------------------------------------ detection


def detect_sdks(facts: Mapping[str, Any], catalogue: SdkCatalogue) -> list[dict[str, Any]]:
    """The catalogue SDKs present in an app, sorted by id, with evidence and confidence.

    `facts` is the flat fact dict (see `pi_scan.facts.view`); `classes`, `components`,
    `native_libs` and `app_meta_data` are used, missing ones count as empty.
    """
    classes = _classes_by_sdk(facts.get("classes") or (), catalogue)
    found: dict[str, dict[str, list[str]]] = {}
    for sid, names in classes.items():
        found.setdefault(sid, {})["class"] = names
    for kind, sid, value in _manifest_and_lib_hits(facts, catalogue):
        values = found.setdefault(sid, {}).setdefault(kind, [])
        if value not in values:
            values.append(value)
    return [_report(catalogue.by_id[sid], hits) for sid, hits in sorted(found.items())]


def _classes_by_sdk(classes: Iterable[str], catalogue: SdkCatalogue) -> dict[str, list[str]]:
    """Class names per SDK; packages are resolved once each, so 200k classes stay cheap."""
    owner_of: dict[str, str | None] = {}
    hits: dict[str, list[str]] = {}
    for name in classes:
        dot = name.rfind(".")
        if dot <= 0:
            continue
        package = name[: dot + 1]
        try:
            sid = owner_of[package]
        except KeyError:
            sid = owner_of[package] = catalogue.sdk_of_package(package)
        if sid is not None:
            hits.setdefault(sid, []).append(name)
    return hits


def _manifest_and_lib_hits(
    facts: Mapping[str, Any], catalogue: SdkCatalogue
) -> Iterator[tuple[str, str, str]]:
    """(kind, sdk id, value) for every component, action, native library and meta-data hit."""
    for component in facts.get("components") or ():
        name = _name_of(component)
        sid = catalogue.sdk_of_component(name) if name else None
        if sid:
            yield "component", sid, name
        actions = component.get("actions", ()) if isinstance(component, Mapping) else ()
        for action in actions or ():
            sid = catalogue.sdk_of_action(action)
            if sid:
                yield "action", sid, action
    for lib in facts.get("native_libs") or ():
        name = _name_of(lib)
        sid = catalogue.sdk_of_native_lib(name) if name else None
        if sid:
            yield "native_lib", sid, name
    for name in _meta_data_names(facts.get("app_meta_data")):
        sid = catalogue.sdk_of_meta_data(name)
        if sid:
            yield "meta_data", sid, name


def _name_of(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        name = item.get("name")
        return name if isinstance(name, str) else ""
    return ""


def _meta_data_names(meta: Any) -> Iterator[str]:
    if isinstance(meta, Mapping):
        yield from (k for k in meta if isinstance(k, str))
    elif meta:
        yield from (n for n in (_name_of(m) for m in meta) if n)


def confidence(kinds: Iterable[str]) -> str:
    """high: two or more kinds of signal (e.g. DEX classes plus a manifest or native signal);
    medium: only classes, or only components, or only native libraries (packed apps);
    low: only an intent action or only a meta-data name."""
    found = set(kinds)
    if len(found) >= 2:
        return "high"
    if found & {"class", "component", "native_lib"}:
        return "medium"
    return "low"


def _report(sdk: Sdk, hits: Mapping[str, list[str]]) -> dict[str, Any]:
    evidence: list[dict[str, str]] = []
    for kind in SIGNAL_KINDS:
        values = hits.get(kind)
        if not values:
            continue
        limit = MAX_CLASS_EXAMPLES if kind == "class" else MAX_OTHER_EXAMPLES
        evidence.extend({"kind": kind, "value": v} for v in heapq.nsmallest(limit, values))
    return sdk_record(sdk, confidence(hits), evidence, len(hits.get("class", ())))


def sdk_record(
    sdk: Sdk, level: str, evidence: list[dict[str, str]], classes: int
) -> dict[str, Any]:
    """One detected SDK as the facts hold it (from the APK, or seen only in a runtime log)."""
    return {
        "id": sdk.id,
        "name": sdk.name,
        "name_zh": sdk.name_zh,
        "vendor": sdk.vendor,
        "category": sdk.category,
        "country": sdk.country,
        "confidence": level,
        "evidence": evidence,
        "classes": classes,
        "pi": list(sdk.pi),
        "pi_optional": list(sdk.pi_optional),
        "pi_source": sdk.pi_source,
    }
