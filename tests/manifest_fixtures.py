"""Small APKs whose manifests are written the ways real apps write them, built in memory.

Each fixture reproduces one way the manifest's facts can be misread: elements written with a
namespace prefix (<android:uses-permission>, which Android and aapt read as uses-permission),
repeated elements, versionName and label given as resource references with values in several
configurations, integers written in hexadecimal or as references, no version at all.  The
binary XML comes from `malformed.build_axml` (laid out as aapt lays it out) and the resource
table from `resource_table` below (one package 0x7f, one type, a value per configuration), so
nothing here needs the Android SDK.  `FIXTURES` says what Android and `aapt dump badging` read
from each; tests/test_aapt.py checks pi-scan against both.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .malformed import ANDROID_URI, El, Typed, build_axml, string_pool

A = ANDROID_URI
TYPE_REFERENCE, TYPE_STRING, TYPE_INT_DEC, TYPE_INT_HEX = 0x01, 0x03, 0x10, 0x11
PACKAGE_ID = 0x7F
TYPE_ID = 1


def ref(index: int) -> Typed:
    """A reference to entry `index` of the fixture's resource table."""
    return Typed(TYPE_REFERENCE, resource_id(index))


def resource_id(index: int) -> int:
    return (PACKAGE_ID << 24) | (TYPE_ID << 16) | index


# --------------------------------------------------------------------------------------------
# resources.arsc
# --------------------------------------------------------------------------------------------

Value = str | int | Typed  # a string, a decimal integer, or any typed value


@dataclass(frozen=True)
class Qualifiers:
    """The configuration qualifiers the fixtures use (values-zh-rCN-v21 ...)."""

    language: str = ""
    country: str = ""
    sdk: int = 0
    density: int = 0

    def pack(self) -> bytes:
        """A 52-byte ResTable_config."""
        locale = self.language.encode().ljust(2, b"\0") + self.country.encode().ljust(2, b"\0")
        screen_type = struct.pack("<BBH", 0, 0, self.density)
        version = struct.pack("<HH", self.sdk, 0)
        return (
            struct.pack("<II", 52, 0)
            + locale
            + screen_type
            + bytes(8)  # input, screenSize
            + version
            + bytes(8)  # screenConfig, screenSizeDp
            + bytes(12)  # localeScript, localeVariant
            + bytes(4)  # screenConfig2
        )


DEFAULT = Qualifiers()


def resource_table(entries: Sequence[tuple[str, Mapping[Qualifiers, Value]]]) -> bytes:
    """resources.arsc with one package (0x7f, "fixture") and one type ("string") holding
    `entries` in order (entry i has id 0x7f01000i); configurations are written in the order
    they first appear, as aapt sorts them when they are given sorted."""
    strings: list[str] = []

    def intern(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    configs = list(dict.fromkeys(q for _, values in entries for q in values))
    types = bytearray()
    for config in configs:
        offsets, body = [], bytearray()
        for key, (_, values) in enumerate(entries):
            if config not in values:
                offsets.append(0xFFFFFFFF)
                continue
            offsets.append(len(body))
            value = values[config]
            if isinstance(value, Typed):
                kind, data = value.kind, value.data
            elif isinstance(value, int):
                kind, data = TYPE_INT_DEC, value & 0xFFFFFFFF
            else:
                kind, data = TYPE_STRING, intern(value)
            body += struct.pack("<HHI", 8, 0, key) + struct.pack("<HBBI", 8, 0, kind, data)
        header = 20 + 52
        start = header + 4 * len(entries)
        size = start + len(body)
        types += struct.pack("<HHIBBHII", 0x0201, header, size, TYPE_ID, 0, 0, len(entries), start)
        types += Qualifiers.pack(config) + struct.pack(f"<{len(offsets)}I", *offsets) + body
    spec = struct.pack("<HHIBBHI", 0x0202, 16, 16 + 4 * len(entries), TYPE_ID, 0, 0, len(entries))
    spec += bytes(4 * len(entries))
    type_strings = string_pool(["string"])
    key_strings = string_pool([name for name, _ in entries])
    name = "fixture".encode("utf-16-le").ljust(256, b"\0")
    package_header = 288
    package_size = package_header + len(type_strings) + len(key_strings) + len(spec) + len(types)
    package = struct.pack("<HHII", 0x0200, package_header, package_size, PACKAGE_ID) + name
    package += struct.pack("<IIIII", package_header, 0, package_header + len(type_strings), 0, 0)
    package += type_strings + key_strings + spec + bytes(types)
    values = string_pool(strings)
    size = 12 + len(values) + len(package)
    return struct.pack("<HHII", 0x0002, 12, size, 1) + values + package


# --------------------------------------------------------------------------------------------
# the fixtures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    """An APK and what Android and `aapt dump badging` read from it."""

    manifest: El
    resources: Sequence[tuple[str, Mapping[Qualifiers, Value]]] = ()
    version_code: int | None = None
    version_name: str | None = None
    label: str | None = None
    label_zh: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    permissions: frozenset[tuple[str, int | None, bool]] = frozenset()
    components: frozenset[tuple[str, str]] = frozenset()
    warnings: Sequence[str] = field(default_factory=tuple)
    aapt_refuses: bool = False  # aapt stops with an error (the platform reads it)

    def apk(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(
                zipfile.ZipInfo("AndroidManifest.xml", (1981, 1, 1, 1, 1, 2)),
                build_axml(self.manifest),
            )
            if self.resources:
                info = zipfile.ZipInfo("resources.arsc", (1981, 1, 1, 1, 1, 2))
                zf.writestr(info, resource_table(self.resources), zipfile.ZIP_STORED)
        return out.getvalue()

    def write(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.apk"
        path.write_bytes(self.apk())
        return path


def _manifest(
    package: str,
    attrs: Sequence[tuple[str | None, str, str | bool | int | Typed]],
    children: Sequence[El],
) -> El:
    return El("manifest", [*attrs, (None, "package", package)], list(children))


def _perm(
    name: str,
    *,
    ns: str | None = None,
    tag: str = "uses-permission",
    max_sdk: int | Typed | None = None,
) -> El:
    attrs: list[tuple[str | None, str, str | bool | int | Typed]] = [(A, "name", name)]
    if max_sdk is not None:
        attrs.append((A, "maxSdkVersion", max_sdk))
    return El(tag, attrs, ns=ns)


def _launcher(name: str, *, ns: str | None = None) -> El:
    return El(
        "activity",
        [(A, "name", name), (A, "exported", True)],
        [
            El(
                "intent-filter",
                [],
                [
                    El("action", [(A, "name", "android.intent.action.MAIN")]),
                    El("category", [(A, "name", "android.intent.category.LAUNCHER")]),
                ],
            )
        ],
        ns=ns,
    )


def _uses_sdk(min_sdk: int, target: int) -> El:
    return El("uses-sdk", [(A, "minSdkVersion", min_sdk), (A, "targetSdkVersion", target)])


P = "android.permission."

FIXTURES: dict[str, Fixture] = {
    # An app that writes some elements with the android: prefix (seen in the wild: three of
    # its permissions were missed), repeats others, and gives maxSdkVersion in hexadecimal.
    "namespaced-elements": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.namespaced",
            [(A, "versionCode", 7), (A, "versionName", "7.0")],
            [
                _uses_sdk(21, 33),
                _perm(P + "INTERNET"),
                _perm(P + "READ_PHONE_STATE", ns=A),
                _perm(P + "CAMERA", ns=A, max_sdk=28),
                _perm(P + "ACCESS_FINE_LOCATION", ns=A),
                _perm(P + "INTERNET"),
                _perm(
                    P + "READ_CONTACTS",
                    tag="uses-permission-sdk-23",
                    max_sdk=Typed(TYPE_INT_HEX, 0x1C),
                ),
                _perm(P + "READ_SMS", tag="uses-permission-sdk-23", ns=A),
                El(
                    "application",
                    [(A, "label", "Namespaced")],
                    [
                        _launcher(".Main", ns=A),
                        El("service", [(A, "name", "com.example.push.PushService")], ns=A),
                        El("receiver", [(A, "name", "Boot")]),
                        El(
                            "provider",
                            [(A, "name", ".Files"), (A, "authorities", "org.piscan.fixture.files")],
                            ns=A,
                        ),
                    ],
                ),
            ],
        ),
        resources=(("greeting", {DEFAULT: "Hello"}),),
        version_code=7,
        version_name="7.0",
        label="Namespaced",
        min_sdk=21,
        target_sdk=33,
        permissions=frozenset(
            {
                (P + "INTERNET", None, False),
                (P + "READ_PHONE_STATE", None, False),
                (P + "CAMERA", 28, False),
                (P + "ACCESS_FINE_LOCATION", None, False),
                (P + "READ_CONTACTS", 28, True),
                (P + "READ_SMS", None, True),
            }
        ),
        components=frozenset(
            {
                ("activity", "org.piscan.fixture.namespaced.Main"),
                ("service", "com.example.push.PushService"),
                ("receiver", "org.piscan.fixture.namespaced.Boot"),
                ("provider", "org.piscan.fixture.namespaced.Files"),
            }
        ),
    ),
    # An element literally named "android:uses-permission", in no namespace: Android and aapt
    # compare the name as written, so it is no permission (androguard would move the prefix
    # into the namespace; pi-scan reads such a manifest with its own reader and says so).
    "prefix-in-name": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.prefixname",
            [(A, "versionCode", 1), (A, "versionName", "1.0")],
            [
                _uses_sdk(21, 34),
                _perm(P + "INTERNET"),
                _perm(P + "READ_SMS", tag="android:uses-permission"),
                El("application", [(A, "label", "Prefix")], [_launcher(".Main")]),
            ],
        ),
        resources=(("greeting", {DEFAULT: "Hello"}),),
        version_code=1,
        version_name="1.0",
        label="Prefix",
        min_sdk=21,
        target_sdk=34,
        permissions=frozenset({(P + "INTERNET", None, False)}),
        components=frozenset({("activity", "org.piscan.fixture.prefixname.Main")}),
        warnings=(
            "AndroidManifest.xml: read as Android reads it, not by androguard "
            "(it has element names androguard rewrites)",
        ),
    ),
    # The same attribute twice: Android and aapt read the first (androguard would keep the
    # last; pi-scan reads such a manifest with its own reader and says so).
    "repeated-attribute": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.twice",
            [
                (A, "versionCode", 6),
                (A, "versionName", "6.0-first"),
                (A, "versionName", "6.0-second"),
            ],
            [
                _uses_sdk(21, 34),
                _perm(P + "CAMERA"),
                El(
                    "application",
                    [(A, "label", "First label"), (A, "label", "Second label")],
                    [_launcher(".Main")],
                ),
            ],
        ),
        resources=(("greeting", {DEFAULT: "Hello"}),),
        version_code=6,
        version_name="6.0-first",
        label="First label",
        min_sdk=21,
        target_sdk=34,
        permissions=frozenset({(P + "CAMERA", None, False)}),
        components=frozenset({("activity", "org.piscan.fixture.twice.Main")}),
        warnings=(
            "AndroidManifest.xml: read as Android reads it, not by androguard "
            "(an element repeats an attribute, which androguard reads last)",
        ),
    ),
    # Two <application>: Android reads the first and skips the second ("<manifest> has more
    # than one <application>"); the same activity declared twice is one component.
    "two-applications": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.twoapps",
            [(A, "versionCode", 5), (A, "versionName", "5")],
            [
                _uses_sdk(21, 34),
                El(
                    "application", [(A, "label", "First")], [_launcher(".Main"), _launcher(".Main")]
                ),
                El(
                    "application",
                    [(A, "label", "Second")],
                    [El("service", [(A, "name", ".Extra")])],
                ),
            ],
        ),
        resources=(("greeting", {DEFAULT: "Hello"}),),
        version_code=5,
        version_name="5",
        label="First",
        min_sdk=21,
        target_sdk=34,
        components=frozenset({("activity", "org.piscan.fixture.twoapps.Main")}),
    ),
    # Two <uses-sdk>: the last one counts.  versionCode in hexadecimal.
    "repeated-uses-sdk": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.usessdk",
            [(A, "versionCode", Typed(TYPE_INT_HEX, 0x2A)), (A, "versionName", "4.2")],
            [
                _uses_sdk(15, 22),
                _perm(P + "READ_PHONE_STATE"),
                _uses_sdk(23, 34),
                El("application", [(A, "label", "Repeated")], [_launcher(".Main")]),
            ],
        ),
        resources=(("greeting", {DEFAULT: "Hello"}),),
        version_code=42,
        version_name="4.2",
        label="Repeated",
        min_sdk=23,
        target_sdk=34,
        permissions=frozenset({(P + "READ_PHONE_STATE", None, False)}),
        components=frozenset({("activity", "org.piscan.fixture.usessdk.Main")}),
    ),
    # versionName and label as references (android:versionName="@7F010000" in the dumps of two
    # real apps).  aapt reads versionName on an English (US) device with a very high API level:
    # values-en beats values-v21, which beats values/.  The label is the one without a locale;
    # the Chinese label the zh-rCN one.
    "referenced-version-and-label": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.references",
            [(A, "versionCode", 12), (A, "versionName", ref(0))],
            [
                _uses_sdk(21, 34),
                El("application", [(A, "label", ref(1))], [_launcher(".Main")]),
            ],
        ),
        resources=(
            (
                "version_name",
                {DEFAULT: "3.1.0", Qualifiers(sdk=21): "3.1.0-v21", Qualifiers("en"): "3.1.0-en"},
            ),
            (
                "app_name",
                {
                    DEFAULT: "Reference Reader",
                    Qualifiers("en", "GB"): "Reference Reader (UK)",
                    Qualifiers("zh", "CN"): "引用阅读器",
                    Qualifiers("zh", "TW"): "引用閱讀器",
                },
            ),
        ),
        version_code=12,
        version_name="3.1.0-en",
        label="Reference Reader",
        label_zh="引用阅读器",
        min_sdk=21,
        target_sdk=34,
        components=frozenset({("activity", "org.piscan.fixture.references.Main")}),
    ),
    # A versionName with no English value: values-v21 beats values/ (and values-xxhdpi, a
    # density farther from aapt's mdpi).
    "version-by-api-level": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.apilevel",
            [(A, "versionCode", 50), (A, "versionName", ref(0))],
            [
                _uses_sdk(24, 34),
                El("application", [(A, "label", "API level")], [_launcher(".Main")]),
            ],
        ),
        resources=(
            (
                "version_name",
                {
                    DEFAULT: "5.0",
                    Qualifiers(sdk=21): "5.0-v21",
                    Qualifiers(density=480): "5.0-xxhdpi",
                },
            ),
        ),
        version_code=50,
        version_name="5.0-v21",
        label="API level",
        min_sdk=24,
        target_sdk=34,
        components=frozenset({("activity", "org.piscan.fixture.apilevel.Main")}),
    ),
    # A label with no default value in a table whose every value has a locale: aapt takes the
    # first locale (sorted) that has one, and the Chinese label is traditional Chinese, the
    # only Chinese there is.  The label goes through an alias (app_name -> real_name).
    "no-default-label": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.nodefault",
            [(A, "versionCode", 51), (A, "versionName", "5.1")],
            [_uses_sdk(24, 34), El("application", [(A, "label", ref(0))], [_launcher(".Main")])],
        ),
        resources=(
            ("app_name", {Qualifiers("de"): ref(1), Qualifiers("zh", "TW"): "無預設"}),
            ("real_name", {Qualifiers("de"): "Ohne Vorgabe"}),
        ),
        version_code=51,
        version_name="5.1",
        label="Ohne Vorgabe",
        label_zh="無預設",
        min_sdk=24,
        target_sdk=34,
        components=frozenset({("activity", "org.piscan.fixture.nodefault.Main")}),
    ),
    # A Chinese label the label resource does not have: a zh-rCN device shows the default.
    "label-without-chinese": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.nochinese",
            [(A, "versionCode", 2), (A, "versionName", "2")],
            [
                _uses_sdk(21, 34),
                El("application", [(A, "label", ref(0))], [_launcher(".Main")]),
            ],
        ),
        resources=(
            ("app_name", {DEFAULT: "Plain", Qualifiers("fr"): "Simple"}),
            ("other", {DEFAULT: "x", Qualifiers("zh", "CN"): "某"}),
        ),
        version_code=2,
        version_name="2",
        label="Plain",
        label_zh="Plain",
        min_sdk=21,
        target_sdk=34,
        components=frozenset({("activity", "org.piscan.fixture.nochinese.Main")}),
    ),
    # A label written as text in an app whose table has Chinese values (of other strings): a
    # zh-rCN device shows the text, and aapt lists it as the Chinese label.
    "literal-label-chinese-table": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.literal",
            [(A, "versionCode", 3), (A, "versionName", "3.0")],
            [_uses_sdk(21, 34), El("application", [(A, "label", "Literal")], [_launcher(".Main")])],
        ),
        resources=(("greeting", {DEFAULT: "Hello", Qualifiers("zh", "CN"): "你好"}),),
        version_code=3,
        version_name="3.0",
        label="Literal",
        label_zh="Literal",
        min_sdk=21,
        target_sdk=34,
        components=frozenset({("activity", "org.piscan.fixture.literal.Main")}),
    ),
    # No versionCode, no versionName, no label.
    "no-version": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.noversion",
            [],
            [_uses_sdk(21, 34), El("application", [], [El("activity", [(A, "name", ".Main")])])],
        ),
        min_sdk=21,
        target_sdk=34,
        components=frozenset({("activity", "org.piscan.fixture.noversion.Main")}),
    ),
    # A versionName reference that the table does not have: no version name, and a warning.
    # versionCode is a reference, which the platform resolves (aapt does not: it stops).
    "dangling-version-reference": Fixture(
        manifest=_manifest(
            "org.piscan.fixture.dangling",
            [(A, "versionCode", ref(1)), (A, "versionName", ref(5))],
            [_uses_sdk(21, 34), El("application", [(A, "label", "Dangling")])],
        ),
        resources=(("app_name", {DEFAULT: "unused"}), ("version_code", {DEFAULT: 9})),
        version_code=9,
        label="Dangling",
        min_sdk=21,
        target_sdk=34,
        warnings=("android:versionName @7F010005 does not resolve in resources.arsc",),
        aapt_refuses=True,  # "attribute is not an integer value", "... not a string value"
    ),
}
