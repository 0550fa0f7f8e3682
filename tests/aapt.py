"""What Debian's `aapt` (Android Asset Packaging Tool) reports about an APK's manifest.

`aapt dump badging`, `aapt dump permissions` and `aapt dump xmltree APK AndroidManifest.xml`
are the reference the manifest facts are checked against (tests/test_aapt.py, the slow
tests/test_real_apks.py, and `python benchmarks/precision.py aapt` on the real-APK corpus).  Install it with `apt-get install aapt`; without it those tests
skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pi_scan.model import ApkFacts

AAPT = shutil.which("aapt")
MISSING = "aapt is not installed (apt-get install aapt); the comparison with aapt is skipped"
NAME_ATTR = "0x01010003"

_FIELD = re.compile(r"([\w-]+)='((?:\\.|[^'\\])*)'")
_LOCALE_LABEL = re.compile(r"application-label(?:-([\w-]+))?:'((?:\\.|[^'\\])*)'$")


class AaptError(Exception):
    """aapt is missing, or stopped with an error on this APK."""


def _run(*args: str) -> str:
    if AAPT is None:
        raise AaptError(MISSING)
    done = subprocess.run([AAPT, *args], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise AaptError(f"aapt {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _fields(line: str) -> dict[str, str]:
    return {key: _unescape(value) for key, value in _FIELD.findall(line)}


Permission = tuple[str, "int | None", bool]  # (name, maxSdkVersion, uses-permission-sdk-23)


@dataclass
class Badging:
    """The manifest facts in `aapt dump badging` output."""

    package: str = ""
    version_code: int | None = None
    version_name: str = ""
    min_sdk: int | None = None
    target_sdk: int | None = None
    label: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # "" for application-label
    launchable_labels: list[str] = field(default_factory=list)
    permissions: set[Permission] = field(default_factory=set)
    implied: set[str] = field(default_factory=set)  # uses-implied-permission names


def badging(apk: Path) -> Badging:
    out = Badging()
    applications = 0  # <application> elements seen; aapt prints labels for each
    for line in _run("dump", "badging", str(apk)).splitlines():
        key, _, rest = line.partition(":")
        values = _fields(line)
        if key == "package":
            out.package = values["name"]
            code = values.get("versionCode", "")
            out.version_code = int(code) if code else None
            out.version_name = values.get("versionName", "")
        elif key == "sdkVersion":  # several <uses-sdk>: Debian's aapt prints each one
            out.min_sdk = _int(rest)
        elif key == "targetSdkVersion":
            out.target_sdk = _int(rest)
        elif key in ("uses-permission", "uses-permission-sdk-23"):
            max_sdk = values.get("maxSdkVersion")
            sdk23 = key == "uses-permission-sdk-23"
            out.permissions.add((values["name"], int(max_sdk) if max_sdk else None, sdk23))
        elif key == "uses-implied-permission":
            out.implied.add(values["name"])
        elif key == "application" and not applications:  # Android reads the first one
            applications += 1
            out.label = values.get("label", "")
        elif key == "launchable-activity":
            out.launchable_labels.append(values.get("label", ""))
        elif (found := _LOCALE_LABEL.match(line)) is not None and not applications:
            out.labels[found.group(1) or ""] = _unescape(found.group(2))
    return out


def _int(text: str) -> int | None:
    text = text.strip().strip("'")
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def permissions(apk: Path) -> set[Permission]:
    """`aapt dump permissions`: the uses-permission elements as written."""
    found: set[Permission] = set()
    for line in _run("dump", "permissions", str(apk)).splitlines():
        key, _, _ = line.partition(":")
        if key in ("uses-permission", "uses-permission-sdk-23"):
            values = _fields(line)
            max_sdk = values.get("maxSdkVersion")
            sdk23 = key == "uses-permission-sdk-23"
            found.add((values["name"], int(max_sdk) if max_sdk else None, sdk23))
    return found


@dataclass
class XmlElement:
    name: str  # without a namespace prefix, as Android reads it
    attributes: dict[str, str] = field(default_factory=dict)  # by resource id, or by name
    children: list[XmlElement] = field(default_factory=list)


_ELEMENT = re.compile(r"^( *)E: (?:[^ :]+:)?([^ ]+) \(line=\d+\)$")
_ATTRIBUTE = re.compile(r'^( *)A: ([^=(]+)(?:\((0x[0-9a-f]{8})\))?=(?:"((?:\\.|[^"\\])*)"|(.*))')


def xmltree(apk: Path) -> XmlElement:
    """`aapt dump xmltree APK AndroidManifest.xml` as a tree; string attribute values are
    keyed by their resource id ("0x01010003" is android:name) when they have one."""
    root = XmlElement("")
    stack: list[tuple[int, XmlElement]] = [(-1, root)]
    for line in _run("dump", "xmltree", str(apk), "AndroidManifest.xml").splitlines():
        if (element := _ELEMENT.match(line)) is not None:
            depth = len(element.group(1))
            while stack[-1][0] >= depth:
                stack.pop()
            node = XmlElement(element.group(2))
            stack[-1][1].children.append(node)
            stack.append((depth, node))
        elif (attribute := _ATTRIBUTE.match(line)) is not None:
            key = attribute.group(3) or attribute.group(2)
            value = attribute.group(4)
            stack[-1][1].attributes[key] = _unescape(value) if value is not None else ""
    return root.children[0]


def components(apk: Path) -> set[tuple[str, str]]:
    """(kind, class name) of the components declared in the first <application>, with names
    qualified as PackageParser does."""
    manifest = xmltree(apk)
    package = manifest.attributes["package"]
    application = next((e for e in manifest.children if e.name == "application"), None)
    found: set[tuple[str, str]] = set()
    for item in application.children if application else []:
        name = item.attributes.get(NAME_ATTR)
        if item.name in ("activity", "activity-alias", "service", "receiver", "provider") and name:
            qualified = package + name if name.startswith(".") else name
            found.add((item.name, qualified if "." in qualified else f"{package}.{name}"))
    return found


ZH_ORDER = ("zh-CN", "zh", "zh-TW", "zh-HK", "zh-MO", "zh-SG")


@dataclass(frozen=True)
class Disagreement:
    """One manifest fact pi-scan and aapt read differently.  For permissions, `ours` and
    `theirs` hold only the entries the other side lacks."""

    field: str
    ours: object
    theirs: object


FIELDS = (
    "package",
    "permissions (badging)",
    "permissions (dump permissions)",
    "versionCode",
    "versionName",
    "minSdkVersion",
    "targetSdkVersion",
    "label",
    "label_zh",
    "components",
)


def compare(apk: Path, facts: ApkFacts) -> list[Disagreement]:
    """Where pi-scan's manifest facts disagree with what aapt reports, in FIELDS order.

    aapt leaves out what it cannot read: versionCode '' when absent or not positive,
    versionName '' when absent.  Permissions aapt only implies (`uses-implied-permission`,
    granted to apps targeting API level 3 or lower) are not compared.  When the application
    has no label, pi-scan takes the launcher activity's, which aapt prints on its own line.
    """
    seen = badging(apk)
    found: list[Disagreement] = []

    def check(what: str, ours: object, theirs: object) -> None:
        if ours != theirs:
            found.append(Disagreement(what, ours, theirs))

    def check_set(what: str, ours: set[Permission], theirs: set[Permission]) -> None:
        if ours != theirs:
            found.append(
                Disagreement(what, sorted(ours - theirs, key=str), sorted(theirs - ours, key=str))
            )

    declared = {p for p in seen.permissions if p[0] not in seen.implied}
    ours = {(p.name, p.max_sdk, p.sdk23) for p in facts.permissions}
    check("package", facts.package, seen.package)
    check_set("permissions (badging)", ours, declared)
    check_set("permissions (dump permissions)", ours, permissions(apk))
    code = facts.version_code if facts.version_code and facts.version_code > 0 else None
    check("versionCode", code, seen.version_code)
    check("versionName", facts.version_name or "", seen.version_name)
    check("minSdkVersion", facts.min_sdk, seen.min_sdk)
    check("targetSdkVersion", facts.target_sdk, seen.target_sdk)
    label = seen.label or next(iter(seen.launchable_labels), "")
    check("label", facts.label or "", label)
    chinese = [loc for loc in ZH_ORDER if loc in seen.labels] + sorted(
        loc for loc in seen.labels if loc.partition("-")[0] == "zh"
    )
    check("label_zh", facts.label_zh, seen.labels[chinese[0]] if chinese else None)
    ours_components = {(c.kind, c.name) for c in facts.components}
    theirs_components = components(apk)
    if ours_components != theirs_components:
        found.append(
            Disagreement(
                "components",
                sorted(ours_components - theirs_components),
                sorted(theirs_components - ours_components),
            )
        )
    return found


def differences(apk: Path, facts: ApkFacts) -> list[str]:
    """compare(), one line each."""
    return [
        f"{apk.name}: {d.field}: pi-scan {d.ours!r}, aapt {d.theirs!r}" for d in compare(apk, facts)
    ]
