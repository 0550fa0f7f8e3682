"""Platform libraries, and whose code and texts a class or resource belongs to.

The catalogue (`rules/catalog/platform-libs.json`, schema `platform-libs.schema.json`) lists the
libraries whose sensitive calls run on the app's request or behind their own permission checks:
AndroidX and the support library, Material, Kotlin and kotlinx.coroutines, and the parts of
Play services that act for the app (availability checks, the sign-in button).  They are not
third parties: their call sites never make an SDK "collect", and count as the app's own use only
when the app's code reaches them (see `pi_scan.facts.apis`).

Every class belongs to one party (`Parties.of_class`): a third-party SDK of `sdks.json` first
(so AdMob `gms.ads`, Firebase Analytics `gms.measurement` and fused location `gms.location`
stay SDKs whatever this catalogue says), else a platform library, else the app.

Resources: a string resource whose name starts with a library's prefix (`abc_`, `mtrl_`,
`common_` ...) or equals one of its unprefixed names belongs to that library; names of unknown
origin (obfuscated by AndResGuard or R8 too) are the app's own.  Only the default locale and
the Chinese ones (`zh`, `zh-rCN`, `zh-rTW`, `zh-rHK`, `b+zh+Hans` ...) are read as the app's
texts: the texts Chinese users see, and the fallback they get when there is no Chinese text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pi_scan.datafiles import builtin_rules_dir, load_validated
from pi_scan.errors import RuleLoadError
from pi_scan.facts.sdks import SdkCatalogue, owner_of_package, package_of
from pi_scan.model import is_read_locale

__all__ = ["Parties", "PlatformCatalogue", "PlatformLib", "is_read_locale"]

SCHEMA = "platform-libs"
APP = "app"
PLATFORM = "platform"
SDK = "sdk"

# Prefixes that would swallow SDKs or the whole framework: a platform library names its own
# packages exactly.
VENDOR_WIDE: frozenset[str] = frozenset(
    {
        "android.",
        "androidx.",
        "java.",
        "javax.",
        "dalvik.",
        "com.android.",
        "com.google.",
        "com.google.android.",
        "com.google.android.gms.",
        "com.google.firebase.",
        "android.support.",
    }
)


@dataclass(frozen=True)
class PlatformLib:
    id: str
    name: str
    vendor: str
    prefixes: tuple[str, ...]
    why: str
    source: str
    maven: str
    resource_prefixes: tuple[str, ...]
    resource_names: tuple[str, ...]

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> PlatformLib:
        return cls(
            id=entry["id"],
            name=entry["name"],
            vendor=entry["vendor"],
            prefixes=tuple(entry["prefixes"]),
            why=entry["why"],
            source=entry["source"],
            maven=entry["maven"],
            resource_prefixes=tuple(entry["resource_prefixes"]),
            resource_names=tuple(entry["resource_names"]),
        )


class PlatformCatalogue:
    """The libraries with lookup indexes: package prefix, resource prefix, resource name."""

    def __init__(self, libs: Iterable[PlatformLib]) -> None:
        self.libs: tuple[PlatformLib, ...] = tuple(sorted(libs, key=lambda lib: lib.id))
        self.by_id: dict[str, PlatformLib] = {lib.id: lib for lib in self.libs}
        self._prefixes = {p: lib.id for lib in self.libs for p in lib.prefixes}
        self._res_prefixes: dict[str, str] = {}
        for lib in self.libs:  # shared prefixes (design_) go to the first library listing them
            for p in lib.resource_prefixes:
                self._res_prefixes.setdefault(p, lib.id)
        self._res_names = {n: lib.id for lib in self.libs for n in lib.resource_names}

    def __len__(self) -> int:
        return len(self.libs)

    def lib_of_package(self, package: str) -> str | None:
        """The library owning `package` ("a.b.c." form): the longest prefix wins."""
        return owner_of_package(self._prefixes, package)

    def lib_of_class(self, class_name: str) -> str | None:
        """The library a class belongs to (dotted, slashed or smali names), or None."""
        return self.lib_of_package(package_of(class_name))

    def lib_of_resource(self, name: str) -> str | None:
        """The library a resource name belongs to ("abc_action_bar_home_description" ->
        androidx-appcompat), or None for the app's own and names of unknown origin."""
        hit = self._res_names.get(name)
        if hit is not None:
            return hit
        cut = name.find("_")
        while cut > 0:
            hit = self._res_prefixes.get(name[: cut + 1])
            if hit is not None:
                return hit
            cut = name.find("_", cut + 1)
        return None


class Parties:
    """Whose code a class is: ("sdk", id), ("platform", id) or ("app", None); cached."""

    def __init__(self, sdks: SdkCatalogue, platform: PlatformCatalogue) -> None:
        self.sdks = sdks
        self.platform = platform
        self._cache: dict[str, tuple[str, str | None]] = {}
        self._packages: dict[str, tuple[str, str | None]] = {}

    def of_class(self, name: str) -> tuple[str, str | None]:
        try:
            return self._cache[name]
        except KeyError:
            pass
        # both catalogues decide by package: classify each package once (a big app has tens of
        # thousands of classes in a few thousand packages)
        package = package_of(name)
        found = self._packages.get(package)
        if found is None:
            sdk = self.sdks.sdk_of_package(package) if package else None
            if sdk is not None:
                found = (SDK, sdk)
            else:
                lib = self.platform.lib_of_package(package) if package else None
                found = (PLATFORM, lib) if lib is not None else (APP, None)
            self._packages[package] = found
        self._cache[name] = found
        return found

    def kinds(self, names: Sequence[str]) -> list[str]:
        """The party kind of each of many class names (the app's classes, sorted: the names
        of a package come together), classified once per run of one package."""
        out: list[str] = []
        last_package, last_kind = None, APP
        for name in names:
            package = package_of(name)
            if package != last_package:
                last_package = package
                last_kind = self.of_class(name)[0]
            out.append(last_kind)
        return out

    def label(self, name: str) -> str:
        """ "app", "platform:<library id>" or "sdk:<SDK id>"."""
        kind, ident = self.of_class(name)
        return kind if ident is None else f"{kind}:{ident}"


def classify(
    class_name: str, sdks: SdkCatalogue, platform: PlatformCatalogue
) -> tuple[str, str | None]:
    """The party of one class: ("sdk", id), ("platform", id) or ("app", None)."""
    return Parties(sdks, platform).of_class(class_name)


# ---- loading


def default_catalogue_path() -> Path:
    return builtin_rules_dir() / "catalog" / "platform-libs.json"


def load_platform_catalogue(
    path: Path | str, sdks: SdkCatalogue | None = None
) -> PlatformCatalogue:
    """Load and check the catalogue; every problem is a RuleLoadError(file, json_path,
    message).  Beyond the schema: unique ids, no vendor-wide prefix, no prefix claimed twice,
    and (with the SDK catalogue) no prefix that is an SDK's own prefix."""
    path = Path(path)
    file = str(path)
    data = load_validated(path, SCHEMA)
    entries: Sequence[Mapping[str, Any]] = data["libraries"]
    ids: set[str] = set()
    owner: dict[str, str] = {}
    sdk_prefixes = {p: s.id for s in sdks.sdks for p in s.prefixes} if sdks is not None else {}
    for i, entry in enumerate(entries):
        if entry["id"] in ids:
            raise RuleLoadError(file, f"$.libraries[{i}].id", f"duplicate id {entry['id']!r}")
        ids.add(entry["id"])
        for j, prefix in enumerate(entry["prefixes"]):
            where = f"$.libraries[{i}].prefixes[{j}]"
            if prefix in VENDOR_WIDE:
                raise RuleLoadError(file, where, f"{prefix!r} names a whole vendor or platform")
            if prefix in owner:
                raise RuleLoadError(
                    file, where, f"{prefix!r} is already claimed by {owner[prefix]!r}"
                )
            if prefix in sdk_prefixes:
                raise RuleLoadError(
                    file, where, f"{prefix!r} is SDK {sdk_prefixes[prefix]!r}'s prefix in sdks.json"
                )
            owner[prefix] = entry["id"]
    return PlatformCatalogue(PlatformLib.from_json(e) for e in entries)


@cache
def default_catalogue() -> PlatformCatalogue:
    """The built-in catalogue, loaded once per process."""
    return load_platform_catalogue(default_catalogue_path())
