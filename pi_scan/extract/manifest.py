"""AndroidManifest.xml and resources.arsc: identity and manifest facts of one APK.

The binary XML is decoded by androguard's AXMLPrinter and the resource table by its ARSCParser;
both are fed bytes that already passed the zip-bomb guard (androguard's own zip reader does not
limit what it inflates).  The lxml tree is only used through the small `_Element` protocol, so
androguard's untyped objects stay inside the few helpers that touch them.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from androguard.core.axml import (  # type: ignore[import-untyped]
    ARSCParser,
    ARSCResTableConfig,
    AXMLPrinter,
)

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract import resconfig
from pi_scan.extract.archive import describe
from pi_scan.extract.tolerant import Document, read_axml, survey_axml
from pi_scan.model import (
    Component,
    CustomPermission,
    Feature,
    PermissionUse,
    ResourceText,
    is_read_locale,
)

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"

COMPONENT_KINDS = ("activity", "activity-alias", "service", "receiver", "provider")
ACTION_MAIN = "android.intent.action.MAIN"
CATEGORY_LAUNCHER = "android.intent.category.LAUNCHER"

# Chinese label lookup order: mainland first, then generic, then the other regions.
ZH_LOCALES = ("zh-CN", "zh", "zh-TW", "zh-HK", "zh-MO", "zh-SG")
DEFAULT_LOCALE = ""
# The locale of the device configuration `aapt dump badging` reads the manifest with.
AAPT_LOCALE = "en-US"
_MAX_REFERENCE_HOPS = 20  # ResTable::resolveReference gives up after as many

# Res_value data types (ResourceTypes.h)
_TYPE_NULL, _TYPE_REFERENCE, _TYPE_STRING, _TYPE_DYNAMIC_REFERENCE = 0x00, 0x01, 0x03, 0x07

_REFERENCE = re.compile(r"@(?:(?P<package>[\w.]+):)?(?P<id>[0-9A-Fa-f]{8})")

# android:protectionLevel: the low nibble is the base level, the rest are flags.
_PROTECTION_BASE = {0: "normal", 1: "dangerous", 2: "signature", 3: "signatureOrSystem"}
_PROTECTION_FLAGS = {
    0x10: "privileged",
    0x20: "development",
    0x40: "appop",
    0x80: "pre23",
    0x100: "installer",
    0x200: "verifier",
    0x400: "preinstalled",
    0x800: "setup",
    0x1000: "instant",
    0x2000: "runtime",
    0x4000: "oem",
    0x8000: "vendorPrivileged",
    0x10000: "textClassifier",
    0x20000: "wellbeing",
    0x40000: "documenter",
    0x80000: "configurator",
    0x100000: "incidentReportApprover",
    0x200000: "appPredictor",
    0x400000: "module",
    0x800000: "companion",
    0x1000000: "retailDemo",
    0x2000000: "recents",
    0x4000000: "role",
    0x8000000: "knownSigner",
}


class _Element(Protocol):
    """The part of lxml's element API this module uses (lxml ships no type information)."""

    @property
    def tag(self) -> object: ...  # a str for elements; comments and PIs have a function here

    def get(self, key: str) -> str | None: ...

    def __iter__(self) -> Iterator[_Element]: ...


@dataclass(frozen=True)
class ManifestInfo:
    """What one APK's manifest (plus its resource table, for labels) says."""

    package: str
    version_code: int | None = None
    version_name: str | None = None
    label: str | None = None
    label_zh: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    compile_sdk: int | None = None
    split: str | None = None  # the <manifest split="..."> name of a split APK
    permissions: tuple[PermissionUse, ...] = ()
    custom_permissions: tuple[CustomPermission, ...] = ()
    application: Mapping[str, str | bool | None] = field(default_factory=dict)
    components: tuple[Component, ...] = ()
    launcher_activity: str | None = None
    app_meta_data: Mapping[str, str] = field(default_factory=dict)
    queries_packages: tuple[str, ...] = ()
    queries_actions: tuple[str, ...] = ()
    queries_providers: tuple[str, ...] = ()
    features: tuple[Feature, ...] = ()
    resource_strings: tuple[str, ...] = ()
    resource_texts: tuple[ResourceText, ...] = ()
    warnings: tuple[str, ...] = ()
    tamper_indicators: tuple[str, ...] = ()

    @property
    def effective_target_sdk(self) -> int:
        """targetSdkVersion as the platform applies it: it defaults to minSdkVersion, then 1."""
        return self.target_sdk or self.min_sdk or 1


# --------------------------------------------------------------------------------------------
# androguard boundary
# --------------------------------------------------------------------------------------------


def parse_binary_xml(data: bytes) -> tuple[_Element, tuple[str, ...], tuple[str, ...]]:
    """Decode binary XML into an element tree, or say in one line why it cannot be read.

    Returns (root, tamper indicators, warnings).  The bytes are surveyed first with Android's
    own rules (`tolerant.survey_axml`), which enforces the size, string-count and nesting
    limits and collects tamper indicators.  androguard then decodes them, unless the survey
    found a layout it would misread or names it would rewrite; when androguard gives
    up (it does not raise on a broken file: it logs and hands back no root, a partial one, or
    an invalid parser), the tolerant reader takes over, and that is recorded as the
    "axml_fallback" indicator.
    """
    prefix = "malformed binary AndroidManifest.xml"
    if len(data) < 8:
        raise ApkAnalysisError(f"{prefix}: only {len(data)} bytes")
    if data.lstrip()[:1] == b"<":
        raise ApkAnalysisError(f"{prefix}: plain-text XML, not compiled binary XML")
    doc = survey_axml(data)
    if doc.androguard_misreads:
        return _tolerant(doc, "its layout is one androguard misreads")
    rewritten = doc.androguard_rewrites()
    if rewritten is not None:
        return _tolerant(doc, rewritten)
    try:
        root = _androguard_tree(data)
    except ApkAnalysisError as failure:
        try:
            return _tolerant(doc, str(failure).removeprefix(f"{prefix}: "))
        except ApkAnalysisError:
            raise failure from None
    return root, tuple(sorted(doc.indicators)), ()


def _androguard_tree(data: bytes) -> _Element:
    prefix = "malformed binary AndroidManifest.xml"
    try:
        printer: Any = AXMLPrinter(data)
        root: Any = printer.get_xml_obj()
    except Exception as exc:  # struct.error, IndexError, lxml errors on hostile input
        raise ApkAnalysisError(f"{prefix}: {describe(exc)}") from exc
    if root is None:
        raise ApkAnalysisError(f"{prefix}: no XML element could be decoded")
    if not printer.is_valid():
        # The tree stops where parsing failed: facts from it would silently miss permissions.
        raise ApkAnalysisError(f"{prefix}: invalid chunk structure, decoding stopped early")
    return cast(_Element, root)


def _tolerant(doc: Document, why: str) -> tuple[_Element, tuple[str, ...], tuple[str, ...]]:
    root = read_axml(doc)
    indicators = tuple(sorted(doc.indicators | {"axml_fallback"}))
    warning = f"AndroidManifest.xml: read as Android reads it, not by androguard ({why})"
    return root, indicators, (warning,)


def _quiet_stdout() -> contextlib.AbstractContextManager[object]:
    """androguard's resource parser print()s a few complaints; stdout may carry a JSON report,
    so they are dropped (its real log goes through loguru, see set_verbose).  redirect_stdout
    is process-wide, which is why it wraps only the resource-table calls."""
    return contextlib.redirect_stdout(io.StringIO())


def _resolved_configs(parser: Any, res_id: int) -> list[tuple[str, str]]:
    """(locale, value) pairs for a resource id; locale is "" for the default configuration.

    Entries whose configuration equals the all-default one come first, so that callers taking
    the first default-locale value get what a device with no matching qualifier would show.
    """
    default = ARSCResTableConfig.default_config()
    exact: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    for config, value in parser.get_resolved_res_configs(res_id, None):
        if not isinstance(value, str):
            continue  # styles and arrays: not a single value
        locale = str(config.get_language_and_region())
        locale = DEFAULT_LOCALE if locale == "\x00\x00" else locale
        (exact if config == default else others).append((locale, value))
    return exact + others


def _config_of(config: Any) -> resconfig.Config:
    """androguard's ARSCResTableConfig as the fields resource selection compares."""
    locale = str(config.get_language_and_region())
    language, _, country = ("" if locale == "\x00\x00" else locale).partition("-r")
    screen_type, inputs, size = int(config.screenType), int(config.input), int(config.screenSize)
    version, layout, dp = int(config.version), int(config.screenConfig), int(config.screenSizeDp)
    layout2 = int(getattr(config, "screenConfig2", 0))
    return resconfig.Config(
        mcc=int(config.imsi) & 0xFFFF,
        mnc=int(config.imsi) >> 16,
        language=language,
        country=country,
        orientation=screen_type & 0xFF,
        touchscreen=(screen_type >> 8) & 0xFF,
        density=screen_type >> 16,
        keyboard=inputs & 0xFF,
        navigation=(inputs >> 8) & 0xFF,
        input_flags=(inputs >> 16) & 0xFF,
        screen_width=size & 0xFFFF,
        screen_height=size >> 16,
        sdk=version & 0xFFFF,
        minor=version >> 16,
        screen_layout=layout & 0xFF,
        ui_mode=(layout >> 8) & 0xFF,
        smallest_width_dp=layout >> 16,
        width_dp=dp & 0xFFFF,
        height_dp=dp >> 16,
        screen_layout2=layout2 & 0xFF,
        color_mode=(layout2 >> 8) & 0xFF,
    )


def _simple_value(entry: Any) -> tuple[int, int, str] | None:
    """(type, data, text) of a resource entry holding one value; None for bags (styles,
    arrays, plurals), which no manifest attribute read here can use."""
    if entry.is_complex():
        return None
    if entry.is_compact():
        kind, data = int(entry.datatype), int(entry.data)
        text = entry.parent.stringpool_main.getString(data) if kind == _TYPE_STRING else ""
        return kind, data, str(text)
    value = entry.key
    kind, data = int(value.data_type), int(value.data)
    return (
        kind,
        data,
        "" if kind in (_TYPE_REFERENCE, _TYPE_DYNAMIC_REFERENCE) else str(value.format_value()),
    )


def _bcp47(locale: str) -> str:
    """androguard's "zh-rCN" (and "\x00\x00" for none) as aapt prints it: "zh-CN", ""."""
    return "" if locale == "\x00\x00" else locale.replace("-r", "-", 1)


def _resource_name(parser: Any, res_id: int) -> str | None:
    """The XML name of a resource id, e.g. "@xml/network_security_config"."""
    for package in parser.get_packages_names():
        name = parser.get_resource_xml_name(res_id, package)
        if name:
            return str(name)
    return None


class Resources:
    """Lazily parsed resource table; a broken table degrades to unresolved references.

    Labels and a few attributes need it, but an app whose resources.arsc androguard cannot
    parse still has perfectly good manifest facts, so failures become warnings.
    """

    def __init__(self, data: bytes | None) -> None:
        self._data = data
        self._parser: Any = None
        self._failed = data is None
        self.warnings: list[str] = []

    def _table(self) -> Any:
        if self._parser is None and not self._failed:
            try:
                with _quiet_stdout():
                    self._parser = ARSCParser(self._data)
            except Exception as exc:  # androguard raises anything from struct to IndexError
                self._failed = True
                self.warnings.append(f"resources.arsc: unreadable ({describe(exc)})")
        return self._parser

    def values(self, text: str) -> list[tuple[str, str]]:
        """All (locale, value) pairs a reference resolves to; [] when it cannot be resolved."""
        res_id = _reference_id(text)
        table = self._table()
        if res_id is None or table is None:
            return []
        try:
            with _quiet_stdout():
                return _resolved_configs(table, res_id)
        except Exception as exc:
            self.warnings.append(f"resources.arsc: cannot resolve {text} ({describe(exc)})")
            return []

    def resolve(self, text: str, locale: str = AAPT_LOCALE) -> tuple[int, str] | None:
        """(type, text) of the value a reference has on aapt's device configuration with
        `locale`, following references as ResTable::resolveReference does; None when it
        cannot be resolved (no table, no such resource, no configuration matches, a bag, a
        loop)."""
        res_id = _reference_id(text)
        table = self._table()
        if res_id is None or table is None:
            return None
        wanted = resconfig.request(locale)
        try:
            with _quiet_stdout():
                for _hop in range(_MAX_REFERENCE_HOPS):
                    if not res_id:
                        return None
                    candidates = [
                        (_config_of(config), entry)
                        for config, entry in table.get_res_configs(res_id)
                    ]
                    chosen = resconfig.best(candidates, wanted)
                    value = _simple_value(chosen[1]) if chosen is not None else None
                    if value is None or value[0] == _TYPE_NULL:
                        return None
                    kind, data, shown = value
                    if kind not in (_TYPE_REFERENCE, _TYPE_DYNAMIC_REFERENCE):
                        return kind, shown
                    res_id = data
        except Exception as exc:  # androguard slips on a hostile table
            self.warnings.append(f"resources.arsc: cannot resolve {text} ({describe(exc)})")
        return None

    def string(self, text: str, locale: str = AAPT_LOCALE) -> str | None:
        """A reference's string value on aapt's configuration with `locale`."""
        value = self.resolve(text, locale)
        return value[1] if value is not None and value[0] == _TYPE_STRING else None

    def locales(self) -> list[str]:
        """The table's locales as `aapt dump badging` lists them: BCP 47, sorted, "" for the
        configurations without one."""
        table = self._table()
        if table is None:
            return []
        found: set[str] = set()
        try:
            with _quiet_stdout():
                for package in table.get_packages_names():
                    found.update(_bcp47(str(locale)) for locale in table.get_locales(package))
        except Exception as exc:
            self.warnings.append(f"resources.arsc: cannot list locales ({describe(exc)})")
        return sorted(found)

    def default_value(self, text: str) -> str | None:
        """The value a reference has in the default configuration, if it can be resolved."""
        pairs = self.values(text)
        for locale, value in pairs:
            if locale == DEFAULT_LOCALE:
                return value
        return pairs[0][1] if pairs else None

    def all_strings(self) -> tuple[str, ...]:
        """Every string resource value, in every package and locale, sorted and unique.

        Consent dialogs, policy links and account-deletion texts usually live here, not in
        the DEX string table."""
        table = self._table()
        if table is None:
            return ()
        found: set[str] = set()
        try:
            with _quiet_stdout():
                for package in table.get_packages_names():
                    for locale in table.get_locales(package):
                        for _name, value in table.values[package][locale].get("string", []):
                            if isinstance(value, str) and value:
                                found.add(value)
        except Exception as exc:
            self.warnings.append(f"resources.arsc: cannot list strings ({describe(exc)})")
        return tuple(sorted(found))

    def app_texts(self) -> tuple[ResourceText, ...]:
        """The string resources of the default and Chinese locales (`is_read_locale`), with
        their names, sorted by name, locale and value."""
        table = self._table()
        if table is None:
            return ()
        found: set[ResourceText] = set()
        try:
            with _quiet_stdout():
                for package in table.get_packages_names():
                    for locale in table.get_locales(package):
                        where = str(locale)
                        if not is_read_locale(where):
                            continue
                        shown = "" if not where.strip("\x00") else where
                        for name, value in table.values[package][locale].get("string", []):
                            if isinstance(value, str) and value and isinstance(name, str):
                                found.add(ResourceText(name, shown, value))
        except Exception as exc:
            self.warnings.append(f"resources.arsc: cannot list strings ({describe(exc)})")
        return tuple(sorted(found, key=lambda t: (t.name, t.locale, t.value)))

    def name(self, text: str) -> str:
        """A reference as "@type/name" when the table knows it, else as written."""
        res_id = _reference_id(text)
        table = self._table()
        if res_id is None or table is None:
            return text
        try:
            with _quiet_stdout():
                return _resource_name(table, res_id) or text
        except Exception:
            return text


# --------------------------------------------------------------------------------------------
# small value helpers
# --------------------------------------------------------------------------------------------


def _reference_id(text: str) -> int | None:
    """Resource id of a "@7F010002" or "@android:01040000" reference.  Framework ids are simply
    absent from an app's table (framework-res itself is package "android" and has them)."""
    match = _REFERENCE.fullmatch(text)
    return None if match is None else int(match.group("id"), 16)


def _attr(element: _Element, name: str) -> str | None:
    """An android: attribute; obfuscated manifests sometimes drop the namespace, so fall back."""
    value = element.get(ANDROID_NS + name)
    return value if value is not None else element.get(name)


def _to_int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None


def local_name(tag: object) -> str | None:
    """An element's name as Android reads it: without its namespace.  The platform's parser
    (XmlBlock.Parser.getName) and aapt (ResXMLTree::getElementName) give the name alone, so
    <android:uses-permission> is a uses-permission.  None for comments and processing
    instructions, whose lxml tag is not a string."""
    if not isinstance(tag, str):
        return None
    return tag.rpartition("}")[2] if tag.startswith("{") else tag


def _children(element: _Element, tag: str) -> Iterator[_Element]:
    for child in element:
        if local_name(child.tag) == tag:
            yield child


def _first(element: _Element, tag: str) -> _Element | None:
    return next(_children(element, tag), None)


def _last(element: _Element, tag: str) -> _Element | None:
    found: _Element | None = None
    for child in _children(element, tag):
        found = child
    return found


def qualify(package: str, name: str | None) -> str | None:
    """Class name as PackageParser builds it: ".Foo" and "Foo" are relative to the package."""
    if not name:
        return None
    if name.startswith("."):
        return package + name
    if "." not in name:
        return f"{package}.{name}"
    return name


def protection_level_name(text: str | None) -> str | None:
    """Turn the integer androguard shows for protectionLevel back into the manifest's words."""
    if text is None:
        return None
    number = _to_int(text)
    if number is None:
        return text  # already a name, keep it as written
    names = [_PROTECTION_BASE.get(number & 0xF, f"0x{number & 0xF:x}")]
    rest = number & ~0xF
    for flag, flag_name in _PROTECTION_FLAGS.items():
        if rest & flag:
            names.append(flag_name)
            rest &= ~flag
    if rest:
        names.append(f"0x{rest:x}")
    return "|".join(names)


# --------------------------------------------------------------------------------------------
# the manifest
# --------------------------------------------------------------------------------------------


class _Reader:
    """Walks one manifest tree; holds the package and resources needed to resolve values."""

    def __init__(self, root: _Element, resources: Resources) -> None:
        self.root = root
        self.res = resources
        self.package = (root.get("package") or "").strip()

    def boolean(self, text: str | None) -> bool | None:
        """A manifest boolean; "@bool/x" references are looked up in the default config."""
        if text is not None and text.startswith("@"):
            text = self.res.default_value(text)
        if text is None:
            return None
        lowered = text.strip().lower()
        return True if lowered == "true" else False if lowered == "false" else None

    def meta_data(self, parent: _Element) -> dict[str, str]:
        """<meta-data> name -> value; a android:value reference is resolved, a resource named."""
        result: dict[str, str] = {}
        for item in _children(parent, "meta-data"):
            name = _attr(item, "name")
            if not name or name in result:
                continue
            value = _attr(item, "value")
            if value is not None:
                resolved = self.res.default_value(value) if value.startswith("@") else None
                result[name] = resolved if resolved is not None else self.res.name(value)
                continue
            resource = _attr(item, "resource")
            if resource is not None:
                result[name] = self.res.name(resource)
        return result

    def label(self, text: str | None) -> tuple[str | None, str | None]:
        """(label, Chinese label) as `aapt dump badging` reads an android:label.

        aapt resolves a label reference once per locale of the resource table, in sorted
        order ("" first, for the configurations without a locale): the label is the one with
        no locale, else the first locale's.  The Chinese label is the one of the table's first
        Chinese locale (mainland first), i.e. what a device in that locale shows, which is the
        default label when the resource has no Chinese value of its own.  A label written as
        text is what every locale shows: it is the Chinese label too when the table has a
        Chinese locale (aapt lists it under each locale).
        """
        if text is None:
            return None, None
        if _reference_id(text) is None:
            has_chinese = any(loc.partition("-")[0] == "zh" for loc in self.res.locales())
            return text, text if has_chinese else None
        locales = self.res.locales()
        by_locale = {locale: self.res.string(text, locale) for locale in locales}
        default = next((value for value in by_locale.values() if value), None)
        chinese = [loc for loc in ZH_LOCALES if loc in by_locale] + [
            loc for loc in locales if loc.partition("-")[0] == "zh"
        ]
        zh = by_locale[chinese[0]] if chinese else None
        if default is None:
            self.res.warnings.append(f"android:label {text} does not resolve in resources.arsc")
        return default, zh or None

    def integer(self, text: str | None) -> int | None:
        """An integer attribute: decimal or hexadecimal, a reference resolved (as the
        platform's obtainAttributes does) on aapt's configuration."""
        if text is not None and _reference_id(text) is not None:
            value = self.res.resolve(text)
            text = value[1] if value is not None else None
        return _to_int(text)

    def version_name(self, root: _Element) -> str | None:
        """android:versionName; a reference is resolved as `aapt dump badging` does, on its
        fixed device configuration (English, US)."""
        text = _attr(root, "versionName")
        if text is None or _reference_id(text) is None:
            return text
        value = self.res.resolve(text)
        if value is None:
            self.res.warnings.append(
                f"android:versionName {text} does not resolve in resources.arsc"
            )
            return None
        return value[1]


def _sdk_levels(reader: _Reader) -> tuple[int | None, int | None, int | None]:
    """min, target and compile SDK.  Of several <uses-sdk> the last one counts: each one
    replaces what the ones before set (PackageParser; aapt skips all but the last)."""
    root = reader.root
    uses_sdk = _last(root, "uses-sdk")
    min_sdk = reader.integer(_attr(uses_sdk, "minSdkVersion")) if uses_sdk is not None else None
    target = reader.integer(_attr(uses_sdk, "targetSdkVersion")) if uses_sdk is not None else None
    compile_sdk = _to_int(_attr(root, "compileSdkVersion"))
    if compile_sdk is None:
        compile_sdk = _to_int(root.get("platformBuildVersionCode"))
    return min_sdk, target, compile_sdk


def _permissions(root: _Element, reader: _Reader) -> tuple[PermissionUse, ...]:
    """Every <uses-permission> (and -sdk-23 / -sdk-m) directly under <manifest>, whatever
    namespace prefix its element carries; repeated ones count once."""
    found: set[PermissionUse] = set()
    for tag, sdk23 in (
        ("uses-permission", False),
        ("uses-permission-sdk-23", True),
        ("uses-permission-sdk-m", True),
    ):
        for item in _children(root, tag):
            name = _attr(item, "name")
            if name:
                found.add(PermissionUse(name, reader.integer(_attr(item, "maxSdkVersion")), sdk23))
    return tuple(sorted(found, key=lambda p: (p.name, p.sdk23, p.max_sdk or 0)))


def _custom_permissions(root: _Element) -> tuple[CustomPermission, ...]:
    found: dict[str, CustomPermission] = {}
    for item in _children(root, "permission"):
        name = _attr(item, "name")
        if name and name not in found:
            level = protection_level_name(_attr(item, "protectionLevel"))
            found[name] = CustomPermission(name, level)
    return tuple(found[name] for name in sorted(found))


def _features(root: _Element, reader: _Reader) -> tuple[Feature, ...]:
    found: dict[str, Feature] = {}
    for item in _children(root, "uses-feature"):
        name = _attr(item, "name")
        if name and name not in found:
            required = reader.boolean(_attr(item, "required"))
            found[name] = Feature(name, required is not False)
    return tuple(found[name] for name in sorted(found))


def _queries(root: _Element) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    packages: set[str] = set()
    actions: set[str] = set()
    providers: set[str] = set()
    for queries in _children(root, "queries"):
        for item in queries:
            name, kind = _attr(item, "name"), local_name(item.tag)
            if kind == "package" and name:
                packages.add(name)
            elif kind == "intent":
                actions.update(a for a in _names(item, "action") if a)
            elif kind == "provider":
                providers.update(_authorities(_attr(item, "authorities")))
    return tuple(sorted(packages)), tuple(sorted(actions)), tuple(sorted(providers))


def _names(parent: _Element, tag: str) -> Iterator[str]:
    for child in _children(parent, tag):
        name = _attr(child, "name")
        if name:
            yield name


def _authorities(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _application_attributes(app: _Element | None, reader: _Reader) -> dict[str, str | bool | None]:
    """The application attributes rules look at, under fixed keys (None when absent)."""

    def text(name: str) -> str | None:
        value = _attr(app, name) if app is not None else None
        return reader.res.name(value) if value is not None and value.startswith("@") else value

    def flag(name: str) -> bool | None:
        return reader.boolean(_attr(app, name)) if app is not None else None

    return {
        "class": qualify(reader.package, _attr(app, "name")) if app is not None else None,
        "allow_backup": flag("allowBackup"),
        "debuggable": flag("debuggable"),
        "uses_cleartext_traffic": flag("usesCleartextTraffic"),
        "request_legacy_external_storage": flag("requestLegacyExternalStorage"),
        "network_security_config": text("networkSecurityConfig"),
        "full_backup_content": text("fullBackupContent"),
        "data_extraction_rules": text("dataExtractionRules"),
    }


def effective_exported(kind: str, explicit: bool | None, has_filter: bool, sdk: int) -> bool:
    """Whether other apps can reach a component.

    Without android:exported, a component with an intent-filter is exported (apps targeting
    API 31+ must write the attribute, so for them this only applies to malformed manifests),
    and a provider is exported when the app targets API 16 or lower.
    """
    if explicit is not None:
        return explicit
    if has_filter:
        return True
    return kind == "provider" and sdk < 17


def _component(kind: str, item: _Element, reader: _Reader, sdk: int) -> Component | None:
    name = qualify(reader.package, _attr(item, "name"))
    if name is None:
        return None
    filters = list(_children(item, "intent-filter"))
    actions = {a for f in filters for a in _names(f, "action")}
    categories = {c for f in filters for c in _names(f, "category")}
    explicit = reader.boolean(_attr(item, "exported"))
    target = qualify(reader.package, _attr(item, "targetActivity"))
    return Component(
        kind=kind,
        name=name,
        exported=effective_exported(kind, explicit, bool(filters), sdk),
        exported_explicit=explicit,
        enabled=reader.boolean(_attr(item, "enabled")) is not False,
        permission=_attr(item, "permission"),
        authorities=_authorities(_attr(item, "authorities")) if kind == "provider" else (),
        actions=tuple(sorted(actions)),
        categories=tuple(sorted(categories)),
        meta_data=reader.meta_data(item),
        target_activity=target if kind == "activity-alias" else None,
        process=_attr(item, "process"),
    )


def _is_launcher(item: _Element) -> bool:
    """MAIN and LAUNCHER in the same intent-filter, as the launcher requires."""
    for intent_filter in _children(item, "intent-filter"):
        actions = set(_names(intent_filter, "action"))
        categories = set(_names(intent_filter, "category"))
        if ACTION_MAIN in actions and CATEGORY_LAUNCHER in categories:
            return True
    return False


def _launcher(app: _Element, reader: _Reader) -> tuple[str | None, _Element | None]:
    """(activity class, element) of the launcher entry; an alias stands for its target.

    The first enabled candidate wins; if every candidate is disabled (icon switching through
    aliases enabled at run time), the first one is still the best answer.
    """
    candidates: list[tuple[bool, str, _Element]] = []
    for item in app:
        kind = local_name(item.tag)
        if kind not in ("activity", "activity-alias") or not _is_launcher(item):
            continue
        own = qualify(reader.package, _attr(item, "name"))
        target = qualify(reader.package, _attr(item, "targetActivity"))
        activity = target if kind == "activity-alias" and target else own
        if activity:
            enabled = reader.boolean(_attr(item, "enabled")) is not False
            candidates.append((enabled, activity, item))
    if not candidates:
        return None, None
    enabled_first = sorted(candidates, key=lambda c: not c[0])  # stable: keeps document order
    return enabled_first[0][1], enabled_first[0][2]


def parse_manifest(
    manifest: bytes, resources: bytes | None, inherited_sdk: int | None = None
) -> ManifestInfo:
    """Read one APK's manifest.

    `inherited_sdk` is the base APK's effective targetSdk, used when this manifest (a split)
    declares none, so the implicit-export rule is applied as the installed app would see it.
    """
    root, indicators, xml_warnings = parse_binary_xml(manifest)
    if local_name(root.tag) != "manifest":
        raise ApkAnalysisError(
            f"malformed binary AndroidManifest.xml: root element is <{root.tag}>, not <manifest>"
        )
    res = Resources(resources)
    reader = _Reader(root, res)
    if not reader.package:
        raise ApkAnalysisError("malformed binary AndroidManifest.xml: no package name")
    min_sdk, target_sdk, compile_sdk = _sdk_levels(reader)
    sdk = target_sdk or (inherited_sdk if inherited_sdk is not None else min_sdk) or 1
    app = _first(root, "application")
    components: list[Component] = []
    launcher: str | None = None
    label_text: str | None = None
    app_meta: dict[str, str] = {}
    if app is not None:
        for item in app:
            kind = local_name(item.tag)
            if kind in COMPONENT_KINDS:
                component = _component(kind, item, reader, sdk)
                if component is not None:
                    components.append(component)
        launcher, launcher_item = _launcher(app, reader)
        label_text = _attr(app, "label")
        if label_text is None and launcher_item is not None:
            label_text = _attr(launcher_item, "label")
        app_meta = reader.meta_data(app)
    label, label_zh = reader.label(label_text)
    packages, actions, providers = _queries(root)
    return ManifestInfo(
        package=reader.package,
        version_code=reader.integer(_attr(root, "versionCode")),
        version_name=reader.version_name(root),
        label=label,
        label_zh=label_zh,
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        compile_sdk=compile_sdk,
        split=root.get("split") or None,
        permissions=_permissions(root, reader),
        custom_permissions=_custom_permissions(root),
        application=_application_attributes(app, reader),
        components=sort_components(components),
        launcher_activity=launcher,
        app_meta_data=app_meta,
        queries_packages=packages,
        queries_actions=actions,
        queries_providers=providers,
        features=_features(root, reader),
        resource_strings=res.all_strings(),
        resource_texts=res.app_texts(),
        warnings=xml_warnings + tuple(dict.fromkeys(res.warnings)),
        tamper_indicators=indicators,
    )


def sort_components(components: list[Component]) -> tuple[Component, ...]:
    """Sorted by (kind, name); the first declaration of a (kind, name) pair wins."""
    unique: dict[tuple[str, str], Component] = {}
    for component in components:
        unique.setdefault((component.kind, component.name), component)
    return tuple(unique[key] for key in sorted(unique))
